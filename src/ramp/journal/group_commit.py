"""Group commit: concurrent requests share engine batches.

Requests queue here; the writer takes everything queued (up to BATCH_MAX_EVENTS) as one batch,
prepares it on a worker thread (the engine is CPU-bound: the event loop stays free), and hands
it to the journal, whose committer makes it durable. While one batch commits the next one
fills, so batches grow with load and latency stays near one commit. Each request gets exactly
its own results back, after its batch is durable. A *planned* request (commands computed from
live state inside the writer, such as a Numscript run) is a batch of its own.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from concurrent.futures import ThreadPoolExecutor
from typing import Final

from ramp.journal import Journal
from ramp.journal.writer import Planner
from ramp.ledger import BATCH_MAX_EVENTS, Command, Result
from ramp.refusal import Kind, Refused

QUEUE_MAX_EVENTS: Final = 8 * BATCH_MAX_EVENTS  # ~8 batches waiting: about half a second of load


OVERLOADED_RETRY_AFTER_S: Final = 1  # a batch commits in milliseconds: the queue drains fast


def _overloaded(message: str) -> Refused:
    """The queue is full: the client should retry after a second."""
    return Refused(Kind.OVERLOADED, "overloaded", message, retry_after_s=OVERLOADED_RETRY_AFTER_S)


class GroupCommitter:
    def __init__(self, journal: Journal, *, queue_max_events: int = QUEUE_MAX_EVENTS) -> None:
        self.journal = journal
        self.queue_max_events = queue_max_events
        # (commands, future) or (planner, future): a planner is a batch of its own.
        self._queue: collections.deque[tuple[list[Command] | Planner, asyncio.Future[list[Result]]]] = (
            collections.deque()
        )
        self._queued_events = 0
        self._wakeup = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ramp-prepare")
        self._task: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="ramp-group-commit")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):  # the cancellation we asked for
                await self._task
        if self._deliveries:
            await asyncio.gather(*self._deliveries, return_exceptions=True)
        self._executor.shutdown(wait=True)

    async def submit(self, commands: list[Command]) -> list[Result]:
        """Queue one request's commands; returns their results once durable."""
        if not commands:
            return []
        if self._queued_events + len(commands) > self.queue_max_events:
            raise _overloaded(f"{self._queued_events} events are queued")
        future: asyncio.Future[list[Result]] = asyncio.get_running_loop().create_future()
        self._queue.append((commands, future))
        self._queued_events += len(commands)
        self._wakeup.set()
        return await future

    async def submit_planned(self, planner: Planner) -> list[Result]:
        """Queue a planner (see `Journal.submit_planned_async`); its exception, if it raises,
        is this request's, and nothing is written."""
        if self._queued_events + 1 > self.queue_max_events:
            raise _overloaded(f"{self._queued_events} events are queued")
        future: asyncio.Future[list[Result]] = asyncio.get_running_loop().create_future()
        self._queue.append((planner, future))
        self._queued_events += 1
        self._wakeup.set()
        return await future

    def _take_group(self) -> list[tuple[list[Command], asyncio.Future[list[Result]]]]:
        group: list[tuple[list[Command], asyncio.Future[list[Result]]]] = []
        total = 0
        while self._queue:
            commands, future = self._queue[0]
            if callable(commands):
                break
            # A request ending inside a linked chain would join the next request's chain:
            # it goes in a batch of its own, where the engine answers linked_event_chain_open.
            open_chain = "linked" in commands[-1].flags
            if group and (total + len(commands) > BATCH_MAX_EVENTS or open_chain):
                break
            self._queue.popleft()
            self._queued_events -= len(commands)
            group.append((commands, future))
            total += len(commands)
            if open_chain:
                break
        return group

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                if callable(self._queue[0][0]):
                    planner, future = self._queue.popleft()
                    self._queued_events -= 1
                    try:
                        durable = await loop.run_in_executor(
                            self._executor, self.journal.submit_planned_async, planner
                        )
                    except Exception as exc:  # noqa: BLE001 - the planner's refusal is the request's answer
                        if not future.done():
                            future.set_exception(exc)
                        continue
                    self._spawn_delivery(loop, durable, [([], future)], planned=True)
                    continue
                group = self._take_group()
                batch = [c for commands, _ in group for c in commands]
                try:
                    durable = await loop.run_in_executor(self._executor, self.journal.submit_async, batch)
                except Exception as exc:  # noqa: BLE001 - every request of the group learns why
                    for _, future in group:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                self._spawn_delivery(loop, durable, group)

    def _spawn_delivery(self, loop: asyncio.AbstractEventLoop, durable, group: list, planned: bool = False) -> None:
        task = loop.create_task(self._deliver(asyncio.wrap_future(durable), group, planned))
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    @staticmethod
    async def _deliver(durable: asyncio.Future[list[Result]], group: list, planned: bool) -> None:
        try:
            results = await durable
        except Exception as exc:  # noqa: BLE001 - the batch was not committed: nobody is acknowledged
            for _, future in group:
                if not future.done():
                    future.set_exception(exc)
            return
        if planned:  # one request owns the whole batch
            _, future = group[0]
            if not future.done():
                future.set_result(results)
            return
        pos = 0
        for commands, future in group:
            if not future.done():  # a client that went away is simply not answered
                future.set_result(results[pos : pos + len(commands)])
            pos += len(commands)
