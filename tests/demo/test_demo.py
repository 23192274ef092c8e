"""`ramp demo` runs the FY2025 scenario to the yen and leaves a journal that reopens cleanly."""

from __future__ import annotations

from ramp.demo.scenario import FY2025_TOTAL_YEN, fy2025_areas
from ramp.journal import Journal
from ramp.store import SQLiteStore


def test_demo_scenario_balances_to_the_yen(tmp_path, capsys):
    from ramp.cli import main

    db = tmp_path / "demo.db"
    assert main(["demo", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "¥-8,700,500,000,000" in out  # the issuer's negative balance is the money supply
    j = Journal(SQLiteStore(str(db)), check_invariants=True)
    balances = {a: j.read.account(a).balance for a in j.read.accounts}
    assert balances["treasury:issuer"] == -FY2025_TOTAL_YEN
    assert sum(balances.values()) == 0
    allotted = sum(a.yen for a in fy2025_areas())
    assert balances["fy2025:appropriation:defense"] == FY2025_TOTAL_YEN - allotted
    # Contract: 12 bn obligated, milestone 1 of 4 bn paid less 5 % retention.
    assert balances["vendor:demo-heavy-industries"] == 3_800_000_000
    assert balances["contract:atla-2025-0001"] == 12_000_000_000 - 3_800_000_000
    j.close()


def test_demo_refuses_to_overwrite(tmp_path):
    from ramp.cli import main

    db = tmp_path / "demo.db"
    db.write_bytes(b"")
    try:
        main(["demo", "--db", str(db)])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("expected a usage error")
