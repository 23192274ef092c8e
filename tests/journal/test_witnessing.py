"""The log gets its checkpoints cosigned by real witness processes, and bundles carry them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ramp.audit.bundle import export_store
from ramp.audit.verify import VerifyFailure, verify_bundle
from ramp.journal import Journal
from ramp.journal.log import LogSigner, create_log_key
from ramp.journal.witnessing import WitnessEndpoint, WitnessSubmitter, cosigned_checkpoint
from ramp.ledger import CreateAccount
from ramp.store import SQLiteStore
from tests.net import free_port, wait_http

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "witnessing.test/ramp"


class WitnessProcess:
    def __init__(self, tmp: Path, name: str, log_vkey: str) -> None:
        self.key = tmp / f"{name}.key"
        out = subprocess.run(
            [sys.executable, "-m", "ramp.tlog.witness_cli", "keygen", "--name", f"witness.test/{name}", "--out",
             str(self.key)], cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        self.vkey = out.stdout.strip().splitlines()[-1]
        self.state = tmp / f"{name}.state"
        self.log_vkey = log_vkey
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ramp.tlog.witness_cli", "serve", "--key", str(self.key), "--state",
             str(self.state), "--log", f"{ORIGIN}={self.log_vkey}", "--port", str(self.port)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        proc = self.proc
        wait_http(self.url + "/", alive=lambda: proc.poll() is None)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@pytest.fixture
def setup(tmp_path):
    key = tmp_path / "log.key"
    log_vkey = create_log_key(str(key), ORIGIN)
    assert key.stat().st_mode & 0o777 == 0o600  # the log's private key is readable by its owner only
    with pytest.raises(FileExistsError):
        create_log_key(str(key), ORIGIN)  # never overwritten
    witnesses = [WitnessProcess(tmp_path, n, log_vkey) for n in ("w1", "w2")]
    for w in witnesses:
        w.start()
    yield tmp_path, LogSigner.from_key_file(str(key), ORIGIN), witnesses
    for w in witnesses:
        w.stop()


def test_checkpoints_are_cosigned_and_verify_offline(setup):
    tmp, log, witnesses = setup
    j = Journal(SQLiteStore(str(tmp / "l.db")), log=log)
    sub = WitnessSubmitter(j, [WitnessEndpoint(w.url, w.vkey) for w in witnesses])
    for batch in range(3):
        j.submit([CreateAccount(id=f"a:{batch}-{i}", asset="JPYD") for i in range(100 + batch)])
        assert sub.submit_latest() == {"witness.test/w1": j.size, "witness.test/w2": j.size}, sub.last_errors
    note = cosigned_checkpoint(j)
    assert note.count("\u2014 witness.test/") == 2
    # A witness restarts: its state survived; the submitter learns its size from a 409 if needed.
    witnesses[0].stop()
    witnesses[0].start()
    j.submit([CreateAccount(id="a:last", asset="JPYD")])
    sub2 = WitnessSubmitter(j, [WitnessEndpoint(w.url, w.vkey) for w in witnesses])  # knows nothing
    assert sub2.submit_latest() == {"witness.test/w1": j.size, "witness.test/w2": j.size}, sub2.last_errors
    j.close()
    store = SQLiteStore(str(tmp / "l.db"))
    export_store(store, str(tmp / "bundle"))
    store.close()
    report = verify_bundle(str(tmp / "bundle"), log_key=log.verifier_key, witness_keys=(witnesses[0].vkey, witnesses[1].vkey))
    assert sorted(report.cosigned_by) == ["witness.test/w1", "witness.test/w2"]
    # Strip one cosignature from the bundle: a verifier requiring that witness refuses it.
    cp = tmp / "bundle" / "checkpoint"
    cp.write_text("".join(line for line in cp.read_text().splitlines(keepends=True) if "witness.test/w2" not in line))
    with pytest.raises(VerifyFailure):
        verify_bundle(str(tmp / "bundle"), log_key=log.verifier_key, witness_keys=(witnesses[1].vkey,))


def test_a_witness_refuses_a_forked_log(setup):
    tmp, log, witnesses = setup
    j = Journal(SQLiteStore(str(tmp / "l.db")), log=log)
    j.submit([CreateAccount(id=f"a:{i}", asset="JPYD") for i in range(50)])
    j.close()
    shutil.copy(tmp / "l.db", tmp / "fork.db")
    honest = Journal(SQLiteStore(str(tmp / "l.db")), log=log)
    honest.submit([CreateAccount(id="honest:1", asset="JPYD")])
    endpoints = [WitnessEndpoint(witnesses[0].url, witnesses[0].vkey)]
    assert WitnessSubmitter(honest, endpoints).submit_latest() == {"witness.test/w1": 51}
    honest.close()
    fork = Journal(SQLiteStore(str(tmp / "fork.db")), log=log)
    fork.submit([CreateAccount(id="fork:1", asset="JPYD")])  # same size 51, another tree
    sub = WitnessSubmitter(fork, endpoints)
    assert sub.submit_latest() == {}
    assert "409" in sub.last_errors["witness.test/w1"] or "kept answering" in sub.last_errors["witness.test/w1"]
    assert fork.store.cosignatures(51) == []
    fork.close()
