"""A JSON key given twice in one object is refused on every endpoint that takes JSON (400
`duplicate_key`, the key's path named, nothing written); the same key in different objects is
JSON as usual. The check's cost on a full batch is a benchmark: bench/strict_json.py."""

from __future__ import annotations

import json
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ramp.api.models import TransfersRequest
from ramp.api.openapi import build_openapi
from ramp.auth.credentials import CredentialFile
from ramp.client import RampClient
from ramp.journal import Journal
from ramp.journal.log import LogSigner, create_log_key
from ramp.policy.identities import ROLES, IdentityRegistry, identity_added
from ramp.refusal import Refused
from ramp.server import create_app
from ramp.service.http import decode
from ramp.service.strict_json import first_duplicate, refuse_duplicate_keys
from ramp.store import SQLiteStore
from tests.approvals.helpers import raw
from tests.net import serve_in_thread

ROOT_ID = "root"  # one identity holding every role, so each request reaches its body's decoding


def _code(body: bytes) -> str | None:
    try:
        refuse_duplicate_keys(body)
    except Refused as exc:
        return exc.code
    return None


@pytest.mark.parametrize(("body", "path"), [
    (b'{"amount":1,"amount":999}', "$.amount"),
    (b'{"transfers":[{"id":"a"}],"transfers":[{"id":"b"}]}', "$.transfers"),
    (b'{"transfers":[{"id":"a"},{"id":"b","amount":1,"amount":2}]}', "$.transfers[1].amount"),
    (b'{"a":{"b":{"c":1,"c":1}}}', "$.a.b.c"),
    (b'[{"x":1},[{"y":1, "y" :1}]]', "$[1][0].y"),
    (b'{"a":1,"\\u0061":2}', "$.a"),  # equal once unescaped: the same key
    (b'{"\\ud800":1,"\\ud800":2}', '$["\\ud800"]'),  # a lone surrogate: jiter refuses, the walk decides
    (b'{"a b":1,"a b":2}', '$["a b"]'),
    (b'[' * 300 + b'{"k":1,"k":2}' + b']' * 300, "$" + "[0]" * 300 + ".k"),  # past jiter's depth
])  # fmt: skip
def test_a_key_twice_in_one_object_is_refused_with_its_path(body: bytes, path: str) -> None:
    assert first_duplicate(body) == path
    with pytest.raises(Refused) as info:
        refuse_duplicate_keys(body)
    assert (info.value.code, info.value.kind.value) == ("duplicate_key", "invalid")


@pytest.mark.parametrize("body", [
    b'{"a":1,"b":{"a":1},"c":[{"a":1},{"a":2}]}',  # the same key in different objects
    b'{"a":1,"A":2,"a ":3}', b'[]', b'"a"', b'{"\\ud800":1,"\\udc00":2}', b'[' * 300 + b']' * 300,
])  # fmt: skip
def test_the_same_key_in_different_objects_is_json(body: bytes) -> None:
    assert _code(body) is None and first_duplicate(body) is None


def test_a_long_key_is_not_echoed_whole() -> None:
    key = "k" * 10_000
    with pytest.raises(Refused) as info:
        refuse_duplicate_keys(json.dumps({key: 1}).encode()[:-1] + f', "{key}": 2}}'.encode())
    assert len(info.value.message) < 200


def test_decode_says_duplicate_key_even_when_the_last_value_has_the_wrong_shape() -> None:
    for body in (
        b'{"transfers":[{"id":"a","amount":1,"amount":"x"}]}',
        b'{"transfers":1,"transfers":[{"id":"a"}]}',
    ):
        with pytest.raises(Refused) as info:
            decode(body, TransfersRequest)
        assert info.value.code == "duplicate_key"
    with pytest.raises(Refused) as info:
        decode(b'{"transfers":[{"id":"a","amount":"x"}]}', TransfersRequest)
    assert info.value.code == "invalid_request"
    with pytest.raises(Refused) as info:
        decode(b'{"transfers":', TransfersRequest)
    assert info.value.code == "invalid_json"


# --------------------------------------------------------------------------- every JSON endpoint


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("strict")
    create_log_key(str(tmp / "log.key"), "strict.test/ramp")
    identities = IdentityRegistry()
    journal = Journal(SQLiteStore(str(tmp / "ramp.db")), projections=[identities],
                      log=LogSigner.from_key_file(str(tmp / "log.key"), "strict.test/ramp"))  # fmt: skip
    key = Ed25519PrivateKey.generate()
    journal.submit([identity_added(ROOT_ID, "mod-feb", sorted(ROLES), raw(key))])
    credentials = CredentialFile(
        str(tmp / "credentials")
    )  # web login on: /v1/auth/login reads its body
    credentials.enrol(ROOT_ID, "a long test password")
    with serve_in_thread(create_app(journal, identities, credentials=credentials)) as url:
        client = RampClient(url, ROOT_ID, key)
        r = client.post("/v1/accounts", json={"accounts": [{"id": "test:issuer", "asset": "JPYD"},
                                                           {"id": "test:sink", "asset": "JPYD"}]})  # fmt: skip
        assert r.status_code == 200, r.text
        yield journal, client
    journal.close()


def _json_endpoints() -> list[tuple[str, str]]:
    out = []
    for path, ops in build_openapi()["paths"].items():
        for method, op in ops.items():
            if "application/json" in op.get("requestBody", {}).get("content", {}):
                out.append((method.upper(), path))
    return out


def _concrete(path: str) -> str:
    return re.sub(
        r"\{[^}]+\}",
        lambda m: {"{fiscal_year}": "2025", "{id}": ROOT_ID}.get(m.group(0), "x"),
        path,
    )


JSON_ENDPOINTS = _json_endpoints()
DUPLICATED = {
    "top level": b'{"reason":"r","reason":"r"}',
    "nested": b'{"transfers":[{"id":"a","memo":"m","memo":"m"}],"x":{"y":1,"y":1}}',
}


def test_the_openapi_document_names_every_json_endpoint() -> None:
    assert ("POST", "/v1/transfers") in JSON_ENDPOINTS and (
        "POST",
        "/v1/auth/login",
    ) in JSON_ENDPOINTS
    assert len(JSON_ENDPOINTS) >= 15


@pytest.mark.parametrize("where", DUPLICATED)
@pytest.mark.parametrize(
    ("method", "path"), JSON_ENDPOINTS, ids=[f"{m} {p}" for m, p in JSON_ENDPOINTS]
)
def test_every_json_endpoint_refuses_a_key_twice(live, method: str, path: str, where: str) -> None:
    journal, client = live
    size = journal.size
    r = client.request(method, _concrete(path), content=DUPLICATED[where],
                       headers={"content-type": "application/json"})  # fmt: skip
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "duplicate_key", r.text
    assert journal.size == size


def test_a_signed_batch_with_a_key_twice_writes_nothing_and_without_it_applies(live) -> None:
    journal, client = live
    size = journal.size
    transfer = '{"id":"dup-1","debit_account":"test:issuer","credit_account":"test:sink","asset":"JPYD","code":"MINT"'
    r = client.post("/v1/transfers", content=f'{{"transfers":[{transfer},"amount":1,"amount":999}}]}}'.encode(),
                    headers={"content-type": "application/json"})  # fmt: skip
    assert (r.status_code, r.json()["error"]["code"]) == (400, "duplicate_key")
    assert "$.transfers[0].amount" in r.json()["error"]["message"]
    assert journal.size == size and client.get("/v1/transfers/dup-1").status_code == 404
    one = f'{transfer},"amount":1}}'
    r = client.post("/v1/transfers", content=f'{{"transfers":[{one},{one.replace("dup-1", "dup-2")}]}}'.encode(),
                    headers={"content-type": "application/json"})  # fmt: skip
    assert r.status_code == 200 and [x["result"] for x in r.json()["results"]] == ["ok", "ok"]
    assert client.get("/v1/transfers/dup-1").json()["amount"] == 1
