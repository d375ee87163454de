"""Fetching an http(s) URL for indexing: a timeout, a size cap, a content-type check, a bounded number of redirects,
and (for the web app) no addresses on this machine or its private network.

The address check is made on the socket actually connected, after DNS, for the first request and every redirect:
a name that resolves to 127.0.0.1, or a redirect to http://169.254.169.254/, is refused however it is spelt.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from qa.errors import SourceError

TIMEOUT = 15.0  # seconds for connecting and for each read
TOTAL_TIMEOUT = 60.0  # seconds for the whole page: a server trickling bytes just inside TIMEOUT is cut off too
MAX_BYTES = 10 * 1024 * 1024  # a page bigger than this is not an article
MAX_REDIRECTS = 5
USER_AGENT = "qa-indexer/0.2 (+https://example.invalid/qa)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
TEXT_TYPES = ("text/plain",)
MARKDOWN_TYPES = ("text/markdown", "text/x-markdown")
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    content_type: str  # e.g. "text/html"
    charset: str | None
    data: bytes


class _Refused(Exception):
    """A reason to stop fetching, raised inside urllib's handlers; fetch() names the URL the user gave."""


def is_url(spec: str) -> bool:
    return "://" in spec[:16] and spec.split("://", 1)[0].isascii() and spec.split("://", 1)[0].isalpha()


def fetch(
    url: str, *, allow_private: bool = True, max_bytes: int | None = None, timeout: float | None = None
) -> Fetched:
    """GET `url`. Raises SourceError with a one-line reason naming the URL."""
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    timeout = TIMEOUT if timeout is None else timeout
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise SourceError(f"only http and https URLs can be indexed, not {parts.scheme}: {url}")
    try:
        if not parts.hostname:
            raise SourceError(f"URL has no host: {url}")
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number or out of range
    except ValueError:
        raise SourceError(f"URL is not valid (its port): {url}") from None
    opener = urllib.request.build_opener(_Redirects(), _GuardedHTTP(allow_private), _GuardedHTTPS(allow_private))
    request = urllib.request.Request(
        url, headers={"User-Agent": USER_AGENT, "Accept": "text/html, text/plain;q=0.9, */*;q=0.1"}
    )
    try:
        with opener.open(request, timeout=timeout) as response:
            content_type = response.headers.get_content_type()
            charset = response.headers.get_content_charset()
            if content_type not in HTML_TYPES + TEXT_TYPES + MARKDOWN_TYPES:
                raise SourceError(f"URL is not a web page or text ({content_type}): {url}")
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise SourceError(f"page is too large ({int(length):,} bytes, the limit is {max_bytes:,}): {url}")
            data = _read(response, max_bytes, TOTAL_TIMEOUT)
            if data is None:
                raise SourceError(f"page is too large (over {max_bytes:,} bytes): {url}")
            return Fetched(response.geturl(), content_type, charset, data)
    except SourceError:
        raise
    except _Refused as exc:
        raise SourceError(f"{exc}: {url}") from None
    except urllib.error.HTTPError as exc:
        exc.close()
        raise SourceError(f"the server answered {exc.code} {_one_line(exc.reason)}: {url}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, _Refused):
            raise SourceError(f"{exc.reason}: {url}") from None
        if isinstance(exc.reason, TimeoutError):
            raise SourceError(f"timed out after {timeout:g} s fetching {url}") from None
        raise SourceError(f"cannot fetch {url}: {_reason(exc.reason)}") from None
    except TimeoutError:
        raise SourceError(f"timed out after {timeout:g} s fetching {url}") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise SourceError(f"cannot fetch {url}: {_reason(exc)}") from None


def _read(response: http.client.HTTPResponse, max_bytes: int, seconds: float) -> bytes | None:
    """The body, read up to `max_bytes` (None when there is more: the rest is never downloaded) within
    `seconds`. read1 returns what one read of the socket gave, so a trickling server meets the deadline."""
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes:
        if time.monotonic() > deadline:
            raise _Refused(f"the page took longer than {seconds:g} s to download")
        chunk = response.read1(min(_CHUNK, max_bytes + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    return None


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _reason(reason: object) -> str:
    if isinstance(reason, SourceError):
        return str(reason)
    if isinstance(reason, socket.gaierror):
        return "the host name does not resolve"
    if isinstance(reason, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, OSError):
        return _one_line(reason.strerror or reason) or type(reason).__name__
    return _one_line(reason) or type(reason).__name__


class _Redirects(urllib.request.HTTPRedirectHandler):
    """At most MAX_REDIRECTS redirects in all (urllib counts distinct addresses, and reports a loop in a
    multi-line message), and only to http(s)."""

    max_repeats = max_redirections = 10 * MAX_REDIRECTS  # our own count decides first

    def http_error_302(self, req, fp, code, msg, headers):  # noqa: ANN001 - urllib's signature
        location = headers.get("location") or headers.get("uri")
        if location:
            target = urllib.parse.urljoin(req.full_url, location)
            scheme = urllib.parse.urlsplit(target).scheme.lower()
            if scheme not in ("http", "https"):
                fp.close()
                raise _Refused(f"redirected to {_one_line(target)[:200]}, which is not an http(s) URL")
            if getattr(req, "qa_redirects", 0) >= MAX_REDIRECTS:
                fp.close()
                raise _Refused(f"more than {MAX_REDIRECTS} redirects")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            new.qa_redirects = getattr(req, "qa_redirects", 0) + 1
        return new


def private_address(host: str) -> bool:
    """Loopback, private, link-local, multicast, reserved or unspecified: not a public web server."""
    address = ipaddress.ip_address(host.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def _check_peer(sock: socket.socket, host: str, allow_private: bool) -> None:
    if allow_private:
        return
    peer = sock.getpeername()[0]
    if private_address(peer):
        sock.close()
        where = host if host == peer else f"{host} ({peer})"
        raise _Refused(f"refusing to fetch from {where}, a local or private network address")


class _GuardedConnection(http.client.HTTPConnection):
    allow_private = True

    def connect(self) -> None:
        super().connect()
        _check_peer(self.sock, self.host, self.allow_private)


class _GuardedTLSConnection(http.client.HTTPSConnection):
    allow_private = True

    def connect(self) -> None:
        # HTTPSConnection.connect wraps the socket after HTTPConnection.connect; check the plain one first.
        http.client.HTTPConnection.connect(self)
        _check_peer(self.sock, self.host, self.allow_private)
        if self._tunnel_host:
            server_hostname = self._tunnel_host
        else:
            server_hostname = self.host
        self.sock = self._context.wrap_socket(self.sock, server_hostname=server_hostname)


class _GuardedHTTP(urllib.request.HTTPHandler):
    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self.allow_private = allow_private

    def http_open(self, req):  # noqa: ANN001
        connection = type("Connection", (_GuardedConnection,), {"allow_private": self.allow_private})
        return self.do_open(connection, req)


class _GuardedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self.allow_private = allow_private

    def https_open(self, req):  # noqa: ANN001
        connection = type("Connection", (_GuardedTLSConnection,), {"allow_private": self.allow_private})
        return self.do_open(connection, req, context=self._context)
