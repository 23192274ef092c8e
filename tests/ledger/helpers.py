"""A small standard ledger for engine tests: funded budget lines, a wallet, limits, a USD line."""

from __future__ import annotations

from ramp.ledger import CreateAccount, CreateTransfer, LedgerEngine, Result

DMNEC = ("debits_must_not_exceed_credits",)
CMNED = ("credits_must_not_exceed_debits",)
T0 = 1_000_000_000_000  # the engine's clock in tests: 1000 s after the epoch


def tx(id: str, debit: str = "line:a", credit: str = "line:b", amount: int | None = 100, **kw) -> CreateTransfer:
    kw.setdefault("asset", "JPYD")
    kw.setdefault("code", "ALLOT")
    return CreateTransfer(id=id, debit_account=debit, credit_account=credit, amount=amount, **kw)


def standard_engine() -> LedgerEngine:
    """issuer (may go negative) -> line:a funded with 1000; line:b, wallet:v limited; usd lines."""
    e = LedgerEngine()
    setup = [
        CreateAccount(id="treasury:issuer", asset="JPYD"),
        CreateAccount(id="line:a", asset="JPYD", flags=DMNEC),
        CreateAccount(id="line:b", asset="JPYD", flags=DMNEC),
        CreateAccount(id="capped:c", asset="JPYD", flags=CMNED),
        CreateAccount(id="usd:x", asset="USD/2"),
        CreateAccount(id="usd:y", asset="USD/2"),
        tx("fund-a", "treasury:issuer", "line:a", 1000, code="MINT"),
    ]
    results = e.execute(setup, T0)
    assert all(r.result == "ok" for r in results.results), results.results
    return e


def run(e: LedgerEngine, *commands, now: int = T0 + 1) -> list[Result]:
    return e.execute(list(commands), now).results


def codes(results: list[Result]) -> list[str]:
    return [r.result for r in results]
