"""Failure limits for sign-in and for the fresh second factor: per source first, then per identity.

A source (a client address; an IPv6 address by its /64, what one subscriber gets) that fails
`SOURCE_FAILURES_MAX` times within `WINDOW_S` is limited for `LOCK_S`: its attempts are refused
before anything is checked, so they no longer count against any identity. A known identity that
fails `IDENTITY_FAILURES_MAX` times within `WINDOW_S` (from sources not limited) is locked for
`LOCK_S`. `SOURCE_FAILURES_MAX < IDENTITY_FAILURES_MAX`: one source alone never locks a person
out, however long it keeps trying; a lock needs failures from two sources or more, and ends
`LOCK_S` after the last of them.

Memory is bounded and an active lock is never forgotten: counts (failures not yet a lock) are
dropped oldest first beyond `COUNTS_MAX`; locks live in their own table, which only expiry
empties. Beyond `LOCKS_MAX` active locks a new lock is not made (counted as `saturated`): a source
past that keeps trying at the identities' pace, which their own locks still bound.
"""

from __future__ import annotations

import ipaddress
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Final

WINDOW_S: Final = 15 * 60  # failures count within this window from the first of them
LOCK_S: Final = 15 * 60  # slow enough to stop guessing, short enough to wait out
SOURCE_FAILURES_MAX: Final = 4  # below IDENTITY_FAILURES_MAX: one source cannot lock anyone
IDENTITY_FAILURES_MAX: Final = 5  # what an identity may fail within the window before it locks
COUNTS_MAX: Final = 100_000  # sources (or identities) with failures remembered; the oldest go first
LOCKS_MAX: Final = 100_000  # active locks; never dropped, only expired
SOURCE_MAX_CHARS: Final = 64  # an IPv6 address with a zone fits
IPV6_PREFIX_BITS: Final = 64


def source_key(host: str) -> str:
    """The key a client address counts under: IPv4 as it is, IPv6 by its /64 (one subscriber
    holds a whole /64, so counting single addresses would give it 2^64 sources)."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host[:SOURCE_MAX_CHARS]  # not an address (a test client, a unix socket)
    if address.version == 6 and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX_BITS}", strict=False))
    return str(address.ipv4_mapped or address) if address.version == 6 else str(address)


@dataclass
class _Count:
    failures: int
    since_s: float


@dataclass
class FailureTable:
    """Failures by key within a window; `failures_max` of them lock the key for `lock_s`."""

    failures_max: int
    window_s: float = WINDOW_S
    lock_s: float = LOCK_S
    counts_max: int = COUNTS_MAX
    locks_max: int = LOCKS_MAX
    saturated: int = 0  # locks not made because `locks_max` were active
    _counts: OrderedDict[str, _Count] = field(default_factory=OrderedDict)
    _locks: OrderedDict[str, float] = field(default_factory=OrderedDict)  # key -> until, in lock order

    def locked_for_s(self, key: str, now_s: float) -> float:
        """How long `key` stays locked (0: it is not)."""
        self._expire(now_s)
        until = self._locks.get(key, 0.0)
        return until - now_s if until > now_s else 0.0

    def fail(self, key: str, now_s: float) -> bool:
        """Count a failure of `key`; True if it locked the key."""
        count = self._counts.pop(key, None)
        if count is None or now_s - count.since_s >= self.window_s:
            count = _Count(0, now_s)
        count.failures += 1
        if count.failures < self.failures_max:
            self._counts[key] = count  # the newest at the end
            while len(self._counts) > self.counts_max:
                self._counts.popitem(last=False)  # a count, never a lock
            return False
        self._expire(now_s)
        if key not in self._locks and len(self._locks) >= self.locks_max:
            self.saturated += 1
            return False
        self._locks.pop(key, None)
        self._locks[key] = now_s + self.lock_s
        assert self.locked_for_s(key, now_s) > 0
        return True

    def forget_count(self, key: str) -> None:
        """A success ends a run of failures (never a lock)."""
        self._counts.pop(key, None)

    def sizes(self) -> tuple[int, int]:
        return len(self._counts), len(self._locks)

    def _expire(self, now_s: float) -> None:
        # Every lock lasts lock_s, so lock order is expiry order: the expired ones are in front.
        while self._locks:
            key, until = next(iter(self._locks.items()))
            if until > now_s:
                return
            del self._locks[key]


@dataclass
class Limits:
    """The two tables sign-in and the fresh second factor share. Not thread-safe: the caller
    holds its lock."""

    sources: FailureTable = field(default_factory=lambda: FailureTable(SOURCE_FAILURES_MAX))
    identities: FailureTable = field(default_factory=lambda: FailureTable(IDENTITY_FAILURES_MAX))

    def locked_for_s(self, source: str, identity: str | None, now_s: float) -> float:
        """How long an attempt from `source` for `identity` (None: not an identity) must wait."""
        wait = self.sources.locked_for_s(source_key(source), now_s)
        if identity is not None:
            wait = max(wait, self.identities.locked_for_s(identity, now_s))
        return wait

    def failed(self, source: str, identity: str | None, now_s: float) -> bool:
        """Count a failure; True if it locked the identity (a source's limit is no one's business
        but the source's)."""
        self.sources.fail(source_key(source), now_s)
        return identity is not None and self.identities.fail(identity, now_s)

    def succeeded(self, identity: str) -> None:
        self.identities.forget_count(identity)  # the source's count stays: its own success is no alibi
