"""Interrupted rebuilds and damaged indexes: the product always keeps a working index, or says how to get one.

- A build killed with SIGKILL, mid-embedding or at any step of writing, leaves the previous index live: it loads
  and answers exactly as before. A completed rebuild replaces it in one step: a reader sees the old build or the
  new one, never an error.
- A corrupt or truncated index file is detected on load, with a message naming the rebuild command; the CLI
  prints it on one line and exits 1.
- A LiveRetriever (the web app's) keeps the old index while a new build is incomplete or broken.
"""

from __future__ import annotations

import json
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.cli import cli
from qa.errors import BadIndexError, IndexCorruptError
from qa.index import CACHE, CURRENT, KEEP_BUILDS, TEXTS, build_index, load_index
from qa.paths import DEFAULT_SOURCE
from qa.retrieval import Retriever
from qa.service import LiveRetriever
from qa.sources import load_source as load_document
from tests.conftest import report_cases

TESTS = Path(__file__).resolve().parent
QA = Path(sys.executable).with_name("qa")  # the real console script of this venv
ARTICLE_QUESTIONS = ["Who is Kyslytsya?", "How many Russian soldiers have been detained?", "What did Zelensky say?"]
STORY = (
    "Storm Hits Coast\n\n"
    "A storm hit the northern coast on Monday. Three fishing boats sank in the harbour.\n\n"
    "The mayor promised help. Schools will stay closed until Friday.\n"
)
NEW_STORY = STORY + "\nA second storm is expected on Sunday. Volunteers filled sandbags all night.\n"
STORY_QUESTIONS = ["Which boats sank?", "When do schools reopen?", "Who promised help?", "Who filled sandbags?"]

SHARED = {TEXTS, CACHE}
CASES: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report_cases(request: pytest.FixtureRequest):
    yield
    report_cases(request, "rebuild", CASES)


def _answers(index_dir: Path, questions: list[str]) -> list[dict]:
    retriever = Retriever.load(index_dir)
    return [retriever.ask(q, 3).to_dict() for q in questions]


def _live(index_dir: Path) -> str:
    return (index_dir / CURRENT).read_text(encoding="utf-8")


def _builds(index_dir: Path) -> list[str]:
    """The build directories (the stored texts and the cache live beside them)."""
    return sorted(
        p.name for p in index_dir.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name not in SHARED
    )


def _leftovers(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith((".tmp-", f".{CURRENT}.")))


# --- SIGKILL of the real `qa index build` ----------------------------------------------------------------------


def _stderr_lines(process: subprocess.Popen) -> queue.Queue:
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in process.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _wait_for(lines: queue.Queue, text: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    seen = ""
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line is None:
            break
        seen += line
        if text in line:
            return seen
    raise AssertionError(f"{text!r} never appeared on stderr; saw: {seen!r}")


def test_sigkill_mid_embedding_keeps_the_previous_index_then_a_full_rebuild_replaces_it(tmp_path, bundled_index):
    index_dir = tmp_path / "index"
    shutil.copytree(bundled_index, index_dir)
    live, builds = _live(index_dir), _builds(index_dir)
    before = _answers(index_dir, ARTICLE_QUESTIONS)
    cli_before = subprocess.run(
        [QA, "ask", "--json", "--index-dir", index_dir, ARTICLE_QUESTIONS[0]], capture_output=True, text=True
    )
    assert cli_before.returncode == 0, cli_before.stderr

    # A source ten times the article: embedding lasts long enough to be killed in the middle of it.
    article = DEFAULT_SOURCE.read_text(encoding="utf-8")
    big = tmp_path / "big article.txt"
    big.write_text("\n\n".join([article] * 10), encoding="utf-8")
    process = subprocess.Popen(
        [QA, "index", "build", "--source", big, "--index-dir", index_dir],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(_stderr_lines(process), "Embedding")  # the progress label: embedding has started
        time.sleep(1.0)
        assert process.poll() is None, "the build ended before it could be killed"
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # Killed before anything was written (a build writes only after embedding): the live index is as it was.
    assert _live(index_dir) == live
    assert _builds(index_dir) == builds
    assert _leftovers(index_dir) == []
    assert _answers(index_dir, ARTICLE_QUESTIONS) == before
    cli_after = subprocess.run(
        [QA, "ask", "--json", "--index-dir", index_dir, ARTICLE_QUESTIONS[0]], capture_output=True, text=True
    )
    assert (cli_after.returncode, cli_after.stdout) == (0, cli_before.stdout)

    # A completed rebuild from an updated article: a reader loading in a loop sees the old build, then the new
    # one, and never an error or a mix.
    updated = tmp_path / "updated.txt"
    head = "\n\n".join(article.split("\n\n")[:3])  # short, so the real model builds it in a few seconds
    updated.write_text(head + "\n\nThe lighthouse keeper of Odesa counted forty ships at dawn.\n", encoding="utf-8")
    expected = [s.text for s in load_document(updated).sentences]
    process = subprocess.Popen(
        [QA, "index", "build", "--source", updated, "--index-dir", index_dir],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    while process.poll() is None:
        loaded = load_index(index_dir)  # raises if ever a half-written build were visible
        seen.append(loaded.build_dir.name)
        assert len(loaded.sentences) in (56, len(expected))
    out, err = process.communicate()
    assert process.returncode == 0, err
    new = _live(index_dir)
    seen.append(load_index(index_dir).build_dir.name)
    assert new != live
    assert seen[0] == live and seen[-1] == new and set(seen) == {live, new}
    assert seen == sorted(seen, key=lambda name: name == new)  # old ... old, new ... new: one switch
    assert out.startswith(f"Indexed {len(expected)} sentences in 4 paragraphs")
    assert _builds(index_dir)[-KEEP_BUILDS:] == sorted([live, new]) and _leftovers(index_dir) == []
    loaded = load_index(index_dir)
    assert loaded.manifest.source == str(updated)
    assert [s.text for s in loaded.sentences] == expected
    answer = Retriever.load(index_dir).ask("How many ships did the lighthouse keeper count?", 1)
    assert answer.citations[0].text == "The lighthouse keeper of Odesa counted forty ships at dawn."
    CASES["SIGKILL mid-embedding (real model, console script)"] += 1
    CASES["completed rebuild watched by a reader"] += len(seen)


# --- SIGKILL at every step of writing a build ---------------------------------------------------------------------

# Runs build_index in a child process that kills itself with SIGKILL at one step of writing the build.
_KILLER = r"""
import os, signal, sys
sys.path.insert(0, sys.argv[4])
from conftest import FakeEmbedder
from qa.embed import register_embedder
import qa.index as qi
import qa.index.storage as storage

step, source, index_dir = sys.argv[1:4]
register_embedder(FakeEmbedder())

def die():
    os.kill(os.getpid(), signal.SIGKILL)

real_write, real_rename, real_replace = storage._write_synced, os.rename, os.replace

def write(path, data):
    if step == "half " + path.name:
        with open(path, "wb") as handle:
            handle.write(data[: len(data) // 2])
        die()
    real_write(path, data)
    if step == "after " + path.name or (step == "after pointer" and path.name.startswith(".CURRENT.")):
        die()

def rename(a, b):
    real_rename(a, b)
    if step == "after rename":
        die()

def replace(a, b):
    real_replace(a, b)
    if step == "after replace" and os.path.basename(b) == "CURRENT":  # not the cache's or the stored texts'
        die()

storage._write_synced, storage.os.rename, storage.os.replace = write, rename, replace
qi.build_index(source, index_dir, model="fake-hash")
print("not killed")
"""

STEPS = [
    "half sentences.json",
    "after sentences.json",
    "half sentence.faiss",
    "after sentence.faiss",
    "half sparse.bin",
    "after sparse.bin",
    "half manifest.json",
    "after manifest.json",
    "after rename",
    "after pointer",
    "after replace",
]


@pytest.mark.parametrize("step", STEPS)
def test_sigkill_at_any_step_of_writing_leaves_a_working_index(tmp_path, fake_embedder, step):
    old_source, new_source = tmp_path / "old.txt", tmp_path / "new.txt"
    old_source.write_text(STORY, encoding="utf-8")
    new_source.write_text(NEW_STORY, encoding="utf-8")
    index_dir = tmp_path / "index"
    build_index(old_source, index_dir, model="fake-hash")
    build_index(new_source, tmp_path / "reference", model="fake-hash")  # what the new build answers, once live
    old_live, old_answers = _live(index_dir), _answers(index_dir, STORY_QUESTIONS)
    new_answers = _answers(tmp_path / "reference", STORY_QUESTIONS)

    child = subprocess.run(
        [sys.executable, "-c", _KILLER, step, new_source, index_dir, TESTS], capture_output=True, text=True
    )
    assert child.returncode == -signal.SIGKILL, child.stderr

    if step == "after replace":  # the new build went live before the kill: it is complete
        assert _live(index_dir) != old_live
        assert _answers(index_dir, STORY_QUESTIONS) == new_answers
    else:
        assert _live(index_dir) == old_live
        assert _answers(index_dir, STORY_QUESTIONS) == old_answers
    # The next build clears what the killed one left behind, goes live and keeps the build that was live before.
    live_before = _live(index_dir)
    build_index(new_source, index_dir, model="fake-hash")
    assert _leftovers(index_dir) == []
    assert _builds(index_dir) == sorted({live_before, _live(index_dir)})
    # and the stored texts are those the kept builds cite, no more (a killed build's text is collected)
    cited = {
        d["text"]
        for b in _builds(index_dir)
        for d in json.loads((index_dir / b / "manifest.json").read_text())["documents"]
    }
    assert sorted(p.name for p in (index_dir / TEXTS).iterdir()) == sorted(cited)
    assert _answers(index_dir, STORY_QUESTIONS) == new_answers
    CASES["SIGKILL while writing (one per step)"] += 1


def test_two_builders_at_once_leave_one_complete_live_index(tmp_path, fake_embedder):
    """Builds of two sources race for the same directory: each goes live whole, the last one wins."""
    sources = []
    for name, text in (("a.txt", STORY), ("b.txt", NEW_STORY)):
        sources.append(tmp_path / name)
        sources[-1].write_text(text, encoding="utf-8")
    index_dir = tmp_path / "index"
    errors: list[BaseException] = []

    def build(source: Path) -> None:
        try:
            for _ in range(5):
                build_index(source, index_dir, model="fake-hash")
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=build, args=(s,)) for s in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    loaded = load_index(index_dir)
    assert loaded.manifest.source in {str(s) for s in sources}
    assert [s.text for s in loaded.sentences] == [s.text for s in load_document(loaded.manifest.source).sentences]
    assert _leftovers(index_dir) == [] and len(_builds(index_dir)) == KEEP_BUILDS
    CASES["concurrent builders"] += 10


# --- corrupt or truncated index files -----------------------------------------------------------------------------


@pytest.fixture
def story_index(tmp_path: Path, fake_embedder) -> Path:
    source = tmp_path / "story.txt"
    source.write_text(STORY, encoding="utf-8")
    build_index(source, tmp_path / "index", model="fake-hash")
    return tmp_path / "index"


DAMAGE = {
    "truncated to half": lambda data: data[: len(data) // 2],
    "truncated to nothing": lambda data: b"",
    "one byte changed": lambda data: data[:-20] + bytes([data[-20] ^ 0x55]) + data[-19:],
    "garbage appended": lambda data: data + b"\x00garbage",
}


@pytest.mark.parametrize("name", ["sentences.json", "sentence.faiss", "sparse.bin", "manifest.json"])
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_file_is_detected_with_the_rebuild_command(story_index, name, damage):
    path = story_index / _live(story_index) / name
    path.write_bytes(DAMAGE[damage](path.read_bytes()))
    source = story_index.parent / "story.txt"
    fix = f"rebuild with: qa index build --source {source} --index-dir {story_index} --model fake-hash"
    if name == "manifest.json":
        fix = f"rebuild with: qa index build --index-dir {story_index}"  # the manifest no longer says the source

    with pytest.raises(IndexCorruptError) as info:
        load_index(story_index)
    message = str(info.value)
    assert str(path.parent) in message and message.endswith(fix)

    # The CLI: one line on stderr, exit 1, no traceback.
    result = CliRunner().invoke(cli, ["ask", "--index-dir", str(story_index), "Which boats sank?"])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {message}\n" and result.stdout == ""

    # The printed command repairs it.
    if name != "manifest.json":
        repaired = CliRunner().invoke(cli, shlex.split(message.rsplit("rebuild with: ", 1)[1])[1:])
        assert repaired.exit_code == 0, repaired.output
        assert Retriever.load(story_index).ask("Which boats sank?").citations[0].text == (
            "Three fishing boats sank in the harbour."
        )
    CASES[f"damaged index: {name}"] += 1


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "no index in {dir}; build it with: qa index build --index-dir {dir}"),
        (b"", "{dir}/CURRENT names no build (''); rebuild with: qa index build --index-dir {dir}"),
        (b"20990101T000000Z-abcdef", "names no build ('20990101T000000Z-abcdef'); rebuild with: qa index build"),
        (b"../../etc", "names no build ('../../etc'); rebuild with: qa index build --index-dir {dir}"),
        (b"\xff\xfe", "cannot read {dir}/CURRENT ("),
    ],
)
def test_damaged_current_pointer_is_detected(story_index, content, problem):
    if content is None:
        (story_index / CURRENT).unlink()
    else:
        (story_index / CURRENT).write_bytes(content)
    result = CliRunner().invoke(cli, ["ask", "--index-dir", str(story_index), "Which boats sank?"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert problem.format(dir=story_index) in result.stderr
    assert "qa index build --index-dir" in result.stderr
    info = CliRunner().invoke(cli, ["index", "info", "--index-dir", str(story_index)])
    assert (info.exit_code, info.stderr) == (1, result.stderr)
    CASES["damaged index: CURRENT"] += 2


_INDEX_FILES = [
    "CURRENT",
    "manifest.json",
    "sentences.json",
    "sentence.faiss",
    "sparse.bin",
]


@settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(_INDEX_FILES),
    how=st.sampled_from(["truncate", "set byte", "insert byte", "delete"]),
    where=st.floats(0, 1, exclude_max=True),
    byte=st.sampled_from(list(b'0123456789"{}[],: abcxyz\x00\xff')),
)
def test_any_damage_to_any_index_file_is_detected_or_harmless(tmp_path_factory, fake_embedder, name, how, where, byte):
    root = tmp_path_factory.mktemp("damage")
    source = root / "story.txt"
    source.write_text(STORY, encoding="utf-8")
    index_dir = root / "index"
    build_index(source, index_dir, model="fake-hash")
    expected = _answers(index_dir, STORY_QUESTIONS[:2])
    path = index_dir / name if name == CURRENT else index_dir / _live(index_dir) / name
    data = path.read_bytes()
    at = int(where * len(data))
    if how == "delete":
        path.unlink()
    else:
        damaged = {
            "truncate": data[:at],
            "set byte": data[:at] + bytes([byte]) + data[at + 1 :],
            "insert byte": data[:at] + bytes([byte]) + data[at:],
        }[how]
        path.write_bytes(damaged)
    CASES[f"property: damaged {name}"] += 1
    try:
        answers = _answers(index_dir, STORY_QUESTIONS[:2])
    except BadIndexError as exc:
        assert "qa index build" in str(exc) and "--index-dir" in str(exc)
        result = CliRunner().invoke(cli, ["ask", "--index-dir", str(index_dir), "Which boats sank?"])
        assert result.exit_code == 1 and result.stderr == f"Error: {exc}\n"
        return
    # It still loads: only bytes that carry nothing the answers depend on changed (built_at, whitespace…).
    for got, want in zip(answers, expected, strict=True):
        assert [c["text"] for c in got["citations"]] == [c["text"] for c in want["citations"]]


# --- the web app's LiveRetriever during rebuilds ------------------------------------------------------------------


def test_live_retriever_keeps_the_old_index_while_the_new_one_is_broken(tmp_path, fake_embedder, caplog):
    source = tmp_path / "story.txt"
    source.write_text(STORY, encoding="utf-8")
    index_dir = tmp_path / "index"
    build_index(source, index_dir, model="fake-hash")
    service = LiveRetriever(index_dir)
    old = service.ask("Who filled sandbags?", 3).to_dict()

    # A new build goes live but one of its files is damaged afterwards.
    source.write_text(NEW_STORY, encoding="utf-8")
    build_index(source, index_dir, model="fake-hash")
    damaged = index_dir / _live(index_dir) / "sparse.bin"
    damaged.write_bytes(damaged.read_bytes()[:100])
    with caplog.at_level("WARNING", logger="qa"):
        assert service.ask("Who filled sandbags?", 3).to_dict() == old
        # the broken build is tried once, not again on every question under the lock
        assert service.ask("Who filled sandbags?", 3).to_dict() == old
    assert caplog.text.count("keeping the previous index") == 1

    # A good rebuild: the service switches to it.
    build_index(source, index_dir, model="fake-hash")
    new = service.ask("Who filled sandbags?", 3)
    assert new.citations[0].text == "Volunteers filled sandbags all night."
    assert service.retriever().index.build_dir.name == _live(index_dir)
    CASES["LiveRetriever: broken new build"] += 1


# --- regression tests for bugs these tests found ------------------------------------------------------------------


def test_manifest_naming_a_view_without_its_file_is_reported_corrupt(story_index):
    """Used to break: a manifest whose `views` named a view missing from `files` (one flipped byte sufficed,
    "context" -> "cont3xt"; today "sparse" -> "sp4rse") made load_index raise a bare KeyError, a traceback in the
    CLI and the app."""
    import qa.index

    manifest_path = story_index / _live(story_index) / "manifest.json"
    for change in ('"views": ["sentence", "sp4rse"]', '"files": []', '"views": "sentence"'):
        data = json.loads(manifest_path.read_text())
        key, value = change.split(": ", 1)
        data[json.loads(key)] = json.loads(value)
        del data["manifest_sha256"]
        data["manifest_sha256"] = qa.index.manifest._digest(data)  # re-signed: only the structure is wrong
        manifest_path.write_text(json.dumps(data))
        with pytest.raises(
            IndexCorruptError, match=re.escape(f"rebuild with: qa index build --index-dir {story_index}")
        ):
            load_index(story_index)
        result = CliRunner().invoke(cli, ["ask", "--index-dir", str(story_index), "Which boats sank?"])
        assert result.exit_code == 1 and result.stderr.startswith("Error: index manifest in ")


@pytest.mark.parametrize(
    ("field", "value"),
    [("model", "fake-hasi"), ("source", "/tmp/elsewhere.txt"), ("sentences", 6), ("built_at", "2026-11-27T14:02:52")],
)
def test_damaged_manifest_field_is_reported_corrupt(story_index, field, value):
    """Used to break: manifest.json itself had no checksum, so a damaged field loaded silently: a changed
    `model` sent the load to fetch another model from the network (80 s of retries, then an error that did not
    say how to rebuild), a changed `source` made every citation name the wrong file."""
    manifest_path = story_index / _live(story_index) / "manifest.json"
    text = manifest_path.read_text(encoding="utf-8")
    data = json.loads(text)
    old = data["documents"][0][field] if field == "source" else data[field]  # a document's source, since format 4
    damaged = text.replace(f'"{field}": {json.dumps(old)}', f'"{field}": {json.dumps(value)}')
    assert damaged != text
    manifest_path.write_text(damaged, encoding="utf-8")
    with pytest.raises(IndexCorruptError) as info:
        load_index(story_index)
    assert str(info.value) == (
        f"index manifest in {manifest_path.parent} is unreadable (checksum mismatch); "
        f"rebuild with: qa index build --index-dir {story_index}"
    )


@pytest.mark.parametrize("version", [2, 3])
def test_index_of_an_older_format_names_the_rebuild_command(story_index, version):
    """An index of an older format (2: no manifest checksum; 3: one source per index, with a checksum) is refused
    by format, not as corrupt, with the command that rebuilds it from the source it names."""
    import qa.index

    manifest_path = story_index / _live(story_index) / "manifest.json"
    data = json.loads(manifest_path.read_text(encoding="utf-8"))
    source = story_index.parent / "story.txt"
    old = {  # what those versions wrote: one source, at the top level
        "format": version, "qa_version": "0.1.0", "model": data["model"], "model_id": data["model_id"],
        "dim": data["dim"], "source": str(source), "source_sha256": data["documents"][0]["sha256"],
        "sentences": data["sentences"], "paragraphs": 3, "views": data["views"], "files": data["files"],
        "built_at": data["built_at"], "build_seconds": 0.1,
    }  # fmt: skip
    if version == 3:
        old["manifest_sha256"] = qa.index.manifest._digest(old)
    manifest_path.write_text(json.dumps(old), encoding="utf-8")
    result = CliRunner().invoke(cli, ["ask", "--index-dir", str(story_index), "Which boats sank?"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: index in {story_index} has format {version}, this qa reads format 5; rebuild with: qa index build "
        f"--source {source} --index-dir {story_index} --model fake-hash\n"
    )
    repaired = CliRunner().invoke(cli, shlex.split(result.stderr.split("rebuild with: ", 1)[1])[1:])
    assert repaired.exit_code == 0, repaired.output
    assert Retriever.load(story_index).ask("Which boats sank?").citations[0].text == (
        "Three fishing boats sank in the harbour."
    )


def test_rebuilds_within_one_second_keep_the_build_that_was_live_before(tmp_path, fake_embedder, monkeypatch):
    """Used to break: the build kept besides the live one was picked by sorting directory names, and names from
    one second sort by their random suffix, so the build live just before (which a reader may still be opening)
    could be deleted and an older one kept; a build killed after its rename, never live, was kept the same way."""
    from datetime import datetime

    import qa.index

    class OneSecond(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 11, 27, 14, 0, 0, tzinfo=tz)

    suffixes = iter(["ffffff", "888888", "000000"])
    monkeypatch.setattr(qa.index.storage, "datetime", OneSecond)
    monkeypatch.setattr(qa.index.storage.secrets, "token_hex", lambda n: next(suffixes))
    source = tmp_path / "story.txt"
    source.write_text(STORY, encoding="utf-8")
    lives = []
    for _ in range(3):
        build_index(source, tmp_path / "index", model="fake-hash")
        lives.append(_live(tmp_path / "index"))
    assert lives == ["20261127T140000Z-ffffff", "20261127T140000Z-888888", "20261127T140000Z-000000"]
    assert _builds(tmp_path / "index") == sorted(lives[1:])


def test_live_retriever_switches_to_a_build_that_went_live_while_it_was_loading(tmp_path, fake_embedder, monkeypatch):
    """Used to break: LiveRetriever recorded the build id from CURRENT *after* loading, so a rebuild finishing
    during the load was recorded as loaded while the older build was served, and the service never switched to
    it (until yet another rebuild)."""
    source = tmp_path / "story.txt"
    source.write_text(STORY, encoding="utf-8")
    index_dir = tmp_path / "index"
    build_index(source, index_dir, model="fake-hash")
    first = _live(index_dir)
    service = LiveRetriever(index_dir)
    real_open = LiveRetriever._open

    def open_then_rebuild(self: LiveRetriever):
        retriever = real_open(self)
        if retriever.index.build_dir.name == first:  # a rebuild finishes right after the load read CURRENT
            source.write_text(NEW_STORY, encoding="utf-8")
            build_index(source, index_dir, model="fake-hash")
        return retriever

    monkeypatch.setattr(LiveRetriever, "_open", open_then_rebuild)
    assert service.retriever().index.build_dir.name == first
    second = _live(index_dir)
    assert second != first
    assert service.retriever().index.build_dir.name == second
    assert service.ask("Who filled sandbags?").citations[0].text == "Volunteers filled sandbags all night."


def test_live_retriever_survives_a_current_pointer_that_is_not_utf8(story_index, caplog):
    """Used to break: LiveRetriever read CURRENT catching only OSError, so a pointer damaged into invalid UTF-8
    raised UnicodeDecodeError out of every question (a traceback in `qa ask` and a crash in the app) instead
    of keeping the loaded index, or saying how to rebuild."""
    service = LiveRetriever(story_index)
    before = service.ask("Which boats sank?").to_dict()
    (story_index / CURRENT).write_bytes(b"\xff\xfe")
    with caplog.at_level("WARNING", logger="qa"):
        assert service.ask("Which boats sank?").to_dict() == before
    assert "keeping the previous index" in caplog.text
    with pytest.raises(IndexCorruptError, match=re.escape(f"rebuild with: qa index build --index-dir {story_index}")):
        LiveRetriever(story_index).ask("Which boats sank?")


# --- safe by default: nothing reads pickle -----------------------------------------------------------------------


def test_no_code_of_the_package_can_unpickle():
    """Index files are JSON and FAISS's own format, the embedding cache numpy's .npy read with
    allow_pickle=False; no module of qa, its subpackages or app.py uses pickle or its kin."""
    forbidden = re.compile(
        r"\bpickle\b|allow_pickle(?!=False\))|torch\.load|joblib|\bdill\b|\bshelve\b|marshal\.load|\beval\("
    )
    sources = sorted((TESTS.parent / "qa").rglob("*.py")) + [TESTS.parent / "app.py"]
    assert TESTS.parent / "qa" / "sources" / "cache.py" in sources
    hits, loads = [], []
    for path in sources:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines() if path.is_file() else [], 1):
            where = f"{path.relative_to(TESTS.parent)}:{n}: {line.strip()}"
            if forbidden.search(line) and "Nothing is pickled" not in line:
                hits.append(where)
            if re.search(r"\bnp\.load\(", line):
                loads.append(where)
    assert hits == []
    # every numpy load refuses pickled objects explicitly (the cache is a folder a user could hand us)
    assert loads and all("allow_pickle=False)" in line for line in loads), loads


def test_loading_and_asking_never_unpickle(story_index, bundled_index, monkeypatch):
    """With every unpickling entry point made to fail, both a fake-model and the real-model index load and answer."""
    import pickle

    import numpy as np

    def refuse(*args, **kwargs):
        raise AssertionError("something tried to unpickle")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(np, "load", refuse)
    assert Retriever.load(story_index).ask("Which boats sank?").citations
    assert LiveRetriever(bundled_index).ask("Who is Kyslytsya?").citations
    CASES["no pickle: index loaded with unpickling disabled"] += 2
