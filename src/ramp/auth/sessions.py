"""Server-side sessions: login checks, limits and lockout (auth/limits.py), CSRF tokens,
fresh second factors.

Sessions are ephemeral server state (a restart signs everyone out); what happened to a known
identity — a login, a failure — goes to the log as one `auth.*` record, written by the routes
before they answer; what happened to names that are no identity, and attempts refused before
any check, only to `LoginMetrics`. Nothing here does I/O except reading the credentials file.
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
from ramp.auth.ceremonies import Ceremonies
from ramp.auth.credentials import CredentialFile, check_password, hash_password
from ramp.auth.limits import IDENTITY_FAILURES_MAX, LOCK_S, Limits
from ramp.policy.identities import Identity, IdentityRegistry
from ramp.refusal import Kind, Refused

LOCKOUT_FAILURES: Final = IDENTITY_FAILURES_MAX  # failures within the window before an identity locks
LOCKOUT_S: Final = LOCK_S
SESSION_IDLE_S: Final = 30 * 60  # a session unused this long ends
SESSION_MAX_S: Final = 8 * 3600  # a working day, at most
SESSIONS_MAX: Final = 10_000  # bounded memory: the oldest session is dropped beyond it
TOKEN_BYTES: Final = 32


class AuthRefused(Refused):
    """A login or session check that failed. The client learns only the code (in words), so
    it cannot tell a wrong password from a wrong code; `reason` is for tests alone (no record
    carries it). `known`: the attempt named a known, enrolled-or-not identity and was checked,
    so it earns one `auth.login_failed` record; an unknown name or a refusal before any check
    (a limited source, a locked identity) earns none (counted in `LoginMetrics`)."""

    def __init__(self, kind: Kind, code: str, reason: str, retry_after_s: int = 0, *, known: bool = False,
                 locked: bool = False) -> None:  # fmt: skip
        super().__init__(kind, code, code.replace("_", " "), retry_after_s=retry_after_s or None)
        self.reason = reason
        self.known = known
        self.locked = locked  # this failure locked the identity


def session_limit_key(session: Session) -> str:
    """What a session's fresh second factors count under in the limits (beside identities' names,
    which never contain ':')."""
    return f"session:{session.ref}"


@dataclass
class Session:
    token: str
    identity: str
    csrf: str
    created_s: float
    seen_s: float
    ref: str  # an unkeyed hash of the token, for this process; the log names it by a keyed one
    second_factor: str = "totp"  # or "passkey"

    @property
    def expires_s(self) -> float:
        return min(self.created_s + SESSION_MAX_S, self.seen_s + SESSION_IDLE_S)


@dataclass
class LoginMetrics:
    """Counters of what is not (or not in detail) in the log; a fixed set, so bounded."""

    signed_in: int = 0
    failed_known: int = 0  # each has its auth.login_failed record
    failed_unknown: int = 0  # names that are no identity: no record
    refused_limited: int = 0  # refused unread: the source limited or the identity locked
    identities_locked: int = 0
    fresh_code_failed: int = 0  # a wrong or used fresh code (adding a passkey asks for one)
    passkey_failed: int = 0

    def as_dict(self, limits: Limits) -> dict[str, int]:
        counts, locks = limits.sources.sizes()
        identity_counts, identity_locks = limits.identities.sizes()
        return {**self.__dict__, "sources_counted": counts, "sources_limited": locks,
                "identities_counted": identity_counts, "identities_locked_now": identity_locks,
                "locks_saturated": limits.sources.saturated + limits.identities.saturated}  # fmt: skip


def session_ref(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


@dataclass
class Sessions:
    credentials: CredentialFile
    identities: IdentityRegistry
    clock: Callable[[], float]
    limits: Limits = field(default_factory=Limits)
    metrics: LoginMetrics = field(default_factory=LoginMetrics)
    ceremonies: Ceremonies = field(init=False)  # pending passkey challenges
    _sessions: dict[str, Session] = field(default_factory=dict)
    _last_step: dict[str, int] = field(default_factory=dict)  # TOTP steps are used once; known identities only
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.ceremonies = Ceremonies(self.clock)

    def login(self, identity_id: str, password: str, code: str, source: str = "") -> Session:
        """Password and TOTP code of `identity_id`, tried from client address `source`."""
        now = self.clock()
        identity = self.identities.get(identity_id)
        self._check_limits(source, identity_id if identity is not None else None, now)
        credential = self.credentials.get(identity_id) if identity is not None else None
        if identity is None or credential is None:
            check_password(_dummy_hash(), password)  # the same work whether or not the identity exists
            raise self._failed(source, identity_id if identity is not None else None,
                               "unknown_identity" if identity is None else "not_enrolled", now)  # fmt: skip
        if not check_password(credential.password, password):
            raise self._failed(source, identity_id, "bad_password", now)
        if self._second_factor(identity_id, credential.totp_secret, code, now) is None:
            raise self._failed(source, identity_id, "bad_totp", now)
        return self.open_session(identity_id, "totp")

    def open_session(self, identity_id: str, second_factor: str) -> Session:
        """A new session for a person whose factors were checked (a password and TOTP, or a passkey)."""
        now = self.clock()
        token = secrets.token_urlsafe(TOKEN_BYTES)
        session = Session(token, identity_id, secrets.token_urlsafe(TOKEN_BYTES), now, now, session_ref(token),
                          second_factor)  # fmt: skip
        with self._lock:
            self.limits.succeeded(identity_id)
            self.metrics.signed_in += 1
            if len(self._sessions) >= SESSIONS_MAX:
                oldest = min(self._sessions.values(), key=lambda s: s.seen_s)
                del self._sessions[oldest.token]
            self._sessions[token] = session
        return session

    def _check_limits(self, source: str, identity_id: str | None, now: float) -> None:
        with self._lock:
            wait_s = self.limits.locked_for_s(source, identity_id, now)
            if wait_s > 0:
                self.metrics.refused_limited += 1
                raise AuthRefused(Kind.LIMITED, "locked_out", "locked_out", int(wait_s) + 1)

    def _second_factor(self, identity_id: str, secret_b32: str, code: str, now: float) -> int | None:
        with self._lock:
            step = totp.verify(totp.from_b32(secret_b32), code, int(now), after_step=self._last_step.get(identity_id, -1))
            if step is not None:
                self._last_step[identity_id] = step
            return step

    def _failed(self, source: str, identity_id: str | None, reason: str, now: float) -> AuthRefused:
        """Count a failure from `source` (and against `identity_id`, a known identity or None)."""
        with self._lock:
            locked = self.limits.failed(source, identity_id, now)
            if identity_id is None:
                self.metrics.failed_unknown += 1
            else:
                self.metrics.failed_known += 1
            self.metrics.identities_locked += locked
        return AuthRefused(Kind.UNAUTHENTICATED, "login_failed", reason, known=identity_id is not None, locked=locked)

    def passkey_failed(self, source: str, identity_id: str | None) -> AuthRefused:
        """A passkey sign-in that did not verify counts like a failed password (same limits)."""
        with self._lock:
            self.metrics.passkey_failed += 1
        return self._failed(source, identity_id, "bad_passkey", self.clock())

    def second_factor_failed(self, source: str, identity_id: str) -> None:
        """A passkey assertion at approval that did not verify counts like a wrong fresh code."""
        with self._lock:
            self.metrics.passkey_failed += 1
            self.metrics.identities_locked += self.limits.failed(source, identity_id, self.clock())

    def check_source(self, source: str, identity_id: str | None = None) -> None:
        """Refuse (429 locked_out) a limited source or a locked identity before any check."""
        self._check_limits(source, identity_id, self.clock())

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

    def fresh_second_factor(self, session: Session, code: str, source: str = "") -> None:
        """A TOTP code not used before, checked now (adding a passkey asks for one), under
        sign-in's limits applied to this session: a limited source or a locked
        session is refused (429) before the code is looked at, and every wrong code counts against
        both. The session, not the person: a stranger's failed sign-ins (which may lock the
        person's sign-in) never stop a signed-in person's approvals."""
        now = self.clock()
        key = session_limit_key(session)
        self._check_limits(source, key, now)
        credential = self.credentials.get(session.identity)
        if credential is None or self._second_factor(session.identity, credential.totp_secret, code, now) is None:
            with self._lock:
                self.metrics.fresh_code_failed += 1
                self.metrics.identities_locked += self.limits.failed(source, key, now)
            raise AuthRefused(Kind.FORBIDDEN, "second_factor_invalid", "a fresh TOTP code is required")

    def logout(self, session: Session) -> None:
        with self._lock:
            self._sessions.pop(session.token, None)

    def identity(self, session: Session) -> Identity | None:
        return self.identities.get(session.identity)

    def metrics_out(self) -> dict[str, int]:
        with self._lock:
            return self.metrics.as_dict(self.limits)


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))
