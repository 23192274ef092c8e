"""The dashboard's search index: a journal projection, fed every committed event once, that
finds transfers, accounts, contracts, vendors, projects, invoice references and approval
requests by any part of their id or name, case-insensitively, ranked.

Memory is bounded per kind (`LIMITS`): past its limit a kind forgets its oldest entries, so a
million-event log keeps the newest transfers and invoices while every vendor, project and
contract (thousands at most) stays findable. A transfer or account older than the window is
still found by its exact id (the ledger explorer asks the engine first).
"""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass
from typing import Final

from ramp.ledger.events import AccountCreated, Event, RecordAppended, TransferApplied

# Newest entries kept per kind, and why that number: a transfer entry is ~200 bytes, so the
# 100,000 newest transfers and invoices cost ~40 MB at most; the demo has ~700 contracts, ~300
# vendors, ~1,000 projects — the limits leave room for ten times as many.
LIMITS: Final[dict[str, int]] = {
    "vendor": 5_000,
    "project": 20_000,
    "contract": 20_000,
    "request": 20_000,
    "account": 50_000,
    "invoice": 100_000,
    "transfer": 100_000,
}
KINDS: Final = tuple(LIMITS)  # also the order of kinds among equally ranked hits
QUERY_MIN_CHARS: Final = 2  # one character matches half the ledger: no use to anyone
QUERY_MAX_CHARS: Final = 128
RESULTS_MAX: Final = 200  # hits returned per query (the page shows them 50 at a time)

# Ranks, best first: the whole id, the id's start, a word's start (of the id or a name), anywhere.
RANK_EXACT: Final = 0
RANK_PREFIX: Final = 1
RANK_WORD: Final = 2
RANK_SUBSTRING: Final = 3
_SEPARATORS: Final = str.maketrans({c: " " for c in ":-_./()"})


@dataclass(frozen=True, slots=True)
class Entry:
    """One findable thing: `key` is what its page is addressed by (a transfer or account id, a
    contract or request id); `account` is the ledger account it lives on, if any."""

    kind: str
    key: str
    name: str
    seq: int
    account: str = ""
    amount_yen: int | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    rank: int


class SearchIndex:
    """Newest entries per kind (bounded by `LIMITS`), searched by a linear scan of lower-cased
    text: a query costs about a microsecond per entry, ~0.2 s over every kind full."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            # key -> (entry, the lower-cased id, the lower-cased id and names): insertion order is seq order
            self._kinds: dict[str, collections.OrderedDict[str, tuple[Entry, str, str]]] = {
                kind: collections.OrderedDict() for kind in KINDS
            }
            self._dropped: collections.Counter[str] = collections.Counter()

    # --- folding (the committer thread: quick, never raising) -----------------------------
    def apply(self, events: list[Event]) -> None:
        with self._lock:
            for e in events:
                t = type(e)
                if t is TransferApplied:
                    self._transfer(e)  # type: ignore[arg-type]
                elif t is AccountCreated:
                    self._account(e)  # type: ignore[arg-type]
                elif t is RecordAppended and e.type == "approval.requested":  # type: ignore[union-attr]
                    body = e.body  # type: ignore[union-attr]
                    request = e.id  # type: ignore[union-attr]
                    memo = body.get("memo", "") if isinstance(body, dict) else ""
                    kind = body.get("kind", "") if isinstance(body, dict) else ""
                    self._add(Entry("request", request.removeprefix("request:"), f"{kind} {memo}".strip(), e.seq))

    def _transfer(self, e: TransferApplied) -> None:
        self._add(Entry("transfer", e.id, e.code, e.seq, e.credit_account, int(e.amount)))
        invoice = e.references.get("invoice") if e.references else None
        if isinstance(invoice, str) and invoice:
            self._add(Entry("invoice", invoice, e.id, e.seq, e.credit_account, int(e.amount)))

    def _account(self, e: AccountCreated) -> None:
        meta = e.metadata
        names = " ".join(v for v in (meta.get("name", ""), meta.get("name_ja", "")) if v)
        kind = meta.get("kind", "")
        if kind == "vendor":
            self._add(Entry("vendor", e.id, names, e.seq, e.id))
        elif kind == "project":
            self._add(Entry("project", e.id, names, e.seq, e.id))
        elif kind == "contract" and e.id.startswith("contract:"):
            vendor = meta.get("vendor", "")
            self._add(Entry("contract", e.id.removeprefix("contract:"), f"{names} {vendor}".strip(), e.seq, e.id))
        else:
            self._add(Entry("account", e.id, names or kind, e.seq, e.id))

    def _add(self, entry: Entry) -> None:
        entries = self._kinds[entry.kind]
        key = entry.key
        entries.pop(key, None)  # a key seen again moves to the newest end
        entries[key] = (entry, key.lower(), f"{key} {entry.name}".lower())
        if len(entries) > LIMITS[entry.kind]:
            entries.popitem(last=False)
            self._dropped[entry.kind] += 1
        assert len(entries) <= LIMITS[entry.kind]

    # --- reading --------------------------------------------------------------------------
    def search(self, query: str, kinds: tuple[str, ...] = KINDS, limit: int = RESULTS_MAX) -> list[Hit]:
        """The best `limit` hits for `query` (trimmed, lower-cased), best rank first, then by
        kind (`KINDS` order), then newest first. A query under QUERY_MIN_CHARS finds nothing."""
        assert 1 <= limit <= RESULTS_MAX
        q = query.strip().lower()[:QUERY_MAX_CHARS]
        if len(q) < QUERY_MIN_CHARS:
            return []
        word_q = q.translate(_SEPARATORS)
        hits: list[tuple[int, int, int, Entry]] = []
        with self._lock:
            for order, kind in enumerate(KINDS):
                if kind not in kinds:
                    continue
                for entry, key, text in self._kinds[kind].values():
                    if q not in text:
                        continue
                    if key == q:
                        rank = RANK_EXACT
                    elif key.startswith(q):
                        rank = RANK_PREFIX
                    elif f" {word_q}" in f" {text.translate(_SEPARATORS)}":
                        rank = RANK_WORD
                    else:
                        rank = RANK_SUBSTRING
                    hits.append((rank, order, -entry.seq, entry))
        hits.sort(key=lambda h: h[:3])
        return [Hit(entry, rank) for rank, _, _, entry in hits[:limit]]

    def entries(self, kind: str) -> list[Entry]:
        """Every entry kept of `kind`, oldest first (at most its limit)."""
        assert kind in LIMITS
        with self._lock:
            return [entry for entry, _key, _text in self._kinds[kind].values()]

    def sizes(self) -> dict[str, int]:
        """Entries kept per kind, and (`<kind>.dropped`) how many it forgot past its limit."""
        with self._lock:
            out = {kind: len(entries) for kind, entries in self._kinds.items()}
            out.update({f"{kind}.dropped": n for kind, n in self._dropped.items()})
            return out
