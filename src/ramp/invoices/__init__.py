"""Contractor invoices in: JP PINT 1.1.3 (Peppol UBL 2.1) validated and read into fields.

`validate_invoice(bytes)` runs the UBL 2.1 XSD and every JP PINT Schematron rule as written
(compiled once to XSLT 3, run by SaxonC-HE) and returns a ValidationResult: valid, errors,
warnings, the SHA-256 of the exact bytes and, when valid, the InvoiceFields RAMP keeps.
"""

from ramp.invoices.fields import FieldError, InvoiceFields, Party, TaxSubtotal
from ramp.invoices.validate import (
    INVOICE_MAX_BYTES,
    Finding,
    InvoiceRefused,
    InvoiceValidator,
    ValidationResult,
    default_validator,
    validate_invoice,
)

__all__ = [
    "INVOICE_MAX_BYTES",
    "FieldError",
    "Finding",
    "InvoiceFields",
    "InvoiceRefused",
    "InvoiceValidator",
    "Party",
    "TaxSubtotal",
    "ValidationResult",
    "default_validator",
    "validate_invoice",
]
