"""The witness as a real process: `python -m ramp.tlog.witness_cli serve` on a free port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ramp.tlog.checkpoint import Checkpoint
from ramp.tlog.cosignature import CosignatureVerifier
from ramp.tlog.merkle import MemoryTree, leaf_hash
from ramp.tlog.note import Ed25519Signer, generate_key, open_note, sign_note
from ramp.tlog.witness import WitnessConflictError, submit_checkpoint
from tests.net import free_port

ORIGIN = "example.com/ledger"
STARTUP_TIMEOUT_S = 20.0


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ramp.tlog.witness_cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "ramp.tlog.witness_cli", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"witness exited with {proc.returncode}:\n{log.read_text()}")
        try:
            httpx.get(url + "/", timeout=0.5)  # any answer (404) means it is serving
            return
        except httpx.TransportError:
            time.sleep(0.05)
    pytest.fail(f"witness did not start:\n{log.read_text()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def test_witness_process_cosigns_and_keeps_state(tmp_path: Path) -> None:
    key_file = tmp_path / "witness.key"
    keygen = _run_cli("keygen", "--name", "witness.example/w1", "--out", str(key_file))
    assert keygen.returncode == 0, keygen.stderr
    witness_vkey = keygen.stdout.strip()
    assert oct(os.stat(key_file).st_mode & 0o777) == "0o600"

    log_signer = Ed25519Signer.from_skey(generate_key(ORIGIN)[0])
    tree = MemoryTree(leaf_hash(b"event %d" % i) for i in range(20))

    def signed(size: int) -> str:
        return sign_note(Checkpoint(ORIGIN, size, tree.root(size)).format(), [log_signer])

    state = tmp_path / "state.db"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    serve = [
        "serve",
        "--key",
        str(key_file),
        "--state",
        str(state),
        "--log",
        f"{ORIGIN}={log_signer.verifier_key().encode()}",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    witness_key = CosignatureVerifier.from_vkey(witness_vkey)
    log = tmp_path / "witness.log"
    proc = _start(serve, log)
    try:
        _wait_ready(url, proc, log)
        lines = submit_checkpoint(url, 0, [], signed(7), 5.0, witness_keys=[witness_key])
        assert len(lines) == 1
        note = open_note(signed(7) + lines[0] + "\n", [witness_key])
        assert note.signatures[0].name == "witness.example/w1"
        proof = tree.consistency_proof(7, 12)
        submit_checkpoint(url, 7, proof, signed(12), 5.0, witness_keys=[witness_key])
    finally:
        _stop(proc)

    # A new process on the same state remembers size 12.
    proc = _start(serve, log)
    try:
        _wait_ready(url, proc, log)
        with pytest.raises(WitnessConflictError) as info:
            submit_checkpoint(url, 0, [], signed(12), 5.0)
        assert info.value.latest_size == 12
        response = httpx.post(url + "/add-checkpoint", content=b"garbage", timeout=5.0)
        assert response.status_code == 400
    finally:
        _stop(proc)


def test_serve_refuses_a_world_readable_key(tmp_path: Path) -> None:
    key_file = tmp_path / "witness.key"
    assert _run_cli("keygen", "--name", "w", "--out", str(key_file)).returncode == 0
    key_file.chmod(0o644)
    vkey = Ed25519Signer.from_skey(generate_key(ORIGIN)[0]).verifier_key().encode()
    result = _run_cli(
        "serve", "--key", str(key_file), "--state", str(tmp_path / "s.db"),
        "--log", f"{ORIGIN}={vkey}", "--port", str(free_port()),
    )  # fmt: skip
    assert result.returncode == 2
    assert "0600" in result.stderr
