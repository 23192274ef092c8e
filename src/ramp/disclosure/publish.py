"""When a year's root is due, and the records that publish it.

A year is due when it has a payment the latest published root does not cover (none published
yet, or a line at or past its log size). Its new root covers every line the projection has
folded, so the record's `log_size` is the projection's, never the read side's (which may be a
batch ahead of it). A year without payments publishes nothing. The callers say when: the
service's sweep (`service/disclosure.py`), `ramp disclosure publish`, the demo's load.
"""

from __future__ import annotations

from collections.abc import Iterable

from ramp.disclosure.lines import PaymentLines
from ramp.disclosure.payment import SALT_DOMAIN
from ramp.disclosure.record import publication_record
from ramp.disclosure.tree import SaltOf
from ramp.journal import Journal
from ramp.ledger import AppendRecord, Result
from ramp.refusal import Kind, Refused


def salt_source(journal: Journal) -> SaltOf:
    """Each line's salt, from the writer's disclosure key; refused on a log without a key."""
    if journal.log is None:
        raise Refused(Kind.UNAVAILABLE, "disclosure_key_missing",
                      "an unsigned log has no disclosure key: publication needs the writer's log key")  # fmt: skip
    disclosure = journal.log.disclosure
    return lambda transfer_id: disclosure.salt(SALT_DOMAIN, transfer_id.encode())


def due(lines: PaymentLines, fiscal_year: int) -> bool:
    last = lines.last_payment_seq(fiscal_year)
    if last is None:
        return False
    latest = lines.latest(fiscal_year)
    return latest is None or last >= latest.published.log_size


def publications(journal: Journal, lines: PaymentLines, fiscal_years: Iterable[int] | None = None) -> list[AppendRecord]:
    """One record per due year (of `fiscal_years`, default all), each with the year's new root."""
    salt_of = salt_source(journal)
    size = lines.size
    out = []
    for fy in sorted(lines.fiscal_years() if fiscal_years is None else fiscal_years):
        if not due(lines, fy):
            continue
        year = lines.tree(fy, size, salt_of)
        out.append(publication_record(fy, lines.next_number(fy), size, year.tree.root, year.tree.groups))
    return out


def check_published(records: list[AppendRecord], results: list[Result]) -> list[str]:
    """The record ids written; Refused (conflict, the ledger's code) when one was not."""
    for record, result in zip(records, results, strict=True):
        if result.result != "ok":
            raise Refused(Kind.CONFLICT, result.result, f"{record.id} was not written: {result.result}")
    return [r.id for r in records]


def publish(journal: Journal, lines: PaymentLines, fiscal_years: Iterable[int] | None = None) -> list[str]:
    """Publish every due year now, in one batch (the CLI, the demo): the record ids written."""
    records = publications(journal, lines, fiscal_years)
    return check_published(records, journal.submit(records)) if records else []
