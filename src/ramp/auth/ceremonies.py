"""Pending WebAuthn ceremonies: the challenge a browser was given, until it answers (once).

Server state like the sessions (a restart forgets them: the browser asks again). Bounded: at
most `CEREMONIES_MAX`, the oldest dropped first, each good for `CEREMONY_TTL_S`; a ceremony is
taken when answered, so a challenge is never accepted twice.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

CEREMONY_TTL_S: Final = 5 * 60  # WebAuthn's own suggested timeout, with room to find the key
CEREMONIES_MAX: Final = 10_000  # one pending per sign-in page open at once; the oldest go first
CEREMONY_ID_BYTES: Final = 16


@dataclass(frozen=True, slots=True)
class Pending:
    purpose: str  # "register" | "sign_in"
    rp_id: str
    challenge: bytes
    identity: str = ""  # a registration's: the signed-in person
    state: Any = None  # fido2's registration state
    expires_s: float = 0.0


@dataclass
class Ceremonies:
    clock: Callable[[], float]
    _pending: OrderedDict[str, Pending] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def begin(self, purpose: str, rp_id: str, challenge: bytes, *, identity: str = "", state: Any = None) -> str:
        cid = secrets.token_urlsafe(CEREMONY_ID_BYTES)
        pending = Pending(purpose, rp_id, challenge, identity, state, self.clock() + CEREMONY_TTL_S)
        with self._lock:
            self._pending[cid] = pending
            while len(self._pending) > CEREMONIES_MAX:
                self._pending.popitem(last=False)
        return cid

    def take(self, cid: str, purpose: str) -> Pending | None:
        """The ceremony, once; None if unknown, expired, or begun for another purpose."""
        with self._lock:
            pending = self._pending.pop(cid, None)
        if pending is None or pending.purpose != purpose or pending.expires_s <= self.clock():
            return None
        return pending

    def __len__(self) -> int:
        return len(self._pending)
