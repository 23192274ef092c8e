"""What the approvals, contracts and login routes of both faces share: the approval desk, the
policy in force, the request index and, with web login on, the sessions."""

from __future__ import annotations

from dataclasses import dataclass

from ramp.approvals.desk import Desk
from ramp.approvals.index import RequestIndex
from ramp.auth.credentials import CredentialFile
from ramp.auth.passkeys import PasskeyCounters
from ramp.auth.sessions import Sessions
from ramp.policy.active import ActivePolicy
from ramp.service.core import Service


@dataclass
class Governance:
    desk: Desk
    policy: ActivePolicy
    index: RequestIndex
    sessions: Sessions | None  # None: this service has no web login
    passkey_counters: PasskeyCounters  # every passkey's last signature counter (clones are refused)


def governance(svc: Service, credentials: CredentialFile | None = None) -> Governance:
    policy = svc.journal.projection(ActivePolicy)
    index = svc.journal.projection(RequestIndex)
    counters = svc.journal.projection(PasskeyCounters)
    desk = Desk(svc.identities, policy, counters, clock_ns=svc.now_ns)
    sessions = None if credentials is None else Sessions(credentials, svc.identities, svc.clock)
    return Governance(desk, policy, index, sessions, counters)
