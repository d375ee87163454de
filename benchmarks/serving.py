"""The web app as a subprocess, for the benchmarks that ask it over HTTP (and tests/test_reliability_load.py):
a free localhost port, `python app.py` started on an index, a wait until it serves its page, and a stop.

Imported by name from the scripts beside it (benchmarks/ is sys.path[0] when one of them runs).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(app: Path, index_dir: Path, port: int, log: Path) -> subprocess.Popen:
    """`python app.py --port PORT` with QA_INDEX_DIR=index_dir, on localhost (QA_HOST unset); output to `log`."""
    env = {**os.environ, "QA_INDEX_DIR": str(index_dir), "PYTHONUNBUFFERED": "1"}
    env.pop("QA_HOST", None)
    env.pop("QA_PORT", None)
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, str(app), "--port", str(port)], cwd=app.parent, env=env, stdout=out, stderr=out
        )


def wait_until_serving(url: str, proc: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    """Return as soon as `url` answers 200, polled every 0.1 s (a start's time is measured from it); raise
    RuntimeError with the app's output if the app exits first or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the app did not serve {url} within {timeout:g} s:\n{log.read_text(errors='replace')}")


def stop_app(proc: subprocess.Popen) -> None:
    """Terminate the app and wait for it; kill it if it has not stopped within 15 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
