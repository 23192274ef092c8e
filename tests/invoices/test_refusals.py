"""Bytes that are not an invoice RAMP reads: refused with a code before any rule runs."""

from __future__ import annotations

import pytest

from ramp.invoices import INVOICE_MAX_BYTES, InvoiceRefused, validate_invoice
from tests.invoices.conftest import mutate

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&xxe;</Invoice>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<lolz>&lol4;</lolz>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice SYSTEM "http://example.invalid/ubl.dtd">
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>"""


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "xml_empty"),
        (b"<Invoice", "xml_not_well_formed"),
        (b"not xml at all", "xml_not_well_formed"),
        (b"<a></b>", "xml_not_well_formed"),
        (XXE, "xml_doctype_forbidden"),
        (LAUGHS, "xml_doctype_forbidden"),
        (EXTERNAL_DTD, "xml_doctype_forbidden"),
        (b"<a>" * 300 + b"</a>" * 300, "xml_too_deep"),
    ],
    ids=["empty", "truncated", "text", "mismatched", "xxe", "billion-laughs", "external-dtd", "too-deep"],
)
def test_refused_with_a_code(data: bytes, code: str) -> None:
    with pytest.raises(InvoiceRefused) as caught:
        validate_invoice(data)
    assert caught.value.code == code


def test_over_the_byte_limit_is_refused_before_parsing() -> None:
    data = b"<a>" + b" " * INVOICE_MAX_BYTES + b"</a>"
    with pytest.raises(InvoiceRefused) as caught:
        validate_invoice(data)
    assert caught.value.code == "xml_too_large"
    assert str(INVOICE_MAX_BYTES) in caught.value.message


def test_a_well_formed_non_ubl_document_is_invalid_not_refused() -> None:
    result = validate_invoice(b"<order><id>1</id></order>")
    assert not result.valid and result.document_type is None
    assert result.rule_ids() == {"xsd"}


def test_fractional_yen_is_refused_with_a_code(minimum: str) -> None:
    # consistent totals (the Schematron accepts them): prepaid 0.5, payable 281239.5
    data = mutate(
        minimum.replace('<cbc:PrepaidAmount currencyID="JPY">0<', '<cbc:PrepaidAmount currencyID="JPY">0.5<'),
        '<cbc:PayableAmount currencyID="JPY">281240<', '<cbc:PayableAmount currencyID="JPY">281239.5<',
    )
    result = validate_invoice(data)
    assert result.rule_ids() == {"ramp-amount-fractional-yen"}
    assert result.xsd_valid and result.schematron_valid
    assert result.errors[0].location == "/ubl:Invoice[1]/cac:LegalMonetaryTotal[1]/cbc:PrepaidAmount[1]"


def test_whole_yen_written_with_decimals_is_accepted(minimum: str) -> None:
    data = mutate(minimum, '<cbc:PrepaidAmount currencyID="JPY">0<', '<cbc:PrepaidAmount currencyID="JPY">0.00<')
    result = validate_invoice(data)
    assert result.valid, result.errors
    assert result.fields is not None and result.fields.prepaid_yen == 0


def test_utf8_bom_is_read(minimum: str) -> None:
    result = validate_invoice(b"\xef\xbb\xbf" + minimum.encode("utf-8"))
    assert result.valid, result.errors


def test_utf16_doctype_is_caught_after_the_parse() -> None:
    data = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'.encode("utf-16")
    with pytest.raises(InvoiceRefused) as caught:
        validate_invoice(data)
    assert caught.value.code == "xml_doctype_forbidden"
