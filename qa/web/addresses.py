"""Whether a web address given on the page may be added: http or https with a host, and not this app itself.

This is the check made before anything is fetched. Pages on this machine or a private network are refused later,
by the fetcher, on the address it really connects to, redirects included (qa.sources.url, unless the app runs
with --allow-private-urls); an address that leads back to the app's own port is refused here even then.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse


def url_refusal(url: str, own_port: int | None) -> str | None:
    """The messages key saying why `url` is not fetched ("library.error.scheme", "library.error.self"), or None.

    `own_port`: the port the app serves on (None: not known, nothing is refused as the app itself)."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        return "library.error.scheme"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "library.error.scheme"
    if port == own_port and _reaches_this_machine(parts.hostname, port):
        return "library.error.self"
    return None


def _reaches_this_machine(host: str, port: int) -> bool:
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError):
        return False  # the fetch will say the host does not resolve
    return any(_local_address(a) for a in addresses)


def _local_address(address: str) -> bool:
    """This machine's own address: loopback, unspecified (0.0.0.0 reaches it), or one an interface holds."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if ip.is_loopback or ip.is_unspecified:
        return True
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((address, 0))  # only an address of one of this machine's interfaces can be bound
        except OSError:
            return False
    return True
