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


def login(identity: str, session: str, remote: str, second_factor: str = "totp",
          passkey: dict[str, str] | None = None) -> AppendRecord:  # fmt: skip
    """`session` and `remote` are pseudonyms (or ""); `passkey`, for a passkey sign-in, the
    credential and the authenticatorData it signed (its signature counter is checked against
    the passkey's next use, by the service and by `ramp verify`)."""
    body: dict[str, object] = {"identity": identity, "session": session, "second_factor": second_factor, "remote": remote}
    if passkey is not None:
        body["passkey"] = passkey
    return _record("auth.login", body)


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
