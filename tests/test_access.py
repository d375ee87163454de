"""Who may change the shared library (qa.web.access): asking is open to everyone who can reach the app; adding
documents is the owner's once the app listens beyond loopback, and nobody's with --read-only.

It used to be anyone's: with --host 0.0.0.0 every visitor could add documents to the one library everybody asks.
The servers here listen on 0.0.0.0 (reached through 127.0.0.1); a "client" is any program sending the page's own
add event, with or without the owner token in the page address.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.messages import t
from qa.web.access import OPEN, Access, access_for, is_loopback
from tests.test_web import ASKED, AppServer, post

TOKEN = "kerrow-lighthouse-7731"
FERRY = "The night ferry to Kerrow leaves at eleven. Its captain, Oksana Hrytsenko, has crossed nine thousand times."


@pytest.mark.parametrize(
    ("host", "token", "read_only", "expected"),
    [
        ("127.0.0.1", None, False, OPEN),
        ("localhost", None, False, OPEN),
        ("::1", None, False, OPEN),
        ("127.0.0.1", "s3cret", False, Access("s3cret")),  # a token asked for is needed even on loopback
        ("0.0.0.0", "s3cret", False, Access("s3cret")),
        ("127.0.0.1", None, True, Access(read_only=True)),
        ("0.0.0.0", "s3cret", True, Access(read_only=True)),
    ],
)
def test_the_rule(host, token, read_only, expected):
    assert access_for(host, token, read_only) == expected


def test_beyond_loopback_a_token_is_made_when_none_is_given():
    for host in ("0.0.0.0", "::", "192.168.1.20", "qa.example.org"):
        access = access_for(host)
        assert access.generated and len(access.token) >= 20 and not is_loopback(host)
        assert access.owner_query() == f"?owner={access.token}"
    assert access_for("0.0.0.0").token != access_for("0.0.0.0").token


def test_who_may_change():
    class Request:
        def __init__(self, query: str) -> None:
            self.query_params = dict(urllib.parse.parse_qsl(query))

    owned = Access(TOKEN)
    assert owned.may_change(Request(f"owner={TOKEN}"))
    for query in ("", "owner=", f"owner={TOKEN[:-1]}", f"owner={TOKEN}x", f"token={TOKEN}"):
        assert not owned.may_change(Request(query)), query
    assert not owned.may_change(None)
    assert OPEN.may_change(None) and not Access(read_only=True).may_change(Request(f"owner={TOKEN}"))


# --- a real app on 0.0.0.0 -------------------------------------------------------------------------------------------


def _server(bundled_index: Path, tmp: Path, env: dict[str, str], args: tuple[str, ...]) -> AppServer:
    index_dir = tmp / "index"
    shutil.copytree(bundled_index, index_dir, ignore=shutil.ignore_patterns(".lock"))
    return AppServer(index_dir, env, args)


@pytest.fixture(scope="session")
def owned_server(bundled_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """`qa serve --host 0.0.0.0` with QA_OWNER_TOKEN set; one per session (test_browser.py asks it too)."""
    index_dir = tmp_path_factory.mktemp("owned") / "index"
    shutil.copytree(bundled_index, index_dir, ignore=shutil.ignore_patterns(".lock"))
    server = AppServer.shared(index_dir, "owned", {"QA_OWNER_TOKEN": TOKEN}, ("--host", "0.0.0.0"))
    yield server
    server.stop()


def _printed(server: AppServer, pattern: str, timeout: float = 30) -> re.Match[str]:
    """The first match of `pattern` in what the app printed at start (it prints once serving, a moment after it
    answers its first request)."""
    deadline = time.monotonic() + timeout
    while not (match := re.search(pattern, server.output())) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert match, server.output()
    return match


def _documents(server: AppServer) -> list[str]:
    from qa.index import read_manifest

    return [d.title for d in read_manifest(server.index_dir)[1].documents]


def send_event(server: AppServer, elem_id: str, data: list, query: str = "") -> list:
    """What the page does when the element `elem_id` is clicked, from a program: join gradio's queue with the
    click's event (the page's address `query` included, as the page sends it) and read the outputs it streams.
    Returns the last outputs (the event's final values)."""
    with urllib.request.urlopen(server.url + "config", timeout=30) as response:
        config = json.loads(response.read())
    ids = {c.get("props", {}).get("elem_id"): c["id"] for c in config["components"]}
    target = ids[elem_id]
    dependency = next(d for d in config["dependencies"] if [target, "click"] in d["targets"])
    session = uuid.uuid4().hex
    body = {"data": data, "event_data": None, "fn_index": dependency["id"], "trigger_id": target,
            "session_hash": session}  # fmt: skip
    status, _, joined = post(f"{server.url}gradio_api/queue/join{query}", json.dumps(body).encode(),
                             {"Content-Type": "application/json"})  # fmt: skip
    assert status == 200, joined
    outputs = None
    with urllib.request.urlopen(f"{server.url}gradio_api/queue/data?session_hash={session}", timeout=300) as stream:
        for raw in stream:
            line = raw.decode().strip()
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("msg") in ("process_generating", "process_completed") and message.get("output"):
                outputs = message["output"].get("data", outputs)
            if message.get("msg") == "process_completed":
                break
    return outputs


def _status(outputs: list) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", outputs[0]))


def test_a_client_without_the_token_can_ask_and_cannot_add(owned_server):
    from gradio_client import Client

    before = _documents(owned_server)
    lang, question, sentence = ASKED[1]
    answer = Client(owned_server.url, verbose=False).predict(question, 3, api_name="/ask")
    assert answer["language"] == lang and any(sentence in c["text"] for c in answer["citations"])
    status, _, answer = post(owned_server.url + "api/ask", json.dumps({"question": question}).encode())
    assert status == 200 and any(sentence in c["text"] for c in answer["citations"])
    for query in ("", "?owner=", "?owner=guess", f"?owner={TOKEN[:-1]}"):
        outputs = send_event(owned_server, "qa-add-text", [FERRY, "Night ferry"], query)
        assert _status(outputs) == t("library.error.owner_only", "en") and outputs[1] is None, query
    assert _documents(owned_server) == before
    # the owner, with the token in the page address, adds
    outputs = send_event(owned_server, "qa-add-text", [FERRY, "Night ferry"], f"?owner={TOKEN}")
    assert _status(outputs) == t("library.added", "en", title="Night ferry")
    assert _documents(owned_server) == [*before, "Night ferry"]


def test_the_start_message_says_who_adds(owned_server):
    address = f"http://0.0.0.0:{owned_server.port}/"
    _printed(owned_server, re.escape(f"only the owner adds documents; open {address}?owner=<the owner token>"))
    assert f"qa: serving the library at {address}" in owned_server.output()
    assert TOKEN not in owned_server.output()  # a token given by the owner is never printed


def test_without_a_token_one_is_made_and_printed(bundled_index, tmp_path):
    server = _server(bundled_index, tmp_path, {"QA_OWNER_TOKEN": ""}, ("--host", "0.0.0.0"))
    try:
        match = _printed(server, rf"only the owner adds documents; open http://0\.0\.0\.0:{server.port}/\?owner=(\S+)")
        outputs = send_event(server, "qa-add-text", [FERRY, "Night ferry"])
        assert _status(outputs) == t("library.error.owner_only", "en")
        outputs = send_event(server, "qa-add-text", [FERRY, "Night ferry"], f"?owner={match.group(1)}")
        assert _status(outputs) == t("library.added", "en", title="Night ferry")
    finally:
        server.stop()


def test_read_only_nobody_adds(bundled_index, tmp_path):
    server = _server(bundled_index, tmp_path, {"QA_READ_ONLY": "1"}, ())
    try:
        _printed(server, re.escape("qa: read-only: nobody can add documents"))
        before = _documents(server)
        outputs = send_event(server, "qa-add-text", [FERRY, "Night ferry"], "?owner=anything")
        assert _status(outputs) == t("library.error.owner_only", "en") and _documents(server) == before
    finally:
        server.stop()
