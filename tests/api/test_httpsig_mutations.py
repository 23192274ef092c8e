"""Every mutation of a validly signed request is refused (`SignatureRejected` with a code),
unless it provably leaves the signed content as it was.

The signed content of RAMP's profile is the method, the target URI, the Content-Digest field
(so the body), and the `ramp` member of Signature-Input (the covered list and created, keyid,
alg), verified against the `ramp` member of Signature. A mutation leaves it as it was, and the
request must then still verify, exactly when (`_same_signed_content`): method, target and body
are unchanged; Signature-Input, Signature and Content-Digest each appear once; Content-Digest
reads the same once trimmed of spaces and tabs (RFC 9421 section 2.1); and the `ramp` members of
Signature-Input and Signature parse to the same values (an extra space inside the inner list,
another label's member beside ours). An uncovered header (Content-Type, X-Other) changed,
dropped or added changes nothing signed. Everything else must be refused.

The same over real HTTP for a handful of mutations: 401, and nothing written.
"""

from __future__ import annotations

import base64
import string
import time
from dataclasses import dataclass, replace

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ramp.client import load_key_file
from ramp.sign.httpsig import SignatureRejected, sign_request, verify_request
from ramp.sign.sfv import SfError, parse_dictionary
from tests.api.service_fixture import Server, ramp
from tests.api.test_httpsig import ALICE, KEYS, T0

TARGET = "https://ramp.example/v1/transfers?dry_run=0"
BODY = b'{"transfers":[{"id":"t-1","debit_account":"a","credit_account":"b","amount":100}]}'
SIGNED_FIELDS = ("signature-input", "signature", "content-digest")
UNCOVERED = ("content-type", "x-other")
PRINTABLE = string.printable[:-5]  # visible ASCII and space: what a header value may hold


@dataclass(frozen=True)
class Req:
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def _signed(created: int = T0, key_id: str = "alice") -> Req:
    base = {"content-type": "application/json", "x-other": "1"}
    fields = sign_request("POST", TARGET, base, BODY, key_id=key_id, private_key=ALICE, created=created)
    return Req("POST", TARGET, tuple((base | fields).items()), BODY)


ORIGINAL = _signed()


def _verify(r: Req) -> object:
    return verify_request(r.method, r.target, list(r.headers), r.body, lookup_key=KEYS.get, now=T0)


def _values(r: Req, name: str) -> list[str]:
    return [v for n, v in r.headers if n.lower() == name]


def _ramp_member(text: str) -> object:
    try:
        return parse_dictionary(text).get("ramp")
    except (SfError, ValueError):
        return SfError


def _same_signed_content(r: Req) -> bool:
    if (r.method, r.target, r.body) != (ORIGINAL.method, ORIGINAL.target, ORIGINAL.body):
        return False
    fields = {name: _values(r, name) for name in SIGNED_FIELDS}
    if any(len(v) != 1 for v in fields.values()):
        return False
    (digest,), (sig_input,), (sig,) = fields["content-digest"], fields["signature-input"], fields["signature"]
    (digest0,), (sig_input0,), (sig0,) = (_values(ORIGINAL, n) for n in ("content-digest", "signature-input", "signature"))
    return (digest.strip(" \t") == digest0 and _ramp_member(sig_input) == _ramp_member(sig_input0) != SfError
            and _ramp_member(sig) == _ramp_member(sig0) != SfError)  # fmt: skip


def _with_field(r: Req, name: str, value: str) -> Req:
    return replace(r, headers=tuple((n, value if n == name else v) for n, v in r.headers))


# --------------------------------------------------------------------------- mutations


@st.composite
def _text_edit(draw: st.DrawFn, text: str) -> str:
    """One character of `text` replaced, inserted or deleted."""
    at = draw(st.integers(0, len(text)))
    char = draw(st.sampled_from(PRINTABLE))
    op = draw(st.sampled_from(["replace", "insert", "delete"]))
    if op == "insert" or at == len(text):
        return text[:at] + char + text[at:]
    return text[:at] + (char if op == "replace" else "") + text[at + 1 :]


@st.composite
def _body_edit(draw: st.DrawFn) -> Req:
    body = bytearray(BODY)
    at = draw(st.integers(0, len(body) - 1))
    op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
    if op == "flip":
        body[at] ^= draw(st.integers(1, 255))
    elif op == "insert":
        body.insert(at, draw(st.integers(0, 255)))
    elif op == "delete":
        del body[at]
    else:
        del body[at:]
    return replace(ORIGINAL, body=bytes(body))


@st.composite
def _header_value_edit(draw: st.DrawFn) -> Req:
    name = draw(st.sampled_from([*SIGNED_FIELDS, *UNCOVERED]))
    return _with_field(ORIGINAL, name, draw(_text_edit(dict(ORIGINAL.headers)[name])))


@st.composite
def _header_dropped_or_added(draw: st.DrawFn) -> Req:
    name = draw(st.sampled_from([*SIGNED_FIELDS, *UNCOVERED, "x-new"]))
    if draw(st.booleans()):
        return replace(ORIGINAL, headers=tuple((n, v) for n, v in ORIGINAL.headers if n != name))
    cased = draw(st.sampled_from([name, name.upper(), name.title()]))
    value = draw(st.sampled_from([dict(ORIGINAL.headers).get(name, "v"), "x", ""]))
    return replace(ORIGINAL, headers=(*ORIGINAL.headers, (cased, value)))


@st.composite
def _target_or_method_edit(draw: st.DrawFn) -> Req:
    which = draw(st.sampled_from(["target", "path", "method"]))
    if which == "target":
        return replace(ORIGINAL, target=draw(_text_edit(TARGET)))
    if which == "path":
        path = draw(st.sampled_from(["/v1/accounts", "/v1/transfers/", "/V1/transfers", "/v1/transfers%2F", "/v1//transfers"]))
        return replace(ORIGINAL, target=TARGET.replace("/v1/transfers", path))
    return replace(ORIGINAL, method=draw(st.sampled_from(["GET", "PUT", "post", "PATCH", "DELETE", "POST "])))


@st.composite
def _params_edit(draw: st.DrawFn) -> Req:
    """The Signature-Input parameters changed: created or expires shifted, keyid, alg, order."""
    sig_input = dict(ORIGINAL.headers)["signature-input"]
    shift = draw(st.integers(-400, 400).filter(bool))
    edits = [
        sig_input.replace(f"created={T0}", f"created={T0 + shift}"),
        sig_input + f";expires={T0 + 300 + shift}",
        sig_input.replace('keyid="alice"', f'keyid="{draw(st.sampled_from(["bob", "mallory", "Alice", "alice "]))}"'),
        sig_input.replace('alg="ed25519"', 'alg="ed448"'),
        sig_input.replace(f";created={T0};keyid=\"alice\"", f';keyid="alice";created={T0}'),
        sig_input.replace('"@method" "@target-uri"', '"@target-uri" "@method"'),
        sig_input.replace('"content-digest")', '"content-digest" "content-type")'),
    ]
    return _with_field(ORIGINAL, "signature-input", draw(st.sampled_from(edits)))


@st.composite
def _signature_bytes_edit(draw: st.DrawFn) -> Req:
    raw = bytearray(base64.b64decode(dict(ORIGINAL.headers)["signature"][len("ramp=:") : -1]))
    raw[draw(st.integers(0, 63))] ^= 1 << draw(st.integers(0, 7))
    return _with_field(ORIGINAL, "signature", f"ramp=:{base64.b64encode(bytes(raw)).decode()}:")


MUTATIONS = st.one_of(_body_edit(), _header_value_edit(), _header_dropped_or_added(), _target_or_method_edit(),
                      _params_edit(), _signature_bytes_edit())  # fmt: skip


def test_the_original_verifies() -> None:
    assert _same_signed_content(ORIGINAL)
    _verify(ORIGINAL)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MUTATIONS)
def test_every_mutation_that_changes_signed_content_is_refused(mutated: Req) -> None:
    if _same_signed_content(mutated):
        found = _verify(mutated)  # nothing signed changed: it is the same request
        assert found == _verify(ORIGINAL)
        return
    with pytest.raises(SignatureRejected) as info:
        _verify(mutated)
    assert info.value.code in {"signature_missing", "signature_malformed", "unknown_key", "bad_signature",
                               "digest_mismatch", "signature_expired", "signature_from_future"}  # fmt: skip


@pytest.mark.parametrize("mutated", [
    _with_field(ORIGINAL, "content-type", "text/plain"),
    replace(ORIGINAL, headers=tuple(h for h in ORIGINAL.headers if h[0] != "x-other")),
    replace(ORIGINAL, headers=(*ORIGINAL.headers, ("x-new", "1"))),
    _with_field(ORIGINAL, "signature-input", dict(ORIGINAL.headers)["signature-input"].replace("(", "( ")),
    _with_field(ORIGINAL, "signature", "other=:AA==:, " + dict(ORIGINAL.headers)["signature"]),
    _with_field(ORIGINAL, "content-digest", dict(ORIGINAL.headers)["content-digest"] + " "),
])  # fmt: skip
def test_what_leaves_the_signed_content_alone_verifies(mutated: Req) -> None:
    assert _same_signed_content(mutated) and _verify(mutated) == _verify(ORIGINAL)


# --------------------------------------------------------------------------- over real HTTP


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mut")
    db = str(tmp / "ramp.db")
    ramp("init", "--db", db, "--origin", "mut.test/ramp", "--admin-key-out", str(tmp / "admin.json"))
    server = Server(db)
    server.start()
    yield server, load_key_file(str(tmp / "admin.json"))
    server.stop()


def _log_size(url: str) -> int:
    return int(httpx.get(url + "/v1/log/checkpoint").text.split("\n")[1])


def _http_mutations(url: str, key: Ed25519PrivateKey) -> dict[str, tuple[str, str, dict[str, str], bytes]]:
    body = b'{"accounts":[{"id":"mut:a","asset":"JPYD"}]}'
    target = f"{url}/v1/accounts"
    h = {"content-type": "application/json"}
    created = int(time.time())
    h |= sign_request("POST", target, h, body, key_id="admin", private_key=key, created=created)
    raw = bytearray(base64.b64decode(h["signature"][6:-1]))
    raw[0] ^= 1
    return {
        "body byte": ("POST", target, h, body.replace(b"mut:a", b"mut:b")),
        "content-digest of another body": ("POST", target, h | {"content-digest": "sha-256=:" + base64.b64encode(bytes(32)).decode() + ":"}, body),
        "content-digest dropped": ("POST", target, {k: v for k, v in h.items() if k != "content-digest"}, body),
        "signature bytes": ("POST", target, h | {"signature": f"ramp=:{base64.b64encode(bytes(raw)).decode()}:"}, body),
        "created shifted": ("POST", target, h | {"signature-input": h["signature-input"].replace(f"created={created}", f"created={created - 1}")}, body),
        "keyid": ("POST", target, h | {"signature-input": h["signature-input"].replace('"admin"', '"nobody"')}, body),
        "target query": ("POST", target + "?x=1", h, body),
        "target path": ("POST", f"{url}/v1/transfers", h, body),
    }  # fmt: skip


def test_mutated_requests_over_http_are_401_and_write_nothing(service) -> None:
    server, key = service
    size = _log_size(server.url)
    for name, (method, target, headers, body) in _http_mutations(server.url, key.private_key).items():
        r = httpx.request(method, target, headers=headers, content=body)
        assert r.status_code == 401, (name, r.status_code, r.text)
        assert r.json()["error"]["code"], name
        assert _log_size(server.url) == size, name
