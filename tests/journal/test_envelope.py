"""Public envelopes: their bytes are canonical JSON, open only with their own salt and body, and
refuse anything else; the classifier decides public, restricted and secret as documented."""

from __future__ import annotations

import json

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from ramp.disclosure.classify import Classifier
from ramp.journal.disclosure import Disclosure
from ramp.journal.envelope import (
    COMMITMENT_TAG,
    EnvelopeInvalid,
    Level,
    commitment,
    event_salt,
    opens,
    parse,
    seal,
    split_opening,
)
from ramp.ledger import AppendRecord, CreateAccount, CreateTransfer, LedgerEngine
from ramp.ledger.events import encode_event

SALT = bytes(range(32))
BODY = b'{"amount":"5","kind":"transfer","seq":7,"timestamp":"12"}'


@given(st.sampled_from(list(Level)), st.integers(0, 2**53 - 1), st.integers(0, 2**63), st.binary(min_size=32, max_size=32))
def test_every_envelope_is_canonical_json_and_parses_back(level, seq, ts, salt):
    leaf = seal(BODY, "transfer", seq, str(ts), level, salt)
    assert rfc8785.dumps(json.loads(leaf)) == leaf
    env = parse(leaf)
    assert (env.kind, env.seq, env.timestamp, env.level) == ("transfer", seq, ts, level)
    if level is Level.PUBLIC:
        assert env.body == BODY and env.commitment is None
    else:
        assert env.body is None and env.commitment == commitment(salt, BODY, level)
        assert b"amount" not in leaf


def test_the_commitment_is_the_documented_hash():
    import hashlib

    assert commitment(SALT, BODY) == hashlib.sha256(COMMITMENT_TAG + b"restricted\0" + SALT + BODY).digest()
    assert commitment(SALT, BODY, Level.SECRET) == hashlib.sha256(COMMITMENT_TAG + b"secret\0" + SALT + BODY).digest()
    assert COMMITMENT_TAG == b"ramp-commitment-v1\0"


def test_an_envelope_opens_only_with_its_own_salt_and_body():
    leaf = seal(BODY, "transfer", 7, "12", Level.RESTRICTED, SALT)
    assert opens(leaf, SALT, BODY, kind="transfer", seq=7, timestamp="12") is Level.RESTRICTED
    for salt, body, kind, seq, ts in [(bytes(32), BODY, "transfer", 7, "12"), (SALT, BODY.replace(b"5", b"6"), "transfer", 7, "12"),
                                      (SALT, BODY, "record", 7, "12"), (SALT, BODY, "transfer", 8, "12"),
                                      (SALT, BODY, "transfer", 7, "13")]:  # fmt: skip
        with pytest.raises(EnvelopeInvalid):
            opens(leaf, salt, body, kind=kind, seq=seq, timestamp=ts)
    relabelled = leaf.replace(b'"restricted"', b'"secret"')
    with pytest.raises(EnvelopeInvalid):
        opens(relabelled, SALT, BODY, kind="transfer", seq=7, timestamp="12")


@pytest.mark.parametrize("leaf", [
    b"", b"{}", BODY, b'{"class":"restricted","commitment":"00","kind":"transfer","seq":1,"timestamp":"1"}',
    b'{"class":"public","kind":"transfer","seq":1,"timestamp":"1"}',
    b'{"class":"restricted","commitment":"' + b"a" * 64 + b'","kind":"transfer","seq":01,"timestamp":"1"}',
    b'{"class":"topsecret","commitment":"' + b"a" * 64 + b'","kind":"transfer","seq":1,"timestamp":"1"}',
    b'{"body":{},"class":"public","kind":"transfer","seq":1,"timestamp":"1"} ',
    b"x" * 20_000,
])  # fmt: skip
def test_what_is_not_an_envelope_is_refused(leaf):
    with pytest.raises(EnvelopeInvalid):
        parse(leaf)


def test_salts_are_per_seq_and_per_key():
    a, b = Disclosure(b"a" * 32), Disclosure(b"b" * 32)
    assert event_salt(a, 1) != event_salt(a, 2) != event_salt(b, 2)
    assert a.seq_salts(b"ramp-event-salt-v1", 1, 2) == [event_salt(a, 1), event_salt(a, 2)]
    assert "a" * 8 not in repr(a)
    with pytest.raises(EnvelopeInvalid):
        split_opening(SALT)


def _engine_with_accounts() -> LedgerEngine:
    engine = LedgerEngine()
    outcome = engine.execute([
        CreateAccount(id="treasury:issuer", asset="JPYD"),
        CreateAccount(id="fy2025:equipment", asset="JPYD"),
        CreateAccount(id="fy2025:equipment:missiles:asdf:jsm:jsm-01", asset="JPYD"),
        CreateAccount(id="fy2025:equipment:missiles:asdf:jsm:x-01", asset="JPYD", metadata={"classification": "secret"}),
        CreateAccount(id="fy2025:equipment:missiles:asdf:jsm:open-01", asset="JPYD", metadata={"classification": "public"}),
        CreateTransfer(id="m", debit_account="treasury:issuer", credit_account="fy2025:equipment", amount=9,
                       asset="JPYD", code="MINT"),
        CreateTransfer(id="a", debit_account="fy2025:equipment", credit_account="fy2025:equipment:missiles:asdf:jsm:jsm-01",
                       amount=5, asset="JPYD", code="ALLOT"),
        CreateTransfer(id="s", debit_account="fy2025:equipment", credit_account="fy2025:equipment:missiles:asdf:jsm:x-01",
                       amount=1, asset="JPYD", code="ALLOT"),
        AppendRecord(id="act", type="budget.enacted", body={}),
        AppendRecord(id="who", type="identity.added", body={}),
    ], 10**18)  # fmt: skip
    assert all(r.result == "ok" for r in outcome.results), outcome.results
    engine.events = outcome.events  # type: ignore[attr-defined]
    return engine


def test_the_classifier_publishes_the_law_and_hides_the_detail():
    engine = _engine_with_accounts()
    levels = {getattr(e, "id", None): Classifier()(e, engine) for e in engine.events}  # type: ignore[attr-defined]
    assert levels["treasury:issuer"] is levels["fy2025:equipment"] is levels["m"] is levels["act"] is Level.PUBLIC
    assert levels["fy2025:equipment:missiles:asdf:jsm:jsm-01"] is levels["a"] is levels["who"] is Level.RESTRICTED
    assert levels["fy2025:equipment:missiles:asdf:jsm:x-01"] is levels["s"] is Level.SECRET
    assert levels["fy2025:equipment:missiles:asdf:jsm:open-01"] is Level.RESTRICTED  # metadata never lowers a level
    assert all(b"jsm-01" not in seal(encode_event(e), "x", 0, "0", levels[getattr(e, "id", None)], SALT)
               for e in engine.events if levels[getattr(e, "id", None)] is not Level.PUBLIC)  # type: ignore[attr-defined]
