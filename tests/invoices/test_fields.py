"""The fields RAMP keeps from the published examples, in integer yen; the check digit rule."""

from __future__ import annotations

import dataclasses
import datetime

import pytest

from ramp.invoices import TaxSubtotal, validate_invoice
from ramp.invoices.jp_numbers import corporate_number_check_digit_ok


def test_full_example_fields(ubl_vectors) -> None:
    fields = validate_invoice((ubl_vectors / "jp-pint-invoice-example.xml").read_bytes()).fields
    assert fields is not None
    assert (fields.document_type, fields.invoice_id, fields.type_code) == ("Invoice", "156", "380")
    assert fields.issue_date == datetime.date(2023, 10, 24) and fields.due_date == datetime.date(2023, 11, 20)
    assert fields.currency == "JPY"
    assert fields.seller_registration_number == "T1234567890123"
    assert fields.seller.name == "株式会社 〇〇商事" and fields.seller.legal_id == "1234567890123"
    assert fields.buyer.name == "株式会社 〇〇物産" and fields.buyer.endpoint_id == "3210987654321"
    assert fields.line_extension_yen == 255990
    assert (fields.allowance_total_yen, fields.charge_total_yen) == (179, 7679)
    assert fields.tax_exclusive_yen == 255990 - 179 + 7679
    assert fields.tax_total_yen == 26000
    assert fields.tax_inclusive_yen == fields.tax_exclusive_yen + fields.tax_total_yen == 289490
    assert fields.payable_yen == 289490
    assert fields.tax_subtotals == (
        TaxSubtotal(category="S", rate_basis_points=1000, taxable_yen=260000, tax_yen=26000),
        TaxSubtotal(category="E", rate_basis_points=0, taxable_yen=3490, tax_yen=0),
    )
    assert sum(s.tax_yen for s in fields.tax_subtotals) == fields.tax_total_yen
    assert (fields.order_reference, fields.contract_reference) == ("O-998877", "framework no 1")
    assert fields.billing_references == ("123",)
    assert isinstance(fields.payable_yen, int)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fields.payable_yen = 0  # type: ignore[misc]


def test_minimum_example_fields(minimum: str) -> None:
    fields = validate_invoice(minimum.encode("utf-8")).fields
    assert fields is not None
    assert fields.payable_yen == 281240 and fields.tax_total_yen == 25250
    assert fields.order_reference is None and fields.contract_reference is None
    assert fields.billing_references == () and fields.due_date is None


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("7000012050002", True),  # 国税庁 (National Tax Agency)
        ("1000012050002", False),
        ("1234567890123", False),  # the examples' placeholder
        ("3210987654321", False),
    ],
)
def test_corporate_number_check_digit(number: str, ok: bool) -> None:
    assert corporate_number_check_digit_ok(number) is ok


def test_exactly_one_check_digit_fits_each_base() -> None:
    base = "000012050002"
    assert [d for d in "0123456789" if corporate_number_check_digit_ok(d + base)] == ["7"]


@pytest.mark.parametrize("bad", ["", "123", "T7000012050002", "70000120500021", "700001205000a"])
def test_corporate_number_form_is_checked(bad: str) -> None:
    with pytest.raises(ValueError):
        corporate_number_check_digit_ok(bad)
