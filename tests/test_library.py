"""The library: several documents in one index, added, updated and removed without re-embedding the rest.

The fake embedder counts the texts it embeds, so "embeds only the new document" is measured, not assumed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from qa.cli import cli
from qa.errors import QAError, SourceError
from qa.index import CACHE, CURRENT, VIEWS, add_documents, build_index, load_index, read_manifest, remove_documents
from qa.retrieval import Retriever
from qa.sources import from_text

TESTS = Path(__file__).resolve().parent
STORM = (
    "Storm Hits Coast\n\n"
    "A storm hit the northern coast on Monday. Three fishing boats sank in the harbour.\n\n"
    "The mayor promised help. Schools will stay closed until Friday.\n"
)  # 5 sentences
BRIDGE = "Bridge Reopens\n\nThe old bridge reopened on Tuesday. Engineers replaced forty cables.\n"  # 3 sentences
MARKET = "# Market Day\n\nThe farmers market moved to the square. It opens at eight on Saturdays.\n"  # 3 sentences
FESTIVAL = (
    "<html><head><title>Festival</title></head><body><article><h1>Festival</h1>"
    "<p>The music festival sold ten thousand tickets in one hour. The headline act is a local choir.</p>"
    "</article></body></html>"
)  # 3 sentences
NOTES = "Pasted notes about the ferry. The ferry runs every twenty minutes."  # 2 sentences


class Counting:
    """Wraps the fake embedder's batch function: how many texts were embedded."""

    def __init__(self, embedder) -> None:  # noqa: ANN001
        self.texts = 0
        self._real = embedder._embed
        embedder._embed = self

    def __call__(self, texts: list[str], *, query: bool) -> np.ndarray:
        self.texts += len(texts)
        return self._real(texts, query=query)

    def take(self) -> int:
        n, self.texts = self.texts, 0
        return n


@pytest.fixture
def counting(fake_embedder) -> Counting:
    return Counting(fake_embedder)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "folder"
    folder.mkdir()
    paths = {
        "storm": tmp_path / "storm.txt",
        "bridge": folder / "bridge.txt",
        "market": folder / "market.md",
        "festival": folder / "festival.html",
    }
    for key, text in (("storm", STORM), ("bridge", BRIDGE), ("market", MARKET), ("festival", FESTIVAL)):
        paths[key].write_text(text, encoding="utf-8")
    return paths


def _ids(index_dir: Path) -> list[str]:
    return [d.id for d in read_manifest(index_dir)[1].documents]


def _snapshot(index_dir: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(index_dir)): p.read_bytes()
        for p in sorted(index_dir.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


# --- building ----------------------------------------------------------------------------------------------------


def test_files_a_folder_and_pasted_text_in_one_build(tmp_path, files, counting):
    notes = from_text(NOTES, "Ferry notes")
    manifest = build_index([files["storm"], files["bridge"].parent, notes], tmp_path / "idx", model="fake-hash")
    assert [(d.id, d.kind, d.title, d.sentences, d.first) for d in manifest.documents] == [
        ("storm", "text", "Storm Hits Coast", 5, 0),
        ("bridge", "text", "Bridge Reopens", 3, 5),  # the folder's files in name order
        ("festival", "html", "Festival", 3, 8),
        ("market", "markdown", "Market Day", 3, 11),
        ("pasted-ferry-notes", "pasted", "Ferry notes", 2, 14),
    ]
    assert manifest.sentences == 16 and counting.take() == 16 * len(VIEWS)
    retriever = Retriever.load(tmp_path / "idx")
    answer = retriever.ask("The ferry runs every twenty minutes.", k=1)  # the fake model matches words, not meaning
    assert answer.citations[0].text == "The ferry runs every twenty minutes."
    assert answer.citations[0].document_id == "pasted-ferry-notes" and answer.citations[0].document == "Ferry notes"


def test_a_rebuild_of_an_unchanged_library_embeds_nothing(tmp_path, files, counting):
    sources = [files["storm"], files["bridge"].parent]
    first = build_index(sources, tmp_path / "idx", model="fake-hash")
    assert counting.take() == 14 * len(VIEWS)
    second = build_index(sources, tmp_path / "idx", model="fake-hash")
    assert counting.take() == 0  # every vector from the cache
    assert [d.id for d in second.documents] == [d.id for d in first.documents]
    a, b = load_index(tmp_path / "idx"), Retriever.load(tmp_path / "idx")
    assert a.manifest.sentences == 14
    assert b.ask("Three fishing boats sank in the harbour.").citations[0].text == (
        "Three fishing boats sank in the harbour."
    )


def test_a_damaged_cache_file_is_ignored_and_embedded_again(tmp_path, files, counting):
    build_index(files["storm"], tmp_path / "idx", model="fake-hash")
    counting.take()
    cache = tmp_path / "idx" / CACHE
    (dense,), (sparse,) = sorted(cache.glob("vec-*.npy")), sorted(cache.glob("sps-*.npz"))
    for damage in (
        lambda: dense.write_bytes(dense.read_bytes()[:60]),  # truncated
        lambda: np.save(dense, np.array([{"a": 1}], dtype=object), allow_pickle=True),  # pickled: never loaded
        lambda: dense.write_bytes(b"garbage"),
        lambda: np.savez(sparse, indptr=np.array([{"a": 1}], dtype=object)),  # pickled: never loaded
        lambda: sparse.write_bytes(sparse.read_bytes()[:100]),
    ):
        damage()
        build_index(files["storm"], tmp_path / "idx", model="fake-hash")
        assert counting.take() == 5  # the five sentences, embedded again
        answer = Retriever.load(tmp_path / "idx").ask("Which boats sank?", k=1)
        assert answer.citations[0].text == "Three fishing boats sank in the harbour."
        counting.take()  # the question's embedding
        assert np.load(dense, allow_pickle=False).shape == (5, 64)  # and the cache repaired
        with np.load(sparse, allow_pickle=False) as stored:
            assert len(stored["indptr"]) == 6


def test_a_damaged_parse_cache_entry_is_ignored(tmp_path, files, fake_embedder):
    build_index(files["storm"], tmp_path / "idx", model="fake-hash")
    for path in (tmp_path / "idx" / CACHE).glob("doc-*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        data["sentences"][1]["text"] = "A forged sentence."  # no longer a slice of its text
        path.write_text(json.dumps(data), encoding="utf-8")
    build_index(files["storm"], tmp_path / "idx", model="fake-hash")
    assert "A forged sentence." not in [s.text for s in load_index(tmp_path / "idx").sentences]


def test_cache_entries_unused_for_weeks_are_collected(tmp_path, files, counting):
    build_index(files["storm"], tmp_path / "idx", model="fake-hash")
    cache = tmp_path / "idx" / CACHE
    weeks_ago = time.time() - 40 * 86400
    for path in cache.iterdir():
        os.utime(path, (weeks_ago, weeks_ago))
    leftover = cache / ".vec-0123.4567.npy"  # what a process killed while writing the cache leaves
    leftover.write_bytes(b"half")
    os.utime(leftover, (time.time() - 7200, time.time() - 7200))
    counting.take()
    add_documents([files["bridge"]], tmp_path / "idx")  # a new build: the garbage collector runs
    assert counting.take() == 3 * len(VIEWS)
    assert not leftover.exists()
    assert len(list(cache.glob("vec-*.npy"))) == len(VIEWS)  # the bridge's; the storm's had not been used
    build_index([files["storm"], files["bridge"]], tmp_path / "idx", model="fake-hash")
    assert counting.take() == 5 * len(VIEWS)  # the storm embedded again, the bridge from the cache


# --- adding ------------------------------------------------------------------------------------------------------


def test_add_embeds_only_the_new_document(tmp_path, files, counting):
    build_index(files["storm"], tmp_path / "idx", model="fake-hash")
    counting.take()
    shutil.rmtree(tmp_path / "idx" / CACHE)  # not thanks to the cache: the library knows what it holds
    change = add_documents([files["bridge"]], tmp_path / "idx")
    assert counting.take() == 3 * len(VIEWS)  # the bridge's three sentences, nothing of the storm's
    assert (change.added, change.updated, change.unchanged, change.removed) == (["bridge"], [], [], [])
    assert _ids(tmp_path / "idx") == ["storm", "bridge"]
    retriever = Retriever.load(tmp_path / "idx")
    assert retriever.ask("How many cables were replaced?", k=1).citations[0].text == (
        "Engineers replaced forty cables."
    )
    assert retriever.ask("Which boats sank?", k=1).citations[0].text == "Three fishing boats sank in the harbour."


def test_re_adding_an_unchanged_source_embeds_nothing_and_says_so(tmp_path, files, counting):
    build_index([files["storm"], from_text(NOTES, "Ferry notes")], tmp_path / "idx", model="fake-hash")
    counting.take()
    before = _snapshot(tmp_path / "idx")
    shutil.rmtree(tmp_path / "idx" / CACHE)
    change = add_documents([files["storm"], from_text(NOTES, "Other title")], tmp_path / "idx")
    assert counting.take() == 0
    assert (change.added, change.updated, change.unchanged) == ([], [], ["storm", "pasted-ferry-notes"])
    after = _snapshot(tmp_path / "idx")
    assert {k: v for k, v in after.items() if not k.startswith(CACHE)} == {
        k: v for k, v in before.items() if not k.startswith(CACHE)
    }  # no new build: the same CURRENT, manifest and files


def test_a_changed_file_is_updated_keeping_its_id(tmp_path, files, counting):
    build_index([files["storm"], files["bridge"]], tmp_path / "idx", model="fake-hash")
    counting.take()
    files["storm"].write_text(STORM + "\nA second storm is expected on Sunday.\n", encoding="utf-8")
    change = add_documents([files["storm"]], tmp_path / "idx")
    assert (change.added, change.updated, change.unchanged) == ([], ["storm"], [])
    assert counting.take() == 6 * len(VIEWS)  # the storm's six sentences, nothing of the bridge's
    _, manifest = read_manifest(tmp_path / "idx")
    assert [(d.id, d.sentences) for d in manifest.documents] == [("storm", 6), ("bridge", 3)]
    answer = Retriever.load(tmp_path / "idx").ask("When is the second storm expected?", k=1, document="storm")
    assert answer.citations[0].text == "A second storm is expected on Sunday."
    assert answer.citations[0].source == str(files["storm"])  # cited in place: the file is what was indexed


def test_a_file_whose_bytes_changed_but_not_its_text_is_fresh_again_after_add(tmp_path, files, counting):
    """Used to loop: `qa index info` called the file stale and its fix, `qa index add`, said "unchanged" and left
    the recorded checksum as it was (line ends converted: the stored text, with "\\n", is the same)."""
    build_index(files["storm"], tmp_path / "idx", model="fake-hash")
    counting.take()
    files["storm"].write_bytes(STORM.replace("\n", "\r\n").encode())
    runner = CliRunner()
    info = runner.invoke(cli, ["index", "info", "--index-dir", str(tmp_path / "idx")])
    assert info.stdout.splitlines()[-1].startswith("status:        stale: 1 of 1 document (storm)")
    result = runner.invoke(cli, ["index", "add", str(files["storm"]), "--index-dir", str(tmp_path / "idx")])
    assert (result.exit_code, result.stdout) == (0, "unchanged: storm\nThe index now holds 1 document, 5 sentences.\n")
    assert counting.take() == 0
    info = runner.invoke(cli, ["index", "info", "--index-dir", str(tmp_path / "idx")])
    assert info.stdout.splitlines()[-1] == "status:        fresh"


def test_two_adds_at_once_both_land(tmp_path, files, fake_embedder):
    build_index(files["storm"], tmp_path / "idx", model="fake-hash")
    errors: list[BaseException] = []

    def add(path: Path) -> None:
        try:
            add_documents([path], tmp_path / "idx")
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(files[k],)) for k in ("bridge", "market")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(_ids(tmp_path / "idx")) == ["bridge", "market", "storm"]
    assert load_index(tmp_path / "idx").manifest.sentences == 11


_ADDER = r"""
import sys
sys.path.insert(0, sys.argv[1])
from conftest import FakeEmbedder
from qa.embed import register_embedder
from qa.index import add_documents

register_embedder(FakeEmbedder())
add_documents([sys.argv[3]], sys.argv[2])
"""


def test_two_adding_processes_at_once_both_land(tmp_path, files, fake_embedder):
    build_index(files["storm"], tmp_path / "idx", model="fake-hash")
    processes = [
        subprocess.Popen([sys.executable, "-c", _ADDER, str(TESTS), str(tmp_path / "idx"), str(files[k])])
        for k in ("bridge", "festival")
    ]
    assert [p.wait(timeout=300) for p in processes] == [0, 0]
    assert sorted(_ids(tmp_path / "idx")) == ["bridge", "festival", "storm"]
    builds = [p for p in (tmp_path / "idx").iterdir() if p.is_dir() and p.name not in ("texts", "cache")]
    assert len(builds) == 2 and (tmp_path / "idx" / CURRENT).read_text() in {p.name for p in builds}


# --- refusals ----------------------------------------------------------------------------------------------------


def test_the_same_source_twice_in_one_command_is_refused(tmp_path, files, fake_embedder):
    with pytest.raises(SourceError) as info:
        build_index([files["storm"], files["storm"]], tmp_path / "idx", model="fake-hash")
    assert str(info.value) == f"duplicate source: {files['storm']} is given twice"
    with pytest.raises(SourceError) as info:  # a file and the folder that holds it
        build_index([files["bridge"], files["bridge"].parent], tmp_path / "idx", model="fake-hash")
    assert str(info.value) == f"duplicate source: {files['bridge']} is given twice"
    assert not (tmp_path / "idx").exists()


def test_the_same_text_under_two_paths_is_refused(tmp_path, files, fake_embedder):
    copy = tmp_path / "copy of storm.txt"
    copy.write_text(STORM, encoding="utf-8")
    with pytest.raises(SourceError) as info:
        build_index([files["storm"], copy], tmp_path / "idx", model="fake-hash")
    assert str(info.value) == f"duplicate source: {copy} has the same text as {files['storm']}"
    build_index(files["storm"], tmp_path / "idx", model="fake-hash")
    before = _snapshot(tmp_path / "idx")
    with pytest.raises(SourceError) as info:  # already in the library under another path
        add_documents([copy], tmp_path / "idx")
    assert str(info.value) == f"duplicate source: {copy} has the same text as document 'storm' ({files['storm']})"
    assert _snapshot(tmp_path / "idx") == before


def test_a_bad_source_among_good_ones_changes_nothing(tmp_path, files, counting):
    build_index(files["storm"], tmp_path / "idx", model="fake-hash")
    before = _snapshot(tmp_path / "idx")
    counting.take()
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9")
    with pytest.raises(SourceError, match=re.escape(f"not valid UTF-8: byte 0xe9 at offset 3: {bad}")):
        add_documents([files["bridge"], bad], tmp_path / "idx")
    assert counting.take() == 0 and _snapshot(tmp_path / "idx") == before


def test_remove_an_unknown_id_names_the_known_ones_and_the_last_document_stays(tmp_path, files, fake_embedder):
    build_index([files["storm"], files["bridge"]], tmp_path / "idx", model="fake-hash")
    before = _snapshot(tmp_path / "idx")
    with pytest.raises(QAError) as info:
        remove_documents(["nope"], tmp_path / "idx")
    assert str(info.value) == f"no document 'nope' in {tmp_path / 'idx'}; its documents are: bridge, storm"
    with pytest.raises(QAError) as info:
        remove_documents(["storm", "bridge"], tmp_path / "idx")
    assert str(info.value) == (
        f"refusing to remove every document of {tmp_path / 'idx'}: an index needs at least one; "
        f"build a new one with: qa index build --source FILE --index-dir {tmp_path / 'idx'}"
    )
    assert _snapshot(tmp_path / "idx") == before
    change = remove_documents(["storm"], tmp_path / "idx")
    assert change.removed == ["storm"] and _ids(tmp_path / "idx") == ["bridge"]
    loaded = load_index(tmp_path / "idx")
    assert [s.text for s in loaded.sentences] == ["Bridge Reopens", "The old bridge reopened on Tuesday.",
                                                  "Engineers replaced forty cables."]  # fmt: skip
    # the stored texts are those of the live build and of the one before it (a reader may still be opening it)
    kept = [p for p in (tmp_path / "idx").iterdir() if p.is_dir() and p.name not in ("texts", "cache")]
    cited = {d["text"] for b in kept for d in json.loads((b / "manifest.json").read_text())["documents"]}
    assert sorted(p.name for p in (tmp_path / "idx" / "texts").iterdir()) == sorted(cited)
    assert len(cited) == 2 and loaded.manifest.documents[0].text in cited
    with pytest.raises(QAError, match="refusing to remove every document"):
        remove_documents(["bridge"], tmp_path / "idx")


# --- asking one document -----------------------------------------------------------------------------------------


def test_ask_one_document_cites_only_it(tmp_path, files, fake_embedder):
    build_index([files["storm"], files["bridge"].parent], tmp_path / "idx", model="fake-hash")
    retriever = Retriever.load(tmp_path / "idx")
    question = "Which boats sank in the harbour?"
    assert retriever.ask(question, k=1).citations[0].document_id == "storm"
    for document in ("bridge", "festival", "market"):
        answer = retriever.ask(question, k=20, document=document)
        assert {c.document_id for c in answer.citations} == {document}
        assert len(answer.citations) == 3  # all of its sentences, none of another's
        for c in answer.citations:
            assert Path(c.source).read_text(encoding="utf-8")[c.start : c.end] == c.text
    with pytest.raises(QAError) as info:
        retriever.ask(question, document="nope")
    assert str(info.value) == "no document 'nope' in the index; its documents are: storm, bridge, festival, market"


# --- the CLI ------------------------------------------------------------------------------------------------------


def test_cli_add_info_remove(tmp_path, files, fake_embedder):
    runner = CliRunner()
    idx = str(tmp_path / "idx")
    build_index(files["storm"], tmp_path / "idx", model="fake-hash")

    result = runner.invoke(cli, ["index", "add", str(files["bridge"].parent), "--index-dir", idx])
    assert (result.exit_code, result.stdout) == (
        0, "added: bridge, festival, market\nThe index now holds 4 documents, 14 sentences.\n"
    )  # fmt: skip
    result = runner.invoke(cli, ["index", "add", str(files["storm"]), "--index-dir", idx])
    assert (result.exit_code, result.stdout) == (
        0,
        "unchanged: storm\nThe index now holds 4 documents, 14 sentences.\n",
    )

    files["bridge"].write_text(BRIDGE + "\nTraffic returns on Monday.\n", encoding="utf-8")
    files["market"].unlink()
    info = runner.invoke(cli, ["index", "info", "--index-dir", idx])
    assert info.exit_code == 0
    documents = info.stdout.split("\n\n")[1].splitlines()
    assert documents == [
        "storm     Storm Hits Coast",
        f"          text, en, 5 sentences, {files['storm']}",
        "          fresh",
        "bridge    Bridge Reopens",
        f"          text, en, 3 sentences, {files['bridge']}",
        f"          stale: {files['bridge']} has changed since the index was built; "
        f"update with: qa index add {files['bridge']} --index-dir {idx}",
        "festival  Festival",
        f"          html, en, 3 sentences, {files['festival']}",
        "          fresh",
        "market    Market Day",
        f"          markdown, en, 3 sentences, {files['market']}",
        f"          stale: {files['market']} no longer exists; "
        f"remove it with: qa index remove market --index-dir {idx}",
    ]
    assert info.stdout.splitlines()[-1] == (
        f"status:        stale: 2 of 4 documents (bridge, market); update with: qa index add {files['bridge']} "
        f"--index-dir {idx}; remove with: qa index remove market --index-dir {idx}"
    )

    result = runner.invoke(cli, ["index", "add", str(files["bridge"]), "--index-dir", idx])
    assert (result.exit_code, result.stdout) == (0, "updated: bridge\nThe index now holds 4 documents, 15 sentences.\n")
    result = runner.invoke(cli, ["index", "remove", "market", "festival", "--index-dir", idx])
    assert (result.exit_code, result.stdout) == (
        0, "removed: market, festival\nThe index now holds 2 documents, 9 sentences.\n"
    )  # fmt: skip
    info = runner.invoke(cli, ["index", "info", "--index-dir", idx])
    assert info.stdout.splitlines()[-1] == "status:        fresh"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["index", "remove", "nope"], 1, "Error: no document 'nope' in {idx}; its documents are: storm"),
        (["index", "remove", "storm"], 1, "Error: refusing to remove every document of {idx}: an index needs at "
                                          "least one; build a new one with: qa index build --source FILE "
                                          "--index-dir {idx}"),
        (["index", "add", "{missing}"], 1, "Error: source file not found: {missing}"),
        (["index", "add", "{storm}", "{storm}"], 1, "Error: duplicate source: {storm} is given twice"),
        (["index", "add"], 2, "Error: Missing argument 'SOURCES...'."),
        (["index", "remove"], 2, "Error: Missing argument 'DOCUMENTS...'."),
    ],
)  # fmt: skip
def test_cli_add_and_remove_errors(tmp_path, files, fake_embedder, args, code, message):
    idx = tmp_path / "idx"
    build_index(files["storm"], idx, model="fake-hash")
    before = _snapshot(idx)
    fields = {"idx": idx, "storm": files["storm"], "missing": tmp_path / "missing.txt"}
    result = CliRunner().invoke(cli, [a.format(**fields) for a in args] + ["--index-dir", str(idx)])
    assert result.exit_code == code
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == message.format(**fields) and "Traceback" not in result.stderr
    assert _snapshot(idx) == before


def test_cli_add_to_a_missing_index_says_how_to_build_one(tmp_path, files):
    result = CliRunner().invoke(cli, ["index", "add", str(files["storm"]), "--index-dir", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: no index in {tmp_path / 'none'}; build it with: qa index build --index-dir {tmp_path / 'none'}\n"
    )
    assert not (tmp_path / "none").exists()


# --- uploads (the web app) -----------------------------------------------------------------------------------------


def test_an_upload_is_recorded_by_its_name_and_never_goes_stale(tmp_path, files, fake_embedder):
    """Uploads used to be recorded by the web server's temporary path, and listed as gone once it was cleaned."""
    from qa.sources import Upload

    idx = tmp_path / "idx"
    build_index(files["storm"], idx, model="fake-hash")
    for n, text in enumerate((BRIDGE, MARKET.replace("# ", ""))):
        temporary = tmp_path / f"gradio-{n}" / "notes.txt"
        temporary.parent.mkdir()
        temporary.write_text(text, encoding="utf-8")
        change = add_documents([Upload(str(temporary), "notes.txt")], idx)
        temporary.unlink()  # the upload is removed once added
        assert change.added == ["notes" if n == 0 else "notes-2"]  # two people's notes.txt are two documents
    info = CliRunner().invoke(cli, ["index", "info", "--index-dir", str(idx)])
    assert info.exit_code == 0
    documents = info.stdout.split("\n\n")[1].splitlines()
    assert documents[3:] == [
        "notes    Bridge Reopens",
        "         text, en, 3 sentences, upload: notes.txt",
        "         fresh",
        "notes-2  Market Day",
        "         text, en, 3 sentences, upload: notes.txt",
        "         fresh",
    ]
    assert info.stdout.splitlines()[-1] == "status:        fresh" and str(tmp_path / "gradio-0") not in info.stdout
    answer = Retriever.load(idx).ask("When did the bridge reopen?", 1, document="notes")
    assert answer.citations[0].text == "The old bridge reopened on Tuesday."  # from the stored text


# --- a library of several languages ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def english_and_ukrainian(tmp_path_factory) -> Retriever:
    from qa.paths import DEFAULT_SOURCE

    directory = tmp_path_factory.mktemp("mixed")
    build_index([DEFAULT_SOURCE, Path("tests/data/docs/dev-article-uk.md")], directory)
    return Retriever.load(directory)


@pytest.mark.parametrize(
    "question", ["Хто такий Кличко?", "Хто створив проєкт «Шукай своїх»?", "Що чекає на російську економіку?"]
)
def test_a_ukrainian_question_about_the_english_article_is_answered_from_it_beside_a_ukrainian_document(
    english_and_ukrainian, question
):
    """Used to break (issue 19): the model scores a sentence in the question's own script higher whatever it says,
    so with a Ukrainian document in the library a Ukrainian question about the English article quoted it."""
    assert english_and_ukrainian.ask(question, k=1).citations[0].document_id == "article"
