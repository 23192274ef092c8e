"""ISO 20022 payment messages out of ledger payments, and back: the one public entry point.

| message          | built from       | role                                             |
|------------------|------------------|--------------------------------------------------|
| pain.001.001.09  | PaymentBatch     | the paying office's disbursement batch to its bank |
| pacs.008.001.08  | TransferMessage  | one payment, bank to bank                        |
| camt.054.001.08  | Notification     | debit/credit notifications for one wallet        |
| camt.053.001.08  | Statement        | one wallet's end-of-day statement                |

Every `build_*` validates its message against the XSD in payments/xsd before returning its
bytes (MessageSchemaError otherwise); every `parse_*` reads bytes safely, validates them the
same way and returns the dataclass (MessageParseError with a code otherwise), so
`parse_x(build_x(m)) == m`. Amounts are JPY, whole yen, as `Ccy="JPY"`.
"""

from ramp.payments._common import MESSAGE_TYPES, MessageParseError, MessageSchemaError
from ramp.payments.initiation import build_pacs008, build_pain001, parse_pacs008, parse_pain001
from ramp.payments.reports import build_camt053, build_camt054, parse_camt053, parse_camt054

__all__ = [
    "MESSAGE_TYPES",
    "MessageParseError",
    "MessageSchemaError",
    "build_camt053",
    "build_camt054",
    "build_pacs008",
    "build_pain001",
    "parse_camt053",
    "parse_camt054",
    "parse_pacs008",
    "parse_pain001",
]
