"""How the benchmarks time things, kept in one place so their figures are measured alike: a subprocess's wall time
in a clean environment, several calls timed interleaved item by item (ask() against the bare query embedding among
them), the machine's load beside the figures, and the figures against their targets.

Imported by name from the scripts beside it (benchmarks/ is sys.path[0] when one of them runs).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from qa.retrieval import Retriever

T = TypeVar("T")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def subprocess_env(pycache: Path) -> dict[str, str]:
    """This process's environment for a timed subprocess: Python's bytecode cached in `pycache` (as on an ordinary
    install, even where PYTHONDONTWRITEBYTECODE is set), so no run pays for compiling and nothing is written into
    the repository."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def run_timed(cmd: list[str], env: dict[str, str], timeout: float = 4 * 3600) -> tuple[float, str]:
    """(wall seconds, stdout) of `cmd`; exits with its output if it fails."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    return wall, proc.stdout


def percentiles(values: Sequence[float]) -> tuple[float, float]:
    """p50 and p95 (numpy's linear interpolation)."""
    import numpy as np

    p50, p95 = np.percentile(values, [50, 95])
    return float(p50), float(p95)


def interleaved_ms(timed: dict[str, Callable[[T], object]], items: Sequence[T], runs: int) -> dict[str, list[float]]:
    """Milliseconds of every `timed[name](item)`, over `runs` passes through `items`: all of them on one item
    before the next, so they see the same noise, the one that goes first rotating from item to item."""
    names = list(timed)
    out: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(runs):
        for i, item in enumerate(items):
            turn = i % len(names)
            for name in names[turn:] + names[:turn]:
                started = time.perf_counter()
                timed[name](item)
                out[name].append((time.perf_counter() - started) * 1000)
    return out


def ask_and_embed_ms(retriever: Retriever, questions: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Milliseconds of every `retriever.ask(q, k=3)` and of every bare query embedding
    `retriever.embedder.embed_queries([q])`, over `runs` passes after one untimed pass (model pages, caches).

    The two are timed back to back for each question, so both see the same noise, and which goes first alternates
    from question to question."""
    timed = {"ask": lambda q: retriever.ask(q, k=3), "embed": lambda q: retriever.embedder.embed_queries([q])}
    interleaved_ms(timed, questions, 1)  # warm-up
    times = interleaved_ms(timed, questions, runs)
    return times["ask"], times["embed"]


def print_targets(rows: list[tuple[str, str, str, bool | None]], value_width: int, target_width: int) -> None:
    """One line per figure: (label, value, target, met), "ok" or "MISSED" after those that have a target."""
    for label, value, target, ok in rows:
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        shown = f"target {target}" if target else ""
        print(f"  {label:<20}{value:>{value_width}}   {shown:<{target_width}}{verdict}")
