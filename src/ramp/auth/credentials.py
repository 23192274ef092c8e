"""Login credentials: an argon2id password hash and a TOTP secret per identity.

They are secrets, so they never enter the (public) log: they live in a credentials file
beside the database (0600, replaced atomically), read by the server at start and on change.
The log records only that credentials were enrolled (`auth.enrolled`), never what they are.
"""

from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass
from typing import Final

import msgspec
from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

from ramp.auth import totp

PASSWORD_MIN_CHARS: Final = 12
PASSWORD_MAX_CHARS: Final = 256  # argon2 takes any length; a bound keeps a login request cheap
HASH_PARAMETERS: Final[Parameters] = RFC_9106_LOW_MEMORY  # argon2id, t=3, 64 MiB, p=4 (RFC 9106, section 4)
_hasher = PasswordHasher.from_parameters(HASH_PARAMETERS)


class Credential(msgspec.Struct, frozen=True):
    password: str  # argon2id PHC string
    totp_secret: str  # base32


class CredentialError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def hash_password(password: str) -> str:
    if not PASSWORD_MIN_CHARS <= len(password) <= PASSWORD_MAX_CHARS:
        raise CredentialError("password_invalid", f"a password is {PASSWORD_MIN_CHARS}..{PASSWORD_MAX_CHARS} characters")
    return _hasher.hash(password)


def check_password(phc: str, password: str) -> bool:
    if len(password) > PASSWORD_MAX_CHARS:
        return False
    try:
        return _hasher.verify(phc, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass
class CredentialFile:
    path: str

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._mtime_ns = -1
        self._by_id: dict[str, Credential] = {}

    def get(self, identity: str) -> Credential | None:
        with self._lock:
            try:
                mtime = os.stat(self.path).st_mtime_ns
            except FileNotFoundError:
                return None
            if mtime != self._mtime_ns:  # enrolled or changed since: read again
                with open(self.path, "rb") as f:
                    self._by_id = msgspec.json.decode(f.read(), type=dict[str, Credential])
                self._mtime_ns = mtime
            return self._by_id.get(identity)

    def enrol(self, identity: str, password: str) -> bytes:
        """Set `identity`'s password and a new TOTP secret; returns the secret."""
        secret = totp.new_secret()
        entry = Credential(hash_password(password), totp.b32(secret))
        with self._lock:
            existing: dict[str, Credential] = {}
            if os.path.exists(self.path):
                with open(self.path, "rb") as f:
                    existing = msgspec.json.decode(f.read(), type=dict[str, Credential])
            existing[identity] = entry
            directory = os.path.dirname(os.path.abspath(self.path))
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".credentials-")
            try:
                os.fchmod(fd, 0o600)
                os.write(fd, msgspec.json.encode(existing))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
            self._mtime_ns = -1
        return secret
