"""Who may change the library the app serves. Asking is open to everyone who can reach the app; adding documents
is for its owner, decided here once for the page and for any program that calls the page's events.

- Listening on loopback only (127.0.0.1, the default): everyone who can reach the app is on this machine, so
  anyone may add, unless an owner token is set.
- Listening beyond loopback (--host 0.0.0.0, a network address): adding needs the owner token, from --owner-token
  or QA_OWNER_TOKEN, or else one made at start and printed with the address to open (as Jupyter does). The owner
  opens the page as http://HOST:PORT/?owner=TOKEN; anyone else gets the page without "Use another article", and
  an add sent without the token is refused.
- --read-only (QA_READ_ONLY=1): nobody adds, wherever the app listens.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from typing import Any

OWNER_PARAMETER = "owner"  # the page address's query parameter that carries the owner token


@dataclass(frozen=True)
class Access:
    """The rule of one running app: `token` None lets anyone add; `read_only` lets nobody."""

    token: str | None = None
    read_only: bool = False
    generated: bool = False  # the token was made at start (so it is printed for the owner)

    def may_change(self, request: Any) -> bool:
        """Whether the page event `request` (a gr.Request; None from a script in-process) may add documents."""
        if self.read_only:
            return False
        if self.token is None:
            return True
        try:
            given = request.query_params.get(OWNER_PARAMETER) if request is not None else None
        except AttributeError:  # a request without the page's address
            given = None
        # compare_digest: how long a wrong token took to refuse says nothing about the right one
        return isinstance(given, str) and hmac.compare_digest(given.encode(), self.token.encode())

    def owner_query(self) -> str:
        """What the owner adds to the page address ("?owner=TOKEN"), or "" when no token is needed."""
        return f"?{OWNER_PARAMETER}={self.token}" if self.token else ""


OPEN = Access()  # anyone may add: an app on loopback without a token (and scripts using ChatApp in-process)


def access_for(host: str, token: str | None = None, read_only: bool = False) -> Access:
    """The rule for an app listening on `host` (see the module docstring)."""
    if read_only:
        return Access(read_only=True)
    if token:
        return Access(token)
    if is_loopback(host):
        return OPEN
    return Access(secrets.token_urlsafe(18), generated=True)


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine's loopback only ("localhost", 127.x.x.x, ::1): nobody else can connect."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface
