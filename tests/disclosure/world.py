"""A copy of the small demo with two contractors of its own: one for a vendor paid in FY2026 (the open year) (who
may open its payments), one for another vendor (who may not); each with a key file and a web
login. `contractors(db)` adds them; the demo's people and data are otherwise as loaded."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ramp.auth.credentials import CredentialFile
from ramp.budget.service import check_results
from ramp.client import write_key_file
from ramp.demo.approvals import key_path
from ramp.demo.people import DEMO_PASSWORD, credentials_path
from ramp.disclosure.lines import PaymentLines
from ramp.disclosure.payment import Payment
from ramp.journal import Journal
from ramp.policy.identities import identity_added

FISCAL_YEAR = 2026  # the open year of the demo: FY2024 and FY2025 are closed


@dataclass(frozen=True)
class Contractors:
    own: str  # identity of the paid vendor's contractor
    other: str  # a contractor of another vendor
    payment: Payment  # one of `own`'s FY2026 payments, in the published root


def contractors(journal: Journal, db: str) -> Contractors:
    lines = journal.projection(PaymentLines)
    payments = lines.payments(FISCAL_YEAR, lines.latest(FISCAL_YEAR).published.log_size)
    payment = next(p for p in payments if p.code == "DISBURSE")
    other_vendor = next(p.vendor for p in payments if p.vendor != payment.vendor)
    credentials = CredentialFile(credentials_path(db))
    ids = []
    for who, vendor in (("vendor.own", payment.vendor), ("vendor.other", other_vendor)):
        key = Ed25519PrivateKey.generate()
        check_results(journal.submit([identity_added(who, f"contractor-{vendor}", ["contractor"],
                                                     key.public_key().public_bytes_raw())]))  # fmt: skip
        write_key_file(key_path(db, who), who, key, overwrite=True)
        credentials.enrol(who, DEMO_PASSWORD)
        ids.append(who)
    return Contractors(ids[0], ids[1], payment)
