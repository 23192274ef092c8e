"""`ramp demo --reset`: start afresh.

A demo database is never rewritten (records are never updated or deleted): starting afresh
means removing the database and everything the demo left beside it — the SQLite WAL and shared
memory, the log key, the admin and people's key files, the web logins, the answer key of the
irregularities, the witnesses' keys and state — and generating anew. Only a demo database is
removed: one whose log origin is the demo's; any other file at that path is refused untouched.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path
from typing import Final

DEMO_ORIGIN_PREFIX: Final = "ramp.demo/"
# What the demo writes beside `<db>` (load.py, people.py, approvals.py, serve.py).
SIDECARS: Final = ("-wal", "-shm", "-journal", "-writer.lock", ".log.key", ".admin.json", ".keys", ".credentials",
                   ".irregularities.json")  # fmt: skip
WITNESS_FILES: Final = (".witness-{k}.key", ".witness-{k}.state")
WITNESSES: Final = 2


class NotADemo(Exception):
    """The path holds something that is not a demo database: nothing is removed."""


def demo_files(path: str) -> list[Path]:
    """The database and the demo's files beside it that exist, the database first."""
    candidates = [path, *(path + s for s in SIDECARS),
                  *(path + f.format(k=k) for f in WITNESS_FILES for k in range(WITNESSES))]  # fmt: skip
    return [Path(c) for c in candidates if os.path.lexists(c)]


def is_demo_database(path: str) -> bool:
    """Whether `path` is an SQLite database whose log origin is the demo's (read only)."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'origin'").fetchone()
    except sqlite3.Error:
        return False
    finally:
        db.close()
    value = row[0] if row else None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return isinstance(value, str) and value.startswith(DEMO_ORIGIN_PREFIX)


def reset(path: str) -> list[Path]:
    """Remove the demo database at `path` and its files; what was removed (empty: nothing was there)."""
    if os.path.lexists(path) and not is_demo_database(path):
        raise NotADemo(f"{path} is not a demo database (its log origin is not {DEMO_ORIGIN_PREFIX}...): "
                       f"nothing removed")  # fmt: skip
    if not os.path.lexists(path):
        return []  # stale files beside an absent database are the demo's only if it made them: left as they are
    removed = demo_files(path)
    for f in reversed(removed):  # the database last: an interrupted reset is still recognised and finished
        if f.is_dir() and not f.is_symlink():
            shutil.rmtree(f)
        else:
            f.unlink()
    return removed
