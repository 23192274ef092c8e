"""Transfer rules of the ledger engine: single-phase, pending, post and void.

A mixin of LedgerEngine, split out by meaning. The hot path is `_transfer` for a plain
transfer between existing accounts: one regex (the new id), dict look-ups, integer checks.
"""

from __future__ import annotations

import heapq
import sys

from ramp.ledger import results as result_codes
from ramp.ledger._account_state import AccountState
from ramp.ledger.events import TransferApplied
from ramp.ledger.model import (
    ACCOUNT_ID_MAX_CHARS,
    ACCOUNT_ID_RE,
    AMOUNT_MAX,
    ASSET_RE,
    BALANCE_MAX,
    CODE_RE,
    MEMO_MAX_CHARS,
    REFERENCE_VALUE_MAX_CHARS,
    REFERENCES_MAX_KEYS,
    TIMEOUT_S_MAX,
    TRANSFER_FLAG_BITS,
    TRANSFER_ID_MAX_CHARS,
    TRANSFER_ID_RE,
    AccountFlag,
    CreateTransfer,
    TransferFlag,
    flag_bits,
    flag_names,
    valid_map,
)

NS_PER_S = 1_000_000_000
# Life of a pending transfer: it leaves PENDING at most once.
PENDING, POSTED, VOIDED, EXPIRED = 1, 2, 3, 4

_TWO_PHASE = TransferFlag.PENDING | TransferFlag.POST_PENDING | TransferFlag.VOID_PENDING
_RESOLVING = TransferFlag.POST_PENDING | TransferFlag.VOID_PENDING
_FLAG_NAMES = {m: flag_names(m, TRANSFER_FLAG_BITS) for m in range(32)}
_KNOWN_CACHE_MAX = 4096  # distinct codes/assets remembered as valid (bounded memory)
_NO_REFERENCES: dict[str, str] = {}  # shared by every transfer without references; never mutated


def deadline_ns(t: TransferApplied) -> int:
    return int(t.timestamp) + t.timeout_s * NS_PER_S


class TransferRules:
    """State this mixin relies on is created by LedgerEngine.__init__."""

    _accounts: dict[str, AccountState]
    _transfers: dict[str, TransferApplied]
    _pending: dict[str, int]
    _expiry: list[tuple[int, int, str]]
    _undo: list[tuple] | None
    _touched: set[str]
    _events: list
    _valid_codes: set[str]
    _valid_assets: set[str]

    def _transfer(self, cmd: CreateTransfer) -> str:
        tid = cmd.id
        if len(tid) > TRANSFER_ID_MAX_CHARS or not TRANSFER_ID_RE.fullmatch(tid):
            return result_codes.ID_INVALID
        flags = flag_bits(cmd.flags, TRANSFER_FLAG_BITS) if cmd.flags else 0
        if flags is None:
            return result_codes.FLAGS_INVALID
        two_phase = flags & _TWO_PHASE
        if two_phase & (two_phase - 1) or (flags & TransferFlag.BALANCING and flags & _RESOLVING):
            return result_codes.FLAGS_ARE_MUTUALLY_EXCLUSIVE
        resolving = flags & _RESOLVING
        if resolving:
            if not cmd.pending_id:
                return result_codes.PENDING_ID_REQUIRED
            if cmd.pending_id == tid:
                return result_codes.PENDING_ID_MUST_BE_DIFFERENT
        elif cmd.pending_id is not None:
            return result_codes.PENDING_ID_MUST_BE_EMPTY
        timeout_s = cmd.timeout_s
        if timeout_s and not flags & TransferFlag.PENDING:
            return result_codes.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        if type(timeout_s) is not int or not 0 <= timeout_s <= TIMEOUT_S_MAX:
            return result_codes.TIMEOUT_INVALID
        code = cmd.code
        if code not in self._valid_codes and not (resolving and not code):
            if not CODE_RE.fullmatch(code):
                return result_codes.CODE_INVALID
            _remember(self._valid_codes, code)
        amount = cmd.amount
        if not (resolving and amount is None) and (type(amount) is not int or not 0 < amount <= AMOUNT_MAX):
            return result_codes.AMOUNT_INVALID
        asset = cmd.asset
        if asset not in self._valid_assets and not (resolving and not asset):
            if not ASSET_RE.fullmatch(asset):
                return result_codes.ASSET_INVALID
            _remember(self._valid_assets, asset)
        if len(cmd.memo) > MEMO_MAX_CHARS:
            return result_codes.MEMO_INVALID
        if cmd.references and not valid_map(cmd.references, REFERENCES_MAX_KEYS, REFERENCE_VALUE_MAX_CHARS):
            return result_codes.REFERENCES_INVALID
        accounts = self._accounts
        debit, credit = cmd.debit_account, cmd.credit_account
        # Only valid ids are ever stored, so a known account needs no pattern check.
        dr = accounts.get(debit)
        cr = accounts.get(credit)
        if (dr is None and not _valid_account_id(debit, resolving)) or (
            cr is None and not _valid_account_id(credit, resolving)
        ):
            return result_codes.ACCOUNT_ID_INVALID
        if debit == credit and debit:
            return result_codes.ACCOUNTS_MUST_BE_DIFFERENT
        if resolving:
            return self._resolve_pending(cmd, flags)
        done = self._transfers.get(tid)
        if done is not None:
            return _compare(done, cmd, flags, debit, credit, amount, asset, code)  # type: ignore[arg-type]
        if dr is None:
            return result_codes.DEBIT_ACCOUNT_NOT_FOUND
        if cr is None:
            return result_codes.CREDIT_ACCOUNT_NOT_FOUND
        if dr.asset != asset or cr.asset != asset:
            return result_codes.ASSET_MISMATCH
        dflags, cflags = dr.flags, cr.flags
        if (dflags | cflags) & AccountFlag.CLOSED:
            return result_codes.ACCOUNT_CLOSED
        if dflags & AccountFlag.FROZEN:
            return result_codes.ACCOUNT_FROZEN
        if flags & TransferFlag.BALANCING:
            if dflags & AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS:
                amount = min(amount, dr.cpo - dr.dpo - dr.dp)  # type: ignore[type-var]
                if amount <= 0:
                    return result_codes.EXCEEDS_CREDITS
            if cflags & AccountFlag.CREDITS_MUST_NOT_EXCEED_DEBITS:
                amount = min(amount, cr.dpo - cr.cpo - cr.cp)  # type: ignore[type-var]
                if amount <= 0:
                    return result_codes.EXCEEDS_DEBITS
        if dr.dp + dr.dpo + amount > BALANCE_MAX or cr.cp + cr.cpo + amount > BALANCE_MAX:
            return result_codes.OVERFLOW
        if dflags & AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS and dr.dp + dr.dpo + amount > dr.cpo:
            return result_codes.EXCEEDS_CREDITS
        if cflags & AccountFlag.CREDITS_MUST_NOT_EXCEED_DEBITS and cr.cp + cr.cpo + amount > cr.dpo:
            return result_codes.EXCEEDS_DEBITS
        # Every check passed: apply.
        undo = self._undo
        if undo is not None:
            undo.append(("bal", dr, dr.dp, dr.dpo, dr.cp, dr.cpo))
            undo.append(("bal", cr, cr.dp, cr.dpo, cr.cp, cr.cpo))
        pending = flags & TransferFlag.PENDING
        if pending:
            dr.dp += amount
            cr.cp += amount
        else:
            dr.dpo += amount
            cr.cpo += amount
        t = self._record(cmd, flags, debit, credit, amount, asset, code)  # type: ignore[arg-type]
        if pending:
            self._pending[tid] = PENDING
            if timeout_s:
                heapq.heappush(self._expiry, (deadline_ns(t), t.seq, tid))
        return result_codes.OK

    def _resolve_pending(self, cmd: CreateTransfer, flags: int) -> str:
        p = self._transfers.get(cmd.pending_id)  # type: ignore[arg-type]
        done = self._transfers.get(cmd.id)
        if done is not None:
            if p is None:  # unreachable: a resolution exists only for an existing pending
                return result_codes.EXISTS_WITH_DIFFERENT_PENDING_ID
            return _compare(
                done, cmd, flags,
                cmd.debit_account or p.debit_account, cmd.credit_account or p.credit_account,
                int(p.amount) if cmd.amount is None else cmd.amount,
                cmd.asset or p.asset, cmd.code or p.code,
            )  # fmt: skip
        if p is None:
            return result_codes.PENDING_TRANSFER_NOT_FOUND
        state = self._pending.get(p.id)
        if state is None:
            return result_codes.PENDING_TRANSFER_NOT_PENDING
        if cmd.debit_account and cmd.debit_account != p.debit_account:
            return result_codes.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT
        if cmd.credit_account and cmd.credit_account != p.credit_account:
            return result_codes.PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT
        if cmd.asset and cmd.asset != p.asset:
            return result_codes.PENDING_TRANSFER_HAS_DIFFERENT_ASSET
        if cmd.code and cmd.code != p.code:
            return result_codes.PENDING_TRANSFER_HAS_DIFFERENT_CODE
        if state == POSTED:
            return result_codes.PENDING_TRANSFER_ALREADY_POSTED
        if state == VOIDED:
            return result_codes.PENDING_TRANSFER_ALREADY_VOIDED
        if state == EXPIRED or (p.timeout_s and deadline_ns(p) <= self._next_ts()):  # type: ignore[attr-defined]
            return result_codes.PENDING_TRANSFER_EXPIRED
        post = flags & TransferFlag.POST_PENDING
        reserved = int(p.amount)
        amount = reserved if cmd.amount is None else cmd.amount
        if not post and amount != reserved:
            return result_codes.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT
        if amount > reserved:
            return result_codes.EXCEEDS_PENDING_TRANSFER_AMOUNT
        dr = self._accounts[p.debit_account]
        cr = self._accounts[p.credit_account]
        if post and dr.flags & AccountFlag.FROZEN:
            return result_codes.ACCOUNT_FROZEN
        # Posting moves at most the reserved amount, which was checked against flags and
        # overflow when reserved; posted counters only grow, so no new check can fail here.
        undo = self._undo
        if undo is not None:
            undo.append(("bal", dr, dr.dp, dr.dpo, dr.cp, dr.cpo))
            undo.append(("bal", cr, cr.dp, cr.dpo, cr.cp, cr.cpo))
            undo.append(("state", p.id, state))
        dr.dp -= reserved
        cr.cp -= reserved
        if post:
            dr.dpo += amount
            cr.cpo += amount
        self._pending[p.id] = POSTED if post else VOIDED
        self._record(cmd, flags, p.debit_account, p.credit_account, amount, p.asset, p.code)
        return result_codes.OK

    def _record(
        self, cmd: CreateTransfer, flags: int, debit: str, credit: str, amount: int, asset: str, code: str
    ) -> TransferApplied:
        seq, ts = self._emit_header()  # type: ignore[attr-defined]
        # Every applied transfer stays in memory (idempotency, pending resolution), so it shares
        # what it can: the accounts' own id and asset strings, one string per code, one empty
        # references dict. Without this a million transfers hold ~300 MB of duplicate strings.
        accounts = self._accounts  # type: ignore[attr-defined]
        dr = accounts[debit]
        t = TransferApplied(
            seq=seq, timestamp=str(ts), id=cmd.id, debit_account=dr.id, credit_account=accounts[credit].id,
            amount=str(amount), asset=dr.asset, code=sys.intern(code), flags=_FLAG_NAMES[flags],
            pending_id=cmd.pending_id, timeout_s=cmd.timeout_s, references=cmd.references or _NO_REFERENCES,
            memo=cmd.memo,
        )  # fmt: skip
        self._transfers[cmd.id] = t
        if self._undo is not None:
            self._undo.append(("transfer", cmd.id))
        self._touched.add(debit)
        self._touched.add(credit)
        self._events.append(t)
        return t


def _remember(cache: set[str], value: str) -> None:
    if len(cache) < _KNOWN_CACHE_MAX:
        cache.add(value)


def _valid_account_id(account_id: str, resolving: int) -> bool:
    if resolving and not account_id:
        return True  # post/void take the pending transfer's accounts
    return len(account_id) <= ACCOUNT_ID_MAX_CHARS and ACCOUNT_ID_RE.fullmatch(account_id) is not None


def _compare(
    done: TransferApplied, cmd: CreateTransfer, flags: int, debit: str, credit: str, amount: int,
    asset: str, code: str,
) -> str:  # fmt: skip
    """The idempotency answer for a command whose id was applied before."""
    if flag_bits(done.flags, TRANSFER_FLAG_BITS) != flags:
        return result_codes.EXISTS_WITH_DIFFERENT_FLAGS
    if done.asset != asset:
        return result_codes.EXISTS_WITH_DIFFERENT_ASSET
    if done.debit_account != debit:
        return result_codes.EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT
    if done.credit_account != credit:
        return result_codes.EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT
    applied = int(done.amount)
    # A balancing transfer may have moved less than asked: a retry asking at least that much
    # is the same request (the asked amount is not in the log, so it cannot be compared).
    if applied != amount and not (flags & TransferFlag.BALANCING and amount > applied):
        return result_codes.EXISTS_WITH_DIFFERENT_AMOUNT
    if done.pending_id != cmd.pending_id:
        return result_codes.EXISTS_WITH_DIFFERENT_PENDING_ID
    if done.timeout_s != cmd.timeout_s:
        return result_codes.EXISTS_WITH_DIFFERENT_TIMEOUT
    if done.code != code:
        return result_codes.EXISTS_WITH_DIFFERENT_CODE
    if done.references != cmd.references:
        return result_codes.EXISTS_WITH_DIFFERENT_REFERENCES
    if done.memo != cmd.memo:
        return result_codes.EXISTS_WITH_DIFFERENT_MEMO
    return result_codes.EXISTS
