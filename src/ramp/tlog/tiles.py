"""C2SP tlog-tiles (c2sp.org/tlog-tiles@v0.1.0): paths, tile and entry bundle encodings.

Tile (L, N) holds tree nodes (8*L, 256*N + i) for i < width: in merkle's complete-subtree
addressing a server builds tiles straight from stored nodes, and a client turns tiles back
into nodes, hence into proofs it then verifies against a trusted checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from ramp.tlog import merkle
from ramp.tlog.merkle import HASH_SIZE, TREE_SIZE_MAX, NodeId

TILE_HEIGHT: Final = 8  # tile level L holds tree level 8L
TILE_WIDTH: Final = 1 << TILE_HEIGHT  # hashes in a full tile, entries in a full bundle
TILE_LEVEL_MAX: Final = 63
ENTRY_MAX_BYTES: Final = 0xFFFF  # a bundle prefixes each entry with a big-endian uint16 length
_TILE_PREFIX = "tile/"
_ENTRIES_PREFIX = "tile/entries/"


class TileError(ValueError):
    """A tile path, tile body or entry bundle is malformed."""


@dataclass(frozen=True, slots=True)
class TileId:
    """Tile `index` at tile `level`, `width` hashes wide (TILE_WIDTH when full)."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if not 0 <= self.level <= TILE_LEVEL_MAX:
            raise TileError(f"tile level {self.level} outside 0..{TILE_LEVEL_MAX}")
        _check_index_width(self.index, self.width)

    @property
    def path(self) -> str:
        return f"{_TILE_PREFIX}{self.level}/{_encode_index(self.index, self.width)}"

    def node_ids(self) -> list[NodeId]:
        """The (level, index) tree nodes this tile holds, in order."""
        level = TILE_HEIGHT * self.level
        first = self.index * TILE_WIDTH
        return [(level, first + i) for i in range(self.width)]


@dataclass(frozen=True, slots=True)
class EntryBundleId:
    """Entry bundle `index` (entries 256*index ...), `width` entries long."""

    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        _check_index_width(self.index, self.width)

    @property
    def path(self) -> str:
        return f"{_ENTRIES_PREFIX}{_encode_index(self.index, self.width)}"

    @property
    def first_entry(self) -> int:
        return self.index * TILE_WIDTH


def _check_index_width(index: int, width: int) -> None:
    if not 0 <= index <= TREE_SIZE_MAX // TILE_WIDTH:
        raise TileError(f"tile index {index} out of range")
    if not 1 <= width <= TILE_WIDTH:
        raise TileError(f"tile width {width} outside 1..{TILE_WIDTH}")


def _encode_index(index: int, width: int) -> str:
    # Three-digit path elements, all but the last prefixed with "x": 1234067 -> x001/x234/067.
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if not index:
            break
    groups.reverse()
    path = "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])
    return path if width == TILE_WIDTH else f"{path}.p/{width}"


def _parse_decimal(text: str, what: str) -> int:
    if not text or not text.isascii() or not text.isdigit() or (text[0] == "0" and text != "0"):
        raise TileError(f"{what} {text!r} is not a decimal without leading zeros")
    return int(text)


def _parse_index(elements: list[str]) -> tuple[int, int]:
    """Parse N[.p/W] path elements into (index, width)."""
    width = TILE_WIDTH
    if len(elements) >= 2 and elements[-2].endswith(".p"):
        width = _parse_decimal(elements[-1], "tile width")
        if width >= TILE_WIDTH or width == 0:
            raise TileError(f"partial tile width {width} outside 1..255")
        elements = [*elements[:-2], elements[-2][: -len(".p")]]
    if not elements:
        raise TileError("tile path has no index")
    index = 0
    last = len(elements) - 1
    for i, element in enumerate(elements):
        if i < last:
            if not element.startswith("x"):
                raise TileError(f"tile index element {element!r} lacks its 'x' prefix")
            digits = element[1:]
        else:
            digits = element
        if len(digits) != 3 or not digits.isascii() or not digits.isdigit():
            raise TileError(f"tile index element {element!r} is not three digits")
        index = index * 1000 + int(digits)
    _check_index_width(index, width)
    # One index, one path: reject leading "x000/" elements.
    if _encode_index(index, width).split(".p/")[0] != "/".join(elements):
        raise TileError("tile index is not in canonical form")
    return index, width


def parse_tile_path(path: str) -> TileId | EntryBundleId:
    """Parse "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]" (no URL prefix)."""
    if path.startswith(_ENTRIES_PREFIX):
        index, width = _parse_index(path[len(_ENTRIES_PREFIX) :].split("/"))
        return EntryBundleId(index, width)
    if not path.startswith(_TILE_PREFIX):
        raise TileError(f"not a tile path: {path!r}")
    level_text, _, rest = path[len(_TILE_PREFIX) :].partition("/")
    level = _parse_decimal(level_text, "tile level")
    if level > TILE_LEVEL_MAX:
        raise TileError(f"tile level {level} outside 0..{TILE_LEVEL_MAX}")
    index, width = _parse_index(rest.split("/"))
    return TileId(level, index, width)


# --------------------------------------------------------------------------- which tiles


def tile_width(level: int, index: int, tree_size: int) -> int:
    """Width of tile (level, index) in a tree of `tree_size` leaves; 0 if it has no hashes."""
    hashes_at_level = tree_size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, hashes_at_level - index * TILE_WIDTH))


def tiles_for_size(tree_size: int) -> list[TileId]:
    """Every tile of a tree of `tree_size` leaves: full ones, then the partial one per level."""
    tiles: list[TileId] = []
    level = 0
    while level <= TILE_LEVEL_MAX:
        hashes = tree_size >> (TILE_HEIGHT * level)
        if not hashes:
            break
        full, partial = divmod(hashes, TILE_WIDTH)
        tiles.extend(TileId(level, n) for n in range(full))
        if partial:
            tiles.append(TileId(level, full, partial))
        level += 1
    return tiles


def new_tiles(old_size: int, new_size: int) -> list[TileId]:
    """The tiles that exist at `new_size` but not (with that width) at `old_size`.

    A log growing from old_size to new_size writes exactly these; entry bundles follow the
    level-0 tiles (same index and width).
    """
    if not 0 <= old_size <= new_size <= TREE_SIZE_MAX:
        raise ValueError(f"need 0 <= old_size <= new_size, got {old_size}, {new_size}")
    tiles: list[TileId] = []
    level = 0
    while level <= TILE_LEVEL_MAX:
        shift = TILE_HEIGHT * level
        old_hashes, new_hashes = old_size >> shift, new_size >> shift
        if new_hashes == old_hashes:
            break
        for n in range(old_hashes // TILE_WIDTH, (new_hashes - 1) // TILE_WIDTH + 1):
            tiles.append(TileId(level, n, tile_width(level, n, new_size)))
        level += 1
    return tiles


def node_location(level: int, index: int) -> tuple[int, int, int, int]:
    """Where complete subtree (level, index) lives: (tile level, tile index, offset, count).

    The node is the Merkle root of `count` consecutive hashes of that tile from `offset`.
    """
    tile_level, height = divmod(level, TILE_HEIGHT)
    first = index << height
    return tile_level, first // TILE_WIDTH, first % TILE_WIDTH, 1 << height


# --------------------------------------------------------------------------- encodings


def encode_tile(hashes: Sequence[bytes]) -> bytes:
    if not 1 <= len(hashes) <= TILE_WIDTH:
        raise TileError(f"a tile holds 1..{TILE_WIDTH} hashes, got {len(hashes)}")
    for h in hashes:
        if len(h) != HASH_SIZE:
            raise TileError(f"tile hash has {len(h)} bytes")
    return b"".join(hashes)


def decode_tile(data: bytes, width: int) -> list[bytes]:
    if len(data) != width * HASH_SIZE:
        raise TileError(f"tile of width {width} must be {width * HASH_SIZE} bytes, got {len(data)}")
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def build_tile(tile: TileId, get_node: merkle.GetNode) -> bytes:
    """Serve a tile from stored complete subtrees."""
    return encode_tile([get_node(level, index) for level, index in tile.node_ids()])


def encode_entries(entries: Sequence[bytes]) -> bytes:
    """Entry-bundle encoding of any number of consecutive entries: each entry as a big-endian
    uint16 length and its bytes. A bundle is such a run of at most TILE_WIDTH entries; a
    store keeps a batch's longer run and serves bundles as slices of it."""
    parts = []
    append = parts.append
    for entry in entries:
        n = len(entry)
        if n > ENTRY_MAX_BYTES:
            raise TileError(f"entry of {n} bytes exceeds {ENTRY_MAX_BYTES}")
        append(n.to_bytes(2, "big"))
        append(entry)
    return b"".join(parts)


def decode_entries(data: bytes, count: int) -> list[bytes]:
    """Split a run of exactly `count` entries in entry-bundle encoding (a store's batch run)."""
    entries = _split_entries(data, count)
    if len(entries) != count:
        raise TileError(f"run holds {len(entries)} entries, expected {count}")
    return entries


def encode_entry_bundle(entries: Sequence[bytes]) -> bytes:
    if not 1 <= len(entries) <= TILE_WIDTH:
        raise TileError(f"a bundle holds 1..{TILE_WIDTH} entries, got {len(entries)}")
    return encode_entries(entries)


def decode_entry_bundle(data: bytes, width: int | None = None) -> list[bytes]:
    """Split a bundle; with `width`, it must hold exactly that many entries."""
    entries = _split_entries(data, TILE_WIDTH)
    if width is not None and len(entries) != width:
        raise TileError(f"bundle holds {len(entries)} entries, expected {width}")
    return entries


def _split_entries(data: bytes, limit: int) -> list[bytes]:
    """The entries of an entry-bundle encoding; more than `limit` of them is an error (the
    bound stops a malformed run early)."""
    entries: list[bytes] = []
    append = entries.append
    pos = 0
    n = len(data)
    while pos < n:
        if len(entries) == limit:
            raise TileError(f"more than {limit} entries")
        start = pos + 2
        if start > n:
            raise TileError("truncated entry length")
        pos = start + int.from_bytes(data[pos:start], "big")
        if pos > n:
            raise TileError("truncated entry")
        append(data[start:pos])
    return entries


# --------------------------------------------------------------------------- client side


FetchTile = Callable[[TileId], bytes]


class TileHashReader:
    """Complete-subtree hashes of a tree of `tree_size` leaves, read from its tiles.

    Tiles are untrusted: proofs built from them must be verified against a trusted
    checkpoint root (inclusion_proof_from_tiles and consistency_proof_from_tiles do).
    """

    __slots__ = ("_tree_size", "_fetch", "_cache")

    def __init__(self, tree_size: int, fetch_tile: FetchTile) -> None:
        if not 0 <= tree_size <= TREE_SIZE_MAX:
            raise ValueError(f"tree size {tree_size} is not a uint64")
        self._tree_size = tree_size
        self._fetch = fetch_tile
        self._cache: dict[tuple[int, int], list[bytes]] = {}

    def tile_hashes(self, level: int, index: int) -> list[bytes]:
        key = (level, index)
        hashes = self._cache.get(key)
        if hashes is None:
            width = tile_width(level, index, self._tree_size)
            if width == 0:
                raise TileError(f"tile {level}/{index} is empty at size {self._tree_size}")
            tile = TileId(level, index, width)
            hashes = decode_tile(self._fetch(tile), width)
            self._cache[key] = hashes
        return hashes

    def get_node(self, level: int, index: int) -> bytes:
        if (index + 1) << level > self._tree_size:
            raise ValueError(f"node ({level}, {index}) is not complete at size {self._tree_size}")
        tile_level, tile_index, offset, count = node_location(level, index)
        return merkle.perfect_root(self.tile_hashes(tile_level, tile_index)[offset : offset + count])


def inclusion_proof_from_tiles(
    leaf_hash: bytes, index: int, tree_size: int, root: bytes, fetch_tile: FetchTile
) -> list[bytes]:
    """An inclusion proof computed from tiles, verified against the trusted `root`."""
    reader = TileHashReader(tree_size, fetch_tile)
    proof = merkle.inclusion_proof(index, tree_size, reader.get_node)
    merkle.verify_inclusion(leaf_hash, index, tree_size, proof, root)
    return proof


def consistency_proof_from_tiles(
    size1: int, size2: int, root1: bytes, root2: bytes, fetch_tile: FetchTile
) -> list[bytes]:
    """A consistency proof computed from the tiles of tree size2, verified against both roots."""
    reader = TileHashReader(size2, fetch_tile)
    proof = merkle.consistency_proof(size1, size2, reader.get_node)
    merkle.verify_consistency(size1, size2, proof, root1, root2)
    return proof
