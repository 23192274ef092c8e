"""Fixtures: the JP PINT example invoices from shared/vectors, one validator per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from ramp.invoices import InvoiceValidator, default_validator


@pytest.fixture(scope="session")
def ubl_vectors(shared_dir: Path) -> Path:
    return shared_dir / "vectors" / "ubl"


@pytest.fixture(scope="session")
def validator() -> InvoiceValidator:
    return default_validator()


@pytest.fixture(scope="session")
def minimum(ubl_vectors: Path) -> str:
    return (ubl_vectors / "jp-pint-invoice-example-minimum.xml").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def full(ubl_vectors: Path) -> str:
    return (ubl_vectors / "jp-pint-invoice-example.xml").read_text(encoding="utf-8")


def mutate(text: str, old: str, new: str, count: int = 1) -> bytes:
    """A copy of `text` with `old` replaced once (the vector files are never touched)."""
    assert text.count(old) >= count, f"{old!r} is not in the example"
    return text.replace(old, new, count).encode("utf-8")


def credit_note(invoice: str) -> str:
    """The minimum example rewritten as a UBL CreditNote that corrects invoice 155."""
    text = (
        invoice.replace("xsd:Invoice-2", "xsd:CreditNote-2")
        .replace("<Invoice ", "<CreditNote ").replace("</Invoice>", "</CreditNote>")
        .replace("InvoiceTypeCode>380", "CreditNoteTypeCode>381").replace("InvoiceTypeCode>", "CreditNoteTypeCode>")
        .replace("cac:InvoiceLine>", "cac:CreditNoteLine>").replace("cbc:InvoicedQuantity", "cbc:CreditedQuantity")
    )
    reference = (
        "<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>155</cbc:ID>"
        "</cac:InvoiceDocumentReference></cac:BillingReference>"
    )
    return text.replace("<cac:AccountingSupplierParty>", reference + "<cac:AccountingSupplierParty>", 1)
