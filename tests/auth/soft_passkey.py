"""A software authenticator for tests: a P-256 key making WebAuthn assertions as a platform
authenticator would (authenticatorData with the RP id hash, the flags and a counter; the
clientDataJSON a browser writes; ECDSA over both), so the checks can be tried byte by byte."""

from __future__ import annotations

import hashlib
import json
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2 import cbor
from fido2.cose import ES256

from ramp.auth import passkeys

UP, UV = 0x01, 0x04


class SoftPasskey:
    def __init__(self, rp_id: str = "localhost", origin: str = "http://localhost:8000") -> None:
        self.rp_id, self.origin = rp_id, origin
        self._key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.public_key = cbor.encode(dict(ES256.from_cryptography_key(self._key.public_key())))
        self.counter = 0

    def record(self, identity: str, n: int = 1):
        return passkeys.passkey_added(identity, n, self.credential_id, self.public_key, self.rp_id)

    def sign(self, challenge: bytes, *, flags: int = UP | UV, origin: str | None = None, type_: str = "webauthn.get",
             rp_id: str | None = None) -> passkeys.Assertion:  # fmt: skip
        self.counter += 1
        auth_data = hashlib.sha256((rp_id or self.rp_id).encode()).digest() + bytes([flags]) + self.counter.to_bytes(4, "big")
        client = json.dumps({"type": type_, "challenge": passkeys.b64url(challenge), "origin": origin or self.origin,
                             "crossOrigin": False}, separators=(",", ":")).encode()  # fmt: skip
        signature = self._key.sign(auth_data + hashlib.sha256(client).digest(), ec.ECDSA(hashes.SHA256()))
        return passkeys.Assertion(self.credential_id, auth_data, client, signature)

    def create(self, options: dict, origin: str | None = None) -> dict:
        """What passkeys.js posts to POST /v1/auth/passkeys for the options of
        POST /v1/auth/passkeys/options: a registration with `none` attestation, made by this key
        for the options' RP and challenge (its counter as it stands)."""
        from fido2.cose import CoseKey
        from fido2.webauthn import AttestationObject, AttestedCredentialData, AuthenticatorData

        public = options["publicKey"]
        rp_id = public["rp"]["id"]
        data = AttestedCredentialData.create(b"\0" * 16, self.credential_id, CoseKey.parse(cbor.decode(self.public_key)))
        flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.UV | AuthenticatorData.FLAG.AT
        auth = AuthenticatorData.create(hashlib.sha256(rp_id.encode()).digest(), flags, self.counter, data)
        client = json.dumps({"type": "webauthn.create", "challenge": public["challenge"], "origin": origin or self.origin,
                             "crossOrigin": False}, separators=(",", ":")).encode()  # fmt: skip
        attestation = AttestationObject.create("none", auth, {})
        raw_id = passkeys.b64url(self.credential_id)
        return {"id": raw_id, "rawId": raw_id, "type": "public-key", "clientExtensionResults": {},
                "response": {"clientDataJSON": passkeys.b64url(client), "attestationObject": passkeys.b64url(bytes(attestation))}}  # fmt: skip

    def fields(self, challenge_b64url: str) -> dict[str, str]:
        """A form's `passkey_*` fields, as static/passkeys.js fills them in, over a page's
        challenge (its button's data-challenge)."""
        a = self.sign(passkeys.from_b64url(challenge_b64url, 64, "challenge"))
        return {f"passkey_{k}": v for k, v in {**a.record_body(), "signature": passkeys.b64url(a.signature)}.items()}

    def json(self, challenge: bytes) -> dict[str, str]:
        """The API's `passkey` object over `challenge`."""
        a = self.sign(challenge)
        return {**a.record_body(), "signature": passkeys.b64url(a.signature)}


def register(journal, identity: str, url: str = "http://localhost:8000") -> SoftPasskey:
    """A passkey of `identity`'s, registered for the host of `url` (its next number), written
    straight into the journal as the registration ceremony would write it."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    key = SoftPasskey(rp_id=parts.hostname or "localhost", origin=f"{parts.scheme}://{parts.netloc}")
    n = len(passkeys.registered(journal.engine.record, identity)) + 1
    [result] = journal.submit([key.record(identity, n)])
    assert result.result == "ok", result
    return key
