"""Proofs and tlog-tiles reads over the committed log, served from the stored hash runs.

Every proof is checked against the root it claims before it is returned: a damaged or altered
hash row in the store yields an error, never a wrong proof. Sizes are those of the committed
log; the root at a size comes from that size's signed checkpoint when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from ramp.refusal import Kind, Refused
from ramp.tlog import merkle
from ramp.tlog.tiles import (
    TILE_WIDTH,
    EntryBundleId,
    TileError,
    TileHashReader,
    TileId,
    encode_entry_bundle,
    parse_tile_path,
    tile_width,
)

if TYPE_CHECKING:
    from ramp.journal.writer import Journal

ENTRIES_PAGE_MAX: Final = 1000  # entries per `entries` read


@dataclass(frozen=True, slots=True)
class InclusionProof:
    index: int
    size: int
    leaf_hash: bytes
    hashes: list[bytes]
    root: bytes


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    hashes: list[bytes]
    old_root: bytes
    new_root: bytes


def _reader(journal: Journal, size: int) -> TileHashReader:
    store = journal.store

    def fetch(tile: TileId) -> bytes:
        start = tile.index * TILE_WIDTH
        return store.read_hashes(tile.level, start, start + tile.width)

    return TileHashReader(size, fetch)


def _check_size(journal: Journal, size: int | None) -> int:
    committed = journal.size
    if size is None:
        return committed
    if not 0 <= size <= committed:
        raise Refused(Kind.INVALID, "size_out_of_range", f"size {size} is not in 0..{committed}")
    return size


def root_at(journal: Journal, size: int) -> bytes:
    """RFC 6962 root of the first `size` committed leaves."""
    size = _check_size(journal, size)
    return merkle.root_from_nodes(size, _reader(journal, size).get_node)


def inclusion(journal: Journal, index: int, size: int | None = None) -> InclusionProof:
    size = _check_size(journal, size)
    if not 0 <= index < size:
        raise Refused(Kind.INVALID, "index_out_of_range", f"leaf {index} is not in a tree of size {size}")
    reader = _reader(journal, size)
    leaf = reader.get_node(0, index)
    hashes = merkle.inclusion_proof(index, size, reader.get_node)
    root = merkle.root_from_nodes(size, reader.get_node)
    merkle.verify_inclusion(leaf, index, size, hashes, root)
    return InclusionProof(index, size, leaf, hashes, root)


def inclusion_for_transfer(journal: Journal, transfer_id: str, size: int | None = None) -> InclusionProof:
    t = journal.engine.transfer(transfer_id)
    if t is None or t.seq >= journal.size:
        raise Refused(Kind.NOT_FOUND, "transfer_not_found", f"no committed transfer {transfer_id!r}")
    return inclusion(journal, t.seq, size)


def consistency(journal: Journal, old_size: int, new_size: int | None = None) -> ConsistencyProof:
    new_size = _check_size(journal, new_size)
    if not 0 <= old_size <= new_size:
        raise Refused(Kind.INVALID, "size_out_of_range", f"old size {old_size} is not in 0..{new_size}")
    reader = _reader(journal, new_size)
    hashes = merkle.consistency_proof(old_size, new_size, reader.get_node) if old_size else []
    old_root = merkle.root_from_nodes(old_size, reader.get_node)
    new_root = merkle.root_from_nodes(new_size, reader.get_node)
    if old_size:
        merkle.verify_consistency(old_size, new_size, hashes, old_root, new_root)
    return ConsistencyProof(old_size, new_size, hashes, old_root, new_root)


def entries(journal: Journal, start: int, end: int) -> list[bytes]:
    """Committed leaf bytes [start, end), at most ENTRIES_PAGE_MAX."""
    size = journal.size
    if not 0 <= start < end <= size or end - start > ENTRIES_PAGE_MAX:
        raise Refused(Kind.INVALID, "range_invalid", f"need 0 <= start < end <= {size}, at most {ENTRIES_PAGE_MAX}")
    return list(journal.store.iter_entries(start, end))


def read_tile_path(journal: Journal, path: str) -> bytes:
    """A tlog-tiles resource (`tile/L/N[.p/W]` or `tile/entries/N[.p/W]`) at the committed size.

    A full tile is served once the tree has it. A partial tile of width W is served whenever the
    tile holds at least W hashes: the spec requires the partial tiles of every size a checkpoint
    was produced for (a mirror may be behind), and the stored runs keep them all."""
    try:
        tid = parse_tile_path(path)
    except TileError as exc:
        raise Refused(Kind.INVALID, "tile_path_invalid", str(exc)) from exc
    size = journal.size
    level = 0 if isinstance(tid, EntryBundleId) else tid.level
    have = tile_width(level, tid.index, size)
    if have == 0 or tid.width > have:
        raise Refused(Kind.NOT_FOUND, "tile_not_found", f"{path} does not exist at size {size}")
    start = tid.index * TILE_WIDTH
    if isinstance(tid, EntryBundleId):
        return encode_entry_bundle(list(journal.store.iter_entries(start, start + tid.width)))
    return journal.store.read_hashes(tid.level, start, start + tid.width)
