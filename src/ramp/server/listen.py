"""The listening socket, taken before any work.

`ramp serve` and `ramp demo` bind their port first, then open (replay) the journal or generate
the demo data, then hand the bound socket to uvicorn: a port another program holds is said in
one line at once — not as a raw `Errno 98` after a minute of work — and no other program can
take the port in between.
"""

from __future__ import annotations

import errno
import socket
from typing import Final

EXIT_PORT_TAKEN: Final = 2  # as argparse exits on a usage error: the command line must change


class PortUnavailable(Exception):
    """The address cannot be listened on; str() is the one line to print."""


def listen(host: str, port: int, *, command: str = "ramp serve") -> socket.socket:
    """A TCP socket bound to (host, port) and listening, or PortUnavailable saying why."""
    if not 0 <= port < 65536:  # 0: any free port (tests)
        raise PortUnavailable(f"{command}: port {port} is not a TCP port (1-65535)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise PortUnavailable(f"{command}: cannot listen on {host!r}: {exc.strerror}") from exc
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT of our own last run only
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortUnavailable(f"{command}: port {port} on {host} is already in use (another server?); "
                                  f"choose another with --port N") from exc  # fmt: skip
        if exc.errno == errno.EACCES:
            raise PortUnavailable(f"{command}: not allowed to listen on port {port} of {host} "
                                  f"(ports below 1024 need privileges); choose another with --port N") from exc  # fmt: skip
        raise PortUnavailable(f"{command}: cannot listen on {host} port {port}: {exc.strerror}") from exc
    sock.set_inheritable(True)
    return sock
