"""Start-up of `ramp demo` and `ramp serve`: a taken port is refused before any work, in one
line, with exit status 2 and nothing created; `ramp demo --reset` removes a demo database and
everything the demo left beside it (and refuses any other file, untouched); `make demo`
passes PORT, DB, SIZE, SEED and RESET through."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ramp.demo.reset import NotADemo, demo_files, is_demo_database, reset
from ramp.server.listen import EXIT_PORT_TAKEN, PortUnavailable, listen

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def taken_port():
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    yield holder.getsockname()[1]
    holder.close()


def _ramp(*args: str, timeout: float = 30) -> tuple[subprocess.CompletedProcess[str], float]:
    t0 = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "ramp.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip
    return done, time.monotonic() - t0


def test_listen_takes_a_free_port_and_refuses_a_taken_one_in_one_line(taken_port):
    with pytest.raises(PortUnavailable) as refused:
        listen("127.0.0.1", taken_port, command="ramp demo")
    said = str(refused.value)
    assert said.startswith("ramp demo: ") and f"port {taken_port}" in said and "in use" in said
    assert "\n" not in said and "Errno" not in said
    sock = listen("127.0.0.1", 0)
    try:
        assert sock.getsockname()[1] > 0
    finally:
        sock.close()
    with pytest.raises(PortUnavailable, match="not a TCP port"):
        listen("127.0.0.1", 70_000)


def test_ramp_demo_on_a_taken_port_stops_before_generating_anything(tmp_path, taken_port):
    db = tmp_path / "demo.db"
    done, seconds = _ramp("demo", "--size", "tiny", "--db", str(db), "--port", str(taken_port))
    assert done.returncode == EXIT_PORT_TAKEN
    [line] = done.stderr.splitlines()
    assert f"port {taken_port}" in line and "in use" in line and "PORT=" in line
    assert "Errno" not in done.stderr and done.stdout == ""
    assert list(tmp_path.iterdir()) == []  # no database, no key: nothing was done
    assert seconds < 20  # no data generated (a tiny generation alone takes several seconds)


def test_ramp_serve_on_a_taken_port_stops_before_opening_the_store(tmp_path, taken_port):
    db = tmp_path / "never.db"
    done, _ = _ramp("serve", "--db", str(db), "--port", str(taken_port))
    assert done.returncode == EXIT_PORT_TAKEN
    [line] = done.stderr.splitlines()
    assert line.startswith("ramp serve: ") and f"port {taken_port}" in line
    assert not db.exists()


def _fake_demo(path: Path, origin: str = "ramp.demo/fy2025") -> list[Path]:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('origin', ?)", (origin,))
    db.commit()
    db.close()
    beside = [Path(f"{path}{s}") for s in (".log.key", ".admin.json", ".credentials", ".irregularities.json",
                                            ".witness-0.key", ".witness-1.state", "-writer.lock")]  # fmt: skip
    for f in beside:
        f.write_text("x")
    keys = Path(f"{path}.keys")
    keys.mkdir()
    (keys / "fo.tanaka.json").write_text("{}")
    return [path, *beside, keys]


def test_reset_removes_the_demo_database_and_everything_beside_it_and_nothing_else(tmp_path):
    db = tmp_path / "demo.db"
    made = _fake_demo(db)
    other = tmp_path / "demo.dbx"  # a neighbour whose name only starts alike
    other.write_text("keep")
    mine = tmp_path / "notes.txt"
    mine.write_text("keep")
    assert is_demo_database(str(db))
    made += [p for p in (Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()]  # a reader's own, if any
    assert set(demo_files(str(db))) == set(made)
    removed = reset(str(db))
    assert set(removed) == set(made) and removed[0] == db
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.dbx", "notes.txt"]
    assert reset(str(db)) == []  # nothing there: nothing to do


@pytest.mark.parametrize("content", ["not a database", None, "ramp.mod.go.jp/defense"])
def test_reset_refuses_what_is_not_a_demo_database_and_removes_nothing(tmp_path, content):
    db = tmp_path / "prod.db"
    if content == "ramp.mod.go.jp/defense":
        made = _fake_demo(db, origin=content)
    else:
        db.write_bytes(b"" if content is None else content.encode())
        made = [db]
    with pytest.raises(NotADemo, match="not a demo database"):
        reset(str(db))
    assert all(p.exists() for p in made)


def test_ramp_demo_reset_refuses_a_foreign_file_with_its_reason(tmp_path):
    db = tmp_path / "ledger.db"
    db.write_text("precious")
    done, _ = _ramp("demo", "--db", str(db), "--reset", "--no-serve")
    assert done.returncode == 1 and "not a demo database" in done.stderr and db.read_text() == "precious"


def _make_n(*args: str) -> list[str]:
    """The command `make -n demo ARGS` would run (outside any make that runs the tests)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    done = subprocess.run(["make", "--no-print-directory", "-n", "demo", *args], cwd=ROOT, capture_output=True,
                          text=True, check=True, env=env)  # fmt: skip
    return done.stdout.strip().splitlines()[-1].split()


def test_make_demo_passes_port_db_size_seed_and_reset_through():
    command = _make_n("PORT=8123", "DB=var/x.db", "SIZE=tiny", "SEED=7", "RESET=1")
    assert command[0].endswith("ramp") and command[1] == "demo"
    flags = command[2:]
    assert flags == ["--port", "8123", "--db", "var/x.db", "--size", "tiny", "--seed", "7", "--reset"]
    assert _make_n()[1:] == ["demo"]


@pytest.mark.slow  # generates a tiny demo history (seconds)
def test_generating_the_history_says_its_progress_by_calendar_day(tmp_path):
    from datetime import date

    from ramp.demo.load import load

    heard: list[tuple[int, int]] = []
    load(str(tmp_path / "d.db"), seed=3, size="tiny", as_of=date(2025, 6, 30),
         progress=lambda done, total: heard.append((done, total)))  # fmt: skip
    [total] = {t for _, t in heard}
    assert total == (date(2025, 6, 30) - date(2024, 3, 28)).days + 1  # FY2024's act to the as-of date
    dones = [d for d, _ in heard]
    assert dones == sorted(dones) and dones[-1] == total and len(set(dones)) > 50
