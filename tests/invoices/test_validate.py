"""JP PINT validation: the published examples pass, one change each makes them fail.

Each refused case names the rule ids the Schematron itself reports, and a second test runs
the compiled Schematron directly (its SVRL, no validator post-processing) and compares.
"""

from __future__ import annotations

import hashlib

import pytest

from ramp.invoices import InvoiceValidator, validate_invoice
from ramp.invoices.schematron import parse_svrl
from tests.invoices.conftest import credit_note, mutate

_BUYER_START, _BUYER_END = "<cac:AccountingCustomerParty>", "</cac:AccountingCustomerParty>"

# name -> (old, new, the rule ids expected: Schematron ids, "xsd", or RAMP's "ramp-...")
ONE_CHANGE = {
    "wrong payable total": (
        '<cbc:PayableAmount currencyID="JPY">281240<', '<cbc:PayableAmount currencyID="JPY">281241<',
        {"ibr-co-16"},
    ),
    "wrong line total": (
        '<cbc:LineExtensionAmount currencyID="JPY">255990<', '<cbc:LineExtensionAmount currencyID="JPY">255991<',
        {"ibr-co-10", "ibr-co-13"},
    ),
    "wrong tax total": (
        '<cbc:TaxAmount currencyID="JPY">25250</cbc:TaxAmount> <!-- IBT-110',
        '<cbc:TaxAmount currencyID="JPY">25251</cbc:TaxAmount> <!-- IBT-110',
        {"ibr-co-14", "ibr-co-15"},
    ),
    "T-number too short": (
        "<cbc:CompanyID>T1234567890123<", "<cbc:CompanyID>T12345678901<", {"aligned-ibr-jp-01"},
    ),
    "T-number without T": (
        "<cbc:CompanyID>T1234567890123<", "<cbc:CompanyID>1234567890123<", {"aligned-ibr-jp-01"},
    ),
    "seller name missing": (
        "<cbc:RegistrationName>株式会社 〇〇商事</cbc:RegistrationName>", "", {"ibr-006", "ibr-079"},
    ),
    "seller country missing": (
        "<cbc:IdentificationCode>JP</cbc:IdentificationCode> <!-- IBT-040", "<!-- IBT-040",
        {"ibr-009", "ibr-079"},
    ),
    "standard rate 8 % where the tax is 10 %": (
        "<cbc:Percent>10</cbc:Percent> <!-- IBT-119", "<cbc:Percent>8</cbc:Percent> <!-- IBT-119",
        {"aligned-ibrp-051-jp"},
    ),
    "tax category not in UNCL5305": (
        "<cbc:ID>E</cbc:ID> <!-- IBT-118", "<cbc:ID>Z</cbc:ID> <!-- IBT-118",
        {"aligned-ibrp-cl-01-jp", "aligned-ibrp-e-01"},
    ),
    "impossible date (30 February)": (
        "<cbc:IssueDate>2023-10-24<", "<cbc:IssueDate>2023-02-30<", {"xsd", "ibr-073"},
    ),
    "impossible date (month 13)": (
        "<cbc:IssueDate>2023-10-24<", "<cbc:IssueDate>2023-13-01<", {"xsd", "ibr-073"},
    ),
    "document currency USD": (
        "<cbc:DocumentCurrencyCode>JPY<", "<cbc:DocumentCurrencyCode>USD<", {"ibr-126", "ibr-co-15"},
    ),
    "one amount in USD": (
        '<cbc:PayableAmount currencyID="JPY">', '<cbc:PayableAmount currencyID="USD">', {"ibr-126"},
    ),
    "invoice type code 381 on an Invoice": (
        "<cbc:InvoiceTypeCode>380<", "<cbc:InvoiceTypeCode>381<", {"aligned-ibrp-cl-02-jp", "ibr-cl-01"},
    ),
}


@pytest.mark.parametrize("name", ["jp-pint-invoice-example.xml", "jp-pint-invoice-example-minimum.xml"])
def test_published_examples_are_accepted(ubl_vectors, name: str) -> None:
    data = (ubl_vectors / name).read_bytes()
    result = validate_invoice(data)
    assert result.valid, result.errors
    assert result.errors == ()
    assert result.xsd_valid and result.schematron_valid
    assert result.digest_sha256 == hashlib.sha256(data).hexdigest()
    # the placeholder corporate numbers fail their check digit: warned, not refused
    assert {w.rule for w in result.warnings} == {"ramp-jp-corporate-number-check-digit"}
    assert result.fields is not None and result.fields.digest_sha256 == result.digest_sha256


@pytest.mark.parametrize("name", sorted(ONE_CHANGE))
def test_one_change_is_refused_with_the_rules_ids(minimum: str, name: str) -> None:
    old, new, expected = ONE_CHANGE[name]
    result = validate_invoice(mutate(minimum, old, new))
    assert not result.valid
    assert result.fields is None
    assert result.rule_ids() == expected
    for error in result.errors:
        assert error.location.startswith("/") and error.message


@pytest.mark.parametrize("name", sorted(ONE_CHANGE))
def test_rule_ids_equal_what_the_schematron_itself_reports(
    validator: InvoiceValidator, minimum: str, name: str
) -> None:
    old, new, _expected = ONE_CHANGE[name]
    data = mutate(minimum, old, new)
    direct = set()
    for schematron in validator.schematrons:
        svrl = schematron.run_svrl(data.decode("utf-8"))
        assert "<svrl:schematron-output" in svrl and "svrl:fired-rule" in svrl
        direct |= {(f.rule_id, f.location) for f in parse_svrl(svrl)}
    reported = {(e.rule, e.location) for e in validate_invoice(data).errors if e.source == "schematron"}
    assert reported == direct
    assert direct, "every case breaks at least one Schematron rule"


def test_schematron_runs_when_the_xsd_fails(minimum: str) -> None:
    # an element UBL does not know: XSD only...
    only_xsd = validate_invoice(mutate(minimum, "<cbc:ProfileID>", "<cbc:Unknown>x</cbc:Unknown><cbc:ProfileID>"))
    assert only_xsd.rule_ids() == {"xsd"} and not only_xsd.xsd_valid and only_xsd.schematron_valid
    # ...and an XSD failure with a Schematron failure: both reported
    both = validate_invoice(mutate(minimum, "<cbc:IssueDate>2023-10-24<", "<cbc:IssueDate>2023-13-01<"))
    assert not both.xsd_valid and not both.schematron_valid
    assert [e.source for e in both.errors] == ["xsd", "schematron"]


def test_missing_buyer_party_fails_xsd_and_schematron(minimum: str) -> None:
    start, end = minimum.index(_BUYER_START), minimum.index(_BUYER_END) + len(_BUYER_END)
    result = validate_invoice(mutate(minimum, minimum[start:end], ""))
    assert result.rule_ids() == {"xsd", "ibr-007", "ibr-010"}


def test_credit_note_is_accepted_with_its_billing_reference(minimum: str) -> None:
    result = validate_invoice(credit_note(minimum).encode("utf-8"))
    assert result.valid, result.errors
    assert result.document_type == "CreditNote"
    assert result.fields is not None
    assert result.fields.billing_references == ("155",) and result.fields.type_code == "381"


def test_credit_note_with_a_wrong_total_is_refused(minimum: str) -> None:
    text = credit_note(minimum)
    result = validate_invoice(mutate(text, '<cbc:PayableAmount currencyID="JPY">281240<',
                                     '<cbc:PayableAmount currencyID="JPY">1<'))
    assert result.rule_ids() == {"ibr-co-16"}


def test_a_correct_check_digit_gives_no_warning(minimum: str) -> None:
    # 7000012050002 is the National Tax Agency's own corporate number
    text = minimum.replace("1234567890123", "7000012050002")
    result = validate_invoice(text.encode("utf-8"))
    assert result.valid
    assert all("7000012050002" not in w.message for w in result.warnings)


def test_the_result_json_is_the_cli_shape(minimum: str) -> None:
    payload = validate_invoice(mutate(minimum, "<cbc:InvoiceTypeCode>380<", "<cbc:InvoiceTypeCode>381<")).to_json()
    assert payload["valid"] is False
    assert payload["errors"] and all(set(e) == {"rule", "location", "message", "flag"} for e in payload["errors"])
    assert {e["rule"] for e in payload["errors"]} == {"aligned-ibrp-cl-02-jp", "ibr-cl-01"}
    assert set(payload) == {"valid", "errors", "warnings", "document_type", "digest_sha256"}


def test_a_rule_that_raises_is_reported_and_the_other_schema_still_runs(minimum: str) -> None:
    # "abc" fails the XSD and makes xs:decimal() in a PINT rule raise FORG0001
    data = mutate(minimum, '<cbc:PayableAmount currencyID="JPY">281240<', '<cbc:PayableAmount currencyID="JPY">abc<')
    result = validate_invoice(data)
    assert result.rule_ids() == {"xsd", "schematron-runtime"}
    runtime = [e for e in result.errors if e.rule == "schematron-runtime"]
    assert len(runtime) == 1 and "PINT-UBL-validation-preprocessed.sch" in runtime[0].message
    assert "FORG0001" in runtime[0].message or "xs:decimal" in runtime[0].message


def test_validation_from_several_threads_agrees(ubl_vectors, minimum: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    good = (ubl_vectors / "jp-pint-invoice-example.xml").read_bytes()
    bad = mutate(minimum, "<cbc:CompanyID>T1234567890123<", "<cbc:CompanyID>T12<")
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(validate_invoice, [good, bad] * 8))
    assert [r.valid for r in results] == [True, False] * 8
    assert {r.rule_ids() for r in results[1::2]} == {frozenset({"aligned-ibr-jp-01"})}
