"""A log leaf is a public envelope: what anyone may see of an event, and a binding to the rest.

The envelope of every event names its kind, seq, timestamp and classification. A public
event's envelope carries its body (the event's canonical bytes); any other carries a hiding
commitment instead, `SHA-256(COMMITMENT_TAG || level || 0x00 || salt || body)`, with a 32-byte salt derived from
the writer's disclosure key and the event's seq (`journal/disclosure.py`); the tag names the
classification too (`ramp-commitment-v1\0restricted\0`), so an envelope cannot be relabelled. So the tree, every
proof and every checkpoint verify without a single private body, and a reader cleared for an
event gets its body and salt (the signed API) and checks them against the leaf.

Bytes (RFC 8785 canonical JSON: keys sorted, integers over 2^53 as decimal strings):

    public:      {"body":<event>,"class":"public","kind":"transfer","seq":7,"timestamp":"..."}
    restricted:  {"class":"restricted","commitment":"<64 hex>","kind":"transfer","seq":7,"timestamp":"..."}

The store keeps, beside each envelope, its opening `salt || body` (`body_runs`), so the writer
replays and `ramp verify` with the bodies re-derives every balance; the opening of a public
event is stored too (its body is the envelope's), so every event is replayed the same way.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from ramp.journal.disclosure import SALT_BYTES, Disclosure

COMMITMENT_TAG: Final = b"ramp-commitment-v1\0"
EVENT_SALT_DOMAIN: Final = b"ramp-event-salt-v1"
ENVELOPE_MAX_BYTES: Final = 17 * 1024  # an event body (16 KiB at most) and ~100 bytes of envelope
LOG_FORMAT: Final = "ramp-envelopes/1"  # recorded in the store's meta: leaves are envelopes


class Level(StrEnum):
    """Who may read an event's body. Ordered: a transfer is as secret as its most secret account."""

    PUBLIC = "public"
    RESTRICTED = "restricted"
    SECRET = "secret"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK: Final = {Level.PUBLIC: 0, Level.RESTRICTED: 1, Level.SECRET: 2}
_TAGS: Final = {level: COMMITMENT_TAG + level.value.encode() + b"\0" for level in (Level.RESTRICTED, Level.SECRET)}
_PUBLIC_TAIL: Final = re.compile(rb',"class":"public","kind":"([a-z_]{1,32})","seq":(0|[1-9][0-9]{0,18}),'
                                 rb'"timestamp":"(0|[1-9][0-9]{0,19})"\}\Z')  # fmt: skip
_SEALED: Final = re.compile(rb'\{"class":"(restricted|secret)","commitment":"([0-9a-f]{64})","kind":"([a-z_]{1,32})",'
                            rb'"seq":(0|[1-9][0-9]{0,18}),"timestamp":"(0|[1-9][0-9]{0,19})"\}\Z')  # fmt: skip


class EnvelopeInvalid(ValueError):
    """Leaf bytes that are not an envelope, or an opening that does not open it."""


@dataclass(frozen=True, slots=True)
class Envelope:
    kind: str
    seq: int
    timestamp: int
    level: Level
    body: bytes | None  # public events only
    commitment: bytes | None  # every other event


def event_salt(disclosure: Disclosure, seq: int) -> bytes:
    return disclosure.salt(EVENT_SALT_DOMAIN, seq.to_bytes(8, "big"))


def commitment(salt: bytes, body: bytes, level: Level = Level.RESTRICTED) -> bytes:
    """SHA-256(COMMITMENT_TAG || level || 0x00 || salt || body): the hiding commitment of a sealed event."""
    assert len(salt) == SALT_BYTES and level is not Level.PUBLIC
    return hashlib.sha256(_TAGS[level] + salt + body).digest()


def seal(body: bytes, kind: str, seq: int, timestamp: str, level: Level, salt: bytes) -> bytes:
    """The envelope of an event whose canonical bytes are `body`."""
    tail = f'"kind":"{kind}","seq":{seq},"timestamp":"{timestamp}"}}'.encode()
    if level is Level.PUBLIC:
        return b'{"body":' + body + b',"class":"public",' + tail
    hidden = hashlib.sha256(_TAGS[level] + salt + body).hexdigest()
    return f'{{"class":"{level.value}","commitment":"{hidden}",'.encode() + tail


def parse(leaf: bytes) -> Envelope:
    """The envelope's fields; refuses anything not byte-exact (a public body is checked only for
    being where it must be: `opens` compares it with the event)."""
    if len(leaf) > ENVELOPE_MAX_BYTES:
        raise EnvelopeInvalid(f"leaf of {len(leaf)} bytes exceeds {ENVELOPE_MAX_BYTES}")
    sealed = _SEALED.match(leaf)
    if sealed is not None:
        level, hidden, kind, seq, ts = sealed.groups()
        return Envelope(kind.decode(), int(seq), int(ts), Level(level.decode()), None, bytes.fromhex(hidden.decode()))
    if leaf.startswith(b'{"body":{'):
        public = _PUBLIC_TAIL.search(leaf)
        if public is not None:
            kind, seq, ts = public.groups()
            return Envelope(kind.decode(), int(seq), int(ts), Level.PUBLIC, leaf[8 : public.start()], None)
    raise EnvelopeInvalid("not a RAMP envelope")


def opens(leaf: bytes, salt: bytes, body: bytes, *, kind: str, seq: int, timestamp: str) -> Level:
    """The envelope's level, if `salt || body` (an event of that kind, seq and time) opens it:
    the leaf must be exactly the envelope the writer would seal for them."""
    envelope = parse(leaf)
    if len(salt) != SALT_BYTES:
        raise EnvelopeInvalid(f"a salt is {SALT_BYTES} bytes")
    if seal(body, kind, seq, timestamp, envelope.level, salt) != leaf:
        what = "its body" if envelope.level is Level.PUBLIC else "its commitment"
        raise EnvelopeInvalid(f"the event at seq {seq} does not match {what}")
    return envelope.level


def split_opening(opening: bytes) -> tuple[bytes, bytes]:
    """(salt, body) of a stored opening `salt || body`."""
    if len(opening) <= SALT_BYTES:
        raise EnvelopeInvalid("an opening is a salt and a body")
    return opening[:SALT_BYTES], opening[SALT_BYTES:]
