"""Opening the writer's journal over a store that `ramp init` prepared (origin and log key)."""

from __future__ import annotations

from collections.abc import Sequence

from ramp.journal.log import LogSigner
from ramp.journal.progress import Reporter
from ramp.journal.writer import Classifier, Journal, Projection
from ramp.store import open_store


class NotInitialised(Exception):
    """The store has no origin or log key: `ramp init` was never run on it."""


def open_writer(db: str, projections: Sequence[Projection], log_key: str | None = None,
                classifier: Classifier | None = None, progress: Reporter | None = None) -> Journal:
    """The writer's journal over an initialised store, feeding `projections` in its one replay."""
    store = open_store(db)
    origin = store.get_meta("origin")
    key_file = log_key or store.get_meta("log_key_file")
    if origin is None or key_file is None:
        store.close()
        raise NotInitialised(f"{db} is not initialised (run `ramp init`)")
    return Journal(store, log=LogSigner.from_key_file(key_file, origin), projections=list(projections),
                   classifier=classifier, progress=progress)
