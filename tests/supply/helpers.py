"""A journal with the people of a supply chain (a manufacturer, a depot, the receiving unit, an
inspector, an auditor) served over real HTTP, and the EPCIS vectors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ramp.client import RampClient
from ramp.journal import Journal
from ramp.policy.identities import IdentityRegistry, identity_added
from ramp.server import create_app
from ramp.store import SQLiteStore
from tests.approvals.helpers import raw
from tests.net import serve_in_thread

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "epcis"
EXAMPLES = ("Example_9.6.1-ObjectEvent.jsonld", "Example_9.6.3-AggregationEvent.jsonld",
            "Example_9.6.4-TransformationEvent.jsonld", "Example-TransactionEvents-2020_07_03y.jsonld")  # fmt: skip
CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

PEOPLE = {
    "maker.kanto": ("contractor-kanto-aero", ["supply_party"]),
    "depot.kisarazu": ("gsdf", ["supply_party"]),
    "unit.hamamatsu": ("asdf", ["supply_party"]),
    "asdf.insp": ("asdf", ["inspector"]),
    "boa.kato": ("boa", ["auditor"]),
    "fin.tanaka": ("mod-feb", ["finance_officer"]),
}


def example(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_bytes())


def document(*events: dict[str, Any]) -> dict[str, Any]:
    return {"@context": [CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2025-06-02T01:00:00Z", "epcisBody": {"eventList": list(events)}}  # fmt: skip


@dataclass
class Chain:
    journal: Journal
    clients: dict[str, RampClient]

    def capture(self, who: str, doc: dict[str, Any]) -> Any:
        return self.clients[who].post("/v1/epcis/capture", json=doc)


@contextmanager
def chain(tmp_path: Path) -> Iterator[Chain]:
    identities = IdentityRegistry()
    journal = Journal(SQLiteStore(str(tmp_path / "ramp.db")), projections=[identities])
    keys = {who: Ed25519PrivateKey.generate() for who in PEOPLE}
    journal.submit([identity_added(who, org, roles, raw(keys[who])) for who, (org, roles) in PEOPLE.items()])
    try:
        with serve_in_thread(create_app(journal, identities)) as url:
            yield Chain(journal, {who: RampClient(url, who, key) for who, key in keys.items()})
    finally:
        journal.close()
