"""Shared fixtures: the outside vectors beside the checkout, and the store backends.

`store_backend` runs a test once per backend: SQLite always, PostgreSQL when
RAMP_TEST_POSTGRES_URL is set (skipped with a reason otherwise; a set URL whose server is
unreachable fails the test). Unset, it defaults to the machine's local server
(`DEFAULT_POSTGRES_URL`) when one answers there, so a newcomer's `make test` runs the
PostgreSQL suite too; the run's last line says which stores were tested. Each PostgreSQL store location is a schema of its own, dropped
at teardown (see tests/store/backends.py).

Passwords are hashed in this process with argon2id at a test cost (one pass over 1 MiB, about
1 ms instead of 120 ms): the same library, format and verification as production, whose own
parameters (RFC 9106 low memory) tests/auth/test_credentials.py checks in a process of its
own. Servers and commands a test starts as subprocesses hash at the production cost.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from argon2 import Parameters, PasswordHasher, Type

from ramp.auth import credentials
from ramp.store import Store
from tests.store.backends import PG_URL_ENV, Backend, PostgresBackend, SQLiteBackend, postgres_url

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
_PROBE_TIMEOUT_S = 2
TEST_HASH_PARAMETERS = Parameters(type=Type.ID, version=19, salt_len=16, hash_len=32, time_cost=1, memory_cost=1024,
                                  parallelism=1)  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get(PG_URL_ENV):
        return
    try:
        psycopg.connect(DEFAULT_POSTGRES_URL, connect_timeout=_PROBE_TIMEOUT_S).close()
    except psycopg.Error:
        return  # no local server: the PostgreSQL tests skip, saying so
    os.environ[PG_URL_ENV] = DEFAULT_POSTGRES_URL


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    url = postgres_url()
    stores = "SQLite and PostgreSQL at " + url if url else f"SQLite only ({PG_URL_ENV} unset, no local PostgreSQL)"
    terminalreporter.write_line(f"stores tested: {stores}")


@pytest.fixture(scope="session", autouse=True)
def test_cost_password_hashes() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(credentials, "_hasher", PasswordHasher.from_parameters(TEST_HASH_PARAMETERS))
        yield


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        raise RuntimeError(f"shared/ is expected beside the checkout at {SHARED}")
    return SHARED


def _backend(name: str, tmp_path: Path) -> Backend:
    if name == "sqlite":
        return SQLiteBackend(tmp_path)
    url = postgres_url()
    if url is None:
        pytest.skip(f"{PG_URL_ENV} is not set: no PostgreSQL server to test against (CI sets it)")
    try:
        return PostgresBackend(url)
    except psycopg.Error as exc:
        error = exc
    # A set URL promises a server (CI always sets it): its absence fails, it never skips.
    pytest.fail(f"{PG_URL_ENV} is set but PostgreSQL is unreachable: {error}", pytrace=False)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each backend in turn: the test runs once per backend."""
    backend = _backend(request.param, tmp_path)
    yield backend
    backend.cleanup()


@pytest.fixture
def postgres_backend(tmp_path: Path) -> Iterator[Backend]:
    """PostgreSQL alone, for what only it has (the writer lock, connection loss)."""
    backend = _backend("postgres", tmp_path)
    yield backend
    backend.cleanup()


@pytest.fixture
def store_url(store_backend: Backend) -> str:
    """A fresh, empty store location of the backend under test."""
    return store_backend.new_url()


@pytest.fixture
def store(store_backend: Backend, store_url: str) -> Store:
    """A fresh store of the backend under test, closed at teardown."""
    return store_backend.open(store_url)
