"""Request signatures for RAMP's API: RFC 9421 HTTP Message Signatures (ed25519) over an
RFC 9530 `Content-Digest`, with the RFC 8941 structured fields both are written in.

Pure functions, no framework and no clock: the caller passes `now`. The generic parts (fields,
signature base) follow the RFCs so independent clients interoperate; `verify_request` then
holds every request to RAMP's one profile:

    Signature-Input: ramp=("@method" "@target-uri" "content-digest");created=<s>;keyid="<id>";alg="ed25519"
    Signature: ramp=:<base64 signature>:
    Content-Digest: sha-256=:<base64 SHA-256 of the body>:

The RFC 8941 structured fields are parsed and written by `ramp.sign.sfv`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from ramp.sign.sfv import (
    BareItem,
    InnerList,
    Item,
    Params,
    SfError,
    check_key,
    parse_dictionary,
    printable,
    serialize_bare,
    serialize_params,
)
from ramp.tlog.note import encode_base64

LABEL = "ramp"
COVERED_COMPONENTS = ("@method", "@target-uri", "content-digest")
ALG = "ed25519"
MAX_AGE_S = 300  # a signature is good for five minutes: long enough for clock drift and retries
MAX_SKEW_S = 60  # a client clock may run this far ahead of ours
# Our own Signature-Input is ~150 bytes and Signature ~100; the rest is room for a few other
# labels that intermediaries may add. Anything larger is refused before parsing (lengths are
# counted in characters: a non-ASCII value fails parsing anyway).
SIGNATURE_INPUT_MAX_BYTES = 2048
SIGNATURE_MAX_BYTES = 2048
CONTENT_DIGEST_MAX_BYTES = 1024  # sha-256 + sha-512 take ~150 bytes; a few more algorithms fit
KEYID_MAX_CHARS = 256  # identities are short names; the bound keeps lookups and logs sane
_ED25519_SIGNATURE_BYTES = 64
_DIGESTS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}  # RFC 9530 algorithms we check
_DERIVED = frozenset(
    {"@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query"}
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}

RejectCode = Literal[
    "signature_missing", "signature_malformed", "unknown_key", "bad_signature",
    "digest_mismatch", "signature_expired", "signature_from_future",
]  # fmt: skip
Headers = Mapping[str, str] | Iterable[tuple[str, str]]


class SignatureRejected(Exception):
    """The request is not authentic (HTTP 401); `code` is machine-readable, `detail` for people."""

    def __init__(self, code: RejectCode, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code: RejectCode = code
        self.detail = detail


@dataclass(frozen=True)
class VerifiedSignature:
    key_id: str
    created: int


# --------------------------------------------------------------------------- RFC 9530 Content-Digest


def content_digest(body: bytes) -> str:
    return f"sha-256=:{encode_base64(hashlib.sha256(body).digest())}:"


def check_content_digest(header_value: str, body: bytes) -> None:
    """Check a Content-Digest field against the body: sha-256 must be present and match; a
    sha-512 member is checked too; other algorithms are ignored (RFC 9530 section 2)."""
    if len(header_value) > CONTENT_DIGEST_MAX_BYTES:
        raise SignatureRejected("signature_malformed", "Content-Digest is too large")
    try:
        members = parse_dictionary(header_value)
    except SfError as exc:
        raise SignatureRejected("signature_malformed", f"Content-Digest: {exc}") from None
    if "sha-256" not in members:
        raise SignatureRejected("signature_malformed", "Content-Digest has no sha-256 member")
    for alg, hash_fn in _DIGESTS.items():
        member = members.get(alg)
        if member is None:
            continue
        expected = hash_fn(body).digest()
        if not isinstance(member, Item) or not isinstance(member.value, bytes):
            raise SignatureRejected(
                "signature_malformed", f"Content-Digest {alg} is not a byte sequence"
            )
        if len(member.value) != len(expected):
            raise SignatureRejected(
                "signature_malformed", f"Content-Digest {alg} has the wrong length"
            )
        if not hmac.compare_digest(member.value, expected):
            raise SignatureRejected("digest_mismatch", f"the body does not match its {alg} digest")


# --------------------------------------------------------------------------- RFC 9421 signature base


def _header_lines(headers: Headers) -> list[tuple[str, str]]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return [(name.lower(), value) for name, value in pairs]


def _field_values(lines: list[tuple[str, str]], name: str) -> list[str]:
    return [value for n, value in lines if n == name]


_VISIBLE = re.compile(r"[\t -~]*")


def _checked(value: str) -> str:
    # A line break (or anything outside visible ASCII) would forge extra signature-base lines.
    if _VISIBLE.fullmatch(value) is None:
        raise ValueError(f"component value is not visible ASCII: {value!r}")
    return value


def _derived(name: str, method: str, target_uri: str) -> str:
    if name == "@method":
        return method
    if name == "@target-uri":
        return target_uri
    parts = urlsplit(target_uri)
    if name == "@scheme":
        return parts.scheme.lower()
    if name == "@authority":
        authority = parts.netloc.rpartition("@")[2].lower()
        default = _DEFAULT_PORTS.get(parts.scheme.lower())
        if default is not None and authority.endswith(":" + default):
            authority = authority[: -len(default) - 1]
        return authority
    path = parts.path or "/"
    if name == "@path":
        return path
    if name == "@query":
        return "?" + parts.query
    assert name == "@request-target"
    return path + ("?" + parts.query if parts.query else "")


def _signature_params(components: Sequence[str], params: Iterable[tuple[str, BareItem]]) -> str:
    inner = " ".join(serialize_bare(c) for c in components)
    return f"({inner}){serialize_params(params)}"


def signature_base(
    method: str,
    target_uri: str,
    headers: Headers,
    covered_components: Sequence[str],
    params: Mapping[str, BareItem] | Sequence[tuple[str, BareItem]],
) -> bytes:
    """The RFC 9421 section 2.5 signature base. Components are derived names (`@method`,
    `@target-uri`, `@authority`, `@scheme`, `@request-target`, `@path`, `@query`) or field
    names; `params` keep their order, as they appear in Signature-Input. A component that
    cannot be built (absent field, unknown name, repeated, non-ASCII value) raises ValueError."""
    lines = _header_lines(headers)
    components = [c.lower() if not c.startswith("@") else c for c in covered_components]
    if len(set(components)) != len(components):
        raise ValueError("a component is covered twice")
    out: list[str] = []
    for name in components:
        if name.startswith("@"):
            if name not in _DERIVED:
                raise ValueError(f"unsupported derived component {name!r}")
            value = _derived(name, method, target_uri)
        else:
            values = _field_values(lines, name)
            if not values:
                raise ValueError(f"covered field {name!r} is absent")
            # RFC 9421 section 2.1: trim each field line, join repeated lines with ", ".
            value = ", ".join(v.strip(" \t") for v in values)
        out.append(f"{serialize_bare(name)}: {_checked(value)}\n")
    pairs = tuple(params.items()) if isinstance(params, Mapping) else tuple(params)
    out.append(f'"@signature-params": {_signature_params(components, pairs)}')
    return "".join(out).encode("ascii")


# --------------------------------------------------------------------------- RAMP profile: sign, verify


def ed25519_verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """RFC 8032 Ed25519 verification by libsodium: about twice as fast here as OpenSSL's, and
    strict (non-canonical S, small-order and non-canonical keys are refused), which signatures
    from any RFC 8032 signer never are."""
    try:
        VerifyKey(public_key).verify(message, signature)
    except (BadSignatureError, ValueError, TypeError):  # a bad key is as good as a bad signature
        return False
    return True


def valid_key_id(key_id: str) -> bool:
    """A keyid RAMP accepts: 1..KEYID_MAX_CHARS printable ASCII characters."""
    return 0 < len(key_id) <= KEYID_MAX_CHARS and printable(key_id)


def sign_request(
    method: str,
    target_uri: str,
    headers: Headers,
    body: bytes,
    *,
    key_id: str,
    private_key: Ed25519PrivateKey,
    created: int,
    label: str = LABEL,
) -> dict[str, str]:
    """The Content-Digest, Signature-Input and Signature fields to set on the request, each
    replacing any field of that name. Names are lowercase, as RFC 9421 and HTTP/2 write them."""
    check_key(label)
    if not valid_key_id(key_id):
        raise ValueError(f"invalid keyid {key_id!r}")
    if type(created) is not int or created < 0:
        raise ValueError("created is a non-negative integer of Unix seconds")
    digest = content_digest(body)
    lines = [(n, v) for n, v in _header_lines(headers) if n != "content-digest"]
    lines.append(("content-digest", digest))
    params: Params = (("created", created), ("keyid", key_id), ("alg", ALG))
    base = signature_base(method, target_uri, lines, COVERED_COMPONENTS, params)
    signature = private_key.sign(base)
    return {
        "content-digest": digest,
        "signature-input": f"{label}={_signature_params(COVERED_COMPONENTS, params)}",
        "signature": f"{label}=:{encode_base64(signature)}:",
    }


def _single_field(lines: list[tuple[str, str]], name: str, max_bytes: int) -> str | None:
    values = _field_values(lines, name)
    if len(values) > 1:
        raise SignatureRejected("signature_malformed", f"{name} appears {len(values)} times")
    if values and len(values[0]) > max_bytes:
        raise SignatureRejected("signature_malformed", f"{name} is longer than {max_bytes} bytes")
    return values[0] if values else None


def _ramp_member(text: str | None, name: str) -> Item | InnerList | None:
    if text is None:
        return None
    try:
        return parse_dictionary(text).get(LABEL)
    except SfError as exc:
        raise SignatureRejected("signature_malformed", f"{name}: {exc}") from None


def _profile_params(params: Params) -> tuple[int, str]:
    """(created, keyid) from the `ramp` parameters, which must be exactly created, keyid, alg."""
    found = dict(params)
    if set(found) != {"created", "keyid", "alg"}:
        raise SignatureRejected(
            "signature_malformed", "parameters must be exactly created, keyid and alg"
        )
    created, key_id, alg = found["created"], found["keyid"], found["alg"]
    if type(created) is not int or created < 0:
        raise SignatureRejected("signature_malformed", "created is not a non-negative integer")
    if type(key_id) is not str or not valid_key_id(key_id):
        raise SignatureRejected("signature_malformed", "keyid is not a valid string")
    if type(alg) is not str or alg != ALG:
        raise SignatureRejected("signature_malformed", f'alg must be the string "{ALG}"')
    return created, key_id


def verify_request(
    method: str,
    target_uri: str,
    headers: Headers,
    body: bytes,
    *,
    lookup_key: Callable[[str], bytes | None],
    now: int,
    max_age_s: int = MAX_AGE_S,
    max_skew_s: int = MAX_SKEW_S,
) -> VerifiedSignature:
    """Verify a request's `ramp` signature and its body digest, or raise SignatureRejected.

    `target_uri` is the absolute URI the client used (scheme://authority/path?query, as sent);
    `headers` may be a mapping or (name, value) pairs; a repeated Signature, Signature-Input
    or Content-Digest field is refused rather than combined. A replay inside the age window verifies: callers that
    need single use keep their own record of signatures seen.
    """
    lines = _header_lines(headers)
    input_text = _single_field(lines, "signature-input", SIGNATURE_INPUT_MAX_BYTES)
    signature_text = _single_field(lines, "signature", SIGNATURE_MAX_BYTES)
    if input_text is None and signature_text is None:
        raise SignatureRejected("signature_missing", "the request is not signed")
    signature_input = _ramp_member(input_text, "Signature-Input")
    signature = _ramp_member(signature_text, "Signature")
    if signature_input is None and signature is None:
        raise SignatureRejected("signature_missing", f"no signature labelled {LABEL!r}")
    if not isinstance(signature_input, InnerList):
        raise SignatureRejected(
            "signature_malformed", f"Signature-Input {LABEL} is not an inner list"
        )
    if (
        not isinstance(signature, Item)
        or not isinstance(signature.value, bytes)
        or signature.params
    ):
        raise SignatureRejected("signature_malformed", f"Signature {LABEL} is not a byte sequence")
    if len(signature.value) != _ED25519_SIGNATURE_BYTES:
        raise SignatureRejected("signature_malformed", "an ed25519 signature is 64 bytes")
    components = tuple(item.value for item in signature_input.items)
    if components != COVERED_COMPONENTS or any(
        type(item.value) is not str or item.params for item in signature_input.items
    ):
        raise SignatureRejected(
            "signature_malformed", f"covered components must be exactly {COVERED_COMPONENTS}"
        )
    created, key_id = _profile_params(signature_input.params)
    digest_text = _single_field(lines, "content-digest", CONTENT_DIGEST_MAX_BYTES)
    if digest_text is None:
        raise SignatureRejected("signature_malformed", "the covered Content-Digest field is absent")

    if now - created > max_age_s:
        raise SignatureRejected(
            "signature_expired", f"created {now - created} s ago, over {max_age_s} s"
        )
    if created - now > max_skew_s:
        raise SignatureRejected(
            "signature_from_future", f"created {created - now} s ahead, over {max_skew_s} s"
        )
    public_key = lookup_key(key_id)
    if public_key is None:
        raise SignatureRejected("unknown_key", f"no key for {key_id!r}")
    try:
        base = signature_base(method, target_uri, lines, COVERED_COMPONENTS, signature_input.params)
    except ValueError as exc:
        raise SignatureRejected("signature_malformed", str(exc)) from None
    if not ed25519_verify(public_key, signature.value, base):
        raise SignatureRejected("bad_signature", "the signature does not verify")
    check_content_digest(digest_text, body)
    return VerifiedSignature(key_id=key_id, created=created)
