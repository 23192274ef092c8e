"""Proofs and tlog-tiles reads served from the store, checked with the RFC 9162 algorithms."""

from __future__ import annotations

import sqlite3

import pytest

from ramp.journal import Journal, proofs
from ramp.ledger import CreateAccount, CreateTransfer
from ramp.refusal import Refused
from ramp.store import SQLiteStore
from ramp.tlog import merkle
from ramp.tlog.merkle import leaf_hashes
from ramp.tlog.tiles import TileHashReader, decode_entry_bundle, inclusion_proof_from_tiles

SIZES = [1, 255, 256, 257, 700, 1025]


@pytest.fixture(scope="module")
def journal(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("proofs") / "l.db")
    j = Journal(SQLiteStore(path))
    j.submit([CreateAccount(id="treasury:issuer", asset="JPYD"), CreateAccount(id="line:a", asset="JPYD")])
    seq = 2
    for target in SIZES[2:]:  # batches ending exactly at interesting sizes
        j.submit([CreateTransfer(id=f"t{k}", debit_account="treasury:issuer", credit_account="line:a", amount=1,
                                 asset="JPYD", code="MINT") for k in range(seq, target)])  # fmt: skip
        seq = target
    yield j
    j.close()


def test_inclusion_proofs_verify_for_every_leaf_at_several_sizes(journal):
    leaves = list(journal.store.iter_entries())
    hashes = leaf_hashes(leaves)
    for size in [2, 255, 256, 257, 700, 1025]:
        root = proofs.root_at(journal, size)
        assert root == merkle.MemoryTree(hashes[:size]).root()
        for index in sorted({0, 1, size // 2, size - 1}):
            p = proofs.inclusion(journal, index, size)
            assert p.leaf_hash == hashes[index]
            merkle.verify_inclusion(hashes[index], index, size, p.hashes, root)


def test_inclusion_by_transfer_id(journal):
    p = proofs.inclusion_for_transfer(journal, "t300")
    t = journal.engine.transfer("t300")
    assert p.index == t.seq and p.size == journal.size
    with pytest.raises(Refused) as err:
        proofs.inclusion_for_transfer(journal, "nope")
    assert err.value.code == "transfer_not_found"


def test_consistency_proofs_between_any_two_sizes(journal):
    for old in [1, 2, 255, 256, 257, 500, 1024, 1025]:
        c = proofs.consistency(journal, old)
        merkle.verify_consistency(old, journal.size, c.hashes, c.old_root, c.new_root)
        assert c.old_root == proofs.root_at(journal, old)


def test_out_of_range_requests_are_errors_not_crashes(journal):
    for call, code in [
        (lambda: proofs.inclusion(journal, journal.size), "index_out_of_range"),
        (lambda: proofs.inclusion(journal, 0, journal.size + 1), "size_out_of_range"),
        (lambda: proofs.consistency(journal, journal.size + 1), "size_out_of_range"),
        (lambda: proofs.entries(journal, 5, 5), "range_invalid"),
        (lambda: proofs.read_tile_path(journal, "tile/0/005"), "tile_not_found"),
        (lambda: proofs.read_tile_path(journal, "tile/0/x001"), "tile_path_invalid"),
        (lambda: proofs.read_tile_path(journal, "tile/0/004.p/7"), "tile_not_found"),
        (lambda: proofs.read_tile_path(journal, "tile/../../etc/passwd"), "tile_path_invalid"),
    ]:
        with pytest.raises(Refused) as err:
            call()
        assert err.value.code == code


def test_tiles_let_a_generic_client_compute_proofs(journal):
    size = journal.size
    root = proofs.root_at(journal, size)

    def fetch(tile):
        return proofs.read_tile_path(journal, tile.path)

    leaves = list(journal.store.iter_entries())
    leaf = merkle.leaf_hash(leaves[777])
    proof = inclusion_proof_from_tiles(leaf, 777, size, root, fetch)
    assert proof == proofs.inclusion(journal, 777).hashes
    full = decode_entry_bundle(proofs.read_tile_path(journal, "tile/entries/001"), 256)
    assert full == leaves[256:512]
    partial = size % 256
    assert decode_entry_bundle(proofs.read_tile_path(journal, f"tile/entries/004.p/{partial}"), partial) == leaves[1024:]
    assert TileHashReader(size, fetch).get_node(8, 1) == merkle.MemoryTree(leaf_hashes(leaves)).get_node(8, 1)
    # A mirror one checkpoint behind still gets the partial tiles of its size (spec: MUST).
    hashes = leaf_hashes(leaves)
    assert proofs.read_tile_path(journal, "tile/0/002.p/188") == b"".join(hashes[512:700])
    assert decode_entry_bundle(proofs.read_tile_path(journal, "tile/entries/002.p/188"), 188) == leaves[512:700]


def test_a_damaged_hash_row_never_yields_a_wrong_proof(tmp_path):
    path = str(tmp_path / "l.db")
    j = Journal(SQLiteStore(path))
    j.submit([CreateAccount(id=f"a:{i}", asset="JPYD") for i in range(300)])
    j.close()
    db = sqlite3.connect(path)
    db.execute("UPDATE hash_runs SET data = zeroblob(length(data)) WHERE level = 1")
    db.commit()
    db.close()
    j = Journal(SQLiteStore(path))  # opens: the tree is recomputed from the entries
    with pytest.raises(merkle.ProofError):
        proofs.inclusion(j, 0)
    j.close()
