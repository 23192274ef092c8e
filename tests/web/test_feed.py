"""The live feed's hub and stream: bounded subscribers and queues, a gap message for a slow
reader, streams that end by themselves, and the SSE endpoint's first message."""

from __future__ import annotations

import asyncio
import json

import httpx

from ramp.service.activity import FeedBatch, FeedItem
from ramp.web import feed


def _batch(size: int, events: int = 1) -> FeedBatch:
    item = FeedItem(size - 1, 1_700_000_000_123_456_789, "transfer", "DISBURSE", f"p{size}", 5, "a", "b")
    return FeedBatch((item,), events, size)


def _parse(chunks: list[bytes]) -> list[tuple[str, dict]]:
    out = []
    for block in b"".join(chunks).decode().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n") if line and not line.startswith(":"))
        if "event" in fields:
            out.append((fields["event"], json.loads(fields["data"])))
    return out


def test_subscribers_are_bounded_and_freed():
    async def run() -> None:
        hub = feed.FeedHub()
        subs = [hub.subscribe() for _ in range(feed.SUBSCRIBERS_MAX)]
        assert all(subs) and hub.subscribe() is None
        hub.unsubscribe(subs[0])
        assert hub.subscribe() is not None and hub.subscribers == feed.SUBSCRIBERS_MAX

    asyncio.run(run())


def test_a_slow_reader_loses_batches_and_is_told_how_many_events():
    async def run() -> list[bytes]:
        hub = feed.FeedHub()
        sub = hub.subscribe()
        assert sub is not None
        for k in range(feed.QUEUE_MAX_BATCHES + 3):
            hub.publish(_batch(k + 1, events=10))
        await asyncio.sleep(0.01)  # the loop runs the hand-overs
        assert sub.queue.qsize() == feed.QUEUE_MAX_BATCHES and sub.missed_events == 30
        chunks = []
        async for chunk in feed.stream(hub, sub, [], 0, stream_max_s=0.2):
            chunks.append(chunk)
        assert hub.subscribers == 0  # the stream ended by itself and let go
        return chunks

    events = _parse(asyncio.run(run()))
    assert events[0] == ("batch", {"size": 0, "events": 0, "items": []})
    assert events[1] == ("gap", {"missed_events": 30})
    batches = [data for kind, data in events if kind == "batch"][1:]
    assert len(batches) == feed.QUEUE_MAX_BATCHES
    assert batches[0]["items"][0] == {"seq": 0, "time_ms": 1_700_000_000_123, "kind": "transfer", "code": "DISBURSE",
                                      "id": "p1", "amount": 5, "debit": "a", "credit": "b"}  # fmt: skip


def test_publishing_to_a_closed_loop_drops_the_subscriber():
    hub = feed.FeedHub()

    async def subscribe() -> None:
        assert hub.subscribe() is not None

    asyncio.run(subscribe())  # the loop is closed when run() returns
    hub.publish(_batch(1))
    assert hub.subscribers == 0


def test_the_event_stream_starts_with_the_backlog(dashboard):
    with httpx.Client(base_url=dashboard.url) as c, c.stream("GET", "/dashboard/events") as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"] == "no-store"
        text = ""
        for chunk in r.iter_text():
            text += chunk
            if "event: batch" in text and text.endswith("\n\n"):
                break
    first = _parse([text.encode()])[0]
    assert first[0] == "batch" and first[1]["size"] == dashboard.journal.size
    assert first[1]["items"][-1]["seq"] == dashboard.journal.size - 1
