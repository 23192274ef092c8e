"""Extends the verifiable log by a batch of leaves, producing what the store must append.

The stored form of the log is the C2SP tlog-tiles form: entry bundles and hash tiles of 256.
A batch writes only what it adds, as *segments*: (tile, end) rows holding the hashes (or
entries) from the previous end up to `end`. A full or partial tile is the concatenation of its
segments, so nothing is ever rewritten and small batches cause no write amplification.
The tree root is computed from the right edge of each tile level (RFC 6962 / RFC 9162).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from hashlib import sha256
from typing import Final

TILE_WIDTH: Final = 256  # C2SP tlog-tiles: 2^8 hashes per tile, tile level L holds tree level 8L.
TILE_HEIGHT: Final = 8
ENTRY_MAX_BYTES: Final = 65_535  # entry bundles prefix each entry with a big-endian uint16.
EMPTY_ROOT: Final = sha256(b"").digest()


def leaf_hashes(leaves: list[bytes]) -> list[bytes]:
    """RFC 6962 leaf hashes: SHA-256(0x00 || leaf)."""
    return [sha256(b"\x00" + leaf).digest() for leaf in leaves]


def perfect_root(hashes: list[bytes]) -> bytes:
    """Root of a perfect subtree whose bottom row is `hashes` (a power-of-two count)."""
    row = hashes
    while len(row) > 1:
        row = [sha256(b"\x01" + row[k] + row[k + 1]).digest() for k in range(0, len(row), 2)]
    return row[0]


def encode_bundle_part(entries: list[bytes]) -> bytes:
    parts = []
    for e in entries:
        assert len(e) <= ENTRY_MAX_BYTES
        parts.append(len(e).to_bytes(2, "big"))
        parts.append(e)
    return b"".join(parts)


@dataclass(slots=True)
class Segments:
    """What one batch adds to the stored log."""

    entry_segments: list[tuple[int, int, bytes]] = field(default_factory=list)  # (bundle, end, data)
    hash_segments: list[tuple[int, int, int, bytes]] = field(default_factory=list)  # (level, tile, end, data)


class LogAppender:
    """The log's right edge: per tile level, the hashes of the tile still being filled."""

    def __init__(self) -> None:
        self.size = 0
        self._edges: list[list[bytes]] = []  # edges[L]: hashes of the open tile at level L
        self._counts: list[int] = []  # counts[L]: hashes ever appended at level L

    def append(self, leaves: list[bytes], hashes: list[bytes] | None = None) -> Segments:
        """Append leaves (with their leaf hashes, computed if not given)."""
        if hashes is None:
            hashes = leaf_hashes(leaves)
        assert len(hashes) == len(leaves)
        out = Segments()
        start = self.size
        pos = 0
        while pos < len(leaves):  # entry bundles, split at bundle boundaries
            bundle, offset = divmod(start + pos, TILE_WIDTH)
            take = min(TILE_WIDTH - offset, len(leaves) - pos)
            out.entry_segments.append((bundle, offset + take, encode_bundle_part(leaves[pos : pos + take])))
            pos += take
        self._append_level(0, hashes, out)
        self.size += len(leaves)
        return out

    def _append_level(self, level: int, hashes: list[bytes], out: Segments) -> None:
        if level == len(self._edges):
            self._edges.append([])
            self._counts.append(0)
        edge = self._edges[level]
        completed: list[bytes] = []
        pos = 0
        while pos < len(hashes):
            tile, offset = divmod(self._counts[level], TILE_WIDTH)
            take = min(TILE_WIDTH - offset, len(hashes) - pos)
            chunk = hashes[pos : pos + take]
            out.hash_segments.append((level, tile, offset + take, b"".join(chunk)))
            edge.extend(chunk)
            self._counts[level] += take
            pos += take
            if len(edge) == TILE_WIDTH:
                completed.append(perfect_root(edge))
                edge.clear()
        if completed:
            self._append_level(level + 1, completed, out)

    def root(self) -> bytes:
        """RFC 6962 Merkle tree hash of all leaves appended so far."""
        if self.size == 0:
            return EMPTY_ROOT
        # Perfect subtrees of the right edge, left to right: higher tile levels first, and
        # within a level the largest power-of-two chunk first.
        subtrees: list[bytes] = []
        for level in range(len(self._edges) - 1, -1, -1):
            edge = self._edges[level]
            pos = 0
            for bit in range(TILE_HEIGHT - 1, -1, -1):
                width = 1 << bit
                if len(edge) & width:
                    subtrees.append(perfect_root(edge[pos : pos + width]))
                    pos += width
        acc = subtrees[-1]
        for left in reversed(subtrees[:-1]):
            acc = sha256(b"\x01" + left + acc).digest()
        return acc
