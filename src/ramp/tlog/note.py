"""C2SP signed-note v1 (c2sp.org/signed-note@v1.0.0) with Ed25519 keys.

A note is UTF-8 text ending in a newline, a blank line, then signature lines
"— <key name> base64(key ID || signature)". Other signature types (tlog-cosignature)
plug in through the `Verifier` and `Signer` protocols.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

SIG_TYPE_ED25519 = 0x01
ED25519_KEY_SIZE = 32
ED25519_SIGNATURE_SIZE = 64
KEY_ID_SIZE = 4

# The spec asks verifiers to bound signature count or note size and to accept at least 16
# signatures of up to ~5 kB (post-quantum). 100 signatures is what golang.org/x/mod/sumdb/note
# accepts; 1 MiB holds 100 such signatures with room to spare and bounds parsing work.
NOTE_SIGNATURES_MAX = 100
NOTE_MAX_BYTES = 1 << 20

SIGNATURE_PREFIX = "\u2014 "  # em dash, space
_PRIVATE_KEY_PREFIX = "PRIVATE+KEY+"


class NoteError(ValueError):
    """A note cannot be accepted."""


class MalformedNoteError(NoteError):
    """The bytes are not a well-formed signed note."""


class InvalidSignatureError(NoteError):
    """A signature by a known key does not verify: the whole note is rejected."""


class UnverifiedNoteError(NoteError):
    """No signature by a known key: the text must be ignored."""


class KeyFormatError(ValueError):
    """A signer or verifier key string is malformed or its key ID does not match."""


# --------------------------------------------------------------------------- encodings


def decode_base64(text: str) -> bytes:
    """Standard base64 with padding (RFC 4648 section 4), canonical encodings only.

    Rejecting non-canonical forms (stray bits in the last character) keeps one byte string
    per text, so two different texts never stand for the same hash or signature.
    """
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"invalid base64: {exc}") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("non-canonical base64")
    return raw


def encode_base64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def is_valid_key_name(name: str) -> bool:
    """Non-empty, no Unicode spaces, no '+', and (notes forbid them) no control characters."""
    return bool(name) and "+" not in name and not any(c.isspace() or c < " " for c in name)


def key_id(name: str, key_material: bytes) -> int:
    """SHA-256(key name || 0x0A || signature type || public key)[:4] as a big-endian uint32.

    `key_material` is the signature type byte followed by the public key.
    """
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + key_material).digest()
    return int.from_bytes(digest[:KEY_ID_SIZE], "big")


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A parsed vkey "<name>+<hex key ID>+base64(type || public key)"."""

    name: str
    key_id: int
    key_type: int
    public_key: bytes

    def encode(self) -> str:
        material = bytes([self.key_type]) + self.public_key
        return f"{self.name}+{self.key_id:08x}+{encode_base64(material)}"


def parse_verifier_key(vkey: str) -> VerifierKey:
    """Parse a vkey of any type; the key ID must be the one derived from name and key."""
    # Names hold no '+', but the base64 key material may: split twice from the left.
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise KeyFormatError("a verifier key is <name>+<key ID>+<key>")
    name, id_hex, material_b64 = parts
    if not is_valid_key_name(name):
        raise KeyFormatError(f"invalid key name {name!r}")
    kid = _parse_key_id_hex(id_hex)
    try:
        material = decode_base64(material_b64)
    except ValueError as exc:
        raise KeyFormatError(f"verifier key material: {exc}") from None
    if len(material) < 2:
        raise KeyFormatError("verifier key material is too short")
    if key_id(name, material) != kid:
        raise KeyFormatError("verifier key ID does not match its name and key")
    return VerifierKey(name=name, key_id=kid, key_type=material[0], public_key=material[1:])


@dataclass(frozen=True, slots=True)
class PrivateKey:
    """A parsed "PRIVATE+KEY+<name>+<hex key ID>+base64(type || seed)"."""

    name: str
    key_id: int
    key_type: int
    seed: bytes

    def encode(self) -> str:
        material = bytes([self.key_type]) + self.seed
        return f"{_PRIVATE_KEY_PREFIX}{self.name}+{self.key_id:08x}+{encode_base64(material)}"


def parse_private_key(skey: str) -> PrivateKey:
    """Parse an Ed25519-seeded private key string; check the key ID against the public key."""
    if not skey.startswith(_PRIVATE_KEY_PREFIX):
        raise KeyFormatError("a private key starts with PRIVATE+KEY+")
    parts = skey[len(_PRIVATE_KEY_PREFIX) :].split("+", 2)
    if len(parts) != 3:
        raise KeyFormatError("a private key is PRIVATE+KEY+<name>+<key ID>+<key>")
    name, id_hex, material_b64 = parts
    if not is_valid_key_name(name):
        raise KeyFormatError(f"invalid key name {name!r}")
    kid = _parse_key_id_hex(id_hex)
    try:
        material = decode_base64(material_b64)
    except ValueError as exc:
        raise KeyFormatError(f"private key material: {exc}") from None
    if len(material) != 1 + ED25519_KEY_SIZE:
        raise KeyFormatError("private key material must be a type byte and a 32-byte seed")
    key_type, seed = material[0], material[1:]
    public = ed25519_public_key(seed)
    if key_id(name, bytes([key_type]) + public) != kid:
        raise KeyFormatError("private key ID does not match its name and key")
    return PrivateKey(name=name, key_id=kid, key_type=key_type, seed=seed)


def _parse_key_id_hex(id_hex: str) -> int:
    # Fixed-length lowercase hex, per the spec's conventions.
    if len(id_hex) != 2 * KEY_ID_SIZE or any(c not in "0123456789abcdef" for c in id_hex):
        raise KeyFormatError(f"key ID {id_hex!r} is not 8 lowercase hex digits")
    return int(id_hex, 16)


def ed25519_public_key(seed: bytes) -> bytes:
    private = Ed25519PrivateKey.from_private_bytes(seed)
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def generate_private_key(name: str, key_type: int = SIG_TYPE_ED25519) -> PrivateKey:
    """A fresh Ed25519 seed under `name`, with the key ID for `key_type`."""
    if not is_valid_key_name(name):
        raise KeyFormatError(f"invalid key name {name!r}")
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    public = ed25519_public_key(seed)
    return PrivateKey(name, key_id(name, bytes([key_type]) + public), key_type, seed)


def generate_key(name: str) -> tuple[str, str]:
    """A new Ed25519 note key: (private key string, verifier key string)."""
    signer = Ed25519Signer.from_private_key(generate_private_key(name))
    return signer.private_key.encode(), signer.verifier_key().encode()


# --------------------------------------------------------------------------- signers


class Verifier(Protocol):
    """Checks one kind of signature by one key, identified by (name, key ID)."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def verify(self, text: bytes, signature: bytes) -> bool:
        """`signature` excludes the 4-byte key ID prefix."""
        ...


class Signer(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def sign(self, text: bytes) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Ed25519KeyVerifier:
    """An Ed25519 public key of one signature type (KEY_TYPE), as named in a verifier key."""

    KEY_TYPE: ClassVar[int]
    KIND: ClassVar[str]
    name: str
    key_id: int
    public_key: bytes
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.public_key) != ED25519_KEY_SIZE:
            raise KeyFormatError("an Ed25519 public key is 32 bytes")
        object.__setattr__(self, "_key", Ed25519PublicKey.from_public_bytes(self.public_key))

    @classmethod
    def from_vkey(cls, vkey: str) -> Self:
        parsed = parse_verifier_key(vkey)
        if parsed.key_type != cls.KEY_TYPE:
            raise KeyFormatError(f"not {cls.KIND} (type 0x{parsed.key_type:02x})")
        return cls(parsed.name, parsed.key_id, parsed.public_key)


@dataclass(frozen=True, slots=True)
class Ed25519Verifier(Ed25519KeyVerifier):
    KEY_TYPE: ClassVar[int] = SIG_TYPE_ED25519
    KIND: ClassVar[str] = "an Ed25519 note key"

    def verify(self, text: bytes, signature: bytes) -> bool:
        if len(signature) != ED25519_SIGNATURE_SIZE:
            return False
        try:
            self._key.verify(signature, text)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True, slots=True)
class Ed25519Signer:
    private_key: PrivateKey = field(repr=False)
    _key: Ed25519PrivateKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.private_key.key_type != SIG_TYPE_ED25519:
            raise KeyFormatError(
                f"not an Ed25519 note key (type 0x{self.private_key.key_type:02x})"
            )
        object.__setattr__(
            self, "_key", Ed25519PrivateKey.from_private_bytes(self.private_key.seed)
        )

    @classmethod
    def from_private_key(cls, private_key: PrivateKey) -> Ed25519Signer:
        return cls(private_key)

    @classmethod
    def from_skey(cls, skey: str) -> Ed25519Signer:
        return cls(parse_private_key(skey))

    @property
    def name(self) -> str:
        return self.private_key.name

    @property
    def key_id(self) -> int:
        return self.private_key.key_id

    def sign(self, text: bytes) -> bytes:
        return self._key.sign(text)

    def verifier_key(self) -> VerifierKey:
        public = ed25519_public_key(self.private_key.seed)
        return VerifierKey(self.name, self.key_id, SIG_TYPE_ED25519, public)

    def verifier(self) -> Ed25519Verifier:
        return Ed25519Verifier(self.name, self.key_id, self.verifier_key().public_key)


# --------------------------------------------------------------------------- notes


@dataclass(frozen=True, slots=True)
class NoteSignature:
    name: str
    key_id: int
    signature: bytes  # without the key ID prefix

    def line(self) -> str:
        """The signature line, without its final newline."""
        blob = struct.pack(">I", self.key_id) + self.signature
        return f"{SIGNATURE_PREFIX}{self.name} {encode_base64(blob)}"


def parse_signature_line(line: str) -> NoteSignature:
    """Parse "— <name> <base64>" (no trailing newline)."""
    if not line.startswith(SIGNATURE_PREFIX):
        raise MalformedNoteError("signature line does not start with an em dash and a space")
    name, sep, b64 = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not sep or not is_valid_key_name(name):
        raise MalformedNoteError(f"invalid signature key name {name!r}")
    try:
        blob = decode_base64(b64)
    except ValueError as exc:
        raise MalformedNoteError(f"signature: {exc}") from None
    if len(blob) <= KEY_ID_SIZE:
        raise MalformedNoteError("signature is too short")
    return NoteSignature(name, int.from_bytes(blob[:KEY_ID_SIZE], "big"), blob[KEY_ID_SIZE:])


@dataclass(frozen=True, slots=True)
class Note:
    """An opened note: its text and which signatures verified."""

    text: str
    signatures: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...] = ()


def check_note_text(text: str) -> bytes:
    """The UTF-8 bytes of a valid note text (non-empty, newline-terminated, no controls)."""
    if not text.endswith("\n"):
        raise MalformedNoteError("note text must end with a newline")
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedNoteError("note text is not valid Unicode") from None
    _check_controls(text)
    return raw


def _check_controls(text: str) -> None:
    for c in text:
        if c < " " and c != "\n":
            raise MalformedNoteError(f"control character U+{ord(c):04X} in note")


def sign_note(text: str, signers: Sequence[Signer]) -> str:
    """The signed note: text, blank line, one signature line per signer."""
    raw = check_note_text(text)
    if not signers:
        raise ValueError("a signed note needs at least one signer")
    sigs = [NoteSignature(s.name, s.key_id, s.sign(raw)) for s in signers]
    return format_note(text, sigs)


def format_note(text: str, signatures: Iterable[NoteSignature]) -> str:
    check_note_text(text)
    lines = [sig.line() + "\n" for sig in signatures]
    if not lines:
        raise ValueError("a signed note has at least one signature line")
    return text + "\n" + "".join(lines)


def split_note(msg: bytes | str) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text and parsed signature lines, verifying nothing."""
    if isinstance(msg, str):
        try:
            msg = msg.encode("utf-8")
        except UnicodeEncodeError:
            raise MalformedNoteError("note is not valid Unicode") from None
    if len(msg) > NOTE_MAX_BYTES:
        raise MalformedNoteError(f"note is larger than {NOTE_MAX_BYTES} bytes")
    try:
        decoded = msg.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedNoteError("note is not valid UTF-8") from None
    _check_controls(decoded)
    # The text ends at the last blank line; it may itself contain blank lines.
    split = decoded.rfind("\n\n")
    if split < 0:
        raise MalformedNoteError("note has no blank line before its signatures")
    text, block = decoded[: split + 1], decoded[split + 2 :]
    if not block.endswith("\n"):
        raise MalformedNoteError("note has no signature lines, or the last lacks a newline")
    lines = block[:-1].split("\n")
    if len(lines) > NOTE_SIGNATURES_MAX:
        raise MalformedNoteError(f"note has more than {NOTE_SIGNATURES_MAX} signatures")
    return text, [parse_signature_line(line) for line in lines]


def open_note(msg: bytes | str, verifiers: Iterable[Verifier]) -> Note:
    """Verify a signed note against known keys.

    Signatures from unknown (name, key ID) pairs are kept aside unverified; every signature
    from a known key must verify (else InvalidSignatureError); at least one must exist (else
    UnverifiedNoteError).
    """
    known: dict[tuple[str, int], Verifier] = {}
    for v in verifiers:
        other = known.setdefault((v.name, v.key_id), v)
        if other is not v and other != v:
            raise ValueError(f"two different verifiers for {v.name}+{v.key_id:08x}")
    text, sigs = split_note(msg)
    raw = text.encode("utf-8")
    verified: list[NoteSignature] = []
    unverified: list[NoteSignature] = []
    for sig in sigs:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            if sig not in unverified:
                unverified.append(sig)
            continue
        if not verifier.verify(raw, sig.signature):
            raise InvalidSignatureError(f"signature by {sig.name}+{sig.key_id:08x} is invalid")
        verified.append(sig)
    if not verified:
        raise UnverifiedNoteError("no signature by a known key")
    return Note(text=text, signatures=tuple(verified), unverified=tuple(unverified))
