"""Account rules of the ledger engine: opening accounts and changing their flags.

A mixin of LedgerEngine. Freezing, unfreezing and closing are ledger commands; who may issue
them (an approved request) is decided in the policy layer above.
"""

from __future__ import annotations

from ramp.ledger import results as result_codes
from ramp.ledger._account_state import AccountState
from ramp.ledger.events import AccountCreated, AccountFlagsChanged
from ramp.ledger.model import (
    ACCOUNT_FLAG_BITS,
    ACCOUNT_ID_MAX_CHARS,
    ACCOUNT_ID_RE,
    ASSET_RE,
    LINKED_BIT,
    METADATA_MAX_KEYS,
    METADATA_VALUE_MAX_CHARS,
    TRANSFER_ID_MAX_CHARS,
    TRANSFER_ID_RE,
    AccountFlag,
    ChangeAccountFlags,
    CreateAccount,
    flag_bits,
    flag_names,
    valid_map,
)

_CMD_FLAG_BITS = {**ACCOUNT_FLAG_BITS, "linked": LINKED_BIT}
_LINKED_ONLY = {"linked": LINKED_BIT}
_SETTABLE = {"frozen": AccountFlag.FROZEN, "closed": AccountFlag.CLOSED}
_CLEARABLE = {"frozen": AccountFlag.FROZEN}
_LIMIT_FLAGS = AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS | AccountFlag.CREDITS_MUST_NOT_EXCEED_DEBITS


class AccountRules:
    _accounts: dict[str, AccountState]
    _flag_changes: dict[str, AccountFlagsChanged]
    _undo: list[tuple] | None
    _touched: set[str]
    _events: list

    def _create_account(self, cmd: CreateAccount) -> str:
        aid = cmd.id
        if len(aid) > ACCOUNT_ID_MAX_CHARS or not ACCOUNT_ID_RE.fullmatch(aid):
            return result_codes.ID_INVALID
        mask = flag_bits(cmd.flags, _CMD_FLAG_BITS)
        if mask is None or mask & AccountFlag.CLOSED:
            return result_codes.FLAGS_INVALID
        linked = mask & LINKED_BIT
        mask &= ~LINKED_BIT
        if mask & _LIMIT_FLAGS == _LIMIT_FLAGS:
            return result_codes.FLAGS_ARE_MUTUALLY_EXCLUSIVE
        if not ASSET_RE.fullmatch(cmd.asset):
            return result_codes.ASSET_INVALID
        if not valid_map(cmd.metadata, METADATA_MAX_KEYS, METADATA_VALUE_MAX_CHARS):
            return result_codes.METADATA_INVALID
        existing = self._accounts.get(aid)
        if existing is not None:
            # `frozen` changes later through approved requests: compare the limit flags only.
            if existing.flags & _LIMIT_FLAGS != mask & _LIMIT_FLAGS:
                return result_codes.EXISTS_WITH_DIFFERENT_FLAGS
            if existing.asset != cmd.asset:
                return result_codes.EXISTS_WITH_DIFFERENT_ASSET
            if existing.metadata != cmd.metadata:
                return result_codes.EXISTS_WITH_DIFFERENT_METADATA
            return result_codes.EXISTS
        seq, ts = self._emit_header()  # type: ignore[attr-defined]
        self._accounts[aid] = AccountState(aid, cmd.asset, mask, dict(cmd.metadata), ts, seq)
        if self._undo is not None:
            self._undo.append(("account", aid))
        self._touched.add(aid)
        self._events.append(
            AccountCreated(
                seq=seq,
                timestamp=str(ts),
                id=aid,
                asset=cmd.asset,
                flags=flag_names(mask | linked, _CMD_FLAG_BITS),
                metadata=dict(cmd.metadata),
            )
        )
        return result_codes.OK

    def _change_flags(self, cmd: ChangeAccountFlags) -> str:
        if len(cmd.id) > TRANSFER_ID_MAX_CHARS or not TRANSFER_ID_RE.fullmatch(cmd.id):
            return result_codes.ID_INVALID
        set_bits = flag_bits(cmd.set, _SETTABLE)
        clear_bits = flag_bits(cmd.clear, _CLEARABLE)
        if flag_bits(cmd.flags, _LINKED_ONLY) is None or set_bits is None or clear_bits is None:
            return result_codes.FLAGS_INVALID
        if not (set_bits or clear_bits):
            return result_codes.FLAGS_INVALID
        if set_bits & clear_bits:
            return result_codes.FLAGS_ARE_MUTUALLY_EXCLUSIVE
        if len(cmd.account) > ACCOUNT_ID_MAX_CHARS or not ACCOUNT_ID_RE.fullmatch(cmd.account):
            return result_codes.ACCOUNT_ID_INVALID
        set_names = flag_names(set_bits, _SETTABLE)
        clear_names = flag_names(clear_bits, _CLEARABLE)
        done = self._flag_changes.get(cmd.id)
        if done is not None:
            if done.account != cmd.account:
                return result_codes.EXISTS_WITH_DIFFERENT_ACCOUNT
            if done.set != set_names or done.clear != clear_names or done.flags != cmd.flags:
                return result_codes.EXISTS_WITH_DIFFERENT_FLAGS
            return result_codes.EXISTS
        a = self._accounts.get(cmd.account)
        if a is None:
            return result_codes.ACCOUNT_NOT_FOUND
        if a.flags & AccountFlag.CLOSED:
            return result_codes.ACCOUNT_CLOSED
        if set_bits & AccountFlag.CLOSED and (a.dp or a.cp or a.dpo != a.cpo):
            return result_codes.ACCOUNT_NOT_EMPTY
        if self._undo is not None:
            self._undo.append(("flags", a, a.flags))
            self._undo.append(("flag_change", cmd.id))
        a.flags = (a.flags | set_bits) & ~clear_bits
        seq, ts = self._emit_header()  # type: ignore[attr-defined]
        event = AccountFlagsChanged(
            seq=seq, timestamp=str(ts), id=cmd.id, account=cmd.account,
            set=set_names, clear=clear_names, flags=tuple(sorted(cmd.flags)),
        )  # fmt: skip
        self._flag_changes[cmd.id] = event
        self._touched.add(a.id)
        self._events.append(event)
        return result_codes.OK
