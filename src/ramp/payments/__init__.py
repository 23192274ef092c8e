"""Payment messages out: ISO 20022 pain.001, pacs.008, camt.054 and camt.053 from ledger payments.

The data is plain frozen dataclasses (`model`); `iso20022` builds each message, validated
against its XSD before it is returned, and parses it back.
"""

from ramp.payments.iso20022 import (
    MESSAGE_TYPES,
    MessageParseError,
    MessageSchemaError,
    build_camt053,
    build_camt054,
    build_pacs008,
    build_pain001,
    parse_camt053,
    parse_camt054,
    parse_pacs008,
    parse_pain001,
)
from ramp.payments.model import (
    CREDIT,
    DEBIT,
    Notification,
    PartyAccount,
    Payment,
    PaymentBatch,
    Statement,
    StatementEntry,
    TransferMessage,
)

__all__ = [
    "CREDIT",
    "DEBIT",
    "MESSAGE_TYPES",
    "MessageParseError",
    "MessageSchemaError",
    "Notification",
    "PartyAccount",
    "Payment",
    "PaymentBatch",
    "Statement",
    "StatementEntry",
    "TransferMessage",
    "build_camt053",
    "build_camt054",
    "build_pacs008",
    "build_pain001",
    "parse_camt053",
    "parse_camt054",
    "parse_pacs008",
    "parse_pain001",
]
