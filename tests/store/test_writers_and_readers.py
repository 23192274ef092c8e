"""One writer per journal on both backends; read-only opens beside a live writer for audits.

A second writer (another `ramp serve`, a `ramp identity add` run beside a server) is refused
before it can write; the lock dies with its holder, even by SIGKILL. A read-only store sees
every committed batch and refuses every write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from ramp.journal import Journal
from ramp.ledger import CreateAccount
from ramp.store import StoreError, open_store
from tests.store.backends import Backend


def test_a_second_writer_is_refused_and_the_first_one_s_close_lets_the_next_in(store_backend: Backend):
    url = store_backend.new_url()
    first = open_store(url)
    with pytest.raises(StoreError, match="already open by another writer"):
        open_store(url)
    first.close()
    second = open_store(url)
    second.close()


def test_a_read_only_store_reads_beside_the_writer_and_refuses_writes(store_backend: Backend):
    url = store_backend.new_url()
    journal = Journal(open_store(url))
    journal.submit([CreateAccount(id="a:1", asset="JPYD")], 10**18)
    reader = open_store(url, readonly=True)
    try:
        assert reader.log_size() == 1
        journal.submit([CreateAccount(id="a:2", asset="JPYD")], 10**18 + 1)
        assert reader.log_size() == 2  # sees what the writer commits next
        assert len(list(reader.iter_entries(0, 2))) == 2
        with pytest.raises(StoreError, match="read-only"):
            reader.put_meta("origin", "x")
        with pytest.raises(StoreError, match="read-only"):
            reader.commit(journal.last_batch)
        with pytest.raises(StoreError, match="read-only"):
            reader.add_cosignature(2, "w", "line")
    finally:
        reader.close()
        journal.close()
    assert Journal(open_store(url)).size == 2  # the reader wrote nothing


def test_read_only_refuses_what_is_not_a_journal(store_backend: Backend, tmp_path):
    with pytest.raises(StoreError):
        open_store(str(tmp_path / "absent.db") if store_backend.name == "sqlite" else store_backend.new_url(),
                   readonly=True)  # fmt: skip


def test_the_writer_lock_dies_with_a_killed_holder(store_backend: Backend):
    url = store_backend.new_url()
    open_store(url).close()  # schema in place
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from ramp.store import open_store
        s = open_store({url!r})
        print("open", flush=True)
        time.sleep(600)
    """)], stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError, match="already open by another writer"):
            open_store(url)
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    # PostgreSQL ends the killed session when its socket closes; open waits that out.
    store = open_store(url) if store_backend.name == "sqlite" else _open_when_free(url)
    store.close()


def _open_when_free(url: str):
    from ramp.store.postgres import PostgresStore

    return PostgresStore(url, lock_wait_s=10.0)
