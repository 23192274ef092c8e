"""Server-side sessions: login checks, lockout, CSRF tokens, fresh second factors.

Sessions are ephemeral server state (a restart logs everyone out); what happened — every
login, every failure, every lockout — goes to the log as `auth.*` records, written by the
routes before they answer. Nothing here does I/O except reading the credentials file.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from ramp.auth import totp
from ramp.auth.credentials import CredentialFile, check_password, hash_password
from ramp.policy.identities import Identity, IdentityRegistry
from ramp.refusal import Kind, Refused

LOCKOUT_FAILURES: Final = 5  # consecutive failures before an identity is locked out
LOCKOUT_S: Final = 15 * 60  # for this long: slow enough to stop guessing, short enough to wait out
SESSION_IDLE_S: Final = 30 * 60  # a session unused this long ends
SESSION_MAX_S: Final = 8 * 3600  # a working day, at most
SESSIONS_MAX: Final = 10_000  # bounded memory: the oldest session is dropped beyond it
TRACKED_FAILURES_MAX: Final = 100_000  # identities with failures remembered (bounded memory)
TOKEN_BYTES: Final = 32


class AuthRefused(Refused):
    """A login or session check that failed. The client learns only the code (in words), so
    it cannot tell a wrong password from a wrong code; `reason` is for the audit alone."""

    def __init__(self, kind: Kind, code: str, reason: str, retry_after_s: int = 0) -> None:
        super().__init__(kind, code, code.replace("_", " "), retry_after_s=retry_after_s or None)
        self.reason = reason


@dataclass
class Session:
    token: str
    identity: str
    csrf: str
    created_s: float
    seen_s: float
    ref: str  # what the log names it by: a hash, never the token itself

    @property
    def expires_s(self) -> float:
        return min(self.created_s + SESSION_MAX_S, self.seen_s + SESSION_IDLE_S)


@dataclass
class _Failures:
    count: int = 0
    locked_until_s: float = 0.0


def session_ref(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


@dataclass
class Sessions:
    credentials: CredentialFile
    identities: IdentityRegistry
    clock: Callable[[], float]
    _sessions: dict[str, Session] = field(default_factory=dict)
    _failures: dict[str, _Failures] = field(default_factory=dict)
    _last_step: dict[str, int] = field(default_factory=dict)  # TOTP steps are used once
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def login(self, identity_id: str, password: str, code: str) -> Session:
        now = self.clock()
        with self._lock:
            failures = self._failures.get(identity_id)
            if failures is not None and failures.locked_until_s > now:
                raise AuthRefused(Kind.LIMITED, "locked_out", "locked_out", int(failures.locked_until_s - now) + 1)
        identity = self.identities.get(identity_id)
        credential = self.credentials.get(identity_id) if identity is not None else None
        if identity is None or credential is None:
            check_password(_dummy_hash(), password)  # the same work whether or not the identity exists
            raise self._failed(identity_id, "unknown_identity" if identity is None else "not_enrolled", now)
        if not check_password(credential.password, password):
            raise self._failed(identity_id, "bad_password", now)
        step = self._second_factor(identity_id, credential.totp_secret, code, now)
        if step is None:
            raise self._failed(identity_id, "bad_totp", now)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        session = Session(token, identity_id, secrets.token_urlsafe(TOKEN_BYTES), now, now, session_ref(token))
        with self._lock:
            self._failures.pop(identity_id, None)
            if len(self._sessions) >= SESSIONS_MAX:
                oldest = min(self._sessions.values(), key=lambda s: s.seen_s)
                del self._sessions[oldest.token]
            self._sessions[token] = session
        return session

    def _second_factor(self, identity_id: str, secret_b32: str, code: str, now: float) -> int | None:
        with self._lock:
            step = totp.verify(totp.from_b32(secret_b32), code, int(now), after_step=self._last_step.get(identity_id, -1))
            if step is not None:
                self._last_step[identity_id] = step
            return step

    def _failed(self, identity_id: str, reason: str, now: float) -> AuthRefused:
        with self._lock:
            if len(self._failures) >= TRACKED_FAILURES_MAX and identity_id not in self._failures:
                self._failures.clear()  # a flood of made-up names: forget, rather than grow without bound
            f = self._failures.setdefault(identity_id, _Failures())
            f.count += 1
            if f.count >= LOCKOUT_FAILURES:
                f.count, f.locked_until_s = 0, now + LOCKOUT_S
                return AuthRefused(Kind.UNAUTHENTICATED, "login_failed", f"{reason}; locked for {LOCKOUT_S} s")
        return AuthRefused(Kind.UNAUTHENTICATED, "login_failed", reason)

    def session(self, token: str | None, csrf: str | None = None, *, state_changing: bool = False) -> Session:
        """The live session of a cookie; a state-changing request must echo its CSRF token."""
        now = self.clock()
        with self._lock:
            session = self._sessions.get(token or "")
            if session is None or session.expires_s <= now:
                if session is not None:
                    del self._sessions[session.token]
                raise AuthRefused(Kind.UNAUTHENTICATED, "no_session", "no live session")
            if state_changing and not hmac.compare_digest(session.csrf, csrf or ""):
                raise AuthRefused(Kind.FORBIDDEN, "csrf_token_invalid", "the X-CSRF-Token header does not match the session")
            session.seen_s = now
            return session

    def fresh_second_factor(self, session: Session, code: str) -> None:
        """A TOTP code not used before, checked now (approving in the web asks for one)."""
        credential = self.credentials.get(session.identity)
        if credential is None or self._second_factor(session.identity, credential.totp_secret, code,
                                                     self.clock()) is None:  # fmt: skip
            raise AuthRefused(Kind.FORBIDDEN, "second_factor_invalid", "a fresh TOTP code is required")

    def logout(self, session: Session) -> None:
        with self._lock:
            self._sessions.pop(session.token, None)

    def identity(self, session: Session) -> Identity | None:
        return self.identities.get(session.identity)


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))
