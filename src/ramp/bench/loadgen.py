"""A small HTTP/1.1 load generator for the API benchmarks.

Requests are built and signed before the clock starts (signing is the client's cost, not the
server's), then replayed over keep-alive connections by `concurrency` asyncio workers, each
waiting for its response before sending its next request, as a real client does. Latency is
measured per request from the first byte written to the last byte read.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ramp.client import SigningKey
from ramp.sign.httpsig import sign_request


def signed_post(url: str, body: bytes, key: SigningKey, created: int | None = None) -> bytes:
    """The raw bytes of a signed `POST url` (the `ramp` profile) with a JSON body."""
    parts = urlsplit(url)
    headers = [("Content-Type", "application/json")]
    signed = sign_request(
        "POST", url, headers, body, key_id=key.identity, private_key=key.private_key,
        created=int(time.time()) if created is None else created,
    )  # fmt: skip
    lines = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.netloc}", "Content-Type: application/json",
             f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in signed.items())]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def signed_get(url: str, key: SigningKey, created: int | None = None) -> bytes:
    """The raw bytes of a signed `GET url` (no body: the signature covers its empty digest)."""
    parts = urlsplit(url)
    signed = sign_request("GET", url, [], b"", key_id=key.identity, private_key=key.private_key,
                          created=int(time.time()) if created is None else created)  # fmt: skip
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {target} HTTP/1.1", f"Host: {parts.netloc}", *(f"{k}: {v}" for k, v in signed.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def plain_get(url: str) -> bytes:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode()


@dataclass
class LoadResult:
    seconds: float
    latencies_s: list[float]
    statuses: dict[int, int]
    bodies: list[bytes]

    def percentile_ms(self, p: float) -> float:
        ordered = sorted(self.latencies_s)
        return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def _run(host: str, port: int, requests: list[bytes], concurrency: int, keep_bodies: bool) -> LoadResult:
    next_index = 0
    latencies: list[float] = [0.0] * len(requests)
    statuses: dict[int, int] = {}
    bodies: list[bytes] = [b""] * len(requests) if keep_bodies else []

    async def worker() -> None:
        nonlocal next_index
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while next_index < len(requests):
                i = next_index
                next_index += 1
                t0 = time.perf_counter()
                writer.write(requests[i])
                status, body = await _read_response(reader)
                latencies[i] = time.perf_counter() - t0
                statuses[status] = statuses.get(status, 0) + 1
                if keep_bodies:
                    bodies[i] = body
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return LoadResult(time.perf_counter() - start, latencies, statuses, bodies)


def run_load(base_url: str, requests: Iterable[bytes], concurrency: int, keep_bodies: bool = False) -> LoadResult:
    """Send every request once, `concurrency` at a time; uvloop when it is installed."""
    parts = urlsplit(base_url)
    coro = _run(parts.hostname or "127.0.0.1", parts.port or 80, list(requests), concurrency, keep_bodies)
    try:
        import uvloop

        return uvloop.run(coro)
    except ImportError:  # pragma: no cover - uvloop is pinned; plain asyncio is the fallback
        return asyncio.run(coro)
