"""Property tests: random command streams against the ledger's invariants.

- no stream ever breaks an invariant (debits = credits per asset, no flag violated, a pending
  transfer resolves at most once);
- replaying the events into a fresh engine reproduces every balance;
- results and events do not depend on how a stream is cut into batches;
- every event's bytes are RFC 8785 canonical JSON (checked with an independent library).
"""

from __future__ import annotations

import json

import msgspec
import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ramp.ledger import (
    AppendRecord,
    ChangeAccountFlags,
    CreateAccount,
    CreateTransfer,
    LedgerEngine,
)
from ramp.ledger import results as result_codes
from ramp.ledger._transfer_rules import PENDING
from ramp.ledger.events import decode_event, encode_event

pytestmark = pytest.mark.slow  # long hypothesis runs: `make test` runs it, `make test-fast` does not

ACCOUNTS = ["treasury:issuer", "line:a", "line:b", "line:c", "wallet:v", "capped:x", "usd:u"]
SETUP = [
    CreateAccount(id="treasury:issuer", asset="JPYD"),
    CreateAccount(id="line:a", asset="JPYD", flags=("debits_must_not_exceed_credits",)),
    CreateAccount(id="line:b", asset="JPYD", flags=("debits_must_not_exceed_credits",)),
    CreateAccount(id="line:c", asset="JPYD", flags=("debits_must_not_exceed_credits",), metadata={"tag": "ai"}),
    CreateAccount(id="wallet:v", asset="JPYD", flags=("debits_must_not_exceed_credits",)),
    CreateAccount(id="capped:x", asset="JPYD", flags=("credits_must_not_exceed_debits",)),
    CreateAccount(id="usd:u", asset="USD/2"),
    *[
        CreateTransfer(id=f"fund-{a}", debit_account="treasury:issuer", credit_account=a, amount=5_000,
                       asset="JPYD", code="MINT")
        for a in ("line:a", "line:b", "line:c", "wallet:v")
    ],
]

# Small id pools so that retries (idempotency) and resolutions of real pendings are common.
ids = st.sampled_from([f"t{i}" for i in range(30)])
pending_ids = st.sampled_from([f"p{i}" for i in range(8)])
resolution_ids = st.sampled_from([f"r{i}" for i in range(8)])
accounts = st.sampled_from(ACCOUNTS)
funded = st.sampled_from(["treasury:issuer", "line:a", "line:b", "line:c", "wallet:v"])
amounts = st.one_of(*[st.integers(1, 2_000)] * 8, st.sampled_from([0, -5, 2**63 - 1, 2**63]))
flag_sets = st.sampled_from([(), (), (), (), ("linked",), ("balancing",)])


@st.composite
def transfers(draw):
    pending = draw(st.booleans())
    flags = (("pending",) + draw(st.sampled_from([(), (), ("linked",)]))) if pending else draw(flag_sets)
    return CreateTransfer(
        id=draw(pending_ids if pending else ids),
        debit_account=draw(funded), credit_account=draw(accounts), amount=draw(amounts),
        asset=draw(st.sampled_from(["JPYD"] * 6 + ["USD/2"])),
        code=draw(st.sampled_from(["MINT", "ALLOT", "OBLIGATE"])), flags=flags,
        timeout_s=draw(st.sampled_from([0, 0, 1, 3600])) if "pending" in flags else 0,
        memo=draw(st.sampled_from(["", "予算 allotment", "\u2028\x01\"\\"])),
    )  # fmt: skip


@st.composite
def resolutions(draw):
    return CreateTransfer(
        id=draw(resolution_ids), pending_id=draw(pending_ids),
        amount=draw(st.one_of(st.none(), st.none(), st.none(), st.integers(1, 2_000))),
        flags=(draw(st.sampled_from(["post_pending", "void_pending"])),)
        + draw(st.sampled_from([(), ("linked",)])),
    )  # fmt: skip


records = st.builds(
    AppendRecord,
    id=st.sampled_from(["rec1", "rec2", "rec3"]),
    type=st.sampled_from(["identity.added", "request.approved"]),
    body=st.fixed_dictionaries({"who": st.sampled_from(["a", "b", "\u2028"]), "n": st.integers(-(2**53) + 1, 2**53 - 1)}),
    flags=st.sampled_from([(), ("linked",)]),
)
flag_changes = st.builds(
    ChangeAccountFlags,
    id=st.sampled_from(["f1", "f2", "f3"]),
    account=accounts,
    set=st.sampled_from([(), ("frozen",), ("closed",)]),
    clear=st.sampled_from([(), ("frozen",)]),
)


@st.composite
def streams(draw):
    """A command stream in which resolutions mostly target pendings created earlier on."""
    out: list = []
    pendings: list[str] = []
    for _ in range(draw(st.integers(1, 60))):
        kind = draw(st.sampled_from(["transfer"] * 3 + ["resolve"] * 2 + ["flags", "record"]))
        if kind == "transfer":
            cmd = draw(transfers())
            if "pending" in cmd.flags:
                pendings.append(cmd.id)
        elif kind == "resolve":
            cmd = draw(resolutions())
            if pendings and draw(st.integers(0, 9)) < 8:
                cmd = msgspec.structs.replace(cmd, pending_id=draw(st.sampled_from(pendings)))
        elif kind == "record":
            cmd = draw(records)
        else:
            cmd = draw(flag_changes)
        out.append(cmd)
    return out


commands = streams()
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fresh() -> LedgerEngine:
    e = LedgerEngine()
    assert {r.result for r in e.execute(SETUP, 1).results} == {result_codes.OK}
    return e


def run_batches(stream, cuts, clock, tick_ns=0) -> tuple[LedgerEngine, list, list]:
    """Run `stream` cut at `cuts`; batch k runs at clock + k * tick_ns."""
    e = fresh()
    results, events = [], []
    start = 0
    for k, cut in enumerate([*sorted(set(cuts)), len(stream)]):
        if cut <= start:
            continue
        out = e.execute(stream[start:cut], clock + k * tick_ns)
        results += out.results
        events += out.events
        e.check_invariants()
        start = cut
    return e, results, events


@SETTINGS
@given(
    stream=commands,
    cuts=st.lists(st.integers(0, 60), max_size=8),
    clock=st.sampled_from([0, 10**18]),
    tick_ns=st.sampled_from([0, 400_000_000, 2_000_000_000]),  # lets 1 s timeouts expire
)
def test_random_streams_keep_invariants_and_replay(stream, cuts, clock, tick_ns):
    e, results, events = run_batches(stream, cuts, clock, tick_ns)
    assert len(results) == len(stream)
    # Each pending transfer resolved at most once: count successful resolutions per pending id.
    resolved: dict[str, int] = {}
    for ev in events:
        if type(ev).__name__ == "TransferApplied" and ev.pending_id is not None:
            resolved[ev.pending_id] = resolved.get(ev.pending_id, 0) + 1
        if type(ev).__name__ == "PendingExpired":
            resolved[ev.pending_id] = resolved.get(ev.pending_id, 0) + 1
    assert all(n == 1 for n in resolved.values()), resolved
    # Replay the events (from their bytes) into a fresh engine: identical balances.
    replayed = fresh()
    for ev in events:
        replayed.replay(decode_event(encode_event(ev)))
    assert replayed.balances() == e.balances()
    assert replayed.next_seq == e.next_seq
    replayed.check_invariants()
    still_pending = {tid for tid, s in e._pending.items() if s == PENDING}
    assert still_pending == {tid for tid, s in replayed._pending.items() if s == PENDING}


@SETTINGS
@given(stream=commands, cuts=st.lists(st.integers(0, 60), max_size=6))
def test_results_do_not_depend_on_batching(stream, cuts):
    # The clock is held at 0, so timestamps come from the engine alone and batching is the
    # only difference. A linked chain cut in two is a different request, so cuts that fall
    # inside a chain are moved to its end.
    safe_cuts = [c for c in cuts if c == 0 or c >= len(stream) or "linked" not in stream[c - 1].flags]
    _, whole_results, whole_events = run_batches(stream, [], 0)
    _, cut_results, cut_events = run_batches(stream, safe_cuts, 0)
    assert cut_results == whole_results
    assert cut_events == whole_events


@SETTINGS
@given(stream=commands)
def test_event_bytes_are_rfc8785_canonical(stream):
    _, _, events = run_batches(stream, [], 10**18)
    for ev in events:
        data = encode_event(ev)
        assert rfc8785.dumps(json.loads(data)) == data


def test_decoding_refuses_non_canonical_integers_and_bytes():
    import pytest

    from ramp.ledger.events import EventDecodeError

    good = encode_event(fresh().execute([CreateAccount(id="x:y", asset="JPYD")], 5).events[0])
    assert decode_event(good).id == "x:y"
    for bad in [
        good.replace(b'"timestamp":"', b'"timestamp":"0'),
        good.replace(b'"timestamp":"', b'"timestamp":"-'),
        good.replace(b'"timestamp":"', b'"timestamp":"1e'),
        good.replace(b'"seq":', b'"seq":-'),
        good.replace(b'{"asset"', b'{ "asset"'),  # whitespace: not canonical
        good.replace(b"JPYD", b"JPY\xff"),  # not UTF-8
    ]:
        with pytest.raises(EventDecodeError):
            decode_event(bad)
