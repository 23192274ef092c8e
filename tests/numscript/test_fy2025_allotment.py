"""The FY2025 example of docs/numscript.md, run exactly as written there, on each store: the
published appropriation enters the ledger and is allotted to the organisations to the yen."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ramp.journal import Journal
from ramp.ledger import CreateAccount
from ramp.numscript.ledger import run_on_journal
from ramp.numscript.runs import ScriptRefused, ScriptRun

DOCS = Path(__file__).resolve().parents[2] / "docs"
APPROPRIATION = "fy2025:appropriation:defense-buildup"
ORGANISATIONS = ["gsdf", "msdf", "asdf", "atla", "joint-staff", "internal-bureaus"]
# What a finance officer expects: each estimated share of the published ¥8,474,800,000,000.
EXPECTED = [
    ("fy2025:gsdf", 2_542_440_000_000),
    ("fy2025:msdf", 1_949_204_000_000),
    ("fy2025:asdf", 2_118_700_000_000),
    ("fy2025:atla", 762_732_000_000),
    ("fy2025:joint-staff", 254_244_000_000),
    ("fy2025:internal-bureaus", 847_480_000_000),
]


def published_appropriation_yen(shared_dir: Path) -> int:
    data = json.loads((shared_dir / "data" / "japan-defense-budget.json").read_text())
    figure = data["fiscal_years"]["FY2025"]["dbp_covered_cash_basis"]
    assert figure["status"] == "published"
    return figure["yen"]


def docs_table(markdown: str) -> list[tuple[str, str, int]]:
    """(transfer id, account, amount) of each row of the expected-postings table."""
    rows = re.findall(r"^\| `(fy2025-allotment:\d+)` \| `([a-z0-9:-]+)` \| [^|]+ \| ([0-9,]+) \|$", markdown, re.M)
    return [(transfer, account, int(amount.replace(",", ""))) for transfer, account, amount in rows]


@pytest.fixture
def scripts() -> dict[str, str]:
    markdown = (DOCS / "numscript.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```numscript\n(.*?)```", markdown, re.S)
    files = {name: (DOCS / "examples" / f"{name}.num").read_text(encoding="utf-8")
             for name in ("fy2025-appropriation", "fy2025-allotment")}  # fmt: skip
    assert blocks == list(files.values()), "docs/numscript.md must show the example files verbatim"
    return files


def test_the_fy2025_allotment_in_the_docs_gives_the_expected_postings_to_the_yen(store, scripts, shared_dir):
    appropriation = published_appropriation_yen(shared_dir)
    assert appropriation == 8_474_800_000_000 == sum(amount for _, amount in EXPECTED)
    vars = {"appropriation": f"JPYD {appropriation}"}
    j = Journal(store)
    no_overdraft = ("debits_must_not_exceed_credits",)
    j.submit([CreateAccount(id="treasury:issuer", asset="JPYD")] + [
        CreateAccount(id=f"fy2025:{name}", asset="JPYD", flags=no_overdraft)
        for name in ["appropriation:defense-buildup", *ORGANISATIONS]
    ])  # fmt: skip

    # Allotting before the money is there is refused, and writes nothing.
    size = j.engine.next_seq
    with pytest.raises(ScriptRefused) as early:
        run_on_journal(j, ScriptRun("fy2025-allotment", scripts["fy2025-allotment"], vars, code="ALLOT"))
    assert early.value.code == "insufficient_funds" and j.engine.next_seq == size

    minted = run_on_journal(j, ScriptRun("fy2025-appropriation", scripts["fy2025-appropriation"], vars, code="MINT"))
    assert [(p.source, p.destination, p.amount) for p in minted.postings] == [
        ("treasury:issuer", APPROPRIATION, appropriation)]  # fmt: skip

    allotted = run_on_journal(j, ScriptRun("fy2025-allotment", scripts["fy2025-allotment"], vars, code="ALLOT"))
    got = [(p.transfer_id, p.destination, p.amount) for p in allotted.postings]
    assert got == [(f"fy2025-allotment:{i}", account, amount) for i, (account, amount) in enumerate(EXPECTED)]
    assert all(p.source == APPROPRIATION and p.asset == "JPYD" and p.result == "ok" for p in allotted.postings)
    assert dict(allotted.tx_meta) == {
        "fiscal_year": "FY2025",
        "shares": "estimate: the budget by organisation is not published at this level",
    }
    markdown = (DOCS / "numscript.md").read_text(encoding="utf-8")
    assert docs_table(markdown) == got, "the table in docs/numscript.md must be what the script gives"
    assert "| | **total** | | **8,474,800,000,000** |" in markdown

    j.flush()
    assert j.read.account(APPROPRIATION).balance == 0
    assert [j.read.account(account).balance for account, _ in EXPECTED] == [amount for _, amount in EXPECTED]
    assert j.read.account("treasury:issuer").balance == -appropriation
    for t in j.events([p.seq for p in allotted.postings]):
        assert t.code == "ALLOT" and t.references == {"script_run": "fy2025-allotment"}
    j.engine.check_invariants()

    # A second allotment under a new id finds nothing left; the same id is a retry.
    with pytest.raises(ScriptRefused) as twice:
        run_on_journal(j, ScriptRun("fy2025-allotment-2", scripts["fy2025-allotment"], vars, code="ALLOT"))
    assert twice.value.code == "insufficient_funds" and (twice.value.line, twice.value.column) == (13, 12)
    retry = run_on_journal(j, ScriptRun("fy2025-allotment", scripts["fy2025-allotment"], vars, code="ALLOT"))
    assert retry.replayed and [(p.transfer_id, p.destination, p.amount) for p in retry.postings] == got
    j.close()
