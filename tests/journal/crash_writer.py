"""Child process for the crash test: writes batches forever, printing each acknowledgement.

Usage: python -m tests.journal.crash_writer STORE_URL SEED, where STORE_URL is anything
`ramp.store.open_store` accepts (a SQLite path, a postgresql:// URL). Prints `ack <id> <id> ...` after every
batch whose results came back `ok`; the parent kills it with SIGKILL at a random moment.
"""

from __future__ import annotations

import random
import sys

from ramp.journal import Journal
from ramp.ledger import CreateAccount, CreateTransfer
from ramp.store import open_store

ACCOUNTS = [f"line:{i}" for i in range(20)]


def main() -> None:
    url, seed = sys.argv[1], int(sys.argv[2])
    j = Journal(open_store(url))
    j.submit([CreateAccount(id="treasury:issuer", asset="JPYD")]
             + [CreateAccount(id=a, asset="JPYD", flags=("debits_must_not_exceed_credits",)) for a in ACCOUNTS])  # fmt: skip
    rng = random.Random(seed)
    n = 0
    while True:
        batch = []
        for _ in range(rng.randrange(1, 400)):
            n += 1
            debit = rng.choice(["treasury:issuer", *ACCOUNTS])
            credit = rng.choice([a for a in ACCOUNTS if a != debit])
            batch.append(CreateTransfer(id=f"s{seed}-{n}", debit_account=debit, credit_account=credit,
                                        amount=rng.randrange(1, 500), asset="JPYD", code="TRANSFER"))  # fmt: skip
        futures = [j.submit_async(batch)]
        for f in futures:
            acked = [r.id for r in f.result() if r.result == "ok"]
            sys.stdout.write("ack " + " ".join(acked) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
