"""The single writer: batches of commands in, durable transactions out, then the answers.

`submit_async` runs the engine, encodes the events (the log's leaves), extends the tree and
hands the batch to the committer thread, which writes events, tree hash runs, balances and the
batch's root in ONE store transaction and only then resolves the batch's future: a result is
never returned before it is durable. While batch N commits (SQLite runs with the GIL released),
the engine prepares batch N+1 on the other core. If a commit fails, every batch prepared on top
of it fails too, and the engine is rebuilt from the store before the next batch.

Each event's leaf is its public envelope (`journal/envelope.py`): its body for a public event, a
hiding commitment to it otherwise; the classifier says which. The store keeps every envelope's
opening (salt || body) beside it. On open, state is rebuilt from the openings, each checked
against its envelope, and checked against the stored balances and the stored root.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from time import perf_counter
from typing import Final, Protocol, TypeVar

from ramp.journal.appender import LogAppender
from ramp.journal.disclosure import Disclosure
from ramp.journal.envelope import (
    EVENT_SALT_DOMAIN,
    LOG_FORMAT,
    EnvelopeInvalid,
    Level,
    opens,
    seal,
    split_opening,
)
from ramp.journal.index import ReadModel
from ramp.journal.log import CheckpointInvalid, LogSigner, verify_checkpoint
from ramp.journal.progress import Reporter
from ramp.ledger.engine import LedgerEngine, ReplayError
from ramp.ledger.events import Event, EventDecodeError, decode_event, encode_events
from ramp.ledger.model import Command, Result
from ramp.store.base import BatchWrite, Store, StoreError
from ramp.tlog.merkle import leaf_hashes
from ramp.tlog.tiles import encode_entries

# Batches prepared but not yet durable. Two keep both cores busy; more would only hold
# memory and widen what a failed commit must undo.
COMMIT_QUEUE_MAX: Final = 2
_REPLAY_CHUNK: Final = 8192


class JournalCorrupt(Exception):
    """Stored events, balances and roots disagree: the journal refuses to open."""


class PhaseTimes:
    """Seconds spent per write-path phase since open (a few perf_counter calls per batch)."""

    __slots__ = ("engine", "encode", "tree", "commit", "batches", "events")

    def __init__(self) -> None:
        self.engine = self.encode = self.tree = self.commit = 0.0
        self.batches = self.events = 0

    def as_dict(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in self.__slots__}


# Who may read an event: decided at write time from live state (account metadata, record type).
# The domain's classifier is `ramp.disclosure.classify`; without one, nothing is public.
Classifier = Callable[[Event, LedgerEngine], Level]
# Unsigned journals (tests, benchmarks' baselines) have no log key to derive salts from: they
# use this fixed key, so their commitments hide nothing from someone who reads this line.
UNSIGNED_DISCLOSURE_KEY: Final = b"\0" * 32
_KIND: Final = {cls: cls.__struct_config__.tag for cls in Event.__args__}  # type: ignore[attr-defined]


def _restricted(_event: Event, _engine: LedgerEngine) -> Level:
    return Level.RESTRICTED


def event_kind(event: Event) -> str:
    """The envelope's `kind`: the event's type tag (`transfer`, `record`, ...)."""
    return _KIND[type(event)]


# A planner turns live ledger state into the commands of one batch (a script's postings,
# an operation that must check availability): it runs inside the writer, so no other batch
# can change the state it read before its commands execute. It may raise to write nothing.
Planner = Callable[[LedgerEngine], Sequence[Command]]


class Projection(Protocol):
    """A domain read model: fed every committed event, in seq order, once.

    `reset()` is called before a (re)load replays the journal from the start; `apply()` runs
    on the committer thread after each commit (and during load), so it must be quick and must
    not raise for events it does not own."""

    def reset(self) -> None: ...

    def apply(self, events: list[Event]) -> None: ...


P = TypeVar("P", bound=Projection)


class _Pending:
    __slots__ = ("batch", "events", "results", "future")

    def __init__(self, batch: BatchWrite, events: list[Event], results: list[Result]) -> None:
        self.batch = batch
        self.events = events
        self.results = results
        self.future: Future[list[Result]] = Future()


class Journal:
    """Owns the engine, the log's right edge, the committed read model and the store."""

    def __init__(
        self,
        store: Store,
        *,
        log: LogSigner | None = None,
        projections: Sequence[Projection] = (),
        check_invariants: bool = False,
        record_batches: bool = False,
        classifier: Classifier | None = None,
        progress: Reporter | None = None,
    ) -> None:
        self.store = store
        self._progress = progress  # told (done, total) as the log replays on open
        self.log = log
        self.classifier: Classifier = classifier or _restricted
        self.disclosure = log.disclosure if log is not None else Disclosure(UNSIGNED_DISCLOSURE_KEY)
        # What timestamps a batch whose caller gives none: the wall clock, or the simulated
        # date of a demo (`ramp demo` runs its service on the demo's own calendar).
        self.clock_ns: Callable[[], int] = time.time_ns
        self.projections = list(projections)
        if log is not None:  # first use records them; a later mismatch is refused
            store.put_meta("origin", log.origin)
            store.put_meta("log_verifier_key", log.verifier_key)
        # Benchmarks replay the exact committed batches into a bare store as their baseline.
        self.recorded_batches: list[BatchWrite] | None = [] if record_batches else None
        self.times = PhaseTimes()
        self.last_batch: BatchWrite | None = None
        self._check_invariants = check_invariants
        self._write_lock = threading.Lock()
        self._queue: queue.Queue[_Pending | None] = queue.Queue(maxsize=COMMIT_QUEUE_MAX)
        self._failure: BaseException | None = None
        self._load()
        self._committer = threading.Thread(target=self._commit_loop, name="ramp-committer", daemon=True)
        self._committer.start()

    # --- open ----------------------------------------------------------------------------
    def _load(self) -> None:
        self.engine = LedgerEngine()
        self.appender = LogAppender()
        self.read = ReadModel()
        for projection in self.projections:
            projection.reset()
        size = self.store.log_size()
        log_format = self.store.get_meta("log_format")
        if log_format is None and size > 0:
            raise JournalCorrupt("this store's log predates public envelopes (its leaves are the events "
                                 "themselves): a log cannot be rewritten, so start a new one (docs/architecture.md)")  # fmt: skip
        if log_format is None:
            self.store.put_meta("log_format", LOG_FORMAT)
        elif log_format != LOG_FORMAT:
            raise JournalCorrupt(f"this store's log format is {log_format!r}, not {LOG_FORMAT!r}")
        leaves: list[bytes] = []
        openings: list[bytes] = []
        report = self._progress if self._progress is not None and size > 0 else (lambda done, total: None)
        report(0, size)
        try:
            for leaf, opening in zip(self.store.iter_entries(0, size), self.store.iter_openings(0, size), strict=True):
                leaves.append(leaf)
                openings.append(opening)
                if len(leaves) == _REPLAY_CHUNK:
                    self._replay_chunk(leaves, openings)
                    leaves, openings = [], []
                    report(self.appender.size, size)
            if leaves:
                self._replay_chunk(leaves, openings)
            report(self.appender.size, size)
        except (ReplayError, EventDecodeError, EnvelopeInvalid, StoreError, ValueError) as exc:
            raise JournalCorrupt(f"stored events do not replay: {exc}") from exc
        if self.appender.size != size or self.engine.next_seq != size:
            raise JournalCorrupt(f"log holds {self.appender.size} events, batches say {size}")
        last = self.store.last_batch()
        if last is not None and last.root != self.appender.root():
            raise JournalCorrupt(f"tree root of the stored events differs from the root stored at size {size}")
        if last is not None and last.checkpoint is not None:
            self._check_last_checkpoint(last.checkpoint, size)
        computed = self.engine.balances()
        stored = self.store.balances()
        if stored != computed:
            diff = sorted(set(stored.items()) ^ set(computed.items()))[:3]
            raise JournalCorrupt(f"stored balances differ from balances replayed from events: {diff}")
        self.read.apply([], self.engine.balances_of(list(computed)))
        if self._check_invariants:
            self.engine.check_invariants()

    def _check_last_checkpoint(self, note: str, size: int) -> None:
        """The last signed checkpoint must sign exactly the tree rebuilt from the events."""
        origin = self.store.get_meta("origin")
        vkey = self.store.get_meta("log_verifier_key")
        if origin is None or vkey is None:
            raise JournalCorrupt("a checkpoint is stored but the log's origin or key is not")
        try:
            checkpoint = verify_checkpoint(note, vkey, origin)
        except CheckpointInvalid as exc:
            raise JournalCorrupt(str(exc)) from exc
        if checkpoint.size != size or checkpoint.root_hash != self.appender.root():
            raise JournalCorrupt(f"the last signed checkpoint ({checkpoint.size}) does not sign the stored log")

    def _replay_chunk(self, leaves: list[bytes], openings: list[bytes]) -> None:
        events = []
        for leaf, opening in zip(leaves, openings, strict=True):
            salt, body = split_opening(opening)
            event = decode_event(body)
            opens(leaf, salt, body, kind=event_kind(event), seq=event.seq, timestamp=event.timestamp)
            self.engine.replay(event)
            events.append(event)
        self.appender.append(leaves)
        self.read.apply(events, [])
        for projection in self.projections:
            projection.apply(events)

    # --- write ---------------------------------------------------------------------------
    def submit(self, commands: Sequence[Command], now_ns: int | None = None) -> list[Result]:
        """Apply one batch durably; the results are returned only after the commit."""
        return self.submit_async(commands, now_ns).result()

    def submit_async(self, commands: Sequence[Command], now_ns: int | None = None) -> Future[list[Result]]:
        """Prepare one batch and queue it for commit; the future resolves once it is durable.

        Blocks while COMMIT_QUEUE_MAX batches are waiting (back-pressure)."""
        with self._write_lock:
            if self._failure is not None:
                self._recover()
            return self._prepare(commands, now_ns)

    def submit_planned_async(self, planner: Planner, now_ns: int | None = None) -> Future[list[Result]]:
        """Like `submit_async`, with the batch's commands computed by `planner` from the live
        engine state under the write lock (state that includes batches not yet durable: they
        commit before this one, or a failure rebuilds everything). An exception from the
        planner propagates and nothing is written."""
        with self._write_lock:
            if self._failure is not None:
                self._recover()
            return self._prepare(list(planner(self.engine)), now_ns)

    def _prepare(self, commands: Sequence[Command], now_ns: int | None) -> Future[list[Result]]:
        engine, times = self.engine, self.times
        first_seq = engine.next_seq
        t0 = perf_counter()
        outcome = engine.execute(commands, self.clock_ns() if now_ns is None else now_ns)
        events = outcome.events
        t1 = perf_counter()
        bodies = encode_events(events)
        salts = self.disclosure.seq_salts(EVENT_SALT_DOMAIN, first_seq, len(events))
        classify = self.classifier
        leaves = [seal(body, _KIND[type(e)], e.seq, e.timestamp, classify(e, engine), salt)
                  for e, body, salt in zip(events, bodies, salts, strict=True)]  # fmt: skip
        openings = encode_entries([salt + body for salt, body in zip(salts, bodies, strict=True)])
        t2 = perf_counter()
        if events:
            runs = self.appender.append(leaves, leaf_hashes(leaves))
            root = self.appender.root()
            balances = engine.balances_of(outcome.touched_accounts)
        else:  # nothing applied: the batch still waits for earlier ones to be durable
            runs, root, balances = None, b"", []
        batch = BatchWrite(
            first_seq=first_seq,
            size=engine.next_seq,
            root=root,
            committed_ns=int(engine.last_timestamp),
            entries=runs.entries if runs else b"",
            hash_runs=runs.hashes if runs else [],
            balances=balances,
            checkpoint=self.log.sign_checkpoint(engine.next_seq, root) if self.log and runs else None,
            openings=openings if runs else b"",
        )
        t3 = perf_counter()
        times.engine += t1 - t0
        times.encode += t2 - t1
        times.tree += t3 - t2
        times.batches += 1
        times.events += len(events)
        pending = _Pending(batch, events, outcome.results)
        self._queue.put(pending)
        return pending.future

    def _commit_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._failure is None and item.events:
                t0 = perf_counter()
                try:
                    self.store.commit(item.batch)
                except BaseException as exc:  # noqa: BLE001 - any failure poisons later batches
                    self._failure = exc
                self.times.commit += perf_counter() - t0
            if self._failure is not None:
                item.future.set_exception(StoreError(f"batch not committed: {self._failure}"))
                continue
            if item.events:
                self.read.apply(item.events, item.batch.balances)
                for projection in self.projections:
                    projection.apply(item.events)
                self.last_batch = item.batch
                if self.recorded_batches is not None:
                    self.recorded_batches.append(item.batch)
            item.future.set_result(item.results)

    def _recover(self) -> None:
        """After a failed commit: wait for the queue to drain, then rebuild from the store."""
        self._drain()
        self._load()
        self._failure = None

    def _drain(self) -> None:
        done = threading.Event()
        sentinel: Future[list[Result]] = Future()
        sentinel.add_done_callback(lambda _f: done.set())
        marker = _Pending(BatchWrite(0, 0, b"", 0, b"", [], []), [], [])
        marker.future = sentinel
        self._queue.put(marker)
        done.wait()

    def flush(self) -> None:
        """Wait until every queued batch is committed (or failed)."""
        with self._write_lock:
            self._drain()

    def close(self) -> None:
        with self._write_lock:
            self._drain()
            self._queue.put(None)
        self._committer.join()
        self.store.close()

    def projection(self, cls: type[P]) -> P:
        """The journal's projection of type `cls`. A journal opened without one gets one now,
        caught up from the committed log by decoding it again (seconds per million events: open
        with every projection instead). Safe only before writes start, e.g. at app creation."""
        for p in self.projections:
            if isinstance(p, cls):
                return p
        projection = cls()
        size = self.size
        for start in range(0, size, _REPLAY_CHUNK):
            projection.apply(self.events(range(start, min(size, start + _REPLAY_CHUNK))))
        self.projections.append(projection)
        return projection

    # --- read (committed state only) -----------------------------------------------------
    @property
    def size(self) -> int:
        """Events durable and visible to readers."""
        return self.read.size

    def events(self, seqs: Sequence[int]) -> list[Event]:
        """Committed events by seq (ascending), read from the store."""
        seqs = [s for s in seqs if 0 <= s < self.read.size]
        if not seqs:
            return []
        wanted = set(seqs)
        lo, hi = min(seqs), max(seqs) + 1
        return [
            decode_event(split_opening(opening)[1])
            for seq, opening in enumerate(self.store.iter_openings(lo, hi), start=lo)
            if seq in wanted
        ]

    def openings(self, start: int, end: int) -> list[tuple[bytes, bytes]]:
        """(salt, body) of committed events [start, end): what opens each envelope."""
        end = min(end, self.read.size)
        return [split_opening(o) for o in self.store.iter_openings(start, end)] if start < end else []
