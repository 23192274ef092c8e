"""Budget over real HTTP: each operation by the officer the law names, refusals as 409 with
the rule's code (nothing written), the queries, and the roles."""

from __future__ import annotations

import time

import pytest

from ramp.budget import model as budget_model
from ramp.client import RampClient
from tests.api.service_fixture import Server, ramp

FY = budget_model.fiscal_year_of(time.time_ns())  # the server's clock decides the year obligations fall in
BN = 1_000_000_000
PROJECT = "equipment:missiles:atla:stand-off:type12"
ROLES = {"treasury": "treasury_officer", "finance": "finance_officer", "certifier": "certifying_officer",
         "payer": "disbursing_officer", "reader": "auditor"}  # fmt: skip


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("budget-api")
    db = str(tmp / "ramp.db")
    ramp("init", "--db", db, "--origin", "budget.test/ramp", "--admin-key-out", str(tmp / "admin.json"))
    for who, role in ROLES.items():
        ramp("identity", "add", "--db", db, "--id", who, "--organisation", "mod", "--roles", role,
             "--key-out", str(tmp / f"{who}.json"))  # fmt: skip
    server = Server(db)
    server.start()
    clients = {who: RampClient(server.url, key_file=str(tmp / f"{who}.json")) for who in ROLES}
    yield clients
    for c in clients.values():
        c.close()
    server.stop()


def op(client: RampClient, operation: dict, status: int = 200, code: str | None = None) -> dict:
    r = client.post("/v1/budget/operations", json={"operation": operation})
    assert r.status_code == status, r.text
    if code is not None:
        assert r.json()["error"]["code"] == code
    return r.json()


def test_the_lifecycle_over_http(service):
    c = service
    op(c["treasury"], {"op": "enact", "id": "act", "fiscal_year": FY, "act": f"budget-act-fy{FY}",
                       "items": [{"key": "equipment", "amount_yen": 10 * BN, "name_ja": "装備品等購入費"}]})  # fmt: skip
    keys = PROJECT.split(":")
    for depth in range(2, 6):
        op(c["finance"], {"op": "define_node", "fiscal_year": FY, "path": ":".join(keys[:depth])})
    # Issuance beyond the appropriation: 409 and the rule's code.
    op(c["treasury"], {"op": "issue", "id": "i0", "fiscal_year": FY, "item": "equipment", "amount_yen": 10 * BN + 1},
       409, "exceeds_appropriation")  # fmt: skip
    op(c["treasury"], {"op": "issue", "id": "i1", "fiscal_year": FY, "item": "equipment", "amount_yen": 10 * BN})
    for depth in range(1, 5):
        op(c["finance"], {"op": "allot", "id": f"a{depth}", "fiscal_year": FY, "source": ":".join(keys[:depth]),
                          "target": ":".join(keys[: depth + 1]), "amount_yen": 10 * BN})  # fmt: skip
    op(c["certifier"], {"op": "register_vendor", "vendor": "kanto-aero", "name": "Kanto Aerospace (fictitious)"})
    op(c["certifier"], {"op": "register_contract", "contract": "c1", "vendor": "kanto-aero", "fiscal_year": FY,
                        "project": PROJECT, "schedule": [{"fiscal_year": FY, "amount_yen": 4 * BN},
                                                         {"fiscal_year": FY + 1, "amount_yen": 6 * BN}]})  # fmt: skip
    done = op(c["certifier"], {"op": "obligate", "id": "o1", "contract": "c1", "fiscal_year": FY, "amount_yen": 4 * BN})
    assert done["results"][-1]["result"] == "ok"
    op(c["payer"], {"op": "disburse", "id": "p1", "contract": "c1", "fiscal_year": FY, "amount_yen": 5 * BN},
       409, "exceeds_obligation")  # fmt: skip
    op(c["payer"], {"op": "disburse", "id": "p1", "contract": "c1", "fiscal_year": FY, "amount_yen": 3 * BN,
                    "invoice": "inv-1"})  # fmt: skip
    again = op(c["payer"], {"op": "disburse", "id": "p1", "contract": "c1", "fiscal_year": FY, "amount_yen": 3 * BN,
                            "invoice": "inv-1"})  # fmt: skip
    assert again["results"][0]["result"] == "exists"

    tree = c["reader"].get(f"/v1/budget/{FY}/tree").json()
    f = tree["figures"]
    assert (tree["issued"], f["allotted"], f["obligated"], f["disbursed"], f["available"]) == (
        10 * BN, 10 * BN, 4 * BN, 3 * BN, 6 * BN)
    history = c["reader"].get(f"/v1/budget/{FY}/nodes/{PROJECT}/history").json()
    assert [m["code"] for m in history["movements"]] == ["ALLOT", "OBLIGATE"]
    burdens = c["reader"].get(f"/v1/budget/{FY}/burdens").json()
    assert burdens["new"] == 6 * BN and burdens["by_year"][0]["fiscal_year"] == FY + 1
    alerts = c["reader"].get(f"/v1/budget/{FY}/alerts").json()["alerts"]
    assert {a["node"] for a in alerts} >= {"equipment", PROJECT.rsplit(":", 1)[0]}
    assert c["reader"].get("/v1/budget/years").json()["fiscal_years"] == [FY]


def test_roles_refusals_and_bad_input(service):
    c = service
    # The reader may read but not operate; a finance officer may not issue money.
    op(c["reader"], {"op": "issue", "id": "x", "fiscal_year": FY, "item": "equipment", "amount_yen": 1}, 403, "forbidden")
    op(c["finance"], {"op": "issue", "id": "x", "fiscal_year": FY, "item": "equipment", "amount_yen": 1}, 403,
       "forbidden")  # fmt: skip
    op(c["finance"], {"op": "transfer", "id": "t", "fiscal_year": 2099, "source": "a", "target": "b", "amount_yen": 1},
       409, "fiscal_year_unknown")  # fmt: skip
    op(c["finance"], {"op": "allot", "id": "x", "fiscal_year": FY, "source": "A", "target": "b", "amount_yen": 1},
       400, "invalid_request")  # fmt: skip
    op(c["finance"], {"op": "nosuch"}, 400, "invalid_request")
    assert c["reader"].get("/v1/budget/1999/tree").status_code == 400
    r = c["reader"].get("/v1/budget/2099/tree")
    assert r.status_code == 404 and r.json()["error"]["code"] == "fiscal_year_not_found"
    r = c["reader"].get(f"/v1/budget/{FY}/nodes/nosuch/history")
    assert r.status_code == 404 and r.json()["error"]["code"] == "node_not_found"


def test_the_service_builds_the_budget_read_model_in_its_one_replay_at_open(tmp_path):
    """`ramp serve` feeds the budget projection from the open-time replay; the budget routes
    must not re-read the whole log to build another one."""
    from ramp.budget.projection import BudgetProjection
    from ramp.server.cli import _open
    from ramp.service.activity import Activity

    db = str(tmp_path / "ramp.db")
    ramp("init", "--db", db, "--origin", "test.ramp/open", "--admin-key-out", str(tmp_path / "admin.key"))
    journal, _identities = _open(db)
    try:
        assert sum(isinstance(p, BudgetProjection) for p in journal.projections) == 1
        assert sum(isinstance(p, Activity) for p in journal.projections) == 1  # the dashboard's
    finally:
        journal.close()
