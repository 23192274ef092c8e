"""POST /v1/scripts over real HTTP, on each store: a real `ramp serve`, signed clients and the
`ramp script run` command. Runs are all or nothing, recorded in the public log with their
script and vars, idempotent by id, and refused with a code (never a 5xx) and nothing written."""

from __future__ import annotations

import base64
import concurrent.futures
import json
import os
from pathlib import Path

import httpx
import pytest

from ramp.client import RampClient
from tests.api.service_fixture import Server, ramp
from tests.store.backends import PostgresBackend, SQLiteBackend, postgres_url

NO_OVERDRAFT = ["debits_must_not_exceed_credits"]
TAKE = "send [JPYD 600] (source = @ops25:pool destination = @ops25:a)"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def service(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scripts")
    if request.param == "sqlite":
        backend = SQLiteBackend(tmp)
    else:
        if postgres_url() is None:
            pytest.skip("RAMP_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against (CI sets it)")
        backend = PostgresBackend(postgres_url())
    db = backend.new_url()
    ramp("init", "--db", db, "--origin", "scripts.test/ramp", "--admin-key-out", str(tmp / "admin.json"),
         "--log-key-out", str(tmp / "log.key"))  # fmt: skip
    ramp("identity", "add", "--db", db, "--id", "reader", "--organisation", "boa", "--roles", "auditor",
         "--key-out", str(tmp / "reader.json"))  # fmt: skip
    server = Server(db)
    server.start()
    admin = RampClient(server.url, key_file=str(tmp / "admin.json"))
    reader = RampClient(server.url, key_file=str(tmp / "reader.json"))
    r = admin.post("/v1/accounts", json={"accounts": [
        {"id": "bank:issuer", "asset": "JPYD"},
        {"id": "ops25:pool", "asset": "JPYD", "flags": NO_OVERDRAFT},
        {"id": "ops25:a", "asset": "JPYD", "flags": NO_OVERDRAFT},
        {"id": "ops25:b", "asset": "JPYD", "flags": NO_OVERDRAFT},
    ]})  # fmt: skip
    assert r.status_code == 200, r.text
    yield server, admin, reader, tmp
    admin.close()
    reader.close()
    server.stop()
    backend.cleanup()


def fund(admin: RampClient, id: str, amount: int, account: str = "ops25:pool") -> None:
    r = admin.run_script(id, f"send [JPYD {amount}] (source = @bank:issuer allowing unbounded overdraft "
                             f"destination = @{account})", code="MINT")  # fmt: skip
    assert r.status_code == 200, r.text


def log_size(server: Server) -> int:
    return int(httpx.get(server.url + "/v1/log/checkpoint").text.splitlines()[1])


def balance(reader: RampClient, account: str) -> int:
    return reader.get(f"/v1/accounts/{account}").json()["balance"]


def test_a_run_returns_its_postings_and_is_in_the_public_log(service):
    server, admin, reader, _ = service
    fund(admin, "fund-1", 1000, "ops25:b")
    script = "vars { monetary $m }\nsend $m (source = @ops25:b destination = { 1/3 to @ops25:a remaining to @ops25:pool })\nset_tx_meta(\"why\", \"test\")"  # fmt: skip
    r = admin.run_script("run-1", script, {"m": "JPYD 100"}, code="ALLOT")
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(p["transfer_id"], p["source"], p["destination"], p["amount"], p["asset"], p["result"])
            for p in body["postings"]] == [("run-1:0", "ops25:b", "ops25:a", 34, "JPYD", "ok"),
                                           ("run-1:1", "ops25:b", "ops25:pool", 66, "JPYD", "ok")]  # fmt: skip
    assert body["record"]["result"] == "ok" and body["tx_meta"] == {"why": "test"} and body["replayed"] is False
    seqs = [body["record"]["seq"]] + [p["seq"] for p in body["postings"]]
    assert [x["seq"] for x in body["results"]] == seqs == list(range(seqs[0], seqs[0] + 3))
    t = reader.get("/v1/transfers/run-1:0").json()
    assert (t["code"], t["references"], t["amount"]) == ("ALLOT", {"script_run": "run-1"}, 34)
    leaf = httpx.get(server.url + "/v1/log/entries", params={"start": seqs[0], "end": seqs[0] + 1}).json()
    envelope = json.loads(base64.b64decode(leaf["entries"][0]))  # public: sealed, the kind shown
    assert (envelope["kind"], envelope["seq"], envelope["class"]) == ("record", seqs[0], "restricted")
    [opening] = reader.get("/v1/log/openings", params={"start": seqs[0], "end": seqs[0] + 1}).json()["openings"]
    record = json.loads(base64.b64decode(opening["body"]))  # a cleared reader opens it
    assert (record["kind"], record["id"], record["type"]) == ("record", "run-1", "numscript.run")
    assert record["body"]["script"] == script and record["body"]["vars"] == [["m", "JPYD 100"]]
    assert record["body"]["submitted_by"] == "admin" and record["body"]["transfers"] == 2


def test_a_retry_is_exists_and_a_reused_id_is_refused(service):
    server, admin, reader, _ = service
    fund(admin, "fund-2", 600)
    first = admin.run_script("take-once", TAKE)
    assert first.status_code == 200, first.text
    size = log_size(server)
    again = admin.run_script("take-once", TAKE)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert [(x["id"], x["result"], x["seq"]) for x in again.json()["results"]] == [
        (x["id"], "exists", x["seq"]) for x in first.json()["results"]]  # fmt: skip
    other = admin.run_script("take-once", TAKE.replace("600", "1"))
    assert other.status_code == 409 and other.json()["error"]["code"] == "exists_with_different_script"
    assert log_size(server) == size


@pytest.mark.parametrize(("script", "vars", "status", "code", "extra"), [
    ("send [JPYD 1] (\n  source = @ops25:pool\n  destination =\n)", {}, 400, "script_parse_error",
     {"numscript_code": "syntax_error", "line": 4, "column": 1}),
    ("vars { monetary $m }\nsend $m (source = @ops25:pool destination = @ops25:a)", {"m": "ten yen"}, 400,
     "script_vars_invalid", {"numscript_code": "invalid_variable"}),
    ("send [JPYD 1] (source = @ops25:a destination = @ops25:b)", {"extra": "1"}, 400, "script_vars_invalid",
     {"numscript_code": "unknown_variable"}),
    ("send [JPYD 99999999] (source = @ops25:pool destination = @ops25:a)", {}, 409, "insufficient_funds",
     {"numscript_code": "missing_funds", "line": 1, "column": 32}),
    ("send [JPYD 5] (source = @world destination = @ops25:a)", {}, 422, "world_account_not_allowed", {}),
    ("send [JPYD 5] (source = @ops25:pool destination = { 1/2 to @ops25:a })", {}, 422, "script_runtime_error",
     {"numscript_code": "invalid_allotment"}),
    ("send [JPYD 1] (source = @bank:issuer allowing unbounded overdraft destination = @Ops25:A)", {}, 422,
     "account_id_invalid", {"results": [{"id": "bad", "result": "linked_event_failed", "seq": None},
                                        {"id": "bad:0", "result": "account_id_invalid", "seq": None}]}),
    ("send [JPYD 1] (source = @bank:issuer allowing unbounded overdraft destination = @ops25:none)", {}, 409,
     "credit_account_not_found", {}),
    ("// " + "x" * 9000, {}, 400, "invalid_request", {}),
])  # fmt: skip
def test_refusals_have_a_code_and_write_nothing(service, script, vars, status, code, extra):
    server, admin, _, _ = service
    size = log_size(server)
    r = admin.run_script("bad", script, vars)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code and {k: error.get(k) for k in extra} == extra, error
    assert log_size(server) == size


@pytest.mark.parametrize(("body", "code"), [
    (b"", "body_missing"),
    (b"{", "invalid_json"),
    (b'{"id": "x", "script": "", "vars": {"a": 1}}', "invalid_request"),
    (b'{"id": "x y", "script": ""}', "invalid_request"),
    (b'{"id": "x", "script": "", "code": "lower"}', "invalid_request"),
    (b'{"id": "x", "script": "", "surprise": true}', "invalid_request"),
])  # fmt: skip
def test_malformed_bodies_are_400(service, body, code):
    _, admin, _, _ = service
    r = admin.post("/v1/scripts", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == code, r.text


def test_only_signed_writers_run_scripts(service):
    server, _, reader, _ = service
    body = {"id": "nope", "script": TAKE}
    assert httpx.post(server.url + "/v1/scripts", json=body).json()["error"]["code"] == "signature_missing"
    r = reader.post("/v1/scripts", json=body)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = reader.post("/v1/scripts", content=b"x" * (64 * 1024 + 1))
    assert r.status_code == 413


def test_concurrent_runs_never_spend_the_same_yen_twice(service):
    server, admin, reader, tmp = service
    fund(admin, "fund-3", 1000)
    before = balance(reader, "ops25:pool")
    script = f"send [JPYD {before}] (source = @ops25:pool destination = @ops25:b)"

    def attempt(n: int) -> httpx.Response:
        with RampClient(server.url, key_file=str(tmp / "admin.json")) as c:
            return c.run_script(f"race-{n}", script)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(attempt, range(8)))
    codes = sorted(r.json()["error"]["code"] if r.status_code != 200 else "ok" for r in answers)
    assert codes == ["insufficient_funds"] * 7 + ["ok"]
    assert balance(reader, "ops25:pool") == 0


@pytest.mark.slow  # the CLI in subprocesses
def test_the_cli_runs_a_file_and_reports_refusals_with_file_line_column(service):
    server, admin, reader, tmp = service
    fund(admin, "fund-4", 500)
    key = str(tmp / "admin.json")
    script = Path(tmp / "take.num")
    script.write_text("vars { monetary $m }\nsend $m (\n  source = @ops25:pool\n  destination = @ops25:a\n)\n")
    args = ["script", "run", "--server", server.url, "--key-file", key, "--script", str(script), "--code", "ALLOT"]
    done = ramp(*args, "--id", "cli-1", "--var", "m=JPYD 250", check=False)
    assert done.returncode == 0, done.stderr
    assert "run cli-1: applied" in done.stdout
    assert "ops25:pool -> ops25:a  JPYD 250  cli-1:0" in done.stdout
    again = ramp(*args, "--id", "cli-1", "--vars", '{"m": "JPYD 250"}', "--json", check=False)
    assert again.returncode == 0 and json.loads(again.stdout)["replayed"] is True
    short = ramp(*args, "--id", "cli-2", "--var", "m=JPYD 999999", check=False)
    assert short.returncode == 1
    assert f"{script}:3:12: refused (HTTP 409) insufficient_funds [missing_funds]" in short.stderr
    unreachable = ramp(*args, "--id", "cli-3", "--var", "m=JPYD 1", "--server", "http://127.0.0.1:9", check=False)
    assert unreachable.returncode == 2 and "cannot reach" in unreachable.stderr
    assert reader.get("/v1/transfers/cli-2:0").status_code == 404
    loose = tmp / "loose.json"
    loose.write_bytes(Path(key).read_bytes())
    os.chmod(loose, 0o644)
    bad_key = ramp(*args, "--id", "cli-4", "--key-file", str(loose), check=False)
    assert bad_key.returncode == 2 and "key_file_permissions" in bad_key.stderr
    bad_vars = ramp(*args, "--id", "cli-5", "--vars", "{not json", check=False)
    assert bad_vars.returncode == 2 and "--vars is not JSON" in bad_vars.stderr
    missing = ramp(*args, "--id", "cli-6", "--script", str(tmp / "nope.num"), check=False)
    assert missing.returncode == 2 and "cannot read" in missing.stderr
