"""`qa chat` through the installed console script: --json for scripts, and the interactive chat on a pipe and on
a real terminal (a pty), with the real model on the bundled article (QA_INDEX_DIR is the session's index)."""

from __future__ import annotations

import fcntl
import json
import os
import platform
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from qa.messages import t

QA = Path(sys.executable).with_name("qa")
BIDEN = "“To the citizens of Russia: you are not our enemy,”"
AMNESTY = "offered full amnesty and monetary compensation if they laid down their weapons"


def chat(*args: str, stdin: str | bytes, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    return subprocess.run(
        [str(QA), "chat", *args], input=data, capture_output=True, env={**os.environ, **(env or {})}, timeout=300
    )


@pytest.fixture(scope="module", autouse=True)
def _console_script_installed() -> None:
    if not QA.exists():
        pytest.fail(f"console script missing at {QA}: pip install -e '.[test]'")


# --- qa chat --json ---------------------------------------------------------------------------------------------


def test_json_chat_carries_the_conversation() -> None:
    lines = [
        "What did Reznikov offer Russian soldiers?",
        "а на якій умові?",
        "ещё",
        "How many protesters have been detained in Russia?",
    ]
    result = chat("--json", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    out = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [a["question"] for a in out] == lines
    assert out[0]["reading"] is None
    assert out[1]["reading"] == {"kind": "follow-up", "earlier_question": lines[0], "turn": 0}
    assert out[1]["language"] == "uk" and any(AMNESTY in c["text"] for c in out[1]["citations"])
    assert out[2]["reading"] == {"kind": "more", "earlier_question": lines[1], "turn": 1}
    assert not {c["text"] for c in out[2]["citations"]} & {c["text"] for c in out[1]["citations"]}
    assert out[3]["reading"] == {"kind": "alone", "earlier_question": "", "turn": None}
    assert "Nearly 6,000 have been detained." in [c["text"] for c in out[3]["citations"]]


def test_json_chat_answers_a_bad_line_with_an_error_object_and_goes_on() -> None:
    stdin = (
        b"\n"
        + ("Що " + "x" * 2001).encode()
        + b"\n\xff\xfe\n!!!\nWhat did Reznikov offer Russian soldiers?\nand on what condition?\n"
    )
    result = chat("--json", "-k", "2", stdin=stdin)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert len(out) == 6  # one line out per line in
    assert out[0] == {"error": t("error.empty_question", "en"), "key": "error.empty_question", "line": 1}
    assert out[1]["key"] == "error.question_too_long" and out[1]["line"] == 2
    assert "2004" in out[1]["error"] and "2000" in out[1]["error"]
    # Bytes that are not UTF-8 are no question at all: the error, not a crash.
    assert out[2] == {"error": t("error.empty_question", "en"), "key": "error.empty_question", "line": 3}
    assert out[3] == {"error": t("error.no_letters", "en"), "key": "error.no_letters", "line": 4}
    # Errors are not part of the conversation: the follow-up leans on the last question that was answered.
    assert out[5]["reading"]["kind"] == "follow-up" and out[5]["reading"]["turn"] == 0
    assert len(out[5]["citations"]) == 2


def test_json_chat_on_empty_input_says_nothing() -> None:
    result = chat("--json", stdin="")
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--json", "--document", "nope"], 1, "Error: There is no document “nope” in the library."),
        (["-k", "0"], 2, "Error: Invalid value for '-k': 0 is not in the range 1<=x<=20."),
    ],
)
def test_chat_setup_errors_are_one_line(args: list[str], code: int, message: str) -> None:
    result = chat(*args, stdin="What did Biden say?\n", env={"LANG": "C.UTF-8", "LC_ALL": ""})
    assert result.returncode == code
    assert result.stdout == b""
    assert message in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


def test_chat_on_a_missing_index_is_one_line(tmp_path: Path) -> None:
    result = chat("--json", "--index-dir", str(tmp_path / "none"), stdin="What did Biden say?\n")
    assert result.returncode == 1
    assert result.stderr.decode().startswith("Error: ") and len(result.stderr.decode().splitlines()) == 1


# --- the interactive chat on a pipe -------------------------------------------------------------------------------


def test_interactive_chat_on_a_pipe() -> None:
    stdin = "Что Резников предложил российским солдатам?\n\n   \nа при каком условии?\n" + "x" * 2001 + "\n"
    # The greeting follows the locale's language (LC_MESSAGES; the encoding, LC_CTYPE, is left alone).
    result = chat("-k", "2", stdin=stdin, env={"LC_ALL": "", "LC_MESSAGES": "uk_UA.UTF-8"})
    assert result.returncode == 0
    out = result.stdout.decode("utf-8")
    assert out.startswith(t("chat.welcome", "uk") + "\n")
    turns = out.split("› ")
    # the welcome, the first question, the blank line and the spaces (no reply), the follow-up, the too-long
    # question (its error goes to stderr), then the end of input
    assert len(turns) == 7
    first, follow_up = turns[1], turns[4]
    assert first.splitlines()[0] == t("answer.lead", "ru")
    assert first.splitlines()[1].startswith("[1] ")
    assert first.splitlines()[2].startswith("    абзац ")
    assert turns[2] == turns[3] == ""
    assert follow_up.splitlines()[0] == t(
        "answer.follow_up", "ru", question="Что Резников предложил российским солдатам?"
    )
    assert AMNESTY in follow_up
    assert turns[5] == ""
    assert turns[6] == "\n"  # end of input (Ctrl-D) ends the line and the chat
    # The too-long question: one localised line on stderr, and the chat went on to the end of input.
    assert result.stderr.decode("utf-8") == t("error.question_too_long", "en", length=2001, limit=2000) + "\n"


# --- the interactive chat on a terminal -------------------------------------------------------------------------


def _read_until(fd: int, marker: bytes, seen: bytearray, start: int = 0, guard: float = 120) -> int:
    """Read from the pty into `seen` until `marker` appears after `start`, or the child closes the terminal; the
    marker's position (-1 if it never came). The select timeout only guards against a hang: it is not a check."""
    while marker not in seen[start:]:
        ready, _, _ = select.select([fd], [], [], guard)
        if not ready:
            raise TimeoutError(f"no {marker!r} in: {bytes(seen)[-500:]!r}")
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    return seen.find(marker, start)


# The system calls a line editor waits for a key in (select, pselect6, poll, ppoll), by machine.
WAITS_FOR_A_KEY = {"x86_64": {23, 270, 7, 271}, "aarch64": {72, 73}}


def _wait_for_a_key(pid: int, guard: float = 120) -> None:
    """Until the process's main thread is blocked waiting for a key (Linux: /proc/PID/syscall names the system call
    it is blocked in, or says "running"). CPython's readline notices a SIGINT only when it interrupts that wait:
    one that lands while a keystroke is being handled (echoed) is held until the next signal, and the Ctrl-C seems
    lost. The guard only guards against a hang: it is not a check."""
    waits = WAITS_FOR_A_KEY.get(platform.machine())
    deadline = time.monotonic() + guard
    while time.monotonic() < deadline:
        call = Path(f"/proc/{pid}/syscall").read_text().split()[0]
        if call.isdigit() and (waits is None or int(call) in waits):
            return
        time.sleep(0.01)
    raise TimeoutError(f"the chat did not wait for a key within {guard} s (system call: {call})")


def _interrupt(fd: int, pid: int, seen: bytearray, start: int) -> int:
    """Ctrl-C once the chat waits for a key, then the position of the next prompt."""
    _wait_for_a_key(pid)
    os.write(fd, b"\x03")
    try:
        return _read_until(fd, "› ".encode(), seen, start)
    except TimeoutError:
        raise AssertionError(f"no prompt after Ctrl-C: {bytes(seen)[-500:]!r}") from None


def test_interactive_chat_on_a_terminal_with_line_editing() -> None:
    main, child = pty.openpty()
    env = {**os.environ, "LANG": "C.UTF-8", "TERM": "dumb"}
    # The pty is the chat's controlling terminal, as in a real session, so Ctrl-C is a SIGINT to the chat.
    process = subprocess.Popen(
        [str(QA), "chat"], stdin=child, stdout=child, stderr=child, env=env, close_fds=True,
        start_new_session=True, preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )  # fmt: skip
    os.close(child)
    seen = bytearray()
    try:
        first = _read_until(main, "› ".encode(), seen)
        # Ctrl-C drops the line being typed and prompts again; the chat goes on.
        os.write(main, b"half a question")
        typed = _read_until(main, b"half a question", seen)
        assert _interrupt(main, process.pid, seen, typed) > typed > first
        # Line editing: type a wrong word, erase it with backspaces, then finish the question.
        os.write(main, b"What did Reznikov offer Ukrainian" + b"\x7f" * 9 + b" Russian soldiers?\r")
        answered = _read_until(main, b"[3] ", seen)
        assert _read_until(main, "› ".encode(), seen, answered) > answered
        os.write(main, b"and on what condition?\r")
        note = "Reading this as a follow-up to “What did Reznikov offer Russian soldiers?”.".encode()
        followed = _read_until(main, note, seen)
        assert followed > answered
        assert _read_until(main, "› ".encode(), seen, followed) > followed
        os.write(main, b"\x04")  # Ctrl-D on an empty line
        _read_until(main, b"\x00", seen)  # until the child closes the terminal
        assert process.wait(timeout=120) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)
    text = bytes(seen).decode("utf-8", "replace")
    assert text.startswith(t("chat.welcome", "en"))
    assert AMNESTY in text
    assert "half a question" in text and "Traceback" not in text and "Aborted" not in text


# --- qa eval --dialogues ----------------------------------------------------------------------------------------


def _turn(lang: str, question: str, kind: str, gold: str) -> dict:
    return {"lang": lang, "question": question, "kind": kind, "answerable": True, "gold": [gold]}


def test_eval_dialogues_reports_each_turn_kind_beside_asked_alone(tmp_path: Path) -> None:
    dialogue = {
        "id": "t-1",
        "doc": "article.txt",
        "lang": "en",
        "turns": [
            _turn("en", "What did Reznikov offer Russian soldiers?", "first", "offered full amnesty"),
            _turn("uk", "а на якій умові?", "follow-up", "if they laid down their weapons"),
            # A gold with a line break where the sentence has a space still matches.
            _turn("en", "How many protesters have been detained in Russia?", "new-topic", "Nearly 6,000 have\n been"),
        ],
    }
    path = tmp_path / "dialogues.jsonl"
    path.write_text(json.dumps(dialogue, ensure_ascii=False) + "\n", encoding="utf-8")
    result = subprocess.run([str(QA), "eval", "--dialogues", str(path), "--json"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    cells = json.loads(result.stdout)["cells"]
    assert set(cells) == {"first", "follow-up", "new-topic"}
    first, follow_up, new_topic = cells["first"]["en"], cells["follow-up"]["uk"], cells["new-topic"]["en"]
    assert [first["read_as"], follow_up["read_as"], new_topic["read_as"]] == [
        {"alone": 1},
        {"follow-up": 1},
        {"alone": 1},
    ]
    # Read with its history the follow-up finds the condition first; asked alone it does not.
    assert (follow_up["hit1"], follow_up["alone_hit1"]) == (1.0, 0.0)
    # ... nor with the earlier question simply put in front of it
    assert follow_up["prepend_hit1"] == 0.0
    # A first turn and a new topic are answered exactly as if asked alone.
    for cell in (first, new_topic):
        assert (cell["hit1"], cell["hit3"], cell["mrr"]) == (cell["alone_hit1"], cell["alone_hit3"], cell["alone_mrr"])
    assert new_topic["hit3"] == 1.0
    text = subprocess.run([str(QA), "eval", "--dialogues", str(path)], capture_output=True, text=True).stdout
    header = "turns lang n hit@1 hit@3 MRR alone: hit@1 hit@3 MRR prepended: hit@1 hit@3 read as"
    assert text.splitlines()[0].split() == header.split()
    assert text.splitlines()[2].split()[:3] == ["follow-up", "uk", "1"]
    assert text.splitlines()[2].endswith("follow-up 1")


@pytest.mark.parametrize(
    ("content", "args", "code", "message"),
    [
        (None, [], 2, "Error: give one of --questions FILE or --dialogues FILE"),
        ('{"id": "x", "doc": "article.txt", "lang": "en", "turns": []}\n', [], 1, ":1: not a dialogue line"),
        (
            json.dumps({"id": "x", "doc": "missing.txt", "lang": "en", "turns": [_turn("en", "Who?", "first", "x")]}),
            [],
            1,
            "Error: no document 'missing.txt' in the index",
        ),
        ("", ["--questions", "q.jsonl"], 2, "Error: give one of --questions FILE or --dialogues FILE"),
    ],
)
def test_eval_dialogues_errors_are_one_line(
    tmp_path: Path, content: str | None, args: list[str], code: int, message: str
) -> None:
    path = tmp_path / "d.jsonl"
    if content is not None:
        path.write_text(content, encoding="utf-8")
        args = ["--dialogues", str(path), *args]
    result = subprocess.run([str(QA), "eval", *args], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == code
    assert message in result.stderr and "Traceback" not in result.stderr
