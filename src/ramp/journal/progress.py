"""Progress of long work said to a person: "events done of total, rate, time left".

A journal replays its whole log when it opens (every event re-checked, every read model
folded): on the demo's million events that is most of a minute, which must not pass in
silence. `Journal(progress=...)` calls a reporter with (done, total) after each chunk it
replays; `ProgressLine` is the reporter a command line uses: one line rewritten in place on a
terminal, a line every few seconds into a file or pipe, and a last line with the whole rate.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Final, TextIO

Reporter = Callable[[int, int], None]  # (done, total), done rising to total

EVERY_S: Final = 0.5  # at most this often on a terminal
EVERY_S_PIPED: Final = 5.0  # and into a log file, where every line stays


class ProgressLine:
    """Says `<what>: 120,000 of 1,034,000 events (11%), 95,000 events/s, about 10 s left`."""

    def __init__(self, what: str, unit: str = "events", *, out: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.what, self.unit = what, unit
        self.out = out if out is not None else sys.stderr
        self.clock = clock
        self.started = clock()
        self._said_at: float | None = None
        self._tty = bool(getattr(self.out, "isatty", lambda: False)())
        self._finished = False

    def __call__(self, done: int, total: int) -> None:
        if self._finished:
            return
        now = self.clock()
        if done >= total:
            self._finished = True
            self._say(self.final(done, now - self.started), last=True)
            return
        every = EVERY_S if self._tty else EVERY_S_PIPED
        if self._said_at is not None and now - self._said_at < every:
            return
        self._said_at = now
        self._say(self.line(done, total, now - self.started), last=False)

    def line(self, done: int, total: int, elapsed: float) -> str:
        """The line for `done` of `total` after `elapsed` seconds."""
        share = done * 100 // total if total else 100
        text = f"{self.what}: {done:,} of {total:,} {self.unit} ({share}%)"
        if done > 0 and elapsed > 0:
            rate = done / elapsed
            text += f", {rate:,.0f} {self.unit}/s, about {duration((total - done) / rate)} left"
        return text

    def final(self, done: int, elapsed: float) -> str:
        rate = f", {done / elapsed:,.0f} {self.unit}/s" if elapsed > 0 else ""
        return f"{self.what}: {done:,} {self.unit} in {duration(elapsed)}{rate}"

    def _say(self, text: str, *, last: bool) -> None:
        if self._tty:
            self.out.write("\r\x1b[K" + text + ("\n" if last else ""))
        else:
            self.out.write(text + "\n")
        self.out.flush()


def duration(seconds: float) -> str:
    """Seconds as a person reads them: `0.4 s`, `12 s`, `3 min 05 s`, `1 h 02 min`."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"
