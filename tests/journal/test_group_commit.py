"""Group commit: concurrent requests share batches, each gets its own results, overload is 429."""

from __future__ import annotations

import asyncio

import pytest

from ramp.journal import Journal
from ramp.journal.group_commit import GroupCommitter
from ramp.ledger import CreateAccount, CreateTransfer
from ramp.refusal import Kind, Refused
from ramp.store import SQLiteStore


def _mint(i: int, account: str = "line:a", **kw) -> CreateTransfer:
    return CreateTransfer(id=f"m{i}", debit_account="treasury:issuer", credit_account=account, amount=1,
                          asset="JPYD", code="MINT", **kw)  # fmt: skip


@pytest.fixture
def journal(tmp_path):
    j = Journal(SQLiteStore(str(tmp_path / "l.db")))
    j.submit([CreateAccount(id="treasury:issuer", asset="JPYD"), CreateAccount(id="line:a", asset="JPYD")])
    yield j
    j.close()


def test_concurrent_requests_share_batches_and_get_their_own_results(journal):
    async def main():
        gc = GroupCommitter(journal)
        gc.start()
        requests = [[_mint(10 * r + k) for k in range(r % 3 + 1)] for r in range(200)]
        answers = await asyncio.gather(*(gc.submit(req) for req in requests))
        await gc.stop()
        return requests, answers

    batches_before = journal.times.batches
    requests, answers = asyncio.run(main())
    for req, res in zip(requests, answers, strict=True):
        assert [r.id for r in res] == [c.id for c in req]
        assert all(r.result == "ok" and r.seq < journal.size for r in res)
    batches = journal.times.batches - batches_before
    assert batches < len(requests) / 4, f"{batches} batches for {len(requests)} requests: no grouping"
    assert journal.read.account("line:a").balance == sum(len(r) for r in requests)


def test_a_request_ending_in_an_open_chain_never_joins_another(journal):
    async def main():
        gc = GroupCommitter(journal)
        gc.start()
        open_chain = [_mint(1, flags=("linked",)), _mint(2, flags=("linked",))]
        closed = [_mint(3)]
        answers = await asyncio.gather(gc.submit(open_chain), gc.submit(closed))
        await gc.stop()
        return answers

    chain, closed = asyncio.run(main())
    assert [r.result for r in chain] == ["linked_event_failed", "linked_event_chain_open"]
    assert [r.result for r in closed] == ["ok"]


def test_overload_is_refused_before_anything_is_written(journal):
    async def main():
        gc = GroupCommitter(journal, queue_max_events=5)
        gc.start()
        with pytest.raises(Refused) as refused:
            await gc.submit([_mint(k) for k in range(6)])
        assert refused.value.kind is Kind.OVERLOADED and refused.value.retry_after_s == 1
        await gc.stop()

    size = journal.size
    asyncio.run(main())
    assert journal.size == size


class _GatedStore:
    """Wraps a store; commits wait until the test opens the gate."""

    def __init__(self, inner) -> None:
        self._inner = inner
        self.gate = __import__("threading").Event()

    def commit(self, batch) -> None:
        self.gate.wait(timeout=30)
        self._inner.commit(batch)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def test_no_acknowledgement_before_the_commit_is_durable(tmp_path):
    store = _GatedStore(SQLiteStore(str(tmp_path / "g.db")))
    store.gate.set()
    journal = Journal(store)
    journal.submit([CreateAccount(id="treasury:issuer", asset="JPYD"), CreateAccount(id="line:a", asset="JPYD")])
    store.gate.clear()

    async def main():
        gc = GroupCommitter(journal)
        gc.start()
        answer = asyncio.ensure_future(gc.submit([_mint(1)]))
        await asyncio.sleep(0.3)  # the batch is prepared and waits in the store's commit
        early = answer.done()
        store.gate.set()
        results = await answer
        await gc.stop()
        return early, results

    early, results = asyncio.run(main())
    assert not early, "a result was returned while its batch was not yet committed"
    assert results[0].result == "ok" and journal.store.log_size() > results[0].seq
    journal.close()
