"""Public totals, provably complete: publishing each year's Merkle-sum root, and what both faces
serve of it (the published totals with their place in the log; a payment's opening and proof).

The sweep runs every `DISCLOSURE_SWEEP_S` from the server's lifespan (first one interval after
start: the demo's load and `ramp disclosure publish` publish at once), as one batch of
`disclosure.sumtree` records through the group committer. Trees are built on a worker thread,
never on the event loop (a second or so for a year of twenty thousand payments).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from dataclasses import dataclass
from typing import Any, Final

from ramp.disclosure.lines import PaymentLines
from ramp.disclosure.payment import Payment
from ramp.disclosure.publish import check_published, publications, salt_source
from ramp.disclosure.record import Publication
from ramp.disclosure.tree import payment_proof
from ramp.journal import proofs
from ramp.journal.witnessing import cosigned_checkpoint
from ramp.refusal import Kind, Refused
from ramp.service.access import Reader, may_open_payment
from ramp.service.core import Service
from ramp.store.base import StoreError
from ramp.tlog import sumtree_wire
from ramp.tlog.sumtree import InclusionProof, LineOpening

# Ten minutes: a root is a permanent public record (at most 144 a day per year), and totals a
# few minutes old are as useful as live ones. Each sweep publishes only years that changed.
DISCLOSURE_SWEEP_S: Final = 600.0
# The store's last checkpoint may be one batch ahead of the read side for a moment.
CHECKPOINT_TRIES: Final = 20
CHECKPOINT_WAIT_S: Final = 0.01


def lines_of(svc: Service) -> PaymentLines:
    return svc.journal.projection(PaymentLines)


async def publish_due(svc: Service) -> list[str]:
    """Publish a new root for every year whose payments changed since its last root."""
    lines = lines_of(svc)
    records = await asyncio.to_thread(publications, svc.journal, lines)
    if not records:
        return []
    return check_published(records, await svc.committer.submit(records))


async def sweep_disclosures(svc: Service, interval_s: float = DISCLOSURE_SWEEP_S) -> None:
    """Every `interval_s` until cancelled (the app's lifespan), `publish_due`."""
    while True:
        await asyncio.sleep(interval_s)
        with contextlib.suppress(StoreError, Refused):  # the next sweep tries again (overloaded, say)
            await publish_due(svc)


def published_years(svc: Service) -> list[int]:
    lines = lines_of(svc)
    return [fy for fy in lines.fiscal_years() if lines.latest(fy) is not None]


def _latest(lines: PaymentLines, fiscal_year: int) -> Publication:
    latest = lines.latest(fiscal_year)
    if latest is None:
        raise Refused(Kind.NOT_FOUND, "totals_not_published", f"no Merkle-sum root is published for FY{fiscal_year}")
    return latest


@dataclass(frozen=True, slots=True)
class Totals:
    """The latest root of a year, its record's leaf, and that leaf's proof under a checkpoint."""

    publication: Publication
    leaf: bytes  # the record's log entry, as the checkpoint commits it
    checkpoint: str  # the signed note (with cosignatures) the proof is against
    inclusion: proofs.InclusionProof


async def totals(svc: Service, fiscal_year: int) -> Totals:
    journal = svc.journal
    latest = _latest(lines_of(svc), fiscal_year)
    for _ in range(CHECKPOINT_TRIES):
        note = cosigned_checkpoint(journal)
        if note is None:  # a published record is in a signed batch: only an unsigned log has none
            raise Refused(Kind.NOT_FOUND, "checkpoint_not_found", "the log has no signed checkpoint")
        size = int(note.split("\n", 2)[1])
        if size <= journal.size:
            leaf = proofs.entries(journal, latest.seq, latest.seq + 1)[0]
            return Totals(latest, leaf, note, proofs.inclusion(journal, latest.seq, size))
        await asyncio.sleep(CHECKPOINT_WAIT_S)
    raise Refused(Kind.UNAVAILABLE, "checkpoint_busy", "the log is committing: ask again", retry_after_s=1)


@dataclass(frozen=True, slots=True)
class PaymentLine:
    """One payment's opening and its proof in the year's latest published root."""

    publication: Publication
    payment: Payment
    opening: LineOpening
    proof: InclusionProof


async def payment_line(svc: Service, fiscal_year: int, transfer_id: str, reader: Reader) -> PaymentLine:
    """Only for the payment's own contractor and budget readers (`access.may_open_payment`)."""
    lines = lines_of(svc)
    payment = lines.payment(transfer_id)
    if payment is None or payment.fiscal_year != fiscal_year or not may_open_payment(reader, transfer_id, payment.vendor,
                                                                                                 svc.journal.engine):
        # Another party's payment is not found either: a 403 would tell a probe that it exists.
        raise Refused(Kind.NOT_FOUND, "payment_not_found", f"no payment {transfer_id!r} of yours in FY{fiscal_year}")
    latest = _latest(lines, fiscal_year)
    if payment.seq >= latest.published.log_size:
        raise Refused(Kind.NOT_FOUND, "payment_not_yet_published",
                      f"{transfer_id} came after FY{fiscal_year}'s latest root: it is in the next one")  # fmt: skip
    salt_of = salt_source(svc.journal)
    year = await asyncio.to_thread(lines.tree, fiscal_year, latest.published.log_size, salt_of)
    # The tree rebuilt from the journal is the one published: same lines, same salts. If not (a store
    # restored under another key, say), no proof is served: it would not verify.
    if year.tree.root != latest.published.root:
        raise Refused(Kind.UNAVAILABLE, "totals_inconsistent",
                      f"FY{fiscal_year}'s rebuilt root differs from {latest.record_id}: no proof can be given")  # fmt: skip
    opening, proof = payment_proof(year, payment, salt_of)
    return PaymentLine(latest, payment, opening, proof)


# --- the JSON both faces serve (the API's TotalsResponse / PaymentLineResponse) ---------------
def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def totals_wire(t: Totals) -> dict[str, Any]:
    pub, p = t.publication, t.publication.published
    return {
        "fiscal_year": p.fiscal_year, "record_id": pub.record_id, "seq": pub.seq, "log_size": p.log_size,
        "root": sumtree_wire.root_to_wire(p.root), "groups": sumtree_wire.groups_to_wire(p.groups),
        "leaf": _b64(t.leaf), "checkpoint": t.checkpoint,
        "inclusion": {"index": t.inclusion.index, "size": t.inclusion.size, "leaf_hash": _b64(t.inclusion.leaf_hash),
                      "proof": [_b64(h) for h in t.inclusion.hashes], "root": _b64(t.inclusion.root)},
    }  # fmt: skip


def payment_wire(line: PaymentLine) -> dict[str, Any]:
    pub = line.publication
    return {
        "fiscal_year": pub.fiscal_year, "transfer_id": line.payment.transfer_id, "record_id": pub.record_id,
        "seq": pub.seq, "root": sumtree_wire.root_to_wire(pub.published.root),
        "opening": sumtree_wire.opening_to_wire(line.opening), "proof": sumtree_wire.proof_to_wire(line.proof),
    }  # fmt: skip
