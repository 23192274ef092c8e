"""Headless Chromium for the dashboard's browser tests: Debian's /usr/bin/chromium, driven by
Playwright, which never downloads a browser of its own (.ci/run installs the package). Its
absence fails the tests: it is a missing install step, not a reason to skip. The `browser` and
`page` fixtures are in conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
LAPTOP = {"width": 1366, "height": 800}
TABLET = {"width": 768, "height": 1024}

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


def shot(page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def virtual_authenticator(page) -> tuple[object, str]:
    """Chromium's virtual authenticator on `page` (CDP `WebAuthn.*`): CTAP2, internal transport,
    resident keys, user verification passed, presence simulated. (cdp session, authenticator id)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})  # fmt: skip
    return cdp, added["authenticatorId"]


def install_passkey(page, key, identity: str, authenticator: tuple[object, str] | None = None) -> tuple[object, str]:
    """Put a test passkey (tests/auth/soft_passkey.SoftPasskey, registered in the log already, its
    counter as it stands) into a virtual authenticator on `page` (a new one, or `authenticator`,
    replacing the credential there), so the page's WebAuthn calls sign with it."""
    import base64

    from cryptography.hazmat.primitives import serialization

    cdp, authenticator_id = authenticator or virtual_authenticator(page)
    credential_id = base64.b64encode(key.credential_id).decode()
    if authenticator is not None:
        cdp.send("WebAuthn.removeCredential", {"authenticatorId": authenticator_id, "credentialId": credential_id})
    pkcs8 = key._key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())  # fmt: skip
    cdp.send("WebAuthn.addCredential", {"authenticatorId": authenticator_id, "credential": {
        "credentialId": credential_id, "isResidentCredential": True, "rpId": key.rp_id,
        "privateKey": base64.b64encode(pkcs8).decode(), "userHandle": base64.b64encode(identity.encode()).decode(),
        "signCount": key.counter}})  # fmt: skip
    return cdp, authenticator_id
