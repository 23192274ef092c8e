"""A FY2025 contract served by the dashboard with web sign-in: the contracts test world
(tests/contracts/helpers.py) on SQLite with a log key; its people with web logins (and, on first
use, a passkey each: what an attestation in the web is signed with); contract c1 signed, and milestone m1 attested once
(the receiving unit's slot) so one more attestation, ATLA's test evaluation, accepts and pays it.

The business calendar is the journal's clock, set inside FY2025 (2025-06-30, a day before m1 is
due); the server's wall clock is real time, which the TOTP codes follow."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from ramp.auth import passkeys
from ramp.auth.credentials import CredentialFile
from ramp.budget import model as budget_model
from ramp.contracts.desk import statement
from ramp.journal.log import LogSigner, create_log_key
from ramp.server import create_app
from ramp.store import SQLiteStore
from tests.auth.soft_passkey import SoftPasskey, register
from tests.contracts.helpers import BN, VENDOR, World, make_world, terms
from tests.net import serve_in_thread
from tests.web.logins import Authenticator, csrf_of

PASSWORD = "contracts-web-2025"  # a test password (twelve characters at least)
PEOPLE = ("atla.insp", "asdf.insp", "atla.co", "reader.oda", "vendor.kanto", "vendor.other", "bot.analytics")
BUSINESS_NOW = budget_model.jst_ns(2025, 6, 30, 10)  # FY2025, before m1's due date: no penalty
M1_NET = 3 * BN - 3 * BN * 500 // 10_000  # 5 % retention held back
WALLET = budget_model.vendor_account(VENDOR)


@dataclass
class ContractSite:
    url: str
    world: World
    apps: dict[str, Authenticator]
    keys: dict[tuple[str, str], SoftPasskey] = field(default_factory=dict)

    def passkey(self, who: str) -> SoftPasskey:
        """`who`'s passkey for this server's host, registered on first use."""
        return self.passkey_at(who, self.url)

    def passkey_at(self, who: str, url: str) -> SoftPasskey:
        """`who`'s passkey for the host of `url` (localhost, for the browser), registered on first use."""
        if (who, url) not in self.keys:
            self.keys[(who, url)] = register(self.world.journal, who, url)
        return self.keys[(who, url)]

    def signature(self, who: str, milestone: str, slot: str, contract: str = "c1", *, as_: str | None = None) -> dict[str, str]:
        """`who`'s passkey fields over the attestation statement of `milestone`/`slot` (made for
        identity `as_`, when another's statement is to be tried)."""
        text = statement(contract, milestone, slot, self.world.state(contract).digest, as_ or who)
        return self.passkey(who).fields(passkeys.b64url(passkeys.approval_challenge(text)))

    def sign_in(self, client: httpx.Client, who: str, next_: str = "/") -> httpx.Response:
        r = client.post("/signin", data={"identity": who, "password": PASSWORD, "totp": self.apps[who].code(),
                                         "next": next_})  # fmt: skip
        assert r.status_code == 303, r.text[:500]
        return r

    @contextlib.contextmanager
    def client(self, who: str | None = None) -> Iterator[httpx.Client]:
        """A browser-like client, signed in as `who` (each sign-in takes a fresh code)."""
        with httpx.Client(base_url=self.url) as c:
            if who is not None:
                self.sign_in(c, who)
            yield c

    def size(self) -> int:
        return self.world.journal.size

    def contract_records(self) -> int:
        return len(self.world.state("c1").records)


def attest_form(c: httpx.Client, cid: str, milestone: str, slot: str, fields: dict[str, str], *, csrf: str | None = None,
                page_html: str | None = None) -> httpx.Response:  # fmt: skip
    """The attestation form as passkeys.js posts it: the slot, the CSRF token, the passkey's fields."""
    html = page_html if page_html is not None else c.get(f"/contracts/{cid}").text
    token = csrf if csrf is not None else csrf_of(html)
    return c.post(f"/contracts/{cid}/attest", data={"csrf": token, "milestone": milestone, "slot": slot, **fields})


@pytest.fixture
def contract_site(tmp_path) -> Iterator[ContractSite]:
    origin = "contracts.web.test/ramp"
    create_log_key(str(tmp_path / "log.key"), origin)
    world = make_world(SQLiteStore(str(tmp_path / "c.db")), log=LogSigner.from_key_file(str(tmp_path / "log.key"), origin))
    try:
        world.sign(terms())
        world.at(2025, 6, 20)
        world.attest("asdf.insp", "c1", "m1", "receipt")
        credentials = CredentialFile(str(tmp_path / "web.credentials"))
        apps = {who: Authenticator(credentials.enrol(who, PASSWORD)) for who in PEOPLE}
        world.journal.clock_ns = lambda: BUSINESS_NOW
        app = create_app(world.journal, world.identities, credentials=credentials, expiry_sweep_s=None)
        with serve_in_thread(app) as url:
            yield ContractSite(url, world, apps)
    finally:
        world.journal.close()
