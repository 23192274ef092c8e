"""`ramp budget`: the queries from the command line, on a database the budget wrote."""

from __future__ import annotations

import json

from ramp.budget.cli import main
from ramp.journal import Journal
from ramp.store import SQLiteStore
from tests.budget.helpers import BN, build, contract


def test_tree_history_burdens_alerts(tmp_path, capsys):
    db = str(tmp_path / "b.db")
    j = Journal(SQLiteStore(db))
    svc = build(j)
    contract(svc, "c1", schedule={2025: BN, 2026: 2 * BN})
    j.close()
    assert main(["tree", "--db", db, "--depth", "1"]) == 0
    out = capsys.readouterr().out
    assert "装備品等購入費" in out and "180,000" in out  # ¥ million: 180 bn issued
    assert main(["tree", "--db", db, "--by", "organisation"]) == 0
    assert "atla" in capsys.readouterr().out
    assert main(["tree", "--db", db, "--json"]) == 0
    tree = json.loads(capsys.readouterr().out)
    assert tree["figures"]["allotted"] == 180 * BN and tree["figures"]["available"] == 180 * BN
    assert main(["history", "--db", db, "--node", "equipment"]) == 0
    assert "MINT" in capsys.readouterr().out
    assert main(["burdens", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["new"] == 2 * BN
    assert main(["alerts", "--db", db]) == 0
    assert "warning" in capsys.readouterr().out
    assert main(["tree", "--db", db, "--fy", "2030"]) == 1
    assert "fiscal_year_not_found" in capsys.readouterr().err
