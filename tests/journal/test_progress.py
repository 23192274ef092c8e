"""Progress while a journal replays its log: the reporter hears (done, total) rising to the
log's size, chunk by chunk; `ProgressLine` says it as events done of total, rate and time left,
rewriting one line on a terminal and a line every few seconds into a pipe."""

from __future__ import annotations

import io

import pytest

from ramp.journal import Journal
from ramp.journal import writer as journal_writer
from ramp.journal.progress import EVERY_S_PIPED, ProgressLine, duration
from ramp.ledger import CreateAccount, CreateTransfer
from ramp.store import SQLiteStore


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _journal_with(path: str, transfers: int) -> None:
    j = Journal(SQLiteStore(path))
    try:
        j.submit([CreateAccount(id="treasury:issuer", asset="JPYD"), CreateAccount(id="line:a", asset="JPYD")])
        for start in range(0, transfers, 500):
            j.submit([CreateTransfer(id=f"m{k}", debit_account="treasury:issuer", credit_account="line:a",
                                     amount=1, asset="JPYD", code="MINT")
                      for k in range(start, min(start + 500, transfers))])  # fmt: skip
    finally:
        j.close()


def test_replay_reports_each_chunk_rising_to_the_log_size(tmp_path, monkeypatch):
    path = str(tmp_path / "p.db")
    _journal_with(path, 1_000)
    monkeypatch.setattr(journal_writer, "_REPLAY_CHUNK", 256)
    heard: list[tuple[int, int]] = []
    j = Journal(SQLiteStore(path), progress=lambda done, total: heard.append((done, total)))
    try:
        size = j.size
    finally:
        j.close()
    assert size == 1_002
    assert heard[0] == (0, size) and heard[-1] == (size, size)
    assert {t for _, t in heard} == {size}
    dones = [d for d, _ in heard]
    assert dones == sorted(dones) and len(set(dones)) >= size // 256 + 1  # every chunk said, not only the end
    assert [d for d in dones if 0 < d < size] == [256, 512, 768]


def test_an_empty_log_says_nothing(tmp_path):
    heard: list[tuple[int, int]] = []
    Journal(SQLiteStore(str(tmp_path / "e.db")), progress=lambda d, t: heard.append((d, t))).close()
    assert heard == []


def test_the_line_says_done_of_total_rate_and_time_left():
    clock, out = Clock(), io.StringIO()
    line = ProgressLine("ramp demo: replaying the log", out=out, clock=clock)
    line(0, 1_000_000)
    clock.now += 10
    line(250_000, 1_000_000)  # 25,000 events/s: 750,000 left is 30 s
    clock.now += 1  # a pipe hears at most one line every few seconds
    line(275_000, 1_000_000)
    clock.now += 29
    line(1_000_000, 1_000_000)
    said = out.getvalue().splitlines()
    assert said == [
        "ramp demo: replaying the log: 0 of 1,000,000 events (0%)",
        "ramp demo: replaying the log: 250,000 of 1,000,000 events (25%), 25,000 events/s, about 30 s left",
        "ramp demo: replaying the log: 1,000,000 events in 40 s, 25,000 events/s",
    ]
    assert EVERY_S_PIPED > 1


def test_a_terminal_line_is_rewritten_in_place_and_ends_once():
    clock, out = Clock(), Terminal()
    line = ProgressLine("replaying", out=out, clock=clock)
    for k in range(5):
        clock.now += 1
        line(k * 10, 50)
    line(50, 50)
    line(50, 50)  # said once only
    text = out.getvalue()
    assert text.count("\r\x1b[K") == 6 and text.endswith("\n") and text.count("\n") == 1
    assert "40 of 50 events (80%)" in text and text.rstrip().endswith("events/s")


@pytest.mark.parametrize(("seconds", "said"), [(0.42, "0.4 s"), (12.4, "12 s"), (185, "3 min 05 s"),
                                               (3725, "1 h 02 min")])  # fmt: skip
def test_durations_read_as_a_person_reads_them(seconds, said):
    assert duration(seconds) == said
