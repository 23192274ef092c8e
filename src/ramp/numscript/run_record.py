"""The `numscript.run` record: what the log keeps of a script run, beside its transfers.

The body holds the run's inputs (the script with its SHA-256, the vars, the transfer code),
what the script set (transaction and account metadata) and how many transfers the run made
(`<id>:0` .. `<id>:<n-1>`). Record bodies allow only `[a-z][a-z0-9_]*` keys, so maps whose keys
are free text (vars, metadata) are kept as sorted lists of pairs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Final

import msgspec

from ramp.ledger.model import RECORD_BODY_MAX_BYTES

RUN_RECORD_TYPE: Final = "numscript.run"


def run_body(
    *,
    script: str,
    vars: Mapping[str, str],
    code: str,
    transfers: int,
    tx_meta: Mapping[str, str],
    account_meta: Mapping[str, Mapping[str, str]],
    submitted_by: str | None,
) -> dict[str, object]:
    """The record body of one run. `transfers` is the number of postings it made."""
    body: dict[str, object] = {
        "script": script,
        "script_sha256": hashlib.sha256(script.encode()).hexdigest(),
        "vars": [[name, vars[name]] for name in sorted(vars)],
        "code": code,
        "transfers": transfers,
        "tx_meta": [[key, tx_meta[key]] for key in sorted(tx_meta)],
        "account_meta": [
            [account, key, meta[key]]
            for account, meta in sorted(account_meta.items())
            for key in sorted(meta)
        ],
    }
    if submitted_by is not None:
        body["submitted_by"] = submitted_by
    return body


def body_bytes(body: Mapping[str, object]) -> int:
    """The size the engine holds against RECORD_BODY_MAX_BYTES."""
    return len(msgspec.json.encode(body))


def fits(body: Mapping[str, object]) -> bool:
    return body_bytes(body) <= RECORD_BODY_MAX_BYTES


def input_difference(
    body: Mapping[str, object], *, script: str, vars: Mapping[str, str], code: str
) -> str | None:
    """Which input of a stored run differs from these (`script`, `vars`, `code`), or None.

    Only inputs are compared: what a run produced depends on the ledger state it ran against,
    so a retry is recognised by what was asked, not by what it would produce now."""
    if body.get("script") != script:
        return "script"
    if body.get("vars") != [[name, vars[name]] for name in sorted(vars)]:
        return "vars"
    if body.get("code") != code:
        return "code"
    return None


def stored_outputs(
    body: Mapping[str, object],
) -> tuple[int, dict[str, str], dict[str, dict[str, str]]]:
    """(transfers, tx_meta, account_meta) of a stored run body."""
    transfers = body["transfers"]
    assert type(transfers) is int and transfers >= 0, transfers
    tx_meta = {str(k): str(v) for k, v in body["tx_meta"]}  # type: ignore[attr-defined]
    account_meta: dict[str, dict[str, str]] = {}
    for account, key, value in body["account_meta"]:  # type: ignore[attr-defined]
        account_meta.setdefault(str(account), {})[str(key)] = str(value)
    return transfers, tx_meta, account_meta
