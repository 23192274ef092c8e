"""Every message validates against its XSD, reads back equal, and keeps the yen exact."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from lxml import etree

from ramp.payments import (
    CREDIT,
    DEBIT,
    MessageParseError,
    MessageSchemaError,
    Notification,
    PartyAccount,
    PaymentBatch,
    Statement,
    StatementEntry,
    TransferMessage,
    build_camt053,
    build_camt054,
    build_pacs008,
    build_pain001,
    parse_camt053,
    parse_camt054,
    parse_pacs008,
    parse_pain001,
)
from ramp.payments._common import namespace, schema
from ramp.xmldoc import parse_untrusted
from tests.payments.conftest import CREATED, DAY, OFFICE, VENDOR_A, VENDOR_B, payment

BATCH = PaymentBatch(
    message_id="MSG-PAIN-20250630-1", created_at=CREATED, payment_info_id="PMTINF-20250630-1",
    payments=(payment(1, 2_850_000_000), payment(2, 1_250_000, VENDOR_B, memo=None), payment(3, 1, invoice_id=None)),
)


def _statement(opening_yen: int = 10_000_000_000) -> Statement:
    entries = (
        StatementEntry(CREDIT, DAY, payment(10, 5_000_000_000, creditor=OFFICE, debtor=VENDOR_B)),
        StatementEntry(DEBIT, DAY, payment(1, 2_850_000_000)),
        StatementEntry(DEBIT, DAY, payment(2, 1_250_000, VENDOR_B)),
    )
    closing = opening_yen + sum(e.signed_yen for e in entries)
    return Statement(
        message_id="MSG-CAMT053-1", created_at=CREATED, statement_id="STMT-fy2025-mod-20250630",
        account=OFFICE, date=DAY, opening_yen=opening_yen, closing_yen=closing, entries=entries,
    )


NOTIFICATION = Notification(
    message_id="MSG-CAMT054-1", created_at=CREATED, notification_id="NTF-vendor-a-20250630",
    account=VENDOR_A, entries=(StatementEntry(CREDIT, DAY, payment(1, 2_850_000_000)),),
)

CASES = {
    "pain.001.001.09": (BATCH, build_pain001, parse_pain001),
    "pacs.008.001.08": (TransferMessage("MSG-PACS-1", CREATED, payment(1, 2_850_000_000)), build_pacs008, parse_pacs008),
    "camt.054.001.08": (NOTIFICATION, build_camt054, parse_camt054),
    "camt.053.001.08": (_statement(), build_camt053, parse_camt053),
}


@pytest.mark.parametrize("message_type", sorted(CASES))
def test_message_validates_against_its_xsd_and_reads_back_equal(message_type: str) -> None:
    value, build, parse = CASES[message_type]
    data = build(value)
    tree = parse_untrusted(data)
    assert tree.getroot().tag == f"{{{namespace(message_type)}}}Document"
    assert schema(message_type).violations(tree) == ()  # independently of the builder's own check
    assert parse(data) == value
    assert build(parse(data)) == data  # and the bytes are stable


@pytest.mark.parametrize("message_type", sorted(CASES))
def test_amounts_are_whole_jpy(message_type: str) -> None:
    value, build, _parse = CASES[message_type]
    root = etree.fromstring(build(value))
    amounts = [e for e in root.iter() if e.get("Ccy") is not None]
    assert amounts and all(e.get("Ccy") == "JPY" and e.text.isdigit() for e in amounts)


def test_end_to_end_id_and_proof_reference_travel_together() -> None:
    data = build_pacs008(TransferMessage("MSG-PACS-2", CREATED, payment(7, 42)))
    root = etree.fromstring(data)
    ns = {"m": namespace("pacs.008.001.08")}
    assert root.findtext(".//m:PmtId/m:EndToEndId", namespaces=ns) == "E2E-INV156-0007"
    assert root.findtext(".//m:PmtId/m:TxId", namespaces=ns) == "t-2025-06-30-0007"
    assert root.findtext(".//m:RmtInf/m:Strd/m:RfrdDocInf/m:Nb", namespaces=ns) == "INV-7"
    assert root.findtext(".//m:RmtInf/m:Strd/m:AddtlRmtInf", namespaces=ns).startswith("ramp-proof:v1:")


def test_pain001_control_sum_is_the_batch_total() -> None:
    root = etree.fromstring(build_pain001(BATCH))
    ns = {"m": namespace("pain.001.001.09")}
    assert [Decimal(t) for t in root.xpath("//m:CtrlSum/text()", namespaces=ns)] == [2_851_250_001] * 2
    assert root.xpath("//m:NbOfTxs/text()", namespaces=ns) == ["3", "3"]


def test_a_days_camt053_sums_equal_the_movements() -> None:
    statement = _statement()
    data = build_camt053(statement)
    root = etree.fromstring(data)
    ns = {"m": namespace("camt.053.001.08")}

    def signed(entry) -> int:
        amount = int(entry.findtext("m:Amt", namespaces=ns))
        return amount if entry.findtext("m:CdtDbtInd", namespaces=ns) == CREDIT else -amount

    moved = sum(signed(e) for e in root.iterfind(".//m:Ntry", ns))
    assert moved == 5_000_000_000 - 2_850_000_000 - 1_250_000
    balances = {b.findtext("m:Tp/m:CdOrPrtry/m:Cd", namespaces=ns): signed(b) for b in root.iterfind(".//m:Bal", ns)}
    assert balances == {"OPBD": statement.opening_yen, "CLBD": statement.closing_yen}
    assert balances["OPBD"] + moved == balances["CLBD"]
    assert root.findtext(".//m:TtlCdtNtries/m:Sum", namespaces=ns) == "5000000000"
    assert root.findtext(".//m:TtlDbtNtries/m:Sum", namespaces=ns) == "2851250000"
    assert root.findtext(".//m:TtlNtries/m:NbOfNtries", namespaces=ns) == "3"
    assert parse_camt053(data) == statement


def test_a_negative_balance_is_carried_as_debit() -> None:
    statement = _statement(opening_yen=-5_000_000_000)
    data = build_camt053(statement)
    assert statement.closing_yen < 0
    assert parse_camt053(data) == statement


def test_a_statement_whose_balances_do_not_add_up_is_refused() -> None:
    good = _statement()
    with pytest.raises(ValueError, match="opening"):
        dataclasses.replace(good, closing_yen=good.closing_yen + 1)


def test_too_long_account_name_is_the_xsd_max70text_error() -> None:
    long_name = PartyAccount(name="x", account_id="acct", account_name="口" * 71)
    with pytest.raises(MessageSchemaError) as caught:
        build_pacs008(TransferMessage("MSG-PACS-3", CREATED, payment(1, 5, creditor=long_name)))
    error = caught.value
    assert error.message_type == "pacs.008.001.08"
    assert error.violations[0].location == "/Document[1]/FIToFICstmrCdtTrf[1]/CdtTrfTxInf[1]/CdtrAcct[1]/Nm[1]"
    assert "maxLength" in str(error) and "70" in str(error)


@pytest.mark.parametrize(
    ("override", "facet"),
    [
        ({"end_to_end_id": "E" * 36}, "maxLength"),  # Max35Text
        ({"memo": "m" * 141}, "maxLength"),  # Max140Text
        ({"transfer_id": ""}, "minLength"),
    ],
)
def test_inputs_the_schema_cannot_carry_are_precise_errors(override: dict, facet: str) -> None:
    with pytest.raises(MessageSchemaError, match=facet):
        build_pain001(dataclasses.replace(BATCH, payments=(payment(1, 5, **override),)))


def test_amounts_are_integers_never_bool_or_negative() -> None:
    with pytest.raises(TypeError):
        payment(1, True)
    with pytest.raises(TypeError):
        payment(1, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        payment(1, -1)


def test_batch_has_one_debtor_and_one_date() -> None:
    with pytest.raises(ValueError):
        dataclasses.replace(BATCH, payments=(payment(1, 5), payment(2, 5, debtor=VENDOR_B)))
    with pytest.raises(ValueError):
        dataclasses.replace(BATCH, payments=())


def _replace_text(data: bytes, old: str, new: str) -> bytes:
    assert old.encode() in data
    return data.replace(old.encode(), new.encode(), 1)


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda d: _replace_text(d, 'Ccy="JPY">1<', 'Ccy="JPY">1.5<'), "amount_fractional_yen"),
        (lambda d: _replace_text(d, 'Ccy="JPY">1<', 'Ccy="USD">1<'), "currency_not_jpy"),
        (lambda d: _replace_text(d, "<CtrlSum>2851250001<", "<CtrlSum>2851250002<"), "control_sum_mismatch"),
        (lambda d: _replace_text(d, "<PmtMtd>TRF<", "<PmtMtd>XXX<"), "schema_invalid"),
        (lambda d: b'<!DOCTYPE d [<!ENTITY e "x">]>' + d.split(b"?>", 1)[1], "xml_doctype_forbidden"),
        (lambda d: d[:-20], "xml_not_well_formed"),
    ],
    ids=["fractional", "usd", "ctrlsum", "schema", "doctype", "truncated"],
)
def test_parsing_refuses_with_a_code(mutate, code: str) -> None:
    with pytest.raises(MessageParseError) as caught:
        parse_pain001(mutate(build_pain001(BATCH)))
    assert caught.value.code == code


def test_a_message_of_another_type_is_refused() -> None:
    with pytest.raises(MessageParseError) as caught:
        parse_pacs008(build_pain001(BATCH))
    assert caught.value.code == "wrong_message_type"
