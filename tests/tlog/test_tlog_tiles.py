"""tlog-tiles: paths, encodings, which tiles exist, and proofs computed from tiles."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ramp.tlog.merkle import MemoryTree, ProofError, leaf_hash
from ramp.tlog.tiles import (
    ENTRY_MAX_BYTES,
    EntryBundleId,
    TileError,
    TileHashReader,
    TileId,
    build_tile,
    consistency_proof_from_tiles,
    decode_entry_bundle,
    decode_tile,
    encode_entry_bundle,
    inclusion_proof_from_tiles,
    new_tiles,
    node_location,
    parse_tile_path,
    tile_width,
    tiles_for_size,
)

SIZE = 70_000  # the spec's worked example
_ENTRIES = [i.to_bytes(4, "big") for i in range(SIZE)]
_TREE = MemoryTree(leaf_hash(e) for e in _ENTRIES)


def _fetch(tile: TileId) -> bytes:
    return build_tile(tile, _TREE.get_node)


@pytest.mark.parametrize(
    ("tile", "path"),
    [
        (TileId(0, 1234067), "tile/0/x001/x234/067"),
        (TileId(0, 0), "tile/0/000"),
        (TileId(1, 5, 17), "tile/1/005.p/17"),
        (TileId(63, 1000), "tile/63/x001/000"),
        (EntryBundleId(1234067, 255), "tile/entries/x001/x234/067.p/255"),
        (EntryBundleId(0), "tile/entries/000"),
    ],
)
def test_paths_round_trip(tile: TileId | EntryBundleId, path: str) -> None:
    assert tile.path == path
    assert parse_tile_path(path) == tile


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/x000/005",  # non-canonical leading group
        "tile/00/005",
        "tile/64/005",
        "tile/-1/005",
        "tile/0/5",
        "tile/0/0005",
        "tile/0/001/002",  # missing x
        "tile/0/x005",  # x on the last element
        "tile/0/005.p/256",
        "tile/0/005.p/0",
        "tile/0/005.p/07",
        "tile/0/005.p/",
        "tile/0/005.p",
        "tile/0/",
        "tile/entries/",
        "tiles/0/000",
        "tile/0/00a",
    ],
)
def test_bad_paths(path: str) -> None:
    with pytest.raises(TileError):
        parse_tile_path(path)


def test_spec_example_tiles_for_70000() -> None:
    tiles = tiles_for_size(SIZE)
    full0 = [t for t in tiles if t.level == 0 and t.width == 256]
    assert len(full0) == 273
    partial = [t for t in tiles if t.width < 256]
    assert partial == [TileId(0, 273, 112), TileId(1, 1, 17), TileId(2, 0, 1)]
    assert TileId(1, 0) in tiles
    assert tiles_for_size(256) == [TileId(0, 0), TileId(1, 0, 1)]
    assert tiles_for_size(0) == []


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 200_000), st.integers(0, 200_000))
def test_new_tiles_are_the_difference(a: int, b: int) -> None:
    old, new = min(a, b), max(a, b)
    assert set(new_tiles(old, new)) == set(tiles_for_size(new)) - set(tiles_for_size(old))


def test_tile_contents_are_the_nodes_at_level_8l() -> None:
    tile = TileId(1, 1, 17)
    assert tile.node_ids()[0] == (8, 256) and len(tile.node_ids()) == 17
    hashes = decode_tile(_fetch(tile), 17)
    assert hashes[3] == _TREE.get_node(8, 259)
    level0 = decode_tile(_fetch(TileId(0, 273, 112)), 112)
    assert level0[0] == leaf_hash(_ENTRIES[273 * 256])
    assert tile_width(0, 273, SIZE) == 112 and tile_width(0, 274, SIZE) == 0
    assert node_location(11, 5) == (1, 0, 40, 8)
    with pytest.raises(TileError):
        decode_tile(b"\x00" * 33, 1)


def test_entry_bundles() -> None:
    entries = [b"", b"a", b"x" * ENTRY_MAX_BYTES]
    data = encode_entry_bundle(entries)
    assert data[:2] == b"\x00\x00" and data[2:5] == b"\x00\x01a"
    assert decode_entry_bundle(data, 3) == entries
    with pytest.raises(TileError):
        decode_entry_bundle(data, 2)
    with pytest.raises(TileError):
        decode_entry_bundle(data[:-1])
    with pytest.raises(TileError):
        decode_entry_bundle(b"\x00")
    with pytest.raises(TileError):
        encode_entry_bundle([b"x" * (ENTRY_MAX_BYTES + 1)])
    with pytest.raises(TileError):
        decode_entry_bundle(b"\x00\x00" * 257)
    # A level-0 tile and its bundle describe the same leaves.
    bundle = encode_entry_bundle(_ENTRIES[256:512])
    leaves = [leaf_hash(e) for e in decode_entry_bundle(bundle, 256)]
    assert leaves == decode_tile(_fetch(TileId(0, 1)), 256)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, SIZE), st.data())
def test_proofs_from_tiles_match_proofs_from_nodes(size: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, size - 1))
    root = _TREE.root(size)
    proof = inclusion_proof_from_tiles(leaf_hash(_ENTRIES[index]), index, size, root, _fetch)
    assert proof == _TREE.inclusion_proof(index, size)
    size1 = data.draw(st.integers(1, size))
    proof = consistency_proof_from_tiles(size1, size, _TREE.root(size1), root, _fetch)
    assert proof == _TREE.consistency_proof(size1, size)


def test_tiles_only_at_widths_the_size_requires() -> None:
    fetched: list[TileId] = []

    def fetch(tile: TileId) -> bytes:
        fetched.append(tile)
        return _fetch(tile)

    reader = TileHashReader(1000, fetch)
    assert reader.get_node(9, 0) == _TREE.get_node(9, 0)
    assert reader.get_node(0, 999) == _TREE.get_node(0, 999)
    assert fetched == [TileId(1, 0, 3), TileId(0, 3, 232)]
    with pytest.raises(ValueError):
        reader.get_node(0, 1000)


def test_bad_tiles_are_caught_by_verification() -> None:
    def lying_fetch(tile: TileId) -> bytes:
        data = bytearray(_fetch(tile))
        data[0] ^= 1
        return bytes(data)

    with pytest.raises(ProofError):
        inclusion_proof_from_tiles(leaf_hash(_ENTRIES[5]), 5, 1000, _TREE.root(1000), lying_fetch)
    with pytest.raises(TileError):
        inclusion_proof_from_tiles(
            leaf_hash(_ENTRIES[5]), 5, 1000, _TREE.root(1000), lambda t: _fetch(t)[:-1]
        )
