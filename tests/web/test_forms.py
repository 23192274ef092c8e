"""The steps a signed-in form (a decision, an attestation) shares, without a server: a busy or
broken write path is said as `unavailable` with its own kind (so its own status and Retry-After),
every other refusal keeps its code, a failed ledger result refuses a checked form, and a form
with a malformed passkey answer, or none, is refused before any session is asked."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

from ramp.ledger.model import Result
from ramp.refusal import Kind, Refused
from ramp.service.refusals import retry_headers, status_of
from ramp.store.base import StoreError
from ramp.web import forms


@dataclass
class _Committer:
    answer: Any  # the results to return, or the exception to raise

    async def submit_planned(self, planner: object) -> list[Result]:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@dataclass
class _Service:
    committer: _Committer


def _submit(answer: Any, *, checked: bool = False) -> None:
    asyncio.run(forms.submit_form(_Service(_Committer(answer)), lambda engine: [], checked=checked))  # type: ignore[arg-type]


def test_a_full_queue_is_said_as_unavailable_with_its_status_and_retry_after():
    with pytest.raises(Refused) as caught:
        _submit(Refused(Kind.OVERLOADED, "overloaded", "8 batches queued", retry_after_s=1))
    assert (caught.value.kind, caught.value.code) == (Kind.OVERLOADED, forms.UNAVAILABLE)
    assert status_of(caught.value) == 429 and retry_headers(caught.value) == {"Retry-After": "1"}


def test_a_store_that_did_not_commit_is_unavailable_503():
    with pytest.raises(Refused) as caught:
        _submit(StoreError("disk I/O error"))
    assert (caught.value.code, status_of(caught.value)) == (forms.UNAVAILABLE, 503)
    assert retry_headers(caught.value) == {"Retry-After": "1"}


def test_any_other_refusal_keeps_its_code_and_kind():
    refused = Refused(Kind.UNAVAILABLE, "passkeys_unavailable", "this desk takes no passkey signatures")
    with pytest.raises(Refused) as caught:
        _submit(refused)
    assert caught.value is refused and retry_headers(refused) == {}
    label = forms.refusal_label("contracts", frozenset({"passkeys_unavailable"}), refused.code)
    assert label == "contracts.error.passkeys_unavailable"
    assert forms.refusal_label("contracts", frozenset(), "frozen") == "contracts.error.other"


def test_a_checked_form_is_refused_by_a_failed_ledger_result():
    _submit([Result("t1", "ok", 7)], checked=True)
    _submit([Result("t1", "account_frozen")])  # unchecked: the planner's results are not looked at
    with pytest.raises(Refused) as caught:
        _submit([Result("t1", "account_frozen")], checked=True)
    assert (caught.value.kind, caught.value.code) == (Kind.CONFLICT, "account_frozen")


GOOD = {"credential_id": "AAAA", "authenticator_data": "AAAA", "client_data_json": "AAAA", "signature": "AAAA"}


@pytest.mark.parametrize("bad", [{"signature": "not base64url!"}, {"credential_id": "A" * 400}, {"client_data_json": "=="}])
def test_a_malformed_passkey_answer_is_refused_before_the_session_is_asked(bad):
    fields = {f"passkey_{k}": v for k, v in {**GOOD, **bad}.items()}
    form = forms.SignedForm(fields, session=None, sessions=None)  # type: ignore[arg-type]
    with pytest.raises(Refused) as caught:
        forms.passkey_assertion(form, "a decision")  # a session would be asked only for a well-formed answer
    assert (caught.value.kind, caught.value.code) == (Kind.INVALID, "passkey_invalid")


def test_a_form_without_a_passkey_is_refused_before_the_session_is_asked():
    form = forms.SignedForm({"decision": "approve"}, session=None, sessions=None)  # type: ignore[arg-type]
    with pytest.raises(Refused) as caught:
        forms.passkey_assertion(form, "a decision")
    assert (caught.value.kind, caught.value.code) == (Kind.FORBIDDEN, "passkey_required")
