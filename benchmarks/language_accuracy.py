"""Accuracy of qa.language.detect_language vs langdetect alone, per language, on the labelled sets.

    PYTHONPATH=. .venv/bin/python benchmarks/language_accuracy.py [--sets short full heldout heldout2 other] [--errors]
    PYTHONPATH=. .venv/bin/python benchmarks/language_accuracy.py --timing

Sets are tests/data/language_<set>.tsv (lang<TAB>text, "#" comments). The held-out file mixes short and full
questions; it is reported split by word count (1-4 words = short).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable

from tests.test_language import SHORT_MAX_WORDS, load  # the labelled sets, read as the tests read them


def langdetect_alone(text: str) -> str:
    from langdetect import DetectorFactory, detect

    DetectorFactory.seed = 0
    try:
        return detect(text).split("-")[0]
    except Exception:
        return "?"


def score(rows: list[tuple[str, str]], detect: Callable[[str], str]) -> dict[str, tuple[int, int]]:
    hits: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for lang, text in rows:
        hits[lang][0] += detect(text) == lang
        hits[lang][1] += 1
    return {lang: (ok, n) for lang, (ok, n) in sorted(hits.items())}


def report(name: str, rows: list[tuple[str, str]], show_errors: bool) -> None:
    from qa.language import detect_language

    ours, alone = score(rows, detect_language), score(rows, langdetect_alone)
    print(f"\n## {name} ({len(rows)} items)\n")
    print("| lang | n | qa.language | langdetect alone |")
    print("| --- | --- | --- | --- |")
    for lang in ours:
        (ok, n), (ok_alone, _) = ours[lang], alone[lang]
        print(f"| {lang} | {n} | {ok}/{n} = {ok / n:.1%} | {ok_alone}/{n} = {ok_alone / n:.1%} |")
    total, total_alone = sum(v[0] for v in ours.values()), sum(v[0] for v in alone.values())
    print(f"| all | {len(rows)} | {total / len(rows):.1%} | {total_alone / len(rows):.1%} |")
    if show_errors:
        for lang, text in rows:
            got = detect_language(text)
            if got != lang:
                print(f"    miss: expected {lang}, got {got}: {text!r}")


def timing() -> None:
    """Cold costs in fresh interpreters (import, first question, memory), then the warm cost per question."""
    probe = (
        "import time, resource; t0 = time.perf_counter(); import qa.language as L; t1 = time.perf_counter(); "
        "L.detect_language({q!r}); t2 = time.perf_counter(); "
        "print(f'{{(t1 - t0) * 1000:.0f}} {{(t2 - t1) * 1000:.0f}} "
        "{{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}}')"
    )
    cases = {
        "short uk question, no markers (n-gram path)": "Кислиця",
        "full en question (word path)": "What did the minister say about the new rules?",
        "full de question (full langdetect)": "Was hat der Minister über die neuen Regeln gesagt?",
    }
    print("\n## cold start (fresh interpreter, median of 5)\n")
    print("| case | import ms | first call ms | max RSS MiB |")
    print("| --- | --- | --- | --- |")
    for label, question in cases.items():
        runs = []
        for _ in range(5):
            out = subprocess.run(
                [sys.executable, "-c", probe.format(q=question)], capture_output=True, text=True, check=True
            )
            runs.append([float(x) for x in out.stdout.split()])
        imp, first, rss = (sorted(col)[2] for col in zip(*runs, strict=True))
        print(f"| {label} | {imp:.0f} | {first:.0f} | {rss:.0f} |")
    from qa.language import detect_language

    questions = [text for _, text in load("short")]
    for q in questions:
        detect_language(q)
    start = time.perf_counter()
    for q in questions:
        detect_language(q)
    per_call = (time.perf_counter() - start) / len(questions) * 1000
    print(f"\nwarm: {per_call:.2f} ms per short question (mean over {len(questions)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", default=["short", "full", "heldout", "heldout2", "other"])
    parser.add_argument("--errors", action="store_true", help="list every item qa.language gets wrong")
    parser.add_argument("--timing", action="store_true", help="measure cold start and warm speed instead")
    args = parser.parse_args()
    if args.timing:
        timing()
        return
    for name in args.sets:
        rows = load(name)
        if name == "heldout":
            report("heldout, short", [r for r in rows if len(r[1].split()) <= SHORT_MAX_WORDS], args.errors)
            report("heldout, full", [r for r in rows if len(r[1].split()) > SHORT_MAX_WORDS], args.errors)
        else:
            report(name, rows, args.errors)


if __name__ == "__main__":
    main()
