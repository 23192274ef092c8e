"""Extends the verifiable log by a batch of leaves, producing what the store must append.

A batch writes only what it adds, as *runs*: one run of entries (entry-bundle encoding: each
entry as a big-endian uint16 length and its bytes) and, per tile level L, one run of the 32-byte
hashes it adds at tree level 8L. Tiles and entry bundles of C2SP tlog-tiles are slices of the
runs that overlap them, so nothing is ever rewritten, small batches cause no write
amplification, and a commit is a handful of statements (few GIL hand-offs for the committer).
The tree root is computed from the right edge of each tile level (RFC 6962 / RFC 9162).
Hashing, the entry encoding and the tile geometry are `ramp.tlog`'s: this module only keeps
the right edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ramp.tlog.merkle import EMPTY_ROOT, leaf_hashes, node_hash, perfect_root
from ramp.tlog.tiles import TILE_HEIGHT, TILE_WIDTH, encode_entries


@dataclass(slots=True)
class Runs:
    """What one batch adds to the stored log."""

    first_seq: int
    entries: bytes  # entry-bundle encoding of the batch's entries
    hashes: list[tuple[int, int, bytes]] = field(default_factory=list)  # (level, first index, hashes)


class LogAppender:
    """The log's right edge: per tile level, the hashes of the tile still being filled."""

    def __init__(self) -> None:
        self.size = 0
        self._edges: list[list[bytes]] = []  # edges[L]: hashes of the open tile at level L
        self._counts: list[int] = []  # counts[L]: hashes ever appended at level L

    def append(self, leaves: list[bytes], hashes: list[bytes] | None = None) -> Runs:
        """Append leaves (with their leaf hashes, computed if not given)."""
        if hashes is None:
            hashes = leaf_hashes(leaves)
        assert len(hashes) == len(leaves)
        out = Runs(first_seq=self.size, entries=encode_entries(leaves))
        self._append_level(0, hashes, out)
        self.size += len(leaves)
        return out

    def _append_level(self, level: int, hashes: list[bytes], out: Runs) -> None:
        if level == len(self._edges):
            self._edges.append([])
            self._counts.append(0)
        out.hashes.append((level, self._counts[level], b"".join(hashes)))
        self._counts[level] += len(hashes)
        edge = self._edges[level]
        completed: list[bytes] = []
        pos = 0
        while pos < len(hashes):
            take = min(TILE_WIDTH - len(edge), len(hashes) - pos)
            edge.extend(hashes[pos : pos + take])
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
            acc = node_hash(left, acc)
        return acc
