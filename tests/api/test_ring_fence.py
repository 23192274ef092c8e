"""The ring fence over real HTTP (issue 15): the raw writes the probe found (a 流用 out of a project
with no approval, a payment to a vendor with no contract, a MINT from the issuer) are refused
`403 ring_fenced` whoever signs — admin, a plain ledger writer — and write nothing; a Numscript run
is refused for its planned postings; `admin` holds no budget power; a direct obligation naming an
approval in free text is refused; the fence is policy data shown by GET /v1/policy."""

from __future__ import annotations

import time

import pytest

from ramp.budget import model as budget_model
from ramp.client import RampClient
from tests.api.service_fixture import Server, ramp

FY = budget_model.fiscal_year_of(time.time_ns())
BN = 1_000_000_000
PROJECT = "equipment:missiles:asdf:jsm:jsm-01"
PROJECT_ACCOUNT = f"fy{FY}:{PROJECT}"
PEOPLE = {"treasury": ("mod", "treasury_officer"), "finance": ("mod-feb", "finance_officer"),
          "certifier": ("atla", "certifying_officer"), "writer": ("mod", "ledger_writer"),
          "reader": ("boa", "auditor")}  # fmt: skip


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ring-fence")
    db = str(tmp / "ramp.db")
    ramp("init", "--db", db, "--origin", "fence.test/ramp", "--admin-key-out", str(tmp / "admin.json"))
    for who, (org, role) in PEOPLE.items():
        ramp("identity", "add", "--db", db, "--id", who, "--organisation", org, "--roles", role,
             "--key-out", str(tmp / f"{who}.json"))  # fmt: skip
    server = Server(db)
    server.start()
    c = {who: RampClient(server.url, key_file=str(tmp / f"{who}.json")) for who in [*PEOPLE, "admin"]}
    _op(c["treasury"], {"op": "enact", "id": "act", "fiscal_year": FY, "act": f"act-fy{FY}",
                        "items": [{"key": "equipment", "amount_yen": 10 * BN}]})  # fmt: skip
    keys = PROJECT.split(":")
    for depth in range(2, 6):
        _op(c["finance"], {"op": "define_node", "fiscal_year": FY, "path": ":".join(keys[:depth])})
    _op(c["treasury"], {"op": "issue", "id": "i1", "fiscal_year": FY, "item": "equipment", "amount_yen": 10 * BN})
    for depth in range(1, 5):
        _op(c["finance"], {"op": "allot", "id": f"a{depth}", "fiscal_year": FY, "source": ":".join(keys[:depth]),
                           "target": ":".join(keys[: depth + 1]), "amount_yen": 4 * BN})  # fmt: skip
    _op(c["certifier"], {"op": "register_vendor", "vendor": "kanto-aero"})
    _op(c["certifier"], {"op": "register_contract", "contract": "c1", "vendor": "kanto-aero", "fiscal_year": FY,
                         "project": PROJECT, "schedule": [{"fiscal_year": FY, "amount_yen": 1 * BN}]})  # fmt: skip
    yield c
    for client in c.values():
        client.close()
    server.stop()


def _op(client: RampClient, operation: dict, status: int = 200) -> dict:
    r = client.post("/v1/budget/operations", json={"operation": operation})
    assert r.status_code == status, r.text
    return r.json()


def _state(c: dict[str, RampClient]) -> tuple[int, int]:
    """(log size, the project's balance): what a refused write must leave alone."""
    size = int(c["reader"].get("/v1/log/checkpoint").text.splitlines()[1])
    return size, c["reader"].get(f"/v1/accounts/{PROJECT_ACCOUNT}").json()["balance"]


def _refused(r, code: str = "ring_fenced", status: int = 403) -> None:
    assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text


RAW_MOVES = {
    "ryuyo_out_of_a_project": {"id": "raw-ryuyo", "debit_account": PROJECT_ACCOUNT, "credit_account": "ops:anywhere",
                               "amount": 1_000_000, "asset": "JPYD", "code": "TRANSFER_RYUYO"},
    "disburse_with_no_contract": {"id": "raw-pay", "debit_account": PROJECT_ACCOUNT, "credit_account": "vendor:kanto-aero",
                                  "amount": 2_000_000, "asset": "JPYD", "code": "DISBURSE"},
    "mint_from_the_issuer": {"id": "raw-mint", "debit_account": "treasury:issuer", "credit_account": "ops:anywhere",
                             "amount": 5 * BN, "asset": "JPYD", "code": "MINT"},
}  # fmt: skip


@pytest.mark.parametrize("signer", ["admin", "writer"])
@pytest.mark.parametrize("move", sorted(RAW_MOVES))
def test_a_raw_transfer_into_or_out_of_the_fence_is_refused_whoever_signs(service, signer, move):
    c = service
    before = _state(c)
    _refused(c[signer].post("/v1/transfers", json={"transfers": [RAW_MOVES[move]]}))
    assert _state(c) == before
    assert c["reader"].get(f"/v1/transfers/{RAW_MOVES[move]['id']}").status_code == 404


def test_one_fenced_transfer_refuses_the_whole_request(service):
    c = service
    before = _state(c)
    ok = {"id": "outside-1", "debit_account": "ops:a", "credit_account": "ops:b", "amount": 1, "asset": "JPYD", "code": "ALLOT"}
    _refused(c["writer"].post("/v1/transfers", json={"transfers": [ok, RAW_MOVES["mint_from_the_issuer"]]}))
    assert _state(c) == before


@pytest.mark.parametrize("account", ["vendor:forged", f"fy{FY}:equipment:forged", "contract:forged:fy2025",
                                     "treasury:forged", "diet:forged", f"fy{FY + 1}:anything"])
def test_opening_an_account_inside_the_fence_is_refused(service, account):
    c = service
    before = _state(c)
    _refused(c["admin"].post("/v1/accounts", json={"accounts": [{"id": account, "asset": "JPYD"}]}))
    assert _state(c) == before


def test_raw_ledger_work_outside_the_fence_still_runs(service):
    c = service
    r = c["writer"].post("/v1/accounts", json={"accounts": [{"id": "ops:issuer", "asset": "JPYD"},
                                                            {"id": "ops:till", "asset": "JPYD"}]})  # fmt: skip
    assert r.status_code == 200 and {x["result"] for x in r.json()["results"]} == {"ok"}
    r = c["writer"].post("/v1/transfers", json={"transfers": [
        {"id": "ops-1", "debit_account": "ops:issuer", "credit_account": "ops:till", "amount": 5, "asset": "JPYD",
         "code": "ALLOT"}]})  # fmt: skip
    assert r.json()["results"][0]["result"] == "ok"


def test_a_script_is_refused_for_its_planned_postings(service):
    c = service
    before = _state(c)
    mint = "send [JPYD 5000000000] (source = @treasury:issuer allowing unbounded overdraft destination = @ops:till)"
    _refused(c["writer"].run_script("script-mint", mint))
    steal = f"send [JPYD 1000000] (source = @{PROJECT_ACCOUNT} destination = @ops:till)"
    _refused(c["admin"].run_script("script-steal", steal))
    assert _state(c) == before


def test_admin_holds_no_budget_power(service):
    c = service
    before = _state(c)
    r = c["admin"].post("/v1/budget/operations", json={"operation": {
        "op": "issue", "id": "admin-issue", "fiscal_year": FY, "item": "equipment", "amount_yen": 1}})
    _refused(r, "forbidden")
    r = c["admin"].post("/v1/budget/operations", json={"operation": {
        "op": "obligate", "id": "admin-obl", "contract": "c1", "fiscal_year": FY, "amount_yen": 1}})
    _refused(r, "forbidden")
    assert _state(c) == before


def test_a_direct_obligation_naming_an_approval_in_free_text_is_refused(service):
    c = service
    before = _state(c)
    for key in ("approved_by", "approval"):
        r = c["certifier"].post("/v1/budget/operations", json={"operation": {
            "op": "obligate", "id": f"obl-{key}", "contract": "c1", "fiscal_year": FY, "amount_yen": BN,
            "references": {"requested_by": "certifier", key: "fin-officer-7"}}})  # fmt: skip
        _refused(r, "approval_reference_invalid", 400)
    assert _state(c) == before


def test_the_fence_is_policy_data_shown_by_get_policy(service):
    policy = service["reader"].get("/v1/policy").json()
    assert policy["rules"]["ring_fence"]["namespaces"] == ["contract", "diet", "fy*", "treasury", "vendor"]
