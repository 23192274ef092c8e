"""Ledger payments as plain frozen data, the input and the parsed output of ISO 20022 messages.

These types say what RAMP knows of a payment, in RAMP's words; `iso20022` maps them to and
from the message elements. Amounts are integer yen (JPY has no minor unit). Lengths are
not checked here: the message's XSD is the one authority on them, and a builder refuses a
message that fails it (MessageSchemaError, naming the element and the facet).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Final

__all__ = [
    "CREDIT",
    "DEBIT",
    "Notification",
    "PartyAccount",
    "Payment",
    "PaymentBatch",
    "Statement",
    "StatementEntry",
    "TransferMessage",
]

CREDIT: Final = "CRDT"  # money into the account the report is about
DEBIT: Final = "DBIT"  # money out of it
BATCH_MAX_PAYMENTS: Final = 8189  # one ledger batch (ledger/model.py BATCH_MAX_EVENTS)


def _check_yen(name: str, value: int, signed: bool = False) -> None:
    if type(value) is not int:  # bool is an int subclass, and never an amount
        raise TypeError(f"{name} must be an int number of yen, got {type(value).__name__}")
    if not signed and value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")


def _check_aware(name: str, value: datetime.datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must carry its UTC offset (ISO 20022 ISODateTime)")


@dataclass(frozen=True, slots=True)
class PartyAccount:
    """A party and its account: a RAMP wallet or a vendor's bank account."""

    name: str  # PartyIdentification135/Nm (Max140Text)
    account_id: str  # CashAccount38/Id/Othr/Id (Max34Text): the ledger account or bank account
    account_name: str | None = None  # CashAccount38/Nm (Max70Text)
    agent_member_id: str | None = None  # the bank's Zengin code (ClrSysMmbId, JPZGN)


@dataclass(frozen=True, slots=True)
class Payment:
    """One ledger disbursement as a credit transfer."""

    transfer_id: str  # the ledger transfer's id: InstrId and TxId (Max35Text)
    end_to_end_id: str  # ties message, transfer and invoice together (Max35Text)
    amount_yen: int
    debtor: PartyAccount
    creditor: PartyAccount
    execution_date: datetime.date  # requested execution / interbank settlement date
    invoice_id: str | None = None  # RmtInf/Strd/RfrdDocInf/Nb, type CINV (Max35Text)
    proof_ref: str | None = None  # RmtInf/Strd/AddtlRmtInf: the transfer's inclusion proof (Max140Text)
    memo: str | None = None  # RmtInf/Ustrd (Max140Text)

    def __post_init__(self) -> None:
        _check_yen("amount_yen", self.amount_yen)


@dataclass(frozen=True, slots=True)
class PaymentBatch:
    """A pain.001 from the paying office: one debtor, one execution date, many payments."""

    message_id: str
    created_at: datetime.datetime
    payment_info_id: str
    payments: tuple[Payment, ...]

    def __post_init__(self) -> None:
        _check_aware("created_at", self.created_at)
        if not 1 <= len(self.payments) <= BATCH_MAX_PAYMENTS:
            raise ValueError(f"a batch holds 1..{BATCH_MAX_PAYMENTS} payments, got {len(self.payments)}")
        first = self.payments[0]
        for payment in self.payments:
            if payment.debtor != first.debtor or payment.execution_date != first.execution_date:
                raise ValueError("every payment of a batch has the batch's debtor and execution date")

    @property
    def total_yen(self) -> int:
        return sum(p.amount_yen for p in self.payments)


@dataclass(frozen=True, slots=True)
class TransferMessage:
    """A pacs.008 carrying one payment between the two banks."""

    message_id: str
    created_at: datetime.datetime
    payment: Payment

    def __post_init__(self) -> None:
        _check_aware("created_at", self.created_at)


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One booked movement on the account a camt.054/camt.053 reports."""

    direction: str  # CREDIT | DEBIT, seen from the reported account
    booking_date: datetime.date
    payment: Payment

    def __post_init__(self) -> None:
        if self.direction not in (CREDIT, DEBIT):
            raise ValueError(f"direction is {CREDIT} or {DEBIT}, got {self.direction!r}")

    @property
    def signed_yen(self) -> int:
        return self.payment.amount_yen if self.direction == CREDIT else -self.payment.amount_yen


@dataclass(frozen=True, slots=True)
class Notification:
    """A camt.054: debit or credit notifications for one account."""

    message_id: str
    created_at: datetime.datetime
    notification_id: str
    account: PartyAccount
    entries: tuple[StatementEntry, ...]

    def __post_init__(self) -> None:
        _check_aware("created_at", self.created_at)


@dataclass(frozen=True, slots=True)
class Statement:
    """A camt.053: one wallet's end-of-day statement. opening + entries = closing, to the yen."""

    message_id: str
    created_at: datetime.datetime
    statement_id: str
    account: PartyAccount
    date: datetime.date
    opening_yen: int  # signed: a negative balance is carried as DBIT
    closing_yen: int
    entries: tuple[StatementEntry, ...]

    def __post_init__(self) -> None:
        _check_aware("created_at", self.created_at)
        _check_yen("opening_yen", self.opening_yen, signed=True)
        _check_yen("closing_yen", self.closing_yen, signed=True)
        moved = sum(e.signed_yen for e in self.entries)
        if self.opening_yen + moved != self.closing_yen:
            raise ValueError(
                f"opening {self.opening_yen} + movements {moved} != closing {self.closing_yen}"
            )
        for entry in self.entries:
            if entry.booking_date != self.date:
                raise ValueError(f"entry {entry.payment.transfer_id} is booked on {entry.booking_date}, not {self.date}")

    @property
    def credits_yen(self) -> int:
        return sum(e.payment.amount_yen for e in self.entries if e.direction == CREDIT)

    @property
    def debits_yen(self) -> int:
        return sum(e.payment.amount_yen for e in self.entries if e.direction == DEBIT)
