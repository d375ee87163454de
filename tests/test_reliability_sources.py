"""Bad sources: every file a person can point `qa index build` at gives a clear error or a sensible index.

A refused source never touches the index directory: the previous build stays live and answers exactly as before,
and no half-written build is left behind. An accepted source gives a complete index whose every sentence is a
verbatim slice of the file.
"""

from __future__ import annotations

import os
import re
import threading
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.cli import cli
from qa.errors import SourceError
from qa.index import CURRENT, build_index, load_index, staleness
from qa.paths import DEFAULT_SOURCE
from qa.retrieval import Retriever
from qa.sources import MAX_SENTENCE_CHARS
from qa.sources import load_source as load_document
from qa.sources import split_text as split_sentences
from tests.conftest import report_cases

STORY = (
    "Storm Hits Coast\n\n"
    "A storm hit the northern coast on Monday. Three fishing boats sank in the harbour.\n\n"
    "The mayor promised help. Schools will stay closed until Friday.\n"
)
QUESTIONS = ["Which boats sank?", "When do schools reopen?", "Who promised help?"]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"

CASES: Counter[str] = Counter()  # cases tried per category, reported at the end of the module


@pytest.fixture(scope="module", autouse=True)
def _report_cases(request: pytest.FixtureRequest):
    yield
    report_cases(request, "sources", CASES)


def _snapshot(index_dir: Path) -> dict[str, bytes]:
    """Every file under the index directory (but the lock) and its bytes."""
    return {
        str(p.relative_to(index_dir)): p.read_bytes()
        for p in sorted(index_dir.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def _answers(index_dir: Path) -> list[dict]:
    retriever = Retriever.load(index_dir)
    return [retriever.ask(q, 3).to_dict() for q in QUESTIONS]


@pytest.fixture
def live_index(tmp_path: Path, fake_embedder) -> Path:
    """A complete index of STORY built with the fake model: the 'previous index' a bad rebuild must not harm."""
    source = tmp_path / "story.txt"
    source.write_text(STORY, encoding="utf-8")
    index_dir = tmp_path / "idx"
    build_index(source, index_dir, model="fake-hash")
    return index_dir


def _bad_source(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.txt"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "whitespace":
        path.write_bytes(b" \n\t\r\n  \n")
    elif kind == "binary":
        path = tmp_path / "picture.png"
        path.write_bytes(PNG * 50)
    elif kind == "utf16":
        path.write_bytes("A storm hit the coast.".encode("utf-16"))
    elif kind == "latin1":
        path.write_bytes("Le café est fermé. Il pleut.".encode("latin-1"))
    elif kind == "punctuation":
        path.write_bytes(b"!!! ... ??? --- ;;;\n\n*** ###")
    elif kind == "emoji":
        path.write_text("😀😀 🎉!\n\n🔥🔥🔥. 👍", encoding="utf-8")
    elif kind == "boilerplate":
        path.write_text("[time-brightcove not-tgx=”true”]\nRelated Articles\n\nBack to top button\n", encoding="utf-8")
    elif kind == "directory":  # a folder is a library of its .txt/.md/.html files; an empty one has none
        path = tmp_path / "a folder"
        path.mkdir()
    elif kind == "folder_of_other_files":
        path = tmp_path / "downloads"
        path.mkdir()
        (path / "scan.pdf").write_bytes(b"%PDF-1.4\n")
        (path / "photo.png").write_bytes(PNG)
        (path / ".hidden.txt").write_text(STORY, encoding="utf-8")  # an editor's or a system's file, not a source
        (path / "notes.txt").mkdir()  # a folder named like a file
    elif kind == "missing":
        path = tmp_path / "no such file.txt"
    elif kind == "broken_symlink":
        path.symlink_to(tmp_path / "gone.txt")
    elif kind == "fifo":
        path = tmp_path / "pipe"
        os.mkfifo(path)
    else:  # pragma: no cover
        raise AssertionError(kind)
    return path


BAD = {
    "empty": "source file is empty: {path}",
    "whitespace": "source file is empty: {path}",
    "binary": "source file looks binary (NUL byte at offset 8), expected UTF-8 text: {path}",
    "utf16": "source file looks binary (NUL byte at offset 3), expected UTF-8 text: {path}",
    "latin1": "source file is not valid UTF-8: byte 0xe9 at offset 6: {path}",
    "punctuation": "source file has no article text to index: {path}",
    "emoji": "source file has no article text to index: {path}",
    "boilerplate": "source file has no article text to index: {path}",
    "directory": "folder has no .txt, .md or .html files to index: {path}",
    "folder_of_other_files": "folder has no .txt, .md or .html files to index: {path}",
    "missing": "source file not found: {path}",
    "broken_symlink": "source file not found: {path}",
    "fifo": "source is not a regular file (a device, pipe or socket): {path}",
}


@pytest.mark.parametrize("kind", list(BAD))
def test_bad_source_is_refused_by_name_and_the_live_index_is_untouched(tmp_path, live_index, kind):
    before, answers = _snapshot(live_index), _answers(live_index)
    path = _bad_source(tmp_path, kind)
    expected = BAD[kind].format(path=path)

    with pytest.raises(SourceError) as info:
        build_index(path, live_index, model="fake-hash")
    assert str(info.value) == expected

    # The CLI: the path exactly as given, one line, exit 1, no traceback.
    result = CliRunner().invoke(
        cli, ["index", "build", "--source", str(path), "--index-dir", str(live_index), "--model", "fake-hash"]
    )
    assert result.exit_code == 1, result.output
    assert result.stderr == f"Error: {expected}\n"
    assert result.stdout == ""
    assert not isinstance(result.exception, SourceError)  # turned into a message, not raised

    assert _snapshot(live_index) == before
    assert _answers(live_index) == answers
    CASES[f"bad file: {kind}"] += 2


BRIDGE = "Bridge Reopens\n\nThe old bridge reopened on Tuesday. Engineers replaced forty cables.\n"


def _folder_with_bad_files(tmp_path: Path, *, good: bool = True) -> tuple[Path, list[str]]:
    """A folder of articles with a binary file, a Latin-1 file and a copy of another file's text; and the lines
    the CLI says about the files it leaves out."""
    folder = tmp_path / "articles"
    folder.mkdir()
    if good:
        (folder / "a-story.txt").write_text(STORY, encoding="utf-8")
        (folder / "e-bridge.txt").write_text(BRIDGE, encoding="utf-8")
        (folder / "d-copy.txt").write_text(STORY, encoding="utf-8")
    (folder / "b-photo.txt").write_bytes(PNG * 50)
    (folder / "c-latin1.txt").write_bytes("Le café est fermé. Il pleut.".encode("latin-1"))
    lines = [
        f"skipped: source file looks binary (NUL byte at offset 8), expected UTF-8 text: {folder}/b-photo.txt",
        f"skipped: source file is not valid UTF-8: byte 0xe9 at offset 6: {folder}/c-latin1.txt",
    ]
    if good:
        lines.append(f"skipped: duplicate source: {folder}/d-copy.txt has the same text as {folder}/a-story.txt")
    return folder, lines


def _skipped_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if not line.startswith("Embedding")]  # not the progress bar


def test_one_bad_file_does_not_sink_a_folder_build(tmp_path, live_index):
    """A folder with one binary file used to fail the whole build (exit 1, nothing indexed): now the good files
    are indexed, each file left out is named on one line with its reason, and the exit status is 3."""
    folder, lines = _folder_with_bad_files(tmp_path)
    args = ["index", "build", "--source", str(folder), "--index-dir", str(live_index), "--model", "fake-hash"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 3, result.output
    assert result.stdout.startswith("Indexed 2 documents, 8 sentences in 5 paragraphs with fake/fake-hash in ")
    assert _skipped_lines(result.stderr) == lines and "Traceback" not in result.stderr
    index = load_index(live_index)
    assert [d.source for d in index.manifest.documents] == [str(folder / "a-story.txt"), str(folder / "e-bridge.txt")]
    helps = [" ".join(CliRunner().invoke(cli, [*args, "--help"]).stdout.split()) for args in ([], ["index", "build"])]
    assert "3 a build or add that left out some files of a folder" in helps[0] and "exit status is 3" in helps[1]
    CASES["bad file: a folder with bad files among good ones"] += 1


def test_one_bad_file_does_not_sink_a_folder_add(tmp_path, live_index):
    folder, lines = _folder_with_bad_files(tmp_path)
    result = CliRunner().invoke(cli, ["index", "add", str(folder), "--index-dir", str(live_index)])
    assert result.exit_code == 3, result.output
    assert result.stdout == "added: e-bridge\nThe index now holds 2 documents, 8 sentences.\n"
    story = tmp_path / "story.txt"  # the live index's one document: both copies of its text are left out
    assert _skipped_lines(result.stderr) == [
        *lines[:2],
        f"skipped: duplicate source: {folder}/a-story.txt has the same text as document 'story' ({story})",
        f"skipped: duplicate source: {folder}/d-copy.txt has the same text as document 'story' ({story})",
    ]
    CASES["bad file: a folder with bad files, added"] += 1


def test_a_folder_of_only_bad_files_is_an_error_and_changes_nothing(tmp_path, live_index):
    before = _snapshot(live_index)
    folder, lines = _folder_with_bad_files(tmp_path, good=False)
    for args in (["index", "build", "--source", str(folder), "--model", "fake-hash"], ["index", "add", str(folder)]):
        result = CliRunner().invoke(cli, [*args, "--index-dir", str(live_index)])
        assert result.exit_code == 1, result.output
        assert result.stderr.splitlines() == [*lines, "Error: nothing to index: all 2 files found were refused"]
        assert result.stdout == "" and _snapshot(live_index) == before
    # a bad file named directly is still an error, even beside a good folder
    bad = folder / "b-photo.txt"
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "story.txt").write_text(STORY, encoding="utf-8")
    args = ["index", "add", str(tmp_path / "good"), str(bad), "--index-dir", str(live_index)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and result.stderr.splitlines()[-1] == f"Error: {BAD['binary'].format(path=bad)}"
    assert _snapshot(live_index) == before
    CASES["bad file: a folder of only bad files"] += 2


def test_unreadable_source_is_named(tmp_path, live_index, monkeypatch):
    """Permission denied (simulated: the tests may run as root, who can read anything)."""
    path = tmp_path / "secret.txt"
    path.write_text(STORY, encoding="utf-8")
    real = Path.read_bytes

    def denied(self: Path) -> bytes:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(SourceError, match=re.escape(f"cannot read source file {path}: Permission denied")):
        build_index(path, live_index, model="fake-hash")
    CASES["bad file: unreadable"] += 1


def test_file_vanishing_mid_read_is_a_clear_error(tmp_path, live_index, monkeypatch):
    """The file is there when the build looks and gone when it reads: 'not found', the live index untouched."""
    before = _snapshot(live_index)
    path = tmp_path / "fleeting.txt"
    path.write_text(STORY, encoding="utf-8")
    real = Path.read_bytes

    def vanish_then_read(self: Path) -> bytes:
        if self == path:
            self.unlink()
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", vanish_then_read)
    with pytest.raises(SourceError) as info:
        build_index(path, live_index, model="fake-hash")
    assert str(info.value) == f"source file not found: {path}"
    assert _snapshot(live_index) == before
    CASES["bad file: vanishes mid-read"] += 1


def test_source_deleted_during_embedding_still_gives_a_complete_index(tmp_path, fake_embedder):
    """The text was read before embedding: the index is complete, loads, answers and is not called stale."""
    path = tmp_path / "story.txt"
    path.write_text(STORY, encoding="utf-8")

    def progress(total: int):
        path.unlink()
        return None

    manifest = build_index(path, tmp_path / "idx", model="fake-hash", progress=progress)
    assert not path.exists()
    loaded = load_index(tmp_path / "idx")
    assert [s.text for s in loaded.sentences] == [s.text for s in split_sentences(STORY)]
    assert Retriever.load(tmp_path / "idx").ask("Which boats sank?").citations[0].text == (
        "Three fishing boats sank in the harbour."
    )
    assert staleness(manifest) == staleness(manifest, path)  # the sentences are stored: a moved source still answers
    assert not staleness(manifest).stale
    CASES["bad file: deleted during embedding"] += 1


def test_source_changed_during_embedding_is_reported_stale(tmp_path, fake_embedder):
    """The index holds the text as read; `qa index info` then says the file changed and how to rebuild."""
    path = tmp_path / "story.txt"
    path.write_text(STORY, encoding="utf-8")

    def progress(total: int):
        with path.open("a", encoding="utf-8") as handle:
            handle.write("\nA late update arrived. The storm moved east.\n")
        return None

    build_index(path, tmp_path / "idx", model="fake-hash", progress=progress)
    loaded = load_index(tmp_path / "idx")
    assert [s.text for s in loaded.sentences] == [s.text for s in split_sentences(STORY)]
    result = CliRunner().invoke(cli, ["index", "info", "--index-dir", str(tmp_path / "idx")])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-5:] == [
        "story  Storm Hits Coast",
        f"       text, en, 5 sentences, {path}",
        f"       stale: {path} has changed since the index was built; "
        f"update with: qa index add {path} --index-dir {tmp_path / 'idx'}",
        "",
        f"status:        stale: 1 of 1 document (story); update with: qa index add {path} "
        f"--index-dir {tmp_path / 'idx'}",
    ]
    CASES["bad file: changed during embedding"] += 1


def test_text_without_sentence_punctuation_is_indexed_line_by_line(tmp_path, fake_embedder):
    """Lines this short are not a wrapped paragraph (too few to tell a width): each is its own paragraph."""
    path = tmp_path / "notes.txt"
    path.write_text("storm hits the coast\nthree boats sank\n\nschools stay closed until friday\n", encoding="utf-8")
    build_index(path, tmp_path / "idx", model="fake-hash")
    loaded = load_index(tmp_path / "idx")
    assert [(s.text, s.paragraph) for s in loaded.sentences] == [
        ("storm hits the coast", 0),
        ("three boats sank", 1),
        ("schools stay closed until friday", 2),
    ]
    CASES["odd file: no sentence punctuation"] += 1


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\u2028"])
def test_other_line_endings_and_a_bom_keep_offsets_verbatim(tmp_path, fake_embedder, newline):
    text = "\ufeff" + STORY.replace("\n", newline)
    path = tmp_path / "story.txt"
    path.write_bytes(text.encode("utf-8"))
    doc = load_document(path)
    assert [s.text for s in doc.sentences] == [s.text for s in split_sentences(STORY)]
    assert all(doc.text[s.start : s.end] == s.text for s in doc.sentences)
    CASES["odd file: line endings and BOM"] += 1


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def test_article_on_one_huge_line_is_split_into_its_sentences(tmp_path, fake_embedder):
    """A scraper that lost every newline: 80 KB on one line is indexed sentence by sentence, nothing lost."""
    line = " ".join(DEFAULT_SOURCE.read_text(encoding="utf-8").split())
    text = " ".join([line] * 10)
    path = tmp_path / "oneline.txt"
    path.write_text(text, encoding="utf-8")
    build_index(path, tmp_path / "idx", model="fake-hash")
    sentences = load_index(tmp_path / "idx").sentences
    assert all(text[s.start : s.end] == s.text for s in sentences)
    assert max(len(s.text) for s in sentences) < 500
    assert _words(" ".join(s.text for s in sentences)) == _words(text)  # every word cited once, in order
    assert "In a call with reporters on Feb. 26, a U.S. administration official repeatedly referred to the " in (
        " ".join(s.text for s in sentences)
    )
    assert sum("Nearly 6,000 have been detained." == s.text for s in sentences) == 10
    CASES["odd file: one huge line of prose"] += 1


def test_one_huge_line_without_spaces_or_punctuation_is_cited_in_pieces(tmp_path, fake_embedder):
    text = "x" * 50_000 + "\n\n" + "word " * 5_000
    path = tmp_path / "blob.txt"
    path.write_text(text, encoding="utf-8")
    build_index(path, tmp_path / "idx", model="fake-hash")
    sentences = load_index(tmp_path / "idx").sentences
    assert all(text[s.start : s.end] == s.text for s in sentences)
    assert all(0 < len(s.text) <= MAX_SENTENCE_CHARS for s in sentences)
    assert "".join(s.text for s in sentences if s.paragraph == 0) == "x" * 50_000
    assert _words(" ".join(s.text for s in sentences if s.paragraph == 1)) == ["word"] * 5_000
    CASES["odd file: one huge line without spaces"] += 1


def test_markup_in_the_source_is_quoted_as_text(tmp_path, fake_embedder):
    text = '<p>The mayor said <script>alert("x")</script> help is coming.</p>\n\n**Schools** stay [closed](http://x).\n'
    path = tmp_path / "page.txt"
    path.write_text(text, encoding="utf-8")
    build_index(path, tmp_path / "idx", model="fake-hash")
    sentences = load_index(tmp_path / "idx").sentences
    # verbatim, neither stripped nor interpreted
    assert [s.text for s in sentences] == [
        '<p>The mayor said <script>alert("x")</script> help is coming.',
        "</p>",
        "**Schools** stay [closed](http://x).",
    ]
    CASES["odd file: markup"] += 1


def test_index_dir_that_is_a_file_is_named(tmp_path, fake_embedder):
    source = tmp_path / "story.txt"
    source.write_text(STORY, encoding="utf-8")
    target = tmp_path / "not-a-dir"
    target.write_text("hello")
    result = CliRunner().invoke(
        cli, ["index", "build", "--source", str(source), "--index-dir", str(target), "--model", "fake-hash"]
    )
    assert result.exit_code == 1
    assert result.stderr == f"Error: index directory is a file, not a directory: {target}\n"
    assert target.read_text() == "hello"
    CASES["bad index dir: a file"] += 1


def test_relative_paths_are_used_as_given_and_named(tmp_path, fake_embedder, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("my story.txt").write_text(STORY, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["index", "build", "--source", "my story.txt", "--index-dir", "rel idx", "--model", "fake-hash"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rel idx" / CURRENT).is_file()
    assert load_index(tmp_path / "rel idx").manifest.source == str(tmp_path / "my story.txt")
    result = CliRunner().invoke(cli, ["index", "build", "--source", "missing.txt", "--index-dir", "rel idx"])
    assert result.exit_code == 1
    assert result.stderr == f"Error: source file not found: {tmp_path / 'missing.txt'}\n"
    CASES["paths: relative"] += 2


# --- regression tests for bugs these tests found ------------------------------------------------------------------


def test_nul_byte_after_the_first_8_kib_is_refused(tmp_path, live_index):
    """Used to break: only the first 8 KiB were checked for NUL bytes, so a later NUL was indexed, and the C
    embedding engine (which reads C strings) embedded that sentence only up to the NUL."""
    path = tmp_path / "late-nul.txt"
    data = b"A calm sentence about the sea. " * 300 + b"The storm \x00 hit the coast."
    path.write_bytes(data)
    with pytest.raises(SourceError) as info:
        build_index(path, live_index, model="fake-hash")
    assert str(info.value) == (
        f"source file looks binary (NUL byte at offset {data.index(0)}), expected UTF-8 text: {path}"
    )


def test_fifo_source_is_refused_instead_of_blocking(tmp_path):
    """Used to break: a named pipe (or a device such as /dev/zero) as --source made the build block forever
    (or read without end) in read_bytes."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    outcome: list[BaseException] = []
    reader = threading.Thread(target=lambda: _capture(outcome, load_document, pipe), daemon=True)
    reader.start()
    reader.join(timeout=30)
    blocked = reader.is_alive()
    if blocked:  # let the reader go: a writer that opens and closes the pipe gives it an end of file
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=30)
    assert not blocked, "reading a FIFO source blocked"
    assert [str(e) for e in outcome] == [f"source is not a regular file (a device, pipe or socket): {pipe}"]
    with pytest.raises(SourceError, match="not a regular file"):
        load_document("/dev/zero")


def _capture(sink: list[BaseException], fn, *args) -> None:
    try:
        fn(*args)
    except BaseException as exc:  # noqa: BLE001 - handed to the test thread
        sink.append(exc)


def test_huge_paragraph_reaches_the_sentence_splitter_in_blocks(monkeypatch):
    """Used to break: a whole paragraph went to pysbd at once, whose cost grows with the square of its length
    (it searches the paragraph from its start for every sentence): this 106 KB line took 8.7 s (now 1.1 s), and a
    1 MB article on one line an estimated quarter of an hour."""
    import qa.sources.segment

    seen: list[int] = []
    real = qa.sources.segment._segment
    monkeypatch.setattr(
        qa.sources.segment, "_segment", lambda text, lang="en": seen.append(len(text)) or real(text, lang)
    )
    text = "The storm hit the coast on Monday. Three boats sank. " * 2_000
    sentences = split_sentences(text)
    assert len(sentences) == 4_000
    assert max(seen) <= 10_000
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_byte_order_mark_inside_the_file_leaves_no_leading_space(tmp_path):
    """Used to break: a BOM followed by a space in the middle of a file (two files pasted together) gave a
    sentence starting with a space, because the BOM was stripped after the whitespace."""
    text = "The first file ends here. \ufeff The second file starts here."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == ["The first file ends here.", "The second file starts here."]
    assert all(text[s.start : s.end] == s.text for s in sentences)


# --- property: arbitrary bytes as the source ----------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "The", "storm", "hit", "U.S.", "Mr.", "Feb. 26", "...", "…", "?", "!", ".", "\n", "\n\n", " ", "\t", "\r\n",
        "“", "”", "«", "»", "(", ")", "[x]", "Read more", "<b>", "</b>", "Путін", "сказав", "😀", "\u200f", "\u202e",
        "\ufeff", "\x0b", "\x85", "\u2028", "—", "'", '"', "1.", "a.m.", "\x07", "\x1b[31m",
    ]
)  # fmt: skip
_SOURCES = st.one_of(
    st.binary(max_size=300).map(lambda b: ("random bytes", b)),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=300).map(lambda s: ("random text", s.encode())),
    st.lists(_PIECES, max_size=80).map(lambda p: ("article-like text", "".join(p).encode())),
    st.lists(_PIECES, max_size=80).map(lambda p: ("article-like text", " ".join(p).encode())),
)


@settings(
    max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=_SOURCES)
def test_any_file_gives_a_clear_error_or_a_verbatim_document(tmp_path_factory, case):
    category, data = case
    path = tmp_path_factory.mktemp("src") / "source.txt"
    path.write_bytes(data)
    CASES[f"property: {category}"] += 1
    try:
        doc = load_document(path)
    except SourceError as exc:
        assert str(exc).endswith(f": {path}") and "\n" not in str(exc)
        return
    assert doc.sentences
    for i, s in enumerate(doc.sentences):
        assert s.id == i
        assert doc.text[s.start : s.end] == s.text
        assert s.text == s.text.strip() and re.search(r"\w", s.text)
    paragraphs = [s.paragraph for s in doc.sentences]
    assert paragraphs[0] == 0 and all(b - a in (0, 1) for a, b in zip(paragraphs, paragraphs[1:], strict=False))


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=_SOURCES)
def test_any_file_gives_a_clear_error_or_an_index_that_answers(tmp_path_factory, fake_embedder, case):
    category, data = case
    root = tmp_path_factory.mktemp("build")
    path = root / "source.txt"
    path.write_bytes(data)
    CASES[f"property (build + ask): {category}"] += 1
    try:
        build_index(path, root / "idx", model="fake-hash")
    except SourceError:
        assert not (root / "idx").exists()  # nothing written, not even an empty directory
        return
    assert (root / "idx" / CURRENT).is_file()
    answer = Retriever.load(root / "idx").ask("What happened?", 3)
    assert 1 <= len(answer.citations) <= 3
    # the contract: the text the citation names, read as Python reads text, holds the sentence at its offsets
    assert all(Path(c.source).read_text(encoding="utf-8")[c.start : c.end] == c.text for c in answer.citations)
    if b"\r" not in data:  # then the file itself is cited, in place
        assert all(c.source == str(path) for c in answer.citations)


def test_source_path_in_bytes_that_are_not_utf8_is_indexed(tmp_path, fake_embedder):
    """Used to break: the manifest was encoded as strict UTF-8, so a source path holding bytes that are not UTF-8
    (lone surrogates once decoded, PEP 383) raised UnicodeEncodeError after embedding: a traceback, no index."""
    folder = Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9 articles"))
    folder.mkdir()
    source = folder / "story.txt"
    source.write_text(STORY, encoding="utf-8")
    build_index(source, tmp_path / "idx", model="fake-hash")
    loaded = load_index(tmp_path / "idx")
    assert loaded.manifest.source == str(source)
    assert not staleness(loaded.manifest, source).stale
    assert Retriever.load(tmp_path / "idx").ask("Which boats sank?").citations[0].source == str(source)
