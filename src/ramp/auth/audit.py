"""The `auth.*` records: a known identity's login, failure, logout, enrolment and passkey, in the log.

They name the identity and nothing a reader could use against a person: never a password, a
code, a token or which factor was wrong; the client's address and the session only as
pseudonyms (a keyed HMAC under a secret the service holds: the same address or session reads
the same within one log, and cannot be recovered or guessed from it). Names that are no
identity get no record at all (they are counted in the sessions' metrics instead).
"""

from __future__ import annotations

import secrets
from typing import Final

from ramp.ledger import AppendRecord

PSEUDONYM_CHARS: Final = 32  # 128 bits of a keyed HMAC: enough to tell two apart, nothing to invert


def _record(type_: str, body: dict[str, object]) -> AppendRecord:
    return AppendRecord(id=f"auth:{secrets.token_hex(16)}", type=type_, body=body)


def login(identity: str, session: str, remote: str, second_factor: str = "totp") -> AppendRecord:
    """`session` and `remote` are pseudonyms (or "")."""
    return _record("auth.login", {"identity": identity, "session": session, "second_factor": second_factor,
                                  "remote": remote})  # fmt: skip


def login_failed(identity: str, remote: str, *, locked: bool = False) -> AppendRecord:
    """A known identity's failed attempt: no reason; `locked` if it locked the identity."""
    body: dict[str, object] = {"identity": identity, "remote": remote}
    if locked:
        body["locked"] = True
    return _record("auth.login_failed", body)


def logout(identity: str, session: str) -> AppendRecord:
    return _record("auth.logout", {"identity": identity, "session": session})


def enrolled(identity: str, by: str) -> AppendRecord:
    return _record("auth.enrolled", {"identity": identity, "factors": ["password", "totp"], "by": by})
