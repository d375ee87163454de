"""Adding a long document (issue 17, "Bring a book"): progress people can plan with, a cancel that leaves the
library as it was, a retry that resumes from the cache, and questions that do not wait behind it.

- the index's contract: an exception raised by the progress `tick` stops a build or an add before anything is
  committed, and the chunks embedded so far are cached: a retry embeds only the rest (counted, with a fake model);
- the CLI: Ctrl-C (a real SIGINT) stops `qa index add` with one line and exit 130, nothing changed, and the same
  command resumes; once through CliRunner with the fake model, once through the console script in a pty;
- the web app's jobs: a child process embeds (the real model), reports rate and time left, is cancelled and
  resumed; two documents are added at once and a third is told its place in line.

No timing is asserted: how fast, and how fast questions are answered meanwhile, is benchmarks/build_speed.py's.
"""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa.cli import EXIT_INTERRUPTED, cli
from qa.embed import register_embedder
from qa.errors import BuildCancelled
from qa.index import add_documents, build_index, load_index
from qa.messages import t
from tests.conftest import FakeEmbedder

QA = Path(sys.executable).with_name("qa")
WAIT = 180  # seconds: a generous bound for the real model on a busy machine (never a timing assertion)

PLACES = ["harbour", "lighthouse", "ferry pier", "fish market", "old mill", "signal tower", "boat yard", "dune"]
THINGS = ["gulls", "nets", "lanterns", "barrels", "ropes", "crates", "oars", "sails"]


def book(sentences: int, tag: str) -> str:
    """A plain-text "book" of distinct sentences, five to a paragraph; `tag` keeps its text (and cache) its own."""
    lines = [
        f"On day {i + 1} of the {tag} survey the crew at the {PLACES[i % 8]} counted {i * 7 % 97 + 3} "
        f"{THINGS[i * 3 % 8]} before noon."
        for i in range(sentences)
    ]
    return "\n\n".join(" ".join(lines[i : i + 5]) for i in range(0, sentences, 5)) + "\n"


class CountingEmbedder(FakeEmbedder):
    """The fake model, counting the texts it embeds; `during(calls)` runs inside its calls (a Ctrl-C, say)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts = 0
        self.during: Callable[[int], None] | None = None

    def _embed(self, texts: list[str], *, query: bool) -> object:
        self.texts += len(texts)
        out = super()._embed(texts, query=query)
        if self.during:
            self.during(self.calls)
        return out


@pytest.fixture
def counting() -> CountingEmbedder:
    embedder = CountingEmbedder()
    register_embedder(embedder)
    return embedder


def _state(index_dir: Path) -> tuple[str, list[str]]:
    """What a reader sees: the live build, and the library's documents."""
    index = load_index(index_dir)
    return index.build_dir.name, [d.id for d in index.manifest.documents]


# --- the index's cancel contract, and resuming ----------------------------------------------------------------------


@pytest.mark.parametrize("how", ["add", "build"])
def test_a_cancelled_build_changes_nothing_and_the_retry_embeds_only_the_rest(tmp_path, counting, how):
    index_dir = tmp_path / "index"
    small, big = tmp_path / "small.txt", tmp_path / "book.txt"
    small.write_text(book(12, "small"), encoding="utf-8")
    big.write_text(book(300, "big"), encoding="utf-8")
    build_index(small, index_dir, model="fake-hash")
    before = _state(index_dir)

    totals: list[int] = []
    ticks: list[int] = []

    def cancelling(total: int) -> Callable[[int], None]:
        totals.append(total)

        def tick(n: int) -> None:
            ticks.append(n)
            if len(ticks) == 2:  # as the page's Cancel or a Ctrl-C does, after two chunks
                raise BuildCancelled(sum(ticks), total)

        return tick

    def run(progress: Callable) -> object:
        if how == "add":
            return add_documents([big], index_dir, progress=progress)
        return build_index([small, big], index_dir, model="fake-hash", progress=progress)

    counting.texts = 0
    with pytest.raises(BuildCancelled):
        run(cancelling)
    assert _state(index_dir) == before
    first = sum(ticks)
    assert totals == [300] and 0 < first < 300 and counting.texts == first

    counting.texts = 0
    resumed: list[int] = []
    run(lambda total: resumed.append(total))
    assert resumed == [300 - first]  # the chunks done before the cancel came from the cache
    assert counting.texts == 300 - first
    assert _state(index_dir)[1] == (before[1] + ["book"] if how == "add" else ["small", "book"])


# --- the CLI: Ctrl-C ------------------------------------------------------------------------------------------------


def _library(tmp_path: Path) -> tuple[Path, Path]:
    index_dir = tmp_path / "index"
    source = tmp_path / "small.txt"
    source.write_text(book(12, "small"), encoding="utf-8")
    build_index(source, index_dir, model="fake-hash")
    big = tmp_path / "book.txt"
    big.write_text(book(300, "cli"), encoding="utf-8")
    return index_dir, big


def _said(result) -> list[str]:  # noqa: ANN001 - a click Result
    """The command's lines on stderr, but for the progress bar's label (all of the bar off a terminal)."""
    return [line for line in result.stderr.splitlines() if line != "Embedding"]


def test_ctrl_c_stops_an_add_with_one_line_and_the_same_command_resumes(tmp_path, counting):
    index_dir, big = _library(tmp_path)
    before = _state(index_dir)
    # A real SIGINT, while the first chunk (64 passages, two batches of the fake model) is being embedded.
    counting.during = lambda calls: os.kill(os.getpid(), signal.SIGINT) if calls == 1 else None
    counting.texts = counting.calls = 0
    result = CliRunner().invoke(cli, ["index", "add", str(big), "--index-dir", str(index_dir)])
    assert result.exit_code == EXIT_INTERRUPTED == 130
    done = counting.texts  # the chunk in hand was finished, stored and counted, then the add stopped
    assert 0 < done < 300
    assert _said(result) == [
        f"stopped: the index is unchanged; the {done} passages embedded are kept in its cache, so the same "
        "command continues from there"
    ]
    assert "Traceback" not in result.output and result.stdout == ""
    assert _state(index_dir) == before

    counting.during, counting.texts = None, 0
    result = CliRunner().invoke(cli, ["index", "add", str(big), "--index-dir", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert counting.texts == 300 - done
    assert result.stdout.splitlines()[0] == "added: book"


def test_a_second_ctrl_c_stops_at_once_and_one_before_embedding_too(tmp_path, counting, monkeypatch):
    index_dir, big = _library(tmp_path)
    handler = signal.getsignal(signal.SIGINT)
    before = _state(index_dir)
    counting.calls = 0
    counting.during = lambda calls: os.kill(os.getpid(), signal.SIGINT) if calls in (1, 2) else None
    result = CliRunner().invoke(cli, ["index", "add", str(big), "--index-dir", str(index_dir)])
    assert result.exit_code == EXIT_INTERRUPTED
    assert _said(result) == ["stopped: the index is unchanged"]  # within the first chunk: none kept
    assert _state(index_dir) == before

    import qa.index

    def reading_forever(*args: object, **kwargs: object) -> None:  # Ctrl-C while the sources are being read
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(30)

    monkeypatch.setattr(qa.index, "add_documents", reading_forever)
    result = CliRunner().invoke(cli, ["index", "add", str(big), "--index-dir", str(index_dir)])
    assert result.exit_code == EXIT_INTERRUPTED
    assert _said(result) == ["stopped: the index is unchanged"]
    assert _state(index_dir) == before
    assert signal.getsignal(signal.SIGINT) is handler  # given back after the command


def _read_pty(fd: int, proc: subprocess.Popen, until: Callable[[str], bool]) -> str:
    """What the command wrote to its terminal, until `until(text)` or its end."""
    out = b""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:  # the command ended and closed its terminal
                break
            if not data:
                break
            out += data
            if until(out.decode(errors="replace")):
                break
        elif proc.poll() is not None:
            break
    return out.decode(errors="replace")


def _in_a_terminal(args: list[str]) -> tuple[subprocess.Popen, int]:
    main, secondary = pty.openpty()
    proc = subprocess.Popen([str(QA), *args], stdin=secondary, stdout=secondary, stderr=secondary, close_fds=True)
    os.close(secondary)
    return proc, main


def test_ctrl_c_in_a_terminal_with_the_real_model(tmp_path, bundled_index):
    """`qa index add` of a long text, as a person runs it: the bar shows the rate and the time left; Ctrl-C ends it
    with one line (exit 130) and the library unchanged; the same command again embeds only what was left."""
    index_dir = tmp_path / "index"
    shutil.copytree(bundled_index, index_dir, ignore=shutil.ignore_patterns(".lock"))
    before = _state(index_dir)
    source = tmp_path / "survey.txt"
    source.write_text(book(200, "terminal"), encoding="utf-8")
    args = ["index", "add", str(source), "--index-dir", str(index_dir)]

    proc, terminal = _in_a_terminal(args)
    try:
        shown = _read_pty(terminal, proc, lambda text: re.search(r" [1-9]\d*/\d+ .*passages/s", text) is not None)
        bar = re.findall(r"(\d+)/(\d+)\s+(\d\d:\d\d:\d\d)\s+([\d.]+) passages/s", shown)
        assert bar, shown  # passages done / total, the time left, the rate
        total = int(bar[-1][1])
        proc.send_signal(signal.SIGINT)  # what the terminal sends on Ctrl-C
        shown += _read_pty(terminal, proc, lambda text: False)
        assert proc.wait(WAIT) == EXIT_INTERRUPTED
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(terminal)
    assert "Traceback" not in shown
    lines = [line for line in shown.replace("\r", "\n").splitlines() if line.startswith("stopped")]
    assert len(lines) == 1, shown
    done = int(re.fullmatch(r"stopped: the index is unchanged; the (\d+) passages embedded are kept in its cache, "
                            r"so the same command continues from there", lines[0].strip())[1])  # fmt: skip
    assert 0 < done < total
    assert _state(index_dir) == before

    proc, terminal = _in_a_terminal(args)
    try:
        shown = _read_pty(terminal, proc, lambda text: False)
        assert proc.wait(WAIT) == 0, shown
    finally:
        os.close(terminal)
    assert re.search(rf"\b0/{total - done}\b", shown), shown  # only what the first run left is embedded
    assert "added: survey" in shown
    assert _state(index_dir)[1] == before[1] + ["survey"]


# --- the web app's jobs -----------------------------------------------------------------------------------------------


@pytest.fixture
def library(tmp_path, bundled_index):
    from qa.service import LiveRetriever
    from qa.web import Library

    index_dir = tmp_path / "index"
    shutil.copytree(bundled_index, index_dir, ignore=shutil.ignore_patterns(".lock"))
    return Library(LiveRetriever(index_dir))


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}")
        time.sleep(0.05)


def test_a_cancelled_web_add_leaves_the_library_and_adding_again_resumes(library):
    """The child process embeds with the real model; Cancel stops it after the chunk in hand."""
    from qa.web import progress_html

    index_dir = library.service.index_dir
    before = _state(index_dir)
    text = book(200, "web")
    job = library.add_text(text, "Survey", "uk")
    _until(lambda: job.done > 0 or job.finished.is_set(), "a first chunk")
    assert job.phase == "embedding" and job.total == 200
    status = progress_html(job, "uk")
    assert re.search(r'<progress max="200" value="[1-9]\d*">', status), status
    assert "за секунду" in status and "залишилося близько" in status  # the rate and the time left
    library.cancel(job)
    assert job.finished.wait(WAIT)
    assert job.phase == "cancelled" and 0 < job.done < 200
    assert t("library.cancelled_kept", "uk", source="вставлений текст", done=job.done) in progress_html(job, "uk")
    assert _state(index_dir) == before
    assert [d.id for d in library.service.retriever().documents] == before[1]

    again = library.add_text(text, "Survey", "en")
    _until(lambda: again.total > 0 or again.finished.is_set(), "the add's passages")
    assert again.total == 200 - job.done  # the chunks done before the cancel come from the cache
    assert again.finished.wait(WAIT) and again.phase == "done", again.error
    assert [d.id for d in library.service.retriever().documents] == before[1] + [again.document]


def test_two_documents_are_added_at_once_and_the_next_are_told_their_place(library, monkeypatch):
    from qa.web import progress_html
    from qa.web.jobs import ADD_AT_ONCE, Library

    release = threading.Event()
    embedded: list[str] = []

    def embed(self: Library, job, doc, index_dir) -> None:  # noqa: ANN001 - as Library._embed_elsewhere
        job.phase, job.total = "embedding", len(doc.sentences)
        embedded.append(doc.title)
        release.wait(WAIT)
        job.phase, job.document, job.title = "done", "article", doc.title

    monkeypatch.setattr(Library, "_embed_elsewhere", embed)
    jobs = [library.add_text(f"Paragraph {n} of a text about ferries.", f"Text {n}", "en") for n in range(4)]
    try:
        _until(lambda: len(embedded) == ADD_AT_ONCE == 2, "two adds at once")
        first, second, third, fourth = jobs
        assert first.phase == second.phase == "embedding"
        assert (third.phase, third.place, fourth.phase, fourth.place) == ("waiting", 1, "waiting", 2)
        assert "Waiting: the pasted text is 2nd in line" in progress_html(fourth, "en")
        assert "місце в черзі — 2" in progress_html(fourth, "uk")
        library.cancel(third)  # while it waits: at once, and the one behind it moves up
        assert third.finished.is_set() and (third.phase, third.place) == ("cancelled", 0)
        assert t("library.cancelled", "ru", source="the pasted text") in progress_html(third, "ru")
        assert fourth.place == 1
    finally:
        release.set()
    for job in jobs:
        assert job.finished.wait(WAIT)
    assert [job.phase for job in jobs] == ["done", "done", "cancelled", "done"]
    assert sorted(embedded) == ["Text 0", "Text 1", "Text 3"]  # the cancelled one never started


def test_the_progress_line_says_the_rate_and_the_time_left():
    from qa.web import progress_html
    from qa.web.jobs import AddJob

    job = AddJob("«book.txt»", phase="embedding", total=13029, done=1984, started=100.0, ticked=180.0)
    line = t("library.embedding_rate", "en", source="«book.txt»", done=1984, total=13029, rate="25", left="8 min")
    assert line in progress_html(job, "en", now=180.0)  # 24.8 a second: 445 s for the 11,045 left
    assert "8 хв" in progress_html(job, "uk", now=180.0)
    assert "7 min" in progress_html(job, "en", now=240.0)  # counting down between chunks
    slow = AddJob("«book.txt»", phase="embedding", total=13029, done=200, started=100.0, ticked=180.0)
    assert "2,5 в секунду" in progress_html(slow, "ru", now=180.0) and "1 ч 26 мин" in progress_html(slow, "ru", 180.0)
    assert "2.5 a second" in progress_html(slow, "en", now=180.0) and "1 h 26 min" in progress_html(slow, "en", 180.0)
    nearly = AddJob("«book.txt»", phase="embedding", total=13029, done=13000, started=100.0, ticked=620.0)
    assert "about 5 s left" in progress_html(nearly, "en", now=620.0)
    starting = AddJob("«book.txt»", phase="embedding", total=13029, started=100.0)
    assert t("library.embedding", "en", source="«book.txt»", done=0, total=13029) in progress_html(starting, "en")
