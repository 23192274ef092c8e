"""The store contract, on every backend: what a commit writes reads back exactly (same values,
same Python types), a failed commit leaves no trace, migrations run once, meta is set once,
inconsistent data is refused with StoreCorrupt, and PostgreSQL admits one writer at a time."""

from __future__ import annotations

import threading
from itertools import combinations

import psycopg
import pytest

from ramp.journal.appender import LogAppender
from ramp.ledger.model import BalanceRow
from ramp.store import BatchWrite, LastBatch, Store, StoreCorrupt, StoreError
from ramp.store.postgres import PostgresStore
from ramp.store.schema import latest_version, migrations
from ramp.tlog.merkle import leaf_hashes, perfect_root
from tests.store.backends import SCHEMA_PREFIX, Backend, with_search_path

# Batch sizes chosen so that runs start and end inside, at and across 256-leaf tiles.
SIZES = [1, 255, 3, 300, 7, 600]
LOG_SIZE = sum(SIZES)


def _leaves() -> list[bytes]:
    return [b'{"seq":%d,"memo":"%s"}' % (seq, b"x" * (seq % 50)) for seq in range(LOG_SIZE)]


def _batches() -> list[BatchWrite]:
    leaves = _leaves()
    appender = LogAppender()
    out, seq = [], 0
    for k, n in enumerate(SIZES):
        runs = appender.append(leaves[seq : seq + n])
        out.append(BatchWrite(
            first_seq=seq, size=seq + n, root=appender.root(), committed_ns=10**18 + k,
            entries=runs.entries, hash_runs=runs.hashes,
            balances=[BalanceRow(f"acct:{k % 3}", k, 2 * k, 0, 10**15 + n), BalanceRow(f"acct:{k}", 0, 0, 0, k)],
            checkpoint=f"ramp.test\n{seq + n}\n" if k % 2 else None,
        ))  # fmt: skip
        seq += n
    return out


def _expected_balances(upto_size: int) -> dict[str, tuple[int, int, int, int]]:
    out: dict[str, tuple[int, int, int, int]] = {}
    for b in _batches():
        if b.size <= upto_size:
            out.update({
                r.account: (r.debits_pending, r.debits_posted, r.credits_pending, r.credits_posted)
                for r in b.balances
            })  # fmt: skip
    return out


def _state(store: Store) -> tuple:
    """Everything a reader can observe, for before/after comparisons."""
    size = store.log_size()
    return (
        size,
        store.last_batch(),
        list(store.iter_entries()),
        store.read_hashes(0, 0, size) if size else b"",
        store.balances(),
    )


# Run boundaries and their neighbours: every range between two of them is checked.
_POINTS = sorted({p + d for p in [0, 1, 256, 259, 512, 559, 566, 768, LOG_SIZE] for d in (-1, 0, 1)} & set(range(LOG_SIZE + 1)))


def test_an_empty_store(store: Store):
    assert store.log_size() == 0
    assert store.last_batch() is None
    assert list(store.iter_entries()) == []
    assert store.balances() == {}
    assert store.get_meta("origin") is None
    assert store.schema_version() == latest_version()
    assert store.checkpoints() == []


def test_commit_then_read_back_with_exact_types(store: Store):
    batches = _batches()
    for b in batches:
        store.commit(b)
        assert store.log_size() == b.size
        last = store.last_batch()
        assert last == LastBatch(b.size, b.root, b.checkpoint)
        assert type(last) is LastBatch and type(last.size) is int and type(last.root) is bytes
    entries = list(store.iter_entries())
    assert entries == _leaves()
    assert all(type(e) is bytes for e in entries)
    for b in batches:
        assert store.balances(b.size) == _expected_balances(b.size)
    balances = store.balances()
    assert balances == _expected_balances(LOG_SIZE)
    assert all(type(v) is int for row in balances.values() for v in row)
    assert store.balances(0) == {}
    assert store.checkpoints() == [(b.size, b.checkpoint) for b in batches]


def test_iter_entries_over_ranges_across_run_boundaries(store: Store):
    for b in _batches():
        store.commit(b)
    leaves = _leaves()
    for start, end in combinations(_POINTS, 2):
        assert list(store.iter_entries(start, end)) == leaves[start:end], (start, end)
    assert list(store.iter_entries(5, 5)) == []
    assert list(store.iter_entries(LOG_SIZE - 2)) == leaves[-2:]


def test_read_hashes_slices_runs_at_every_level(store: Store):
    for b in _batches():
        store.commit(b)
    level0 = leaf_hashes(_leaves())
    level1 = [perfect_root(level0[i : i + 256]) for i in range(0, LOG_SIZE - 255, 256)]
    for start, end in combinations(_POINTS, 2):
        assert store.read_hashes(0, start, end) == b"".join(level0[start:end]), (start, end)
    for start, end in combinations(range(len(level1) + 1), 2):
        assert store.read_hashes(1, start, end) == b"".join(level1[start:end])
    assert type(store.read_hashes(0, 3, 4)) is bytes
    with pytest.raises(StoreCorrupt):
        store.read_hashes(0, LOG_SIZE - 1, LOG_SIZE + 1)  # past the log
    with pytest.raises(StoreCorrupt):
        store.read_hashes(2, 0, 1)  # no tile level 2 yet


def test_migrations_are_recorded_once_and_not_rerun_on_reopen(store_backend: Backend, store_url: str):
    first = store_backend.open(store_url)
    first.commit(_batches()[0])
    first.close()
    sql = "SELECT version, name, applied_ns FROM schema_migrations ORDER BY version"
    recorded = store_backend.query(store_url, sql)
    expected = [(v, name) for v, name, _ in migrations(store_backend.name)]
    assert expected[:2] == [(1, "journal"), (2, "cosignatures")]
    assert [(v, name) for v, name, _ in recorded] == expected
    again = store_backend.open(store_url)
    assert again.schema_version() == latest_version()
    assert again.log_size() == SIZES[0]  # the tables were not recreated
    again.close()
    assert store_backend.query(store_url, sql) == recorded


def test_a_newer_schema_is_refused(store_backend: Backend, store_url: str):
    store_backend.open(store_url).close()
    store_backend.execute(
        store_url, "INSERT INTO schema_migrations (version, name, applied_ns) VALUES (99, 'future', 0)"
    )
    with pytest.raises(StoreError, match="newer than this program"):
        store_backend.open(store_url)


def test_put_meta_sets_a_value_once(store_backend: Backend, store_url: str):
    store = store_backend.open(store_url)
    store.put_meta("origin", "ramp.test/log")
    store.put_meta("origin", "ramp.test/log")  # the same value again: idempotent
    with pytest.raises(StoreError, match="different value"):
        store.put_meta("origin", "elsewhere")
    assert store.get_meta("origin") == "ramp.test/log"
    store.close()
    assert store_backend.open(store_url).get_meta("origin") == "ramp.test/log"


def test_a_failed_commit_leaves_the_store_exactly_as_before(store: Store):
    batches = _batches()
    for b in batches[:3]:
        store.commit(b)
    before = _state(store)
    nxt = batches[3]
    failing = [
        batches[2],  # the same batch twice: its first insert collides
        # The entry run is new, the hash runs collide: fails after a row was inserted.
        BatchWrite(nxt.first_seq, nxt.size, nxt.root, 0, nxt.entries, batches[2].hash_runs, []),
        # Everything is new but the root is missing: fails at the very last insert.
        BatchWrite(nxt.first_seq, nxt.size, None, 0, nxt.entries, nxt.hash_runs, nxt.balances),  # type: ignore[arg-type]
    ]
    for bad in failing:
        with pytest.raises(StoreError):
            store.commit(bad)
        assert _state(store) == before
    store.commit(nxt)  # the store is still usable after failed transactions
    assert store.log_size() == nxt.size


def test_inconsistent_data_is_refused_and_the_store_stays_usable(store_backend: Backend, store_url: str):
    store = store_backend.open(store_url)
    for b in _batches():
        store.commit(b)
    store_backend.execute(store_url, "DELETE FROM entry_runs WHERE first_seq = 259")
    store_backend.execute(store_url, "DELETE FROM hash_runs WHERE level = 0 AND first_index = 259")
    store_backend.execute(store_url, "UPDATE balance_changes SET data = '[[\"acct:0\", 1' WHERE size = 256")
    with pytest.raises(StoreCorrupt, match="missing"):
        list(store.iter_entries())
    assert list(store.iter_entries(0, 259)) == _leaves()[:259]
    with pytest.raises(StoreCorrupt, match="missing"):
        store.read_hashes(0, 250, 300)
    with pytest.raises(StoreCorrupt, match="balance row"):
        store.balances()
    assert store.balances(1) == _expected_balances(1)
    assert store.log_size() == LOG_SIZE


def test_readers_on_other_threads_see_whole_batches_only(store: Store):
    batches = _batches()
    leaves = _leaves()
    seen: list[int] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        try:
            while not done.is_set():
                size = store.log_size()
                assert size in {0, *(b.size for b in batches)}
                assert list(store.iter_entries(0, size)) == leaves[:size]
                seen.append(size)
        except BaseException as exc:  # noqa: BLE001 - reported on the main thread
            errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    for b in batches:
        store.commit(b)
    done.set()
    reader.join()
    assert not errors, errors
    assert seen


@pytest.mark.postgres
def test_a_second_postgres_writer_is_refused_while_the_first_is_open(postgres_backend: Backend):
    url = postgres_backend.new_url()
    first = postgres_backend.open(url)
    with pytest.raises(StoreError, match="already open by another writer"):
        PostgresStore(url)
    other = postgres_backend.open(postgres_backend.new_url())  # another journal is independent
    other.close()
    first.close()
    second = postgres_backend.open(url)
    assert second.schema_version() == latest_version()


@pytest.mark.postgres
def test_a_postgres_writer_waits_out_one_that_is_closing(postgres_backend: Backend):
    url = postgres_backend.new_url()
    first = postgres_backend.open(url)
    closer = threading.Timer(0.2, first.close)
    closer.start()
    second = PostgresStore(url, lock_wait_s=5.0)  # granted as soon as the first lets go
    closer.join()
    second.close()


@pytest.mark.postgres
def test_postgres_compresses_runs_with_lz4_when_the_server_can(postgres_backend: Backend):
    url = postgres_backend.new_url()
    store = postgres_backend.open(url)
    for b in _batches():
        store.commit(b)
    try:
        postgres_backend.execute(url, "SET default_toast_compression = lz4")
    except psycopg.errors.InvalidParameterValue:
        pytest.skip("this PostgreSQL server is built without lz4")
    methods = postgres_backend.query(
        url, "SELECT DISTINCT pg_column_compression(data) FROM entry_runs WHERE length(data) > 8192"
    )
    assert methods == [("lz4",)]


@pytest.mark.postgres
def test_a_lost_postgres_connection_fails_the_commit_with_store_error(postgres_backend: Backend):
    url = postgres_backend.new_url()
    store = postgres_backend.open(url)
    assert isinstance(store, PostgresStore)
    batches = _batches()
    store.commit(batches[0])
    pid = store._wdb.info.backend_pid  # the writer's session, as an operator would see it
    postgres_backend.query(url, f"SELECT pg_terminate_backend({pid})")
    with pytest.raises(StoreError, match="commit of batch"):
        store.commit(batches[1])
    assert store.log_size() == SIZES[0]  # the reader still serves what is committed
    store.close()


@pytest.mark.postgres
def test_postgres_without_a_schema_on_search_path_is_refused(postgres_backend: Backend):
    url = with_search_path(postgres_backend.new_url(), SCHEMA_PREFIX + "does_not_exist")
    with pytest.raises(StoreError, match="no existing schema"):
        PostgresStore(url)


def test_an_unreachable_postgres_server_raises_store_error():
    with pytest.raises(StoreError, match="cannot connect"):
        PostgresStore("postgresql://postgres@127.0.0.1:1/ramp?connect_timeout=2")
