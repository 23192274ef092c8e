"""A generic tlog-tiles client mirrors the log over real HTTP and checks it against the checkpoint."""

from __future__ import annotations

import contextlib
import random
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ramp.audit.bundle import entry_bundle_ids
from ramp.journal import Journal
from ramp.journal.log import LogSigner, create_log_key, verify_checkpoint
from ramp.ledger import CreateAccount
from ramp.store import SQLiteStore
from ramp.tlog import merkle
from ramp.tlog.tiles import decode_entry_bundle, inclusion_proof_from_tiles, tiles_for_size
from tests.net import free_port, wait_http

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "mirror.test/ramp"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mirror")
    vkey = create_log_key(str(tmp / "log.key"), ORIGIN)
    j = Journal(SQLiteStore(str(tmp / "l.db")), log=LogSigner.from_key_file(str(tmp / "log.key"), ORIGIN))
    for b in range(4):
        j.submit([CreateAccount(id=f"a:{b}-{i}", asset="JPYD") for i in range(333)])
    j.close()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ramp.cli", "log-serve", "--db", str(tmp / "l.db"), "--port", str(port),
         "--prefix", "/tlog"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/tlog"
    wait_http(base + "/checkpoint", alive=lambda: proc.poll() is None)
    yield base, vkey
    proc.terminate()
    proc.wait(timeout=10)


def test_mirror_the_log_and_check_everything_against_the_checkpoint(server):
    base, vkey = server
    with httpx.Client(base_url=base) as http:
        r = http.get("/checkpoint")
        assert r.status_code == 200 and r.headers["content-type"] == "text/plain; charset=utf-8"
        cp = verify_checkpoint(r.text, vkey, ORIGIN)
        size = cp.size
        leaves = []
        for bid in entry_bundle_ids(size):
            r = http.get("/" + bid.path)
            assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
            leaves += decode_entry_bundle(r.content, bid.width)
        hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
        tree = merkle.MemoryTree(hashes)
        assert tree.root() == cp.root_hash
        for tid in tiles_for_size(size):
            r = http.get("/" + tid.path)
            assert r.status_code == 200
            assert r.content == b"".join(tree.get_node(8 * tid.level, tid.index * 256 + i) for i in range(tid.width))

        def fetch(tile):
            resp = http.get("/" + tile.path)
            resp.raise_for_status()
            return resp.content

        for index in random.Random(3).sample(range(size), 20):
            proof = inclusion_proof_from_tiles(hashes[index], index, size, cp.root_hash, fetch)
            merkle.verify_inclusion(hashes[index], index, size, proof, cp.root_hash)


def test_missing_and_malformed_paths(server):
    base, _ = server
    with httpx.Client(base_url=base) as http:
        assert http.get("/tile/0/999").status_code == 404
        assert http.get("/tile/entries/x001").status_code == 400
        assert http.get("/tile/9/000").status_code == 404
        assert http.post("/checkpoint").status_code == 405


def test_served_checkpoint_carries_witness_cosignatures(tmp_path):
    from tests.journal.test_witnessing import ORIGIN as W_ORIGIN
    from tests.journal.test_witnessing import WitnessProcess

    vkey = create_log_key(str(tmp_path / "log.key"), W_ORIGIN)
    j = Journal(SQLiteStore(str(tmp_path / "l.db")), log=LogSigner.from_key_file(str(tmp_path / "log.key"), W_ORIGIN))
    j.submit([CreateAccount(id=f"a:{i}", asset="JPYD") for i in range(10)])
    j.close()
    witness = WitnessProcess(tmp_path, "w1", vkey)
    witness.start()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ramp.cli", "log-serve", "--db", str(tmp_path / "l.db"), "--port", str(port),
         "--witness", f"{witness.url}={witness.vkey}"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        note = ""
        while time.monotonic() < deadline and "witness.test/w1" not in note:
            with contextlib.suppress(httpx.TransportError):  # not listening yet
                note = httpx.get(f"http://127.0.0.1:{port}/checkpoint", timeout=0.5).text
            time.sleep(0.1)
        assert "\u2014 witness.test/w1 " in note
        verify_checkpoint(note, vkey, W_ORIGIN)  # the log's own signature is still there and valid
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        witness.stop()
