"""The demo's people: fictitious officers of the division of powers, each an identity in the log
(organisation, roles, an Ed25519 key) with a web login. DEMO CREDENTIALS: one published password
for everyone, and a TOTP secret of each person's own in the credentials file beside the database
(`<db>.credentials`, 0600); their signing keys are in `<db>.keys/<id>.json` (0600).

`add_people` is idempotent: the demo loader calls it once the year is loaded, and `ramp demo`
on every start, so a demo database made before the people existed gains them (and a deleted
credentials file is made again, with new TOTP secrets).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ramp.auth import audit
from ramp.auth.credentials import CredentialFile
from ramp.budget.service import check_results
from ramp.client import write_key_file
from ramp.contracts import state as contract_state
from ramp.demo.approvals import key_path, seed_requests
from ramp.demo.dataset import Irregularities
from ramp.journal import Journal
from ramp.ledger import AppendRecord
from ramp.policy.identities import identity_added

# Demo credentials, printed by `ramp demo` and in the docs: never a password for real data.
DEMO_PASSWORD: Final = "ramp-demo-2025"
ENROLLED_BY: Final = "ramp demo"


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    organisation: str
    roles: tuple[str, ...]
    title: str  # what they do, for the list `ramp demo` prints


PEOPLE: Final = (
    Person("fo.tanaka", "mod-feb", ("finance_officer", "ledger_reader"), "finance officer, MoD Finance and Equipment Bureau"),
    Person("fo.kobayashi", "mod-feb", ("finance_officer",), "accounts officer, MoD Finance and Equipment Bureau"),
    Person("fo.yamamoto", "mod-feb", ("finance_officer",), "second accounts officer, MoD Finance and Equipment Bureau"),
    Person("mof.sato", "mof", ("mof_examiner",), "budget examiner, Ministry of Finance"),
    Person("atla.co.ito", "atla", ("contracting_officer", "certifying_officer"), "contracting and certifying officer, ATLA"),
    Person("atla.inspector.suzuki", "atla", ("inspector",), "inspector, ATLA"),
    Person("asdf.inspector.takahashi", "asdf", ("inspector",), "inspector, Air Self-Defense Force"),
    Person("boa.auditor.watanabe", "boa", ("auditor",), "auditor, Board of Audit"),
    Person("vendor.mhi", "contractor-mhi", ("contractor",), "contractor (a demo vendor)"),
)  # fmt: skip
# vendor.mhi works for the heavy-industry vendor of this demo contract: its organisation is
# `contractor-<that vendor's id>` (the ids come from the seed), so it reads that vendor's contracts.
CONTRACTOR_CONTRACT: Final = "mc25-ssm12-canisters"


def organisation_of(journal: Journal, p: Person) -> str:
    """The person's organisation; a contractor's is its vendor's, read from the demo contract."""
    if p.organisation != "contractor-mhi":
        return p.organisation
    state = contract_state.load(journal.engine.record, CONTRACTOR_CONTRACT)
    return p.organisation if state is None else f"contractor-{state.terms.vendor}"


def credentials_path(db: str) -> str:
    return f"{db}.credentials"


def add_people(journal: Journal, db: str, irregular: Irregularities | None = None) -> list[str]:
    """Add whoever of `PEOPLE` the log lacks, enrol whoever the credentials file lacks, and put
    the demo's approval requests in the inboxes (`ramp.demo.approvals`). Returns the ids added
    or enrolled. `irregular`: the dataset's answer key (read from beside `db` when not given)."""
    changed: list[str] = []
    records: list[AppendRecord] = []
    os.makedirs(f"{db}.keys", mode=0o700, exist_ok=True)
    for p in PEOPLE:
        if journal.engine.record(f"identity:{p.id}") is None:
            key = Ed25519PrivateKey.generate()
            records.append(identity_added(p.id, organisation_of(journal, p), list(p.roles),
                                          key.public_key().public_bytes_raw()))  # fmt: skip
            write_key_file(key_path(db, p.id), p.id, key, overwrite=True)  # the old key named no identity
            changed.append(p.id)
    if records:
        check_results(journal.submit(records))
    credentials = CredentialFile(credentials_path(db))
    enrolled = []
    for p in PEOPLE:
        if credentials.get(p.id) is None:
            credentials.enrol(p.id, DEMO_PASSWORD)
            enrolled.append(audit.enrolled(p.id, ENROLLED_BY))
            changed.append(p.id)
    if enrolled:
        check_results(journal.submit(enrolled))
    for p in PEOPLE:  # what a reader of the log and of the file can rely on
        assert credentials.get(p.id) is not None and journal.engine.record(f"identity:{p.id}") is not None, p.id
    seed_requests(journal, db, irregular)
    return sorted(set(changed))
