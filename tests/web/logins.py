"""Signing the demo people in, as a person with an authenticator app would: the code of the
current 30-second step, and never a step used before (the server takes each step once, with one
step of drift either way, so a second code within a step is the next step's)."""

from __future__ import annotations

import re
import time

import httpx

from ramp.auth import totp
from ramp.auth.credentials import CredentialFile
from ramp.demo.people import DEMO_PASSWORD, credentials_path


class Authenticator:
    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        self.last_step = -1

    @classmethod
    def of(cls, db: str, identity: str) -> Authenticator:
        credential = CredentialFile(credentials_path(db)).get(identity)
        assert credential is not None, identity
        return cls(totp.from_b32(credential.totp_secret))

    def code(self) -> str:
        """A code the server has not seen: this step's, else the next one's, else wait."""
        while True:
            now = int(time.time()) // totp.STEP_S
            step = max(now, self.last_step + 1)
            if step <= now + totp.WINDOW_STEPS:
                self.last_step = step
                return totp.hotp(self.secret, step)
            time.sleep(0.25)


class People:
    """One Authenticator per person, for one server (its sessions remember the steps used)."""

    def __init__(self, db: str) -> None:
        self.db = db
        self._apps: dict[str, Authenticator] = {}

    def __getitem__(self, identity: str) -> Authenticator:
        if identity not in self._apps:
            self._apps[identity] = Authenticator.of(self.db, identity)
        return self._apps[identity]


def sign_in(client: httpx.Client, who: str, app: Authenticator, next_: str = "/") -> httpx.Response:
    """The sign-in form posted as a browser posts it; returns the redirect."""
    r = client.post("/signin", data={"identity": who, "password": DEMO_PASSWORD, "totp": app.code(), "next": next_})
    assert r.status_code == 303, r.text[:500]
    return r


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def sign_in_page(page, url: str, who: str, app: Authenticator) -> None:
    """Through the form in the browser, by keyboard: type, Tab to the next field, Enter."""
    if "/signin" not in page.url:
        page.goto(url + "/signin")
    page.fill("#identity", "")  # after a failure the form keeps what was typed
    page.focus("#identity")
    page.keyboard.type(who)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(app.code())
    with page.expect_navigation():
        page.keyboard.press("Enter")


def challenge_on(html: str, button_id: str) -> str:
    """The challenge a page's passkey button carries (what passkeys.js has the authenticator sign)."""
    match = re.search(rf'id="{re.escape(button_id)}" data-challenge="([A-Za-z0-9_-]+)"', html)
    assert match, f"no passkey button {button_id} on the page"
    return match.group(1)


def approval_challenge(journal, request_id: str, decision: str, who: str) -> str:
    """The challenge for `who`'s `decision` on a request, from its record (as the desk computes it)."""
    from ramp.approvals import model as approval_model
    from ramp.auth import passkeys

    record = journal.engine.record(f"request:{request_id}")
    digest = approval_model.request_digest(record.body) if record is not None else "0" * 64
    return passkeys.b64url(passkeys.approval_challenge(approval_model.statement(decision, request_id, digest, who)))
