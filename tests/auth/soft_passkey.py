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
