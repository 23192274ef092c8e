"""The reference's conformance vectors, run on a ledger instead of on given balances: each
case's balances become real accounts and transfers, the script runs as a planned batch, and
the engine must apply exactly the postings the vector expects (or refuse with the code that
says why: missing funds, @world, a name the ledger cannot hold)."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from ramp.ledger import CreateAccount, CreateTransfer, LedgerEngine
from ramp.ledger.model import (
    ACCOUNT_ID_MAX_CHARS,
    ACCOUNT_ID_RE,
    ASSET_RE,
    METADATA_MAX_KEYS,
    METADATA_VALUE_MAX_CHARS,
    valid_map,
)
from ramp.numscript import specs as vectors
from ramp.numscript.ledger import ScriptPlanner, settle
from ramp.numscript.runs import ScriptRefused, ScriptRun, prepare
from ramp.numscript.specs import SUPPORTED_FEATURE_FLAGS, Specs

CASES = Path(__file__).resolve().parents[2].parent / "shared/vectors/numscript/cases"
NOW_NS = 1_700_000_000 * 10**9


def _vector_cases() -> list:
    params = []
    for path in sorted(CASES.glob("*.num")):
        specs = msgspec.json.decode((path.parent / f"{path.name}.specs.json").read_bytes(), type=Specs)
        if set(specs.feature_flags or ()) - SUPPORTED_FEATURE_FLAGS:
            continue
        for case in specs.test_cases:
            if not case.skip:
                params.append(pytest.param(path.read_text(), specs, case, id=f"{path.name}: {case.it}"))
    return params


VECTORS = _vector_cases()


def _ledger_id(name: str) -> bool:
    return len(name) <= ACCOUNT_ID_MAX_CHARS and ACCOUNT_ID_RE.fullmatch(name) is not None


def _issuer(asset: str) -> str:
    return "zz-issuer:" + asset.lower().replace("/", "-")


def _ledger_for(specs: Specs, case: vectors.TestCase) -> LedgerEngine | None:
    """Accounts holding the case's balances and metadata, or None when a ledger cannot (an
    account in two assets, a name or an asset it cannot hold, metadata keys it does not allow)."""
    balances = {(r.account, r.asset): r.amount for r in [*(specs.balances or ()), *(case.balances or ())]}
    metadata: dict[str, dict[str, str]] = {}
    for source in (specs.metadata or {}, case.metadata or {}):
        for account, entries in source.items():
            metadata.setdefault(account, {}).update(entries)
    asset_of: dict[str, set[str]] = {}
    for account, asset in balances:
        asset_of.setdefault(account, set()).add(asset)
    for p in case.expect_postings or ():
        for account in (p.source, p.destination):
            asset_of.setdefault(account, set()).add(p.asset)
    for account in metadata:
        asset_of.setdefault(account, set())
    asset_of.pop("world", None)
    if any(len(assets) > 1 or not _ledger_id(account) for account, assets in asset_of.items()):
        return None
    if not all(ASSET_RE.fullmatch(asset) for assets in asset_of.values() for asset in assets):
        return None
    if not all(valid_map(m, METADATA_MAX_KEYS, METADATA_VALUE_MAX_CHARS) for m in metadata.values()):
        return None
    engine = LedgerEngine()
    assets = {asset for held in asset_of.values() for asset in held}
    commands: list = [CreateAccount(id=_issuer(asset), asset=asset) for asset in sorted(assets)]
    commands += [CreateAccount(id=account, asset=next(iter(held), "COIN"), metadata=metadata.get(account, {}))
                 for account, held in sorted(asset_of.items())]  # fmt: skip
    for n, ((account, asset), amount) in enumerate(sorted(balances.items())):
        if amount and account != "world":
            debit, credit = (_issuer(asset), account) if amount > 0 else (account, _issuer(asset))
            commands.append(CreateTransfer(id=f"fund-{n}", debit_account=debit, credit_account=credit,
                                           amount=abs(amount), asset=asset, code="FUND"))  # fmt: skip
    outcome = engine.execute(commands, NOW_NS)
    assert all(r.result == "ok" for r in outcome.results), outcome.results
    return engine


def test_most_vectors_run_on_a_ledger():
    assert len(VECTORS) >= 75 and len(FITTING) >= 0.9 * len(VECTORS), (len(FITTING), len(VECTORS))


# Only the cases whose accounts a ledger can hold (see _ledger_for); the test above bounds
# how many that leaves out.
FITTING = [p for p in VECTORS if _ledger_for(p.values[1], p.values[2]) is not None]


@pytest.mark.parametrize(("script", "specs", "case"), FITTING)
def test_a_vector_on_the_ledger_applies_exactly_its_postings(script, specs, case):
    engine = _ledger_for(specs, case)
    assert engine is not None
    variables = {**(specs.variables or {}), **(case.variables or {})}
    seq = engine.next_seq
    try:
        planner = ScriptPlanner(prepare(ScriptRun("vector-run", script, variables)))
        results = engine.execute(planner(engine), NOW_NS + 1).results
        outcome = settle(planner.plan, results)
    except ScriptRefused as refused:
        assert engine.next_seq == seq, "a refused run applied something"
        expected = [(p.source, p.destination) for p in case.expect_postings or ()]
        if case.expect_missing_funds:
            assert refused.code == "insufficient_funds"
        elif any("world" in pair for pair in expected):
            assert refused.code == "world_account_not_allowed"
        elif any(source == destination for source, destination in expected):
            assert refused.code == "accounts_must_be_different"
        else:
            pytest.fail(f"refused: {refused}")
        return
    assert not case.expect_missing_funds, outcome
    if case.expect_postings is not None:
        got = [(p.source, p.destination, p.amount, p.asset) for p in outcome.postings]
        assert got == [(p.source, p.destination, p.amount, p.asset) for p in case.expect_postings]
    if case.expect_tx_metadata is not None:
        assert dict(outcome.tx_meta) == case.expect_tx_metadata
    if case.expect_metadata is not None:
        assert {k: dict(v) for k, v in outcome.account_meta.items()} == case.expect_metadata
    engine.check_invariants()
