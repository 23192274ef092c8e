"""The ledger engine: a pure, deterministic double-entry state machine.

No I/O, no clock, no randomness: `execute(commands, now_ns)` turns a batch of commands into
one result per command and the events to append, assigning `seq` (the event's leaf index in
the log, from 0) and `timestamp` (ns, strictly increasing, never below `now_ns`). The same
state and the same arguments always give the same output. Checks run in the order of
`results.CODES_IN_PRECEDENCE`; an expected failure is a result code, never an exception.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from ramp.ledger import results as result_codes
from ramp.ledger._account_rules import AccountRules
from ramp.ledger._account_state import AccountState
from ramp.ledger._record_rules import RecordRules
from ramp.ledger._transfer_rules import EXPIRED, PENDING, TransferRules, deadline_ns
from ramp.ledger.events import (
    AccountCreated,
    AccountFlagsChanged,
    Event,
    PendingExpired,
    RecordAppended,
    TransferApplied,
)
from ramp.ledger.model import (
    ACCOUNT_FLAG_BITS,
    BALANCE_MAX,
    BATCH_MAX_EVENTS,
    AccountBalance,
    AccountFlag,
    AppendRecord,
    BalanceRow,
    ChangeAccountFlags,
    Command,
    CreateAccount,
    CreateTransfer,
    Result,
    flag_names,
)


class BatchTooLarge(ValueError):
    """A batch above BATCH_MAX_EVENTS: refused whole, before anything is applied."""


class ReplayError(ValueError):
    """An event that the engine would not have produced from this state."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(f"event seq={seq}: {reason}")
        self.seq = seq
        self.reason = reason


@dataclass(slots=True)
class Outcome:
    """What one `execute` call produced: results in command order, events in seq order."""

    results: list[Result]
    events: list[Event]
    touched_accounts: set[str] = field(default_factory=set)


class LedgerEngine(TransferRules, AccountRules, RecordRules):
    """In-memory state of one ledger and the rules that change it."""

    def __init__(self) -> None:
        self._accounts: dict[str, AccountState] = {}
        self._transfers: dict[str, TransferApplied] = {}
        self._pending: dict[str, int] = {}  # pending transfer id -> PENDING/POSTED/VOIDED/EXPIRED
        self._flag_changes: dict[str, AccountFlagsChanged] = {}
        self._records: dict[str, RecordAppended] = {}
        self._expiry: list[tuple[int, int, str]] = []  # heap of (deadline_ns, seq, transfer id)
        self._valid_codes: set[str] = set()
        self._valid_assets: set[str] = set()
        self.next_seq = 0
        self.last_timestamp = 0
        # Scratch state of the execute() call in progress.
        self._events: list[Event] = []
        self._touched: set[str] = set()
        self._undo: list[tuple] | None = None
        self._now = 0

    # --- queries -------------------------------------------------------------------------
    def account(self, account_id: str) -> AccountBalance | None:
        a = self._accounts.get(account_id)
        if a is None:
            return None
        return AccountBalance(
            id=a.id,
            asset=a.asset,
            flags=flag_names(a.flags, ACCOUNT_FLAG_BITS),
            metadata=dict(a.metadata),
            debits_pending=a.dp,
            debits_posted=a.dpo,
            credits_pending=a.cp,
            credits_posted=a.cpo,
            timestamp=a.timestamp,
        )

    def account_count(self) -> int:
        return len(self._accounts)

    def transfer(self, transfer_id: str) -> TransferApplied | None:
        return self._transfers.get(transfer_id)

    def record(self, record_id: str) -> RecordAppended | None:
        """The record applied under `record_id` (a retry is told apart from a new one by it)."""
        return self._records.get(record_id)

    def pending_state(self, transfer_id: str) -> int | None:
        return self._pending.get(transfer_id)

    def balances(self) -> dict[str, tuple[int, int, int, int]]:
        """Every account's (debits_pending, debits_posted, credits_pending, credits_posted)."""
        return {a.id: (a.dp, a.dpo, a.cp, a.cpo) for a in self._accounts.values()}

    def balances_of(self, account_ids: set[str] | list[str]) -> list[BalanceRow]:
        accounts = self._accounts
        return [BalanceRow(i, (a := accounts[i]).dp, a.dpo, a.cp, a.cpo) for i in account_ids]

    def check_invariants(self) -> None:
        """Assert the ledger's invariants; a failure here is a bug, never bad input."""
        # Per asset: the sums of each of the four counters over its accounts.
        debits_pending: Counter[str] = Counter()
        debits_posted: Counter[str] = Counter()
        credits_pending: Counter[str] = Counter()
        credits_posted: Counter[str] = Counter()
        for a in self._accounts.values():
            debits_pending[a.asset] += a.dp
            debits_posted[a.asset] += a.dpo
            credits_pending[a.asset] += a.cp
            credits_posted[a.asset] += a.cpo
            assert min(a.dp, a.dpo, a.cp, a.cpo) >= 0, a.id
            assert a.dp + a.dpo <= BALANCE_MAX and a.cp + a.cpo <= BALANCE_MAX, a.id
            if a.flags & AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS:
                assert a.dp + a.dpo <= a.cpo, f"{a.id} debits exceed credits"
            if a.flags & AccountFlag.CREDITS_MUST_NOT_EXCEED_DEBITS:
                assert a.cp + a.cpo <= a.dpo, f"{a.id} credits exceed debits"
        for asset in debits_pending:  # every asset: `+=` sets a key even when adding 0
            dp, cp = debits_pending[asset], credits_pending[asset]
            dpo, cpo = debits_posted[asset], credits_posted[asset]
            assert dp == cp, f"{asset}: pending debits {dp} != pending credits {cp}"
            assert dpo == cpo, f"{asset}: posted debits {dpo} != posted credits {cpo}"
        reserved: dict[str, int] = {}
        for tid, state in self._pending.items():
            if state == PENDING:
                t = self._transfers[tid]
                reserved[t.debit_account] = reserved.get(t.debit_account, 0) + int(t.amount)
        for a in self._accounts.values():
            assert a.dp == reserved.get(a.id, 0), f"{a.id} pending debits mismatch"

    # --- the write path ------------------------------------------------------------------
    def execute(self, commands: Sequence[Command], now_ns: int) -> Outcome:
        """Apply a batch. Linked chains commit all or nothing; everything else one by one."""
        n = len(commands)
        if n > BATCH_MAX_EVENTS:
            raise BatchTooLarge(f"batch of {n} commands exceeds {BATCH_MAX_EVENTS}")
        self._events = []
        self._touched = set()
        self._now = now_ns
        out: list[Result] = [None] * n  # type: ignore[list-item]
        transfer = self._transfer
        i = 0
        while i < n:
            cmd = commands[i]
            if "linked" not in cmd.flags:
                if self._expiry:
                    self._sweep_expired()
                if type(cmd) is CreateTransfer:  # the hot path, inlined
                    code = transfer(cmd)
                    out[i] = Result(cmd.id, code, self.next_seq - 1 if code is result_codes.OK else self._exists_seq(cmd, code))
                else:
                    out[i] = self._apply_one(cmd)
                i += 1
                continue
            j = i
            while j < n and "linked" in commands[j].flags:
                j += 1
            if j == n:  # the batch ends inside a chain: the chain never closes
                for k in range(i, n):
                    code = result_codes.LINKED_EVENT_CHAIN_OPEN if k == n - 1 else result_codes.LINKED_EVENT_FAILED
                    out[k] = Result(commands[k].id, code)
                break
            self._sweep_expired()
            self._apply_chain(commands, i, j, out)
            i = j + 1
        return Outcome(results=out, events=self._events, touched_accounts=self._touched)

    def replay(self, event: Event) -> None:
        """Re-apply a stored event, checking it is exactly what this engine produces."""
        if event.seq != self.next_seq:
            raise ReplayError(event.seq, f"expected seq {self.next_seq}")
        ts = int(event.timestamp)
        if ts <= self.last_timestamp:
            raise ReplayError(event.seq, "timestamp does not increase")
        self._events = []
        self._touched = set()
        self._now = ts
        if isinstance(event, PendingExpired):
            t = self._transfers.get(event.pending_id)
            if t is None or self._pending.get(t.id) != PENDING or deadline_ns(t) > ts:
                raise ReplayError(event.seq, "pending transfer not due to expire")
            self._expire(t)
        else:
            result = self._apply_one(_command_of(event))
            if result.result != result_codes.OK:
                raise ReplayError(event.seq, f"replay gives {result.result}")
        if len(self._events) != 1 or self._events[0] != event:
            raise ReplayError(event.seq, "replay produces a different event")

    # --- internals -----------------------------------------------------------------------
    def _next_ts(self) -> int:
        ts = self.last_timestamp + 1
        return ts if ts > self._now else self._now

    def _emit_header(self) -> tuple[int, int]:
        seq = self.next_seq
        ts = self.last_timestamp + 1
        if ts < self._now:
            ts = self._now
        self.next_seq = seq + 1
        self.last_timestamp = ts
        return seq, ts

    def _sweep_expired(self) -> None:
        """Expire every pending transfer whose deadline is at or before the next timestamp."""
        heap = self._expiry
        while heap and heap[0][0] <= self._next_ts():
            deadline, seq, tid = heapq.heappop(heap)
            t = self._transfers.get(tid)
            # Entries of rolled-back or resolved transfers are skipped (lazy deletion).
            if t is not None and t.seq == seq and self._pending.get(tid) == PENDING and deadline_ns(t) == deadline:
                self._expire(t)

    def _expire(self, t: TransferApplied) -> None:
        amount = int(t.amount)
        dr = self._accounts[t.debit_account]
        cr = self._accounts[t.credit_account]
        dr.dp -= amount
        cr.cp -= amount
        self._pending[t.id] = EXPIRED
        seq, ts = self._emit_header()
        self._touched.add(dr.id)
        self._touched.add(cr.id)
        self._events.append(PendingExpired(seq=seq, timestamp=str(ts), pending_id=t.id, amount=t.amount))

    def _apply_one(self, cmd: Command) -> Result:
        if type(cmd) is CreateTransfer:
            code = self._transfer(cmd)
        elif type(cmd) is CreateAccount:
            code = self._create_account(cmd)
        elif type(cmd) is ChangeAccountFlags:
            code = self._change_flags(cmd)
        elif type(cmd) is AppendRecord:
            code = self._append_record(cmd)
        else:
            raise TypeError(f"not a ledger command: {type(cmd).__name__}")
        if code is result_codes.OK:
            return Result(cmd.id, result_codes.OK, self.next_seq - 1)
        return Result(cmd.id, code, self._exists_seq(cmd, code))

    def _exists_seq(self, cmd: Command, code: str) -> int | None:
        """For `exists`, the seq of the event that applied this id first."""
        if code is not result_codes.EXISTS:
            return None
        if type(cmd) is CreateTransfer:
            return self._transfers[cmd.id].seq
        if type(cmd) is CreateAccount:
            return self._accounts[cmd.id].seq
        if type(cmd) is AppendRecord:
            return self._records[cmd.id].seq
        return self._flag_changes[cmd.id].seq

    def _apply_chain(self, commands: Sequence[Command], i: int, j: int, out: list[Result]) -> None:
        undo: list[tuple] = []
        self._undo = undo
        mark = (self.next_seq, self.last_timestamp, len(self._events), set(self._touched))
        failed_at = -1
        try:
            for k in range(i, j + 1):
                res = self._apply_one(commands[k])
                out[k] = res
                if res.result not in result_codes.SUCCESS_CODES:
                    failed_at = k
                    break
        finally:
            self._undo = None
        if failed_at < 0:
            return
        self._rollback(undo)
        self.next_seq, self.last_timestamp, n_events, self._touched = mark
        del self._events[n_events:]
        for k in range(i, j + 1):
            if k != failed_at:
                out[k] = Result(commands[k].id, result_codes.LINKED_EVENT_FAILED)

    def _rollback(self, undo: list[tuple]) -> None:
        for entry in reversed(undo):
            kind = entry[0]
            if kind == "bal":
                _, a, a.dp, a.dpo, a.cp, a.cpo = entry
            elif kind == "transfer":
                del self._transfers[entry[1]]
                self._pending.pop(entry[1], None)
            elif kind == "state":
                self._pending[entry[1]] = entry[2]
            elif kind == "account":
                del self._accounts[entry[1]]
            elif kind == "flags":
                entry[1].flags = entry[2]
            elif kind == "flag_change":
                del self._flag_changes[entry[1]]
            elif kind == "record":
                del self._records[entry[1]]


def _command_of(event: Event) -> Command:
    """The command whose application produced `event` (a chain is replayed event by event)."""
    if isinstance(event, TransferApplied):
        return CreateTransfer(
            id=event.id, debit_account=event.debit_account, credit_account=event.credit_account,
            amount=int(event.amount), asset=event.asset, code=event.code,
            flags=event.flags, pending_id=event.pending_id, timeout_s=event.timeout_s,
            references=event.references, memo=event.memo,
        )  # fmt: skip
    if isinstance(event, AccountCreated):
        return CreateAccount(id=event.id, asset=event.asset, flags=event.flags, metadata=event.metadata)
    if isinstance(event, RecordAppended):
        return AppendRecord(id=event.id, type=event.type, body=event.body, flags=event.flags)
    if isinstance(event, AccountFlagsChanged):
        return ChangeAccountFlags(
            id=event.id, account=event.account, set=event.set, clear=event.clear, flags=event.flags
        )
    raise TypeError(f"no command for {type(event).__name__}")
