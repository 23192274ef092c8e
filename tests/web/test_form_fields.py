"""A dashboard form names each field once: a field given twice is refused (400, `form.invalid`)
before any check reads it, as a JSON key given twice is refused by the API."""

from __future__ import annotations

import asyncio

import pytest
from starlette.requests import Request

from ramp.web.forms import FormError, read_form


def _request(body: bytes) -> Request:
    scope = {"type": "http", "method": "POST", "path": "/signin", "headers": [
        (b"content-type", b"application/x-www-form-urlencoded"), (b"content-length", str(len(body)).encode()),
        (b"host", b"ramp.test")]}  # fmt: skip
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(scope, receive)


def _read(body: bytes) -> dict[str, str]:
    return asyncio.run(read_form(_request(body)))


def test_each_field_once_is_read() -> None:
    assert _read(b"identity=mof.sato&password=p&totp=123456&next=%2Finbox") == {
        "identity": "mof.sato", "password": "p", "totp": "123456", "next": "/inbox"}  # fmt: skip
    assert _read(b"a=&b=") == {"a": "", "b": ""}
    assert _read(b"") == {}


@pytest.mark.parametrize("body", [
    b"identity=mof.sato&identity=cabinet.noda&password=p",
    b"decision=approve&csrf=t&decision=reject",
    b"totp=&totp=123456",
    b"csrf=a&csrf=a",  # the same value twice is still a field given twice
])  # fmt: skip
def test_a_field_given_twice_is_refused(body: bytes) -> None:
    with pytest.raises(FormError) as info:
        _read(body)
    assert (info.value.status, info.value.key) == (400, "form.invalid")
