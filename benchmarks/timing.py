"""How the benchmarks time things, kept in one place so their figures are measured alike: a subprocess's wall time
in a clean environment, ask() against the bare query embedding interleaved question by question, the machine's
load beside the figures, and the figures against their targets.

Imported by name from the scripts beside it (benchmarks/ is sys.path[0] when one of them runs).
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.retrieval import Retriever


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


def ask_and_embed_ms(retriever: Retriever, questions: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Milliseconds of every `retriever.ask(q, k=3)` and of every bare query embedding
    `retriever.embedder.embed_queries([q])`, over `runs` passes after one untimed pass (model pages, caches).

    The two are timed back to back for each question, so both see the same noise, and which goes first alternates
    from question to question."""
    embedder = retriever.embedder
    for q in questions:  # warm-up
        retriever.ask(q, k=3)
        embedder.embed_queries([q])
    ask_ms: list[float] = []
    embed_ms: list[float] = []

    def time_ask(q: str) -> None:
        started = time.perf_counter()
        retriever.ask(q, k=3)
        ask_ms.append((time.perf_counter() - started) * 1000)

    def time_embed(q: str) -> None:
        started = time.perf_counter()
        embedder.embed_queries([q])
        embed_ms.append((time.perf_counter() - started) * 1000)

    for _ in range(runs):
        for i, q in enumerate(questions):
            first, second = (time_ask, time_embed) if i % 2 == 0 else (time_embed, time_ask)
            first(q)
            second(q)
    return ask_ms, embed_ms


def print_targets(rows: list[tuple[str, str, str, bool | None]], value_width: int, target_width: int) -> None:
    """One line per figure: (label, value, target, met), "ok" or "MISSED" after those that have a target."""
    for label, value, target, ok in rows:
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        shown = f"target {target}" if target else ""
        print(f"  {label:<20}{value:>{value_width}}   {shown:<{target_width}}{verdict}")
