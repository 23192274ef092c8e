"""Acknowledged means durable, through the whole service, on both stores.

8 concurrent signed clients post random transfers among accounts that may not go negative;
the server is SIGKILLed at random moments and restarted, several times. At the end: every
acknowledged transfer is in the log exactly once, balances sum to the funded total, none is
negative, the log verifies offline, and every checkpoint a client saw is consistent with it.
"""

from __future__ import annotations

import random
import threading
import time

import httpx
import pytest

from ramp.audit.verify import main as verify_main
from ramp.client import RampClient
from ramp.journal import Journal
from ramp.journal.envelope import split_opening
from ramp.ledger.events import TransferApplied, decode_event
from ramp.store import open_store
from tests.api.service_fixture import Server, ramp

pytestmark = pytest.mark.slow  # kill -9 crash loops: `make test` runs it, `make test-fast` does not

ACCOUNTS = [f"ops25:line:{i}" for i in range(10)]
FUNDING = 1_000_000
CLIENTS = 8
ROUNDS = 6


def _client_loop(url: str, key_file: str, n: int, stop: threading.Event, acked: set, seen: list) -> None:
    rng = random.Random(n)
    client = RampClient(url, key_file=key_file, timeout_s=5)
    k = 0
    pending: dict | None = None
    while not stop.is_set():
        if pending is None:
            k += 1
            debit, credit = rng.sample(ACCOUNTS, 2)
            pending = {"id": f"c{n}-{k}", "debit_account": debit, "credit_account": credit,
                       "amount": rng.randrange(1, 50_000), "asset": "JPYD", "code": "TRANSFER"}  # fmt: skip
        try:
            r = client.post("/v1/transfers", json={"transfers": [pending]})
            if r.status_code == 200:
                result = r.json()["results"][0]["result"]
                if result in ("ok", "exists"):
                    acked.add(pending["id"])
                pending = None  # refused (e.g. exceeds_credits) is an answer too
            if rng.random() < 0.05:
                cp = httpx.get(url + "/v1/log/checkpoint", timeout=5)
                if cp.status_code == 200:
                    seen.append(cp.text)
        except httpx.TransportError:
            time.sleep(0.05)  # server down: retry the same id (idempotent) until it answers
    client.close()


def test_kill_9_under_concurrent_signed_load(store_url, tmp_path):
    admin_key = str(tmp_path / "admin.json")
    ramp("init", "--db", store_url, "--origin", "crash.test/ramp", "--admin-key-out", admin_key,
         "--log-key-out", str(tmp_path / "log.key"))  # fmt: skip
    server = Server(store_url)
    server.start()
    admin = RampClient(server.url, key_file=admin_key)
    assert admin.post("/v1/accounts", json={"accounts": [{"id": "bank:issuer", "asset": "JPYD"}] + [
        {"id": a, "asset": "JPYD", "flags": ["debits_must_not_exceed_credits"]} for a in ACCOUNTS]}).status_code == 200
    r = admin.post("/v1/transfers", json={"transfers": [
        {"id": f"fund-{i}", "debit_account": "bank:issuer", "credit_account": a, "amount": FUNDING,
         "asset": "JPYD", "code": "MINT"} for i, a in enumerate(ACCOUNTS)]})  # fmt: skip
    assert {x["result"] for x in r.json()["results"]} == {"ok"}
    admin.close()

    acked: set[str] = set()
    seen: list[str] = []
    stop = threading.Event()
    threads = [threading.Thread(target=_client_loop, args=(server.url, admin_key, n, stop, acked, seen))
               for n in range(CLIENTS)]  # fmt: skip
    for t in threads:
        t.start()
    rng = random.Random(11)
    try:
        for _ in range(ROUNDS):
            time.sleep(rng.uniform(0.4, 1.2))
            server.kill()
            time.sleep(rng.uniform(0.0, 0.3))
            server.start()
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        server.stop()
    assert len(acked) > 100, "the clients got too little through to test anything"
    assert seen, "no client saw a checkpoint: the consistency check below would be empty"

    journal = Journal(open_store(store_url))  # replays and checks everything on open
    try:
        counts: dict[str, int] = {}
        for opening in journal.store.iter_openings():  # each leaf's opening: the event itself
            event = decode_event(split_opening(opening)[1])
            if isinstance(event, TransferApplied):
                counts[event.id] = counts.get(event.id, 0) + 1
        missing = [i for i in acked if counts.get(i) != 1]
        assert not missing, f"{len(missing)} acknowledged transfers not present exactly once"
        balances = [journal.read.account(a) for a in ACCOUNTS]
        assert sum(b.balance for b in balances) == FUNDING * len(ACCOUNTS)
        assert all(b.balance >= 0 for b in balances)
    finally:
        journal.close()
    known = tmp_path / "seen"
    known.mkdir()
    args = ["--db", store_url]
    for i, note in enumerate(seen):
        (known / f"{i}.txt").write_text(note)
        args += ["--known-checkpoint", str(known / f"{i}.txt")]
    assert verify_main(args) == 0  # the log verifies, and every checkpoint seen is consistent with it
