"""The `auth.*` records: every login, failure, lockout, logout and enrolment, in the log.

They name the identity claimed and a hash of the session, never a password, a code or a token.
"""

from __future__ import annotations

import secrets

from ramp.ledger import AppendRecord
from ramp.policy.identities import IDENTITY_ID_RE


def _claimed(identity: str) -> str:
    # Whatever a client typed goes to the log only if it could be an identity id.
    return identity if IDENTITY_ID_RE.fullmatch(identity) else "?"


def _record(type_: str, body: dict[str, object]) -> AppendRecord:
    return AppendRecord(id=f"auth:{secrets.token_hex(16)}", type=type_, body=body)


def login(identity: str, session_ref: str, remote: str) -> AppendRecord:
    return _record("auth.login", {"identity": identity, "session": session_ref, "second_factor": "totp",
                                  "remote": remote})  # fmt: skip


def login_failed(identity: str, reason: str, remote: str) -> AppendRecord:
    return _record("auth.login_failed", {"identity": _claimed(identity), "reason": reason, "remote": remote})


def logout(identity: str, session_ref: str) -> AppendRecord:
    return _record("auth.logout", {"identity": identity, "session": session_ref})


def enrolled(identity: str, by: str) -> AppendRecord:
    return _record("auth.enrolled", {"identity": identity, "factors": ["password", "totp"], "by": by})
