"""The inspector's queue: every open slot across contracts that the signed-in person's role and
organisation may fill and that it has not attested yet, each with a form naming its contract,
milestone and slot. The form posts to the contract's own attest route (`ramp.web.contracts`),
so the desk decides again and the contract page says what the attestation came to.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ramp.web import forms
from ramp.web.access import Viewer
from ramp.web.contracts import SCAN_MAX, ContractReads, OpenSlot, open_slots
from ramp.web.dashboard import Dashboard

QUEUE_PATH: Final = "/attestations"
QUEUE_ROLES: Final = ("inspector",)
QUEUE_SHOWN: Final = 200  # slots on the page; the rest are counted


@dataclass(frozen=True, slots=True)
class Waiting:
    """One slot waiting for the viewer's attestation."""

    contract: str
    contract_name: str
    milestone_name: str
    due: str
    slot: OpenSlot

    @property
    def dom_id(self) -> str:
        return f"{self.contract}-{self.slot.dom_id}"


def waiting_for(reads: ContractReads, viewer: Viewer) -> list[Waiting]:
    """Slots the viewer may fill now (as the contract page offers them), newest contract first."""
    identity = reads.svc.identities.get(viewer.id)
    out = []
    for cid in reversed(reads.index.ids()[-SCAN_MAX:]):
        state = reads.readable(cid, viewer)  # a secret project's contract: auditors only
        if state is None:
            continue
        for slot in open_slots(state, identity):
            m = state.milestones[slot.milestone]
            named = state.terms.milestone(slot.milestone)
            out.append(Waiting(cid, state.terms.name, named.name if named else "", m.due, slot))
    return out


async def queue_page(d: Dashboard, reads: ContractReads, request: Request, viewer: Viewer | None) -> Response:
    rows = [] if viewer is None else waiting_for(reads, viewer)
    can_attest = d.gov.sessions is not None and viewer is not None and bool(viewer.csrf) and d.svc.journal.log is not None
    return d.render(request, "queue.html", "attestations", viewer, rows=rows[:QUEUE_SHOWN], total=len(rows),
                    can_attest=can_attest, signing=forms.passkey_context(d.svc, viewer, request) if can_attest else None)  # fmt: skip


def queue_routes(d: Dashboard) -> list[Route]:
    reads = ContractReads(d.svc, d.gov.passkey_counters)
    return [Route(QUEUE_PATH, d.page("attestations", partial(queue_page, d, reads)), methods=["GET"])]
