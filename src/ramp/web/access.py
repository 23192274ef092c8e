"""Who is looking: the hook between the dashboard and sign-in.

Every page asks an `Access` for the request's `Viewer`. Public pages need none; the others need
a viewer holding a budget-reading role. Until sign-in exists (password + TOTP sessions, issue
7), a server offers `NoSignIn` (private pages answer 401 and point to the public view), and
`ramp demo` offers `DemoAccess` (everyone reads the demo data as one demo viewer, said on every
page). A session-backed `Access` slots in here: it maps the session cookie to the identity, and
names its sign-in page so private pages redirect there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol

from starlette.requests import Request

from ramp.api.budget_routes import BUDGET_READERS


@dataclass(frozen=True, slots=True)
class Viewer:
    id: str
    organisation: str
    roles: frozenset[str]
    demo: bool = False  # open demo access: every page says so

    def has_role(self, *roles: str) -> bool:
        return "admin" in self.roles or any(r in self.roles for r in roles)


class Access(Protocol):
    # Where a visitor without a viewer is sent (with ?next=); None: no sign-in on this server.
    sign_in_path: str | None

    def viewer(self, request: Request) -> Viewer | None: ...


# Private pages (budget tree, ledger, feed) show what the signed budget reads show.
READER_ROLES: Final = BUDGET_READERS


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
