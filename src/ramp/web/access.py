"""Who is looking: the hook between the dashboard and sign-in.

Every page asks an `Access` for the request's `Viewer`. Public pages need none; the others need
a viewer holding one of the page's roles. A server with web login (`--credentials`, and
`ramp demo`) offers `SessionAccess`: the `ramp_session` cookie's live session is the viewer,
and a visitor without one is sent to `/signin?next=...`. Without web login, `NoSignIn` (private
pages answer 401 and point to the public view); `DemoAccess` lets anyone read the fictitious
demo data as one demo viewer (`ramp demo --open-access`, said on every page).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol
from urllib.parse import urlsplit

from starlette.requests import Request

from ramp.auth.sessions import AuthRefused, Sessions
from ramp.service.access import BUDGET_READERS
from ramp.service.sessions import SESSION_COOKIE


@dataclass(frozen=True, slots=True)
class Viewer:
    id: str
    organisation: str
    roles: frozenset[str]
    demo: bool = False  # open demo access: every page says so
    csrf: str = ""  # the session's CSRF token, which every state-changing form carries

    def has_role(self, *roles: str) -> bool:
        """Holds one of `roles` itself (admin is a role like the others, not all of them)."""
        return any(r in self.roles for r in roles)


class Access(Protocol):
    # Where a visitor without a viewer is sent (with ?next=); None: no sign-in on this server.
    sign_in_path: str | None

    def viewer(self, request: Request) -> Viewer | None: ...


# Private pages (budget tree, ledger, feed) show what the signed budget reads show.
READER_ROLES: Final = BUDGET_READERS
SIGN_IN_PATH: Final = "/signin"
SIGN_OUT_PATH: Final = "/signout"
NEXT_MAX_CHARS: Final = 512  # a page of this site with its query; longer is not one of ours


def local_path(target: str | None, default: str = "/") -> str:
    r"""`target` if it is a path on this site, else `default`: never an open redirect.

    Refused: anything not starting with one `/` (`//host` and `/\host` are other hosts to a
    browser), and control characters and spaces (browsers drop tabs and newlines, so `/\t/host`
    would become `//host`)."""
    if not target or len(target) > NEXT_MAX_CHARS or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ch <= " " or ch == "\x7f" for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


class NoSignIn:
    """No sessions: only the public pages are served."""

    sign_in_path: str | None = None

    def viewer(self, request: Request) -> Viewer | None:
        return None


DEMO_VIEWER: Final = Viewer("demo.viewer", "boa", frozenset({"auditor", "ledger_reader"}), demo=True)


class DemoAccess:
    """`ramp demo` only: the demo data is fictitious and readable by anyone on this machine."""

    sign_in_path: str | None = None

    def viewer(self, request: Request) -> Viewer | None:
        return DEMO_VIEWER


class SessionAccess:
    """Web login: the viewer is the identity of the request's live session (`ramp_session`)."""

    sign_in_path: str | None = SIGN_IN_PATH

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions

    def viewer(self, request: Request) -> Viewer | None:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        try:
            session = self.sessions.session(token)
        except AuthRefused:  # ended, expired or never was: a visitor like any other
            return None
        identity = self.sessions.identity(session)
        if identity is None:  # pragma: no cover - identities are never removed
            return None
        return Viewer(identity.id, identity.organisation, identity.roles, csrf=session.csrf)
