"""The journal: the ledger engine's events made durable in a store and provable in the log."""

from ramp.journal.writer import Journal, JournalCorrupt

__all__ = ["Journal", "JournalCorrupt"]
