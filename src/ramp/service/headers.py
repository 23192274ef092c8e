"""The headers every response carries, whichever face, route or error produced it: the content
security policy and its companions, and who may keep a copy (`Cache-Control`).

`SecurityHeaders` is pure ASGI: it sets headers on `http.response.start` and passes the body
through untouched, so a streaming response (the dashboard's server-sent events) streams as
before. The composition root (`ramp.server`) wraps the whole app in it, the server's own 500
included, and says which paths are public (`CachePolicy`); every other answer is `no-store`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ramp.service.sessions import SESSION_COOKIE

# Everything from this origin, nothing inline but the SVG charts, nothing from anywhere else,
# never inside another site's frame (frame-ancestors; X-Frame-Options for older browsers).
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
# Over https, browsers are told to come back over https only (a year); over plain http (the demo
# on localhost) the header would mean nothing and is not sent (RFC 6797 §7.2).
HSTS: Final = "max-age=31536000"
PRIVATE: Final = "no-store"  # a private answer is kept by no cache, the browser's included
PUBLIC_DEFAULT: Final = "no-cache"  # public but changing (the log grows): kept, revalidated before use
_SENDER_HEADERS: Final = (b"signature", b"signature-input", b"authorization")


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """Which paths are public. `shared`: the same bytes whoever asks (static files, log tiles).
    `public`: public to an anonymous request; a request that says who sends it (a signature,
    the session cookie) may be answered for that sender (a page's navigation names the viewer),
    so its answer is private. A public answer keeps the `Cache-Control` its route chose (a full
    tile is immutable), or gets `no-cache`; any other answer gets `no-store`, whatever it chose."""

    shared: re.Pattern[str]
    public: re.Pattern[str]

    def cache_control(self, path: str, from_sender: bool) -> str | None:
        """The Cache-Control to force, or None to keep the route's own (or the public default)."""
        if self.shared.fullmatch(path) or (not from_sender and self.public.fullmatch(path)):
            return None
        return PRIVATE


class SecurityHeaders:
    """ASGI middleware: `SECURITY_HEADERS` (unless a route set its own) and `Cache-Control` per
    `policy` on every HTTP response."""

    def __init__(self, app: ASGIApp, policy: CachePolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        forced = self.policy.cache_control(scope["path"], _from_sender(scope))
        secure = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if secure:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                if forced is not None:
                    headers["Cache-Control"] = forced
                else:
                    headers.setdefault("Cache-Control", PUBLIC_DEFAULT)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _from_sender(scope: Scope) -> bool:
    """The request says who sends it: a signature or credentials, or the session cookie."""
    for name, value in scope["headers"]:
        if name in _SENDER_HEADERS:
            return True
        if name == b"cookie" and SESSION_COOKIE in cookie_parser(value.decode("latin-1")):
            return True
    return False
