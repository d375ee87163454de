"""Serving the page (`qa serve`, `python app.py`): the model warmed up while gradio loads, then the page and
POST /api/ask on one local server until interrupted.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from qa.errors import QAError
from qa.web.access import OWNER_PARAMETER, Access, access_for
from qa.web.handlers import import_gradio
from qa.web.layout import build_app, launch_kwargs

if TYPE_CHECKING:
    from qa.service import LiveRetriever


def _warm_up(service: LiveRetriever) -> None:
    # Builds the index if missing and loads the model. The engine's first couple of queries take seconds, so they
    # are asked here (one Latin, one Cyrillic) rather than by the first person.
    for question in ("Who spoke at the United Nations?", "Хто виступав в ООН?"):
        service.ask(question, 1)


def serve(
    host: str = "127.0.0.1",
    port: int = 7860,
    *,
    allow_private_urls: bool = False,
    owner_token: str | None = None,
    read_only: bool = False,
) -> None:
    """Serve the app on the default index at http://host:port until interrupted. Raises QAError or OSError.

    `allow_private_urls`: let people add pages from this machine or its private network (tests, intranets).
    `owner_token`, `read_only`: who may add documents (qa.web.access); asking is open to all."""
    from qa.service import default_service

    access = access_for(host, owner_token, read_only)

    service = default_service()
    # Loading the model and importing gradio take seconds each; do both at once.
    with ThreadPoolExecutor(1, thread_name_prefix="qa-warm-up") as pool:
        warm = pool.submit(_warm_up, service)
        import_gradio()
        warm.result()
    demo = build_app(service, allow_private_urls=allow_private_urls, own_port=port, access=access)
    demo.queue(default_concurrency_limit=1)  # one question at a time per event: the embedder serialises them anyway
    try:
        demo.launch(server_name=host, server_port=port, quiet=True, prevent_thread_lock=True, **launch_kwargs(demo))
    except OSError as exc:
        # gradio's own message points at its environment variables; ours are --port and QA_PORT.
        reason = "the port is in use" if "empty port" in str(exc) else str(exc).splitlines()[0]
        raise QAError(f"cannot serve on {host}:{port}: {reason}; choose another with --port or QA_PORT") from None
    address = f"http://{_url_host(host)}:{port}/"
    print(f"qa: serving the library at {address} (Ctrl+C to stop)", flush=True)
    print(_who_adds(access, address), flush=True)
    demo.block_thread()


def _who_adds(access: Access, address: str) -> str:
    if access.read_only:
        return "qa: read-only: nobody can add documents (started with --read-only)"
    if access.generated:
        # Made at start, like Jupyter's: the one place the owner learns it. Set QA_OWNER_TOKEN to keep one.
        return f"qa: only the owner adds documents; open {address}{access.owner_query()}"
    if access.token:
        return f"qa: only the owner adds documents; open {address}?{OWNER_PARAMETER}=<the owner token>"
    return "qa: anyone on this machine can add documents (the app listens on loopback only)"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
