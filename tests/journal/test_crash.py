"""Acknowledged means durable: SIGKILL a writer at random moments, reopen, check every ack."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ramp.journal import Journal
from tests.store.backends import Backend

pytestmark = pytest.mark.slow  # kill -9 crash loops: `make test` runs it, `make test-fast` does not

ROOT = Path(__file__).resolve().parents[2]


def test_every_acknowledged_transfer_survives_kill_9(store_backend: Backend):
    url = store_backend.new_url()
    rng = random.Random(7)
    acked: set[str] = set()
    for round_ in range(6):
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.journal.crash_writer", url, str(round_)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        deadline = time.monotonic() + rng.uniform(0.3, 1.5)
        assert child.stdout is not None
        while time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            acked.update(line.split()[1:])
        child.send_signal(signal.SIGKILL)
        # Whatever the child printed before dying was acknowledged too.
        for line in child.stdout:
            acked.update(line.split()[1:])
        child.wait()
        j = Journal(store_backend.open(url), check_invariants=True)  # replays and checks on open
        missing = [t for t in acked if j.engine.transfer(t) is None]
        assert not missing, f"round {round_}: {len(missing)} acknowledged transfers lost"
        total = sum(b[3] - b[1] for b in j.engine.balances().values())
        assert total == 0  # every yen credited somewhere was debited somewhere
        j.close()
    assert len(acked) > 1000  # the test really wrote under fire
