"""The live feed: committed batches pushed to browsers as server-sent events.

The committer thread publishes each batch's summary (`activity.FeedBatch`) to the hub; the hub
hands it to every subscriber's event loop without waiting. Every limit is named: subscribers
are few and their queues short, a subscriber that falls behind loses batches and is told how
many events it missed, and a stream ends after `STREAM_MAX_S` (the browser's EventSource
reconnects by itself) so a server can always shut down.

Each stream shows its viewer only the items they may read (`shown`: no secret account, nor a
transfer touching one, to anyone but an auditor). A batch's `events` and `size` still count
every event: the public log's entries already show how many there are and each one's
classification, so the counts tell nothing the log does not.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from typing import Final

import msgspec

from ramp.service.activity import FeedBatch, FeedItem

SUBSCRIBERS_MAX: Final = 64  # open feed pages at once; more get 503 and retry
QUEUE_MAX_BATCHES: Final = 32  # a subscriber this far behind starts losing batches
HEARTBEAT_S: Final = 15.0  # a comment line keeps proxies from closing an idle stream
STREAM_MAX_S: Final = 300.0
RETRY_MS: Final = 3000  # how long the browser waits before reconnecting


class ItemOut(msgspec.Struct, frozen=True):
    seq: int
    time_ms: int  # ns do not fit a JavaScript number exactly
    kind: str
    code: str
    id: str
    amount: int  # < 2^53: AMOUNT_MAX_YEN is 10^15
    debit: str
    credit: str

    @classmethod
    def of(cls, i: FeedItem) -> ItemOut:
        return cls(i.seq, i.timestamp // 1_000_000, i.kind, i.code, i.id, i.amount, i.debit, i.credit)


class BatchOut(msgspec.Struct, frozen=True):
    size: int  # the log's size after the batch
    events: int  # events in the batch (items holds the newest of them)
    items: list[ItemOut]


_encode = msgspec.json.Encoder().encode


def sse(event: str, data: object, event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: ".encode() + _encode(data) + b"\n\n"


class Subscriber:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[FeedBatch] = asyncio.Queue(maxsize=QUEUE_MAX_BATCHES)
        self.missed_events = 0  # read and reset by the stream, on its loop

    def offer(self, batch: FeedBatch) -> bool:
        """From any thread. False once the subscriber's loop is closed."""
        try:
            self.loop.call_soon_threadsafe(self._put, batch)
        except RuntimeError:
            return False
        return True

    def _put(self, batch: FeedBatch) -> None:
        if self.queue.full():
            self.missed_events += batch.events
        else:
            self.queue.put_nowait(batch)


class FeedHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: set[Subscriber] = set()

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def subscribe(self) -> Subscriber | None:
        """A subscriber on the running loop, or None when SUBSCRIBERS_MAX are connected."""
        with self._lock:
            if len(self._subscribers) >= SUBSCRIBERS_MAX:
                return None
            sub = Subscriber(asyncio.get_running_loop())
            self._subscribers.add(sub)
            return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(sub)

    def publish(self, batch: FeedBatch) -> None:
        """Called on the committer thread after every commit: never blocks, never raises."""
        with self._lock:
            subscribers = list(self._subscribers)
        for sub in subscribers:
            if not sub.offer(batch):
                self.unsubscribe(sub)


def _everything(_item: FeedItem) -> bool:
    return True


async def stream(hub: FeedHub, sub: Subscriber, backlog: list[FeedItem], size: int,
                 stream_max_s: float = STREAM_MAX_S,
                 shown: Callable[[FeedItem], bool] = _everything) -> AsyncIterator[bytes]:  # fmt: skip
    """The event stream of one subscriber: the backlog first, then each batch as it commits;
    only the items `shown` passes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + stream_max_s
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        yield sse("batch", BatchOut(size, len(backlog), [ItemOut.of(i) for i in backlog if shown(i)]), size)
        while True:
            left = deadline - loop.time()
            if left <= 0:
                return
            try:
                batch = await asyncio.wait_for(sub.queue.get(), timeout=min(HEARTBEAT_S, left))
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            if sub.missed_events:
                yield sse("gap", {"missed_events": sub.missed_events})
                sub.missed_events = 0
            items = [ItemOut.of(i) for i in batch.items if shown(i)]
            yield sse("batch", BatchOut(batch.size, batch.events, items), batch.size)
    finally:
        hub.unsubscribe(sub)

