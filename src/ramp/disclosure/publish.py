"""When a year's root is due, and the records that publish it.

A year is due when it has a payment the latest published root does not cover (none published
yet, or a line at or past its log size). A new root is *held* while it would move a group total
by fewer than `MIN_GROUP_LINES` payments: two successive roots subtracted would otherwise show
one payment's amount (the same rule as for a group's own size, applied to what changed). Its new root covers every line the projection has
folded, so the record's `log_size` is the projection's, never the read side's (which may be a
batch ahead of it). A year without payments publishes nothing. The callers say when: the
service's sweep (`service/disclosure.py`), `ramp disclosure publish`, the demo's load.
"""

from __future__ import annotations

from collections.abc import Iterable

from ramp.disclosure.lines import PaymentLines
from ramp.disclosure.payment import SALT_DOMAIN
from ramp.disclosure.record import publication_record
from ramp.disclosure.tree import MIN_GROUP_LINES, SaltOf
from ramp.journal import Journal
from ramp.ledger import AppendRecord, Result
from ramp.refusal import Kind, Refused
from ramp.tlog.sumtree import GroupTotal


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


def differences_are_anonymous(before: Iterable[GroupTotal], after: Iterable[GroupTotal]) -> bool:
    """True when every group total that changed, changed by at least MIN_GROUP_LINES payments."""
    old = {g.group: g.node.count for g in before}
    new = {g.group: g.node.count for g in after}
    moved = (abs(new.get(k, 0) - old.get(k, 0)) for k in old.keys() | new.keys())
    return all(n == 0 or n >= MIN_GROUP_LINES for n in moved)


def publications(journal: Journal, lines: PaymentLines, fiscal_years: Iterable[int] | None = None) -> list[AppendRecord]:
    """One record per due year (of `fiscal_years`, default all) whose new root moves no group
    total by fewer than MIN_GROUP_LINES payments, each with the year's new root."""
    salt_of = salt_source(journal)
    size = lines.size
    out = []
    for fy in sorted(lines.fiscal_years() if fiscal_years is None else fiscal_years):
        if not due(lines, fy):
            continue
        year = lines.tree(fy, size, salt_of)
        latest = lines.latest(fy)
        if latest is not None and not differences_are_anonymous(latest.published.groups, year.tree.groups):
            continue  # held: the next root, with more payments, will not single one out
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
