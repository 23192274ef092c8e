"""Request signatures for RAMP's API: RFC 9421 HTTP Message Signatures (ed25519) over an
RFC 9530 `Content-Digest`, with the RFC 8941 structured fields both are written in.

Pure functions, no framework and no clock: the caller passes `now`. The generic parts (fields,
signature base) follow the RFCs so independent clients interoperate; `verify_request` then
holds every request to RAMP's one profile:

    Signature-Input: ramp=("@method" "@target-uri" "content-digest");created=<s>;keyid="<id>";alg="ed25519"
    Signature: ramp=:<base64 signature>:
    Content-Digest: sha-256=:<base64 SHA-256 of the body>:

One deliberate deviation from RFC 8941: a duplicate dictionary or parameter key is refused
rather than "last one wins", so no two parsers can read a signature field differently.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ramp.tlog.note import decode_base64, encode_base64

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


# --------------------------------------------------------------------------- RFC 8941 structured fields


class Token(str):
    """An RFC 8941 token: kept apart from `str` (a String) because it serialises unquoted."""


BareItem = int | Decimal | str | bytes | bool  # str includes Token
Params = tuple[tuple[str, BareItem], ...]


@dataclass(frozen=True)
class Item:
    value: BareItem
    params: Params = ()


@dataclass(frozen=True)
class InnerList:
    items: tuple[Item, ...]
    params: Params = ()


class _SfError(ValueError):
    pass


_LCALPHA = "abcdefghijklmnopqrstuvwxyz"
_ALPHA = _LCALPHA + _LCALPHA.upper()
_DIGIT = "0123456789"
_KEY_FIRST = frozenset(_LCALPHA + "*")
_KEY_CHARS = frozenset(_LCALPHA + _DIGIT + "_-.*")
_TCHAR = frozenset(_ALPHA + _DIGIT + "!#$%&'*+-.^_`|~")
_TOKEN_CHARS = _TCHAR | frozenset(":/")
_BASE64_CHARS = frozenset(_ALPHA + _DIGIT + "+/=")


class _Parser:
    """RFC 8941 section 4.2, over an ASCII string; every failure is an `_SfError`."""

    def __init__(self, text: str) -> None:
        if not text.isascii():
            raise _SfError("structured fields are ASCII")
        self.s = text
        self.i = 0

    def _peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def _skip(self, chars: str) -> None:
        while self._peek() != "" and self._peek() in chars:
            self.i += 1

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise _SfError(f"expected {char!r} at {self.i}")
        self.i += 1

    def dictionary(self) -> dict[str, Item | InnerList]:
        self._skip(" ")
        members: dict[str, Item | InnerList] = {}
        while self.i < len(self.s):
            key = self._key()
            if key in members:
                raise _SfError(f"duplicate key {key!r}")
            if self._peek() == "=":
                self.i += 1
                members[key] = self._item_or_inner_list()
            else:
                members[key] = Item(True, self._params())
            self._skip(" \t")
            if self.i == len(self.s):
                return members
            self._expect(",")
            self._skip(" \t")
            if self.i == len(self.s):
                raise _SfError("trailing comma")
        return members

    def _item_or_inner_list(self) -> Item | InnerList:
        if self._peek() != "(":
            return Item(self._bare_item(), self._params())
        self.i += 1
        items: list[Item] = []
        while True:
            self._skip(" ")
            if self._peek() == ")":
                self.i += 1
                return InnerList(tuple(items), self._params())
            items.append(Item(self._bare_item(), self._params()))
            if self._peek() not in (" ", ")"):
                raise _SfError(f"bad inner list at {self.i}")

    def _params(self) -> Params:
        params: dict[str, BareItem] = {}
        while self._peek() == ";":
            self.i += 1
            self._skip(" ")
            key = self._key()
            if key in params:
                raise _SfError(f"duplicate parameter {key!r}")
            if self._peek() == "=":
                self.i += 1
                params[key] = self._bare_item()
            else:
                params[key] = True
        return tuple(params.items())

    def _key(self) -> str:
        start = self.i
        if self._peek() not in _KEY_FIRST:
            raise _SfError(f"bad key at {self.i}")
        while self._peek() != "" and self._peek() in _KEY_CHARS:
            self.i += 1
        return self.s[start : self.i]

    def _bare_item(self) -> BareItem:
        c = self._peek()
        if c == "-" or (c != "" and c in _DIGIT):
            return self._number()
        if c == '"':
            return self._string()
        if c == ":":
            return self._bytes()
        if c == "?":
            self.i += 1
            flag = self._peek()
            if flag not in ("0", "1"):
                raise _SfError("bad boolean")
            self.i += 1
            return flag == "1"
        if c != "" and (c in _ALPHA or c == "*"):
            start = self.i
            self.i += 1
            while self._peek() != "" and self._peek() in _TOKEN_CHARS:
                self.i += 1
            return Token(self.s[start : self.i])
        raise _SfError(f"bad item at {self.i}")

    def _number(self) -> int | Decimal:
        start = self.i
        if self._peek() == "-":
            self.i += 1
        digits_start = self.i
        self._skip(_DIGIT)
        whole = self.i - digits_start
        if whole == 0:
            raise _SfError("number without digits")
        if self._peek() != ".":
            if whole > 15:
                raise _SfError("integer too long")
            return int(self.s[start : self.i])
        self.i += 1
        frac_start = self.i
        self._skip(_DIGIT)
        frac = self.i - frac_start
        if whole > 12 or not 1 <= frac <= 3:
            raise _SfError("bad decimal")
        return Decimal(self.s[start : self.i])

    def _string(self) -> str:
        self.i += 1
        out: list[str] = []
        while self.i < len(self.s):
            c = self.s[self.i]
            self.i += 1
            if c == "\\":
                nxt = self._peek()
                if nxt not in ('"', "\\"):
                    raise _SfError("bad escape in string")
                out.append(nxt)
                self.i += 1
            elif c == '"':
                return "".join(out)
            elif not " " <= c <= "~":
                raise _SfError("bad character in string")
            else:
                out.append(c)
        raise _SfError("unterminated string")

    def _bytes(self) -> bytes:
        self.i += 1
        end = self.s.find(":", self.i)
        if end < 0:
            raise _SfError("unterminated byte sequence")
        text = self.s[self.i : end]
        self.i = end + 1
        if not set(text) <= _BASE64_CHARS:
            raise _SfError("bad base64 in byte sequence")
        try:
            return decode_base64(text)  # canonical only: one text per byte string
        except ValueError as exc:
            raise _SfError(str(exc)) from None


def _parse_dictionary(text: str) -> dict[str, Item | InnerList]:
    parser = _Parser(text)
    members = parser.dictionary()
    assert parser.i == len(parser.s)
    return members


def _serialize_bare(value: BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        if abs(value) >= 10**15:
            raise ValueError("integer out of structured-field range")
        return str(value)
    if isinstance(value, Decimal):
        if abs(value) >= 10**12:
            raise ValueError("decimal out of structured-field range")
        text = format(value.quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN), "f").rstrip("0")
        return text + "0" if text.endswith(".") else text
    if isinstance(value, bytes):
        return ":" + encode_base64(value) + ":"
    if isinstance(value, Token):
        if not value or value[0] not in _ALPHA + "*" or not set(value) <= _TOKEN_CHARS:
            raise ValueError(f"not a token: {value!r}")
        return str(value)
    if not all(" " <= c <= "~" for c in value):
        raise ValueError("structured-field strings are printable ASCII")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check_key(key: str) -> str:
    if not key or key[0] not in _KEY_FIRST or not set(key) <= _KEY_CHARS:
        raise ValueError(f"not a structured-field key: {key!r}")
    return key


def _serialize_params(params: Iterable[tuple[str, BareItem]]) -> str:
    out = []
    for key, value in params:
        _check_key(key)
        out.append(f";{key}" if value is True else f";{key}={_serialize_bare(value)}")
    return "".join(out)


# --------------------------------------------------------------------------- RFC 9530 Content-Digest


def content_digest(body: bytes) -> str:
    return f"sha-256=:{encode_base64(hashlib.sha256(body).digest())}:"


def check_content_digest(header_value: str, body: bytes) -> None:
    """Check a Content-Digest field against the body: sha-256 must be present and match; a
    sha-512 member is checked too; other algorithms are ignored (RFC 9530 section 2)."""
    if len(header_value) > CONTENT_DIGEST_MAX_BYTES:
        raise SignatureRejected("signature_malformed", "Content-Digest is too large")
    try:
        members = _parse_dictionary(header_value)
    except _SfError as exc:
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


def _checked(value: str) -> str:
    # A line break (or anything outside visible ASCII) would forge extra signature-base lines.
    if not all(c == "\t" or " " <= c <= "~" for c in value):
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
    inner = " ".join(_serialize_bare(c) for c in components)
    return f"({inner}){_serialize_params(params)}"


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
        out.append(f"{_serialize_bare(name)}: {_checked(value)}\n")
    pairs = tuple(params.items()) if isinstance(params, Mapping) else tuple(params)
    out.append(f'"@signature-params": {_signature_params(components, pairs)}')
    return "".join(out).encode("ascii")


# --------------------------------------------------------------------------- RAMP profile: sign, verify


def valid_key_id(key_id: str) -> bool:
    """A keyid RAMP accepts: 1..KEYID_MAX_CHARS printable ASCII characters."""
    return 0 < len(key_id) <= KEYID_MAX_CHARS and all(" " <= c <= "~" for c in key_id)


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
    _check_key(label)
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
        return _parse_dictionary(text).get(LABEL)
    except _SfError as exc:
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
    lookup_key: Callable[[str], Ed25519PublicKey | None],
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
    try:
        public_key.verify(signature.value, base)
    except InvalidSignature:
        raise SignatureRejected("bad_signature", "the signature does not verify") from None
    check_content_digest(digest_text, body)
    return VerifiedSignature(key_id=key_id, created=created)
