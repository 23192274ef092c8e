"""What every ISO 20022 message of `payments` shares: namespaces, XSDs, amounts, parties.

A builder writes a tree, then `finish` validates it against the message's XSD and returns
its bytes, or raises MessageSchemaError: a RAMP-built message that fails its schema is a
bug (or an input the schema cannot carry, like a 71-character account name), never sent.
A parser reads bytes through the safe parse, the same XSD, then these readers.

Amounts: Ccy="JPY" with no decimals. ISO 20022 needs an ISO 4217 code ([A-Z]{3}); RAMP's
ledger asset JPYD is the yen one for one, so messages carry it as JPY.
"""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

from lxml import etree

from ramp.payments.model import PartyAccount, Payment
from ramp.xmldoc import LocalSchema, SchemaViolation, XmlRefused, load_schema, parse_untrusted

XSD_DIR: Final = Path(__file__).resolve().parent / "xsd"
MESSAGE_TYPES: Final = ("pain.001.001.09", "pacs.008.001.08", "camt.054.001.08", "camt.053.001.08")
MESSAGE_MAX_BYTES: Final = 16 * 1024 * 1024  # a pain.001 of 8189 payments is ~12 MB
CURRENCY: Final = "JPY"
CLEARING_SYSTEM: Final = "JPZGN"  # ExternalClearingSystemIdentification1Code: Japan Zengin
INVOICE_DOCUMENT_TYPE: Final = "CINV"  # DocumentType6Code: commercial invoice


class MessageSchemaError(RuntimeError):
    """A message RAMP built fails its XSD: nothing is returned, nothing may be sent."""

    def __init__(self, message_type: str, violations: tuple[SchemaViolation, ...]) -> None:
        first = violations[0]
        super().__init__(f"{message_type} fails its XSD at {first.location}: {first.message}")
        self.message_type = message_type
        self.violations = violations


class MessageParseError(ValueError):
    """Bytes that are not a valid message of the expected type; `code` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


def namespace(message_type: str) -> str:
    return f"urn:iso:std:iso:20022:tech:xsd:{message_type}"


@functools.cache
def schema(message_type: str) -> LocalSchema:
    assert message_type in MESSAGE_TYPES, message_type
    return load_schema(XSD_DIR / f"{message_type}.xsd")


class Writer:
    """Elements in one message's namespace (ISO 20022 messages use a default namespace)."""

    def __init__(self, message_type: str) -> None:
        self.message_type = message_type
        self.ns = namespace(message_type)
        self.root = etree.Element(f"{{{self.ns}}}Document", nsmap={None: self.ns})

    def sub(self, parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
        element = etree.SubElement(parent, f"{{{self.ns}}}{tag}", attrib=attrs)
        if text is not None:
            element.text = text
        return element

    def amount(self, parent: etree._Element, tag: str, yen: int) -> etree._Element:
        assert type(yen) is int and yen >= 0, yen
        return self.sub(parent, tag, str(yen), Ccy=CURRENCY)

    def date(self, parent: etree._Element, tag: str, day: datetime.date) -> None:
        self.sub(self.sub(parent, tag), "Dt", day.isoformat())

    def party(self, parent: etree._Element, tag: str, who: PartyAccount) -> etree._Element:
        element = self.sub(parent, tag)
        self.sub(element, "Nm", who.name)
        return element

    def account(self, parent: etree._Element, tag: str, who: PartyAccount) -> etree._Element:
        element = self.sub(parent, tag)
        self.sub(self.sub(self.sub(element, "Id"), "Othr"), "Id", who.account_id)
        if who.account_name is not None:
            self.sub(element, "Nm", who.account_name)
        return element

    def agent(self, parent: etree._Element, tag: str, who: PartyAccount) -> etree._Element:
        institution = self.sub(self.sub(parent, tag), "FinInstnId")
        if who.agent_member_id is not None:
            member = self.sub(institution, "ClrSysMmbId")
            self.sub(self.sub(member, "ClrSysId"), "Cd", CLEARING_SYSTEM)
            self.sub(member, "MmbId", who.agent_member_id)
        return institution

    def remittance(self, parent: etree._Element, payment: Payment) -> None:
        if payment.memo is None and payment.invoice_id is None and payment.proof_ref is None:
            return
        info = self.sub(parent, "RmtInf")
        if payment.memo is not None:
            self.sub(info, "Ustrd", payment.memo)
        if payment.invoice_id is None and payment.proof_ref is None:
            return
        structured = self.sub(info, "Strd")
        if payment.invoice_id is not None:
            document = self.sub(structured, "RfrdDocInf")
            self.sub(self.sub(self.sub(document, "Tp"), "CdOrPrtry"), "Cd", INVOICE_DOCUMENT_TYPE)
            self.sub(document, "Nb", payment.invoice_id)
        if payment.proof_ref is not None:
            self.sub(structured, "AddtlRmtInf", payment.proof_ref)

    def finish(self) -> bytes:
        """The message's bytes, after its XSD accepted it."""
        tree = self.root.getroottree()
        violations = schema(self.message_type).violations(tree)
        if violations:
            raise MessageSchemaError(self.message_type, violations)
        return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


class Reader:
    """Reads one message back: the safe parse, its XSD, then namespace-aware lookups."""

    def __init__(self, message_type: str, data: bytes) -> None:
        self.message_type = message_type
        self.ns = {"m": namespace(message_type)}
        try:
            tree = parse_untrusted(data, MESSAGE_MAX_BYTES)
        except XmlRefused as exc:
            raise MessageParseError(exc.code, exc.message) from exc
        if tree.getroot().tag != f"{{{self.ns['m']}}}Document":
            raise MessageParseError("wrong_message_type", f"the root is {tree.getroot().tag}, not a {message_type}")
        violations = schema(message_type).violations(tree)
        if violations:
            raise MessageParseError("schema_invalid", f"{violations[0].location}: {violations[0].message}")
        self.root = tree.getroot()

    def all(self, context: etree._Element, path: str) -> list[etree._Element]:
        return context.findall(path, self.ns)

    def one(self, context: etree._Element, path: str) -> etree._Element:
        found = context.find(path, self.ns)
        if found is None:
            raise MessageParseError("field_missing", f"{path} is missing")
        return found

    def text(self, context: etree._Element, path: str) -> str:
        return self.one(context, path).text or ""

    def optional(self, context: etree._Element, path: str) -> str | None:
        found = context.find(path, self.ns)
        return None if found is None else (found.text or "")

    def yen(self, context: etree._Element, path: str) -> int:
        element = self.one(context, path)
        if element.get("Ccy") != CURRENCY:
            raise MessageParseError("currency_not_jpy", f"{path} is in {element.get('Ccy')!r}")
        return decimal_yen(element.text or "", path)

    def date(self, context: etree._Element, path: str) -> datetime.date:
        return datetime.date.fromisoformat(self.text(context, path))

    def datetime(self, context: etree._Element, path: str) -> datetime.datetime:
        value = datetime.datetime.fromisoformat(self.text(context, path))
        if value.tzinfo is None:
            raise MessageParseError("datetime_without_offset", f"{path} has no UTC offset")
        return value

    def party_account(self, party: etree._Element, account: etree._Element | None,
                      agent: etree._Element | None) -> PartyAccount:
        member = None if agent is None else self.optional(agent, "m:FinInstnId/m:ClrSysMmbId/m:MmbId")
        return PartyAccount(
            name=self.text(party, "m:Nm"),
            account_id=self.text(account, "m:Id/m:Othr/m:Id") if account is not None else "",
            account_name=None if account is None else self.optional(account, "m:Nm"),
            agent_member_id=member,
        )

    def remittance(self, context: etree._Element) -> dict[str, str | None]:
        info = context.find("m:RmtInf", self.ns)
        if info is None:
            return {"memo": None, "invoice_id": None, "proof_ref": None}
        return {
            "memo": self.optional(info, "m:Ustrd"),
            "invoice_id": self.optional(info, "m:Strd/m:RfrdDocInf/m:Nb"),
            "proof_ref": self.optional(info, "m:Strd/m:AddtlRmtInf"),
        }


def decimal_yen(text: str, where: str) -> int:
    try:
        amount = Decimal(text.strip())
    except InvalidOperation as exc:
        raise MessageParseError("amount_not_a_number", f"{where} is {text!r}") from exc
    if amount != amount.to_integral_value():
        raise MessageParseError("amount_fractional_yen", f"{where} is {text!r}, not whole yen")
    return int(amount)
