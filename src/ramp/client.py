"""`ramp.client`: a small client for RAMP's HTTP API that signs its requests (RFC 9421, ed25519).

Each request is built by httpx first and signed afterwards, so the signed `@target-uri` and
Content-Digest are exactly the URL and bytes httpx then puts on the wire.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ramp.sign.httpsig import ALG, sign_request, valid_key_id
from ramp.tlog.note import decode_base64, encode_base64

# Methods that change state: the server refuses them unsigned, so the client never sends one.
STATE_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_TIMEOUT_S = 30.0
KEY_FILE_MODE = 0o600
KEY_FILE_MAX_BYTES = 4096  # a key file is ~200 bytes; refuse to slurp anything much bigger
_KEY_FILE_FIELDS = frozenset({"identity", "alg", "private_key", "public_key"})
_ED25519_KEY_BYTES = 32

KeyFileCode = Literal[
    "key_file_unreadable", "key_file_permissions", "key_file_malformed", "key_file_mismatch",
    "key_file_exists",
]  # fmt: skip
PathLike = str | os.PathLike[str]


class KeyFileError(Exception):
    def __init__(self, code: KeyFileCode, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code: KeyFileCode = code
        self.detail = detail


@dataclass(frozen=True)
class SigningKey:
    """An identity and the private key it signs with (as read from a key file)."""

    identity: str
    private_key: Ed25519PrivateKey = field(repr=False, compare=False)


def load_key_file(path: PathLike) -> SigningKey:
    """Read a RAMP key file: JSON {"identity", "alg": "ed25519", "private_key": base64 32-byte
    seed, "public_key": base64 32 bytes}. Refused if group or others have any access to it, or
    if the public key is not the seed's."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise KeyFileError("key_file_unreadable", f"{path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        # Checked on the open descriptor, so the file judged is the file read.
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise KeyFileError("key_file_unreadable", f"{path} is not a regular file")
        if st.st_mode & 0o077:
            raise KeyFileError(
                "key_file_permissions",
                f"{path} has mode {stat.S_IMODE(st.st_mode):04o}; a private key must be 0600",
            )
        raw = f.read(KEY_FILE_MAX_BYTES + 1)
    if len(raw) > KEY_FILE_MAX_BYTES:
        raise KeyFileError(
            "key_file_malformed", f"{path} is larger than {KEY_FILE_MAX_BYTES} bytes"
        )
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise KeyFileError("key_file_malformed", f"{path}: not JSON ({exc})") from None
    if not isinstance(doc, dict) or set(doc) != _KEY_FILE_FIELDS:
        raise KeyFileError(
            "key_file_malformed", f"{path}: fields must be {sorted(_KEY_FILE_FIELDS)}"
        )
    identity = doc["identity"]
    if not isinstance(identity, str) or not valid_key_id(identity):
        raise KeyFileError("key_file_malformed", f"{path}: identity is not a valid key id")
    if doc["alg"] != ALG:
        raise KeyFileError("key_file_malformed", f"{path}: alg must be {ALG!r}")
    seed = _key_bytes(doc["private_key"], "private_key", path)
    public = _key_bytes(doc["public_key"], "public_key", path)
    private_key = Ed25519PrivateKey.from_private_bytes(seed)
    if private_key.public_key().public_bytes_raw() != public:
        raise KeyFileError("key_file_mismatch", f"{path}: public_key is not the private key's")
    return SigningKey(identity, private_key)


def _key_bytes(value: object, name: str, path: PathLike) -> bytes:
    try:
        raw = decode_base64(value) if isinstance(value, str) else b""
    except ValueError:
        raw = b""
    if len(raw) != _ED25519_KEY_BYTES:
        raise KeyFileError("key_file_malformed", f"{path}: {name} is not base64 of 32 bytes")
    return raw


def write_key_file(
    path: PathLike, identity: str, private_key: Ed25519PrivateKey, *, overwrite: bool = False
) -> None:
    """Write a key file with mode 0600, atomically: readers see the old file or the whole new
    one. An existing file is kept unless `overwrite` (a lost private key cannot be recovered)."""
    if not valid_key_id(identity):
        raise ValueError(f"invalid identity {identity!r}")
    doc = {
        "identity": identity,
        "alg": ALG,
        "private_key": encode_base64(private_key.private_bytes_raw()),
        "public_key": encode_base64(private_key.public_key().public_bytes_raw()),
    }
    data = (json.dumps(doc, indent=2) + "\n").encode("ascii")
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), KEY_FILE_MODE)  # the umask may only narrow; say it outright
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if overwrite:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # atomic, and fails rather than replace an existing key
            except FileExistsError:
                raise KeyFileError("key_file_exists", f"{target} exists") from None
    finally:
        tmp.unlink(missing_ok=True)
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _target_uri(url: httpx.URL) -> str:
    # scheme://host[:port]/path?query as it goes on the wire: httpx drops default ports,
    # sends raw_path (percent-encoded path and query) and never sends userinfo or a fragment.
    return f"{url.scheme}://{url.netloc.decode('ascii')}{url.raw_path.decode('ascii')}"


class RampClient:
    """Signs every request as `identity` with `private_key` (or the key file's identity and key).

    State-changing methods are always signed; reads are signed unless `signed=False`.
    """

    def __init__(
        self,
        base_url: str,
        identity: str | None = None,
        private_key: Ed25519PrivateKey | None = None,
        *,
        key_file: PathLike | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`clock` dates the signatures (`created`): the server's own clock, in tests that run
        the service at another instant."""
        if (private_key is None) == (key_file is None):
            raise ValueError("give exactly one of private_key and key_file")
        if key_file is not None:
            loaded = load_key_file(key_file)
            if identity is not None and identity != loaded.identity:
                raise ValueError(f"{key_file} is for {loaded.identity!r}, not {identity!r}")
            identity, private_key = loaded.identity, loaded.private_key
        if identity is None or not valid_key_id(identity):
            raise ValueError(f"invalid identity {identity!r}")
        assert private_key is not None
        self.identity = identity
        self._private_key = private_key
        self._http = httpx.Client(base_url=base_url, timeout=timeout_s, transport=transport)
        self._clock = clock

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Any = None,
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> httpx.Response:
        method = method.upper()
        if not signed and method in STATE_CHANGING_METHODS:
            raise ValueError(f"{method} changes state and is always signed")
        request = self._http.build_request(
            method, path, json=json, content=content, params=params, headers=headers
        )
        if signed:
            body = request.read()
            request.headers.update(
                sign_request(
                    request.method,
                    _target_uri(request.url),
                    request.headers.multi_items(),
                    body,
                    key_id=self.identity,
                    private_key=self._private_key,
                    created=int(self._clock()),
                )
            )
        return self._http.send(request)

    def get(
        self,
        path: str,
        *,
        params: Any = None,
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> httpx.Response:
        return self.request("GET", path, params=params, headers=headers, signed=signed)

    def post(
        self,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return self.request(
            "POST", path, json=json, content=content, params=params, headers=headers
        )

    def run_script(
        self, id: str, script: str, vars: dict[str, str] | None = None, *, code: str | None = None
    ) -> httpx.Response:
        """`POST /v1/scripts`: run a Numscript as one all-or-nothing batch. `id` is the
        idempotency key (its transfers are `<id>:0`, `<id>:1`, ...); `vars` are Numscript text
        (`{"amount": "JPYD 100"}`); `code` is the transfers' movement type (e.g. `ALLOT`)."""
        body: dict[str, Any] = {"id": id, "script": script, "vars": vars or {}}
        if code is not None:
            body["code"] = code
        return self.post("/v1/scripts", json=body)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RampClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
