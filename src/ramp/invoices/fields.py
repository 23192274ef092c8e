"""The fields RAMP keeps from an invoice that passed validation, amounts in integer yen.

JPY has no minor unit (ISO 4217 exponent 0), so every amount RAMP reads must be a whole
number of yen: "250000" and "250000.00" are 250000; "250000.5" is refused with
`amount_fractional_yen` (PINT-JP refuses fractional tax amounts itself, aligned-ibr-jp-06, but
not fractional line or document totals). A tax rate is kept in basis points (10 % = 1000) and
refused with `rate_finer_than_basis_point` if it cannot be. Every refusal is a FieldError
with a code; the validator turns it into an error of the result.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

from lxml import etree

from ramp.invoices.jp_numbers import REGISTRATION_NUMBER_RE

__all__ = ["FieldError", "InvoiceFields", "Party", "TaxSubtotal", "extract_fields", "location_of"]

NS: Final = {
    "ubl": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
AMOUNT_YEN_MAX: Final = 2**63 - 1  # the ledger's amount bound (ledger/model.py AMOUNT_MAX)
TEXT_MAX_CHARS: Final = 512  # names and references; UBL sets no bound, RAMP's records do
REFERENCES_MAX: Final = 32  # billing references one credit note may carry
CURRENCY: Final = "JPY"


class FieldError(ValueError):
    def __init__(self, code: str, location: str, message: str) -> None:
        super().__init__(f"{code} at {location}: {message}")
        self.code, self.location, self.message = code, location, message


@dataclass(frozen=True, slots=True)
class Party:
    name: str  # PartyLegalEntity/RegistrationName, else PartyName/Name
    endpoint_id: str | None
    endpoint_scheme: str | None
    legal_id: str | None  # PartyLegalEntity/CompanyID (0188: the corporate number)
    legal_id_scheme: str | None
    tax_id: str | None  # PartyTaxScheme/CompanyID under the VAT scheme (the T-number)


@dataclass(frozen=True, slots=True)
class TaxSubtotal:
    category: str  # UNCL5305: S, AA (reduced), E, G, O
    rate_basis_points: int | None  # None for category O, which carries no rate
    taxable_yen: int
    tax_yen: int


@dataclass(frozen=True, slots=True)
class InvoiceFields:
    document_type: str  # "Invoice" | "CreditNote"
    invoice_id: str
    issue_date: datetime.date
    due_date: datetime.date | None
    type_code: str
    currency: str
    seller_registration_number: str  # "T" + 13 digits
    seller: Party
    buyer: Party
    line_extension_yen: int
    tax_exclusive_yen: int
    tax_inclusive_yen: int
    allowance_total_yen: int
    charge_total_yen: int
    prepaid_yen: int
    rounding_yen: int
    payable_yen: int
    tax_total_yen: int
    tax_subtotals: tuple[TaxSubtotal, ...]
    order_reference: str | None
    contract_reference: str | None
    billing_references: tuple[str, ...]  # invoice numbers a credit note corrects
    digest_sha256: str  # hex, of the exact bytes received
    size_bytes: int


def location_of(element: etree._Element) -> str:
    prefixes = {uri: prefix for prefix, uri in NS.items()}
    steps = []
    node: etree._Element | None = element
    while node is not None:
        qname = etree.QName(node)
        same = [s for s in (node.itersiblings(preceding=True)) if s.tag == node.tag]
        steps.append(f"{prefixes.get(qname.namespace or '', '')}:{qname.localname}[{len(same) + 1}]")
        node = node.getparent()
    return "/" + "/".join(reversed(steps))


def _text(context: etree._Element, path: str) -> str | None:
    found = context.find(path, NS)
    if found is None or found.text is None:
        return None
    value = " ".join(found.text.split())
    if len(value) > TEXT_MAX_CHARS:
        raise FieldError("text_too_long", location_of(found), f"over {TEXT_MAX_CHARS} characters")
    return value or None


def _required(context: etree._Element, path: str) -> str:
    value = _text(context, path)
    if value is None:
        raise FieldError("field_missing", location_of(context), f"{path} is required")
    return value


def _yen(context: etree._Element, path: str, default: int | None = None) -> int:
    found = context.find(path, NS)
    if found is None:
        if default is None:
            raise FieldError("field_missing", location_of(context), f"{path} is required")
        return default
    location = location_of(found)
    if found.get("currencyID") != CURRENCY:
        raise FieldError("currency_not_jpy", location, f"currencyID is {found.get('currencyID')!r}")
    try:
        amount = Decimal((found.text or "").strip())
    except InvalidOperation as exc:
        raise FieldError("amount_not_a_number", location, repr(found.text)) from exc
    if not amount.is_finite() or amount != amount.to_integral_value():
        raise FieldError("amount_fractional_yen", location, f"{found.text!r} is not a whole number of yen")
    yen = int(amount)
    if abs(yen) > AMOUNT_YEN_MAX:
        raise FieldError("amount_out_of_range", location, f"{yen} is over {AMOUNT_YEN_MAX}")
    assert Decimal(yen) == amount
    return yen


def _date(context: etree._Element, path: str) -> datetime.date | None:
    value = _text(context, path)
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise FieldError("date_invalid", location_of(context.find(path, NS)), repr(value)) from exc


def _basis_points(category: etree._Element) -> int | None:
    found = category.find("cbc:Percent", NS)
    if found is None:
        return None
    try:
        points = Decimal((found.text or "").strip()) * 100
    except InvalidOperation as exc:
        raise FieldError("rate_not_a_number", location_of(found), repr(found.text)) from exc
    if not points.is_finite() or points != points.to_integral_value():
        raise FieldError("rate_finer_than_basis_point", location_of(found), repr(found.text))
    return int(points)


def _party(element: etree._Element | None, role: str, location: str) -> Party:
    if element is None:
        raise FieldError("field_missing", location, f"the {role} party is required")
    endpoint = element.find("cbc:EndpointID", NS)
    legal_id = element.find("cac:PartyLegalEntity/cbc:CompanyID", NS)
    name = _text(element, "cac:PartyLegalEntity/cbc:RegistrationName") or _text(element, "cac:PartyName/cbc:Name")
    if name is None:
        raise FieldError("field_missing", location_of(element), f"the {role}'s name is required")
    tax_id = None
    for scheme in element.findall("cac:PartyTaxScheme", NS):
        if (_text(scheme, "cac:TaxScheme/cbc:ID") or "").upper() == "VAT":
            tax_id = _text(scheme, "cbc:CompanyID")
    return Party(
        name=name,
        endpoint_id=_text(element, "cbc:EndpointID"),
        endpoint_scheme=endpoint.get("schemeID") if endpoint is not None else None,
        legal_id=_text(element, "cac:PartyLegalEntity/cbc:CompanyID"),
        legal_id_scheme=legal_id.get("schemeID") if legal_id is not None else None,
        tax_id=tax_id,
    )


def extract_fields(tree: etree._ElementTree, digest_sha256: str, size_bytes: int) -> InvoiceFields:
    """The fields of a validated UBL Invoice or CreditNote; FieldError if RAMP cannot keep them."""
    root = tree.getroot()
    qname = etree.QName(root)
    kinds = {(NS["ubl"], "Invoice"): "Invoice", (NS["cn"], "CreditNote"): "CreditNote"}
    document_type = kinds.get((qname.namespace or "", qname.localname))
    if document_type is None:
        raise FieldError("not_an_invoice", "/", f"the root is {root.tag}")
    where = location_of(root)
    currency = _required(root, "cbc:DocumentCurrencyCode")
    if currency != CURRENCY:
        raise FieldError("currency_not_jpy", where, f"the document currency is {currency!r}; RAMP pays yen")
    seller = _party(root.find("cac:AccountingSupplierParty/cac:Party", NS), "seller", where)
    if seller.tax_id is None or not REGISTRATION_NUMBER_RE.fullmatch(seller.tax_id):
        raise FieldError("registration_number_invalid", where, f"the seller's T-number is {seller.tax_id!r}")
    totals = root.find("cac:LegalMonetaryTotal", NS)
    if totals is None:
        raise FieldError("field_missing", where, "cac:LegalMonetaryTotal is required")
    # The one TaxTotal in the document currency (aligned-ibrp-053-jp); a second one may only
    # restate the tax in the tax accounting currency, which PINT-JP also fixes to JPY.
    tax_totals = [
        t for t in root.findall("cac:TaxTotal", NS)
        if (t.find("cbc:TaxAmount", NS) is not None and t.find("cbc:TaxAmount", NS).get("currencyID") == currency)
    ]
    if len(tax_totals) != 1:
        raise FieldError("tax_total_ambiguous", where, f"{len(tax_totals)} tax totals in {currency}, not 1")
    subtotals = []
    for subtotal in tax_totals[0].findall("cac:TaxSubtotal", NS):
        category = subtotal.find("cac:TaxCategory", NS)
        if category is None:
            raise FieldError("field_missing", location_of(subtotal), "cac:TaxCategory is required")
        subtotals.append(TaxSubtotal(
            category=_required(category, "cbc:ID"),
            rate_basis_points=_basis_points(category),
            taxable_yen=_yen(subtotal, "cbc:TaxableAmount"),
            tax_yen=_yen(subtotal, "cbc:TaxAmount"),
        ))
    tax_total_yen = _yen(tax_totals[0], "cbc:TaxAmount")
    references = tuple(
        value for reference in root.findall("cac:BillingReference/cac:InvoiceDocumentReference", NS)
        if (value := _text(reference, "cbc:ID")) is not None
    )
    if len(references) > REFERENCES_MAX:
        raise FieldError("too_many_references", where, f"over {REFERENCES_MAX} billing references")
    issue_date = _date(root, "cbc:IssueDate")
    if issue_date is None:
        raise FieldError("field_missing", where, "cbc:IssueDate is required")
    type_path = "cbc:InvoiceTypeCode" if document_type == "Invoice" else "cbc:CreditNoteTypeCode"
    return InvoiceFields(
        document_type=document_type,
        invoice_id=_required(root, "cbc:ID"),
        issue_date=issue_date,
        due_date=_date(root, "cbc:DueDate") or _date(root, "cac:PaymentMeans/cbc:PaymentDueDate"),
        type_code=_required(root, type_path),
        currency=currency,
        seller_registration_number=seller.tax_id,
        seller=seller,
        buyer=_party(root.find("cac:AccountingCustomerParty/cac:Party", NS), "buyer", where),
        line_extension_yen=_yen(totals, "cbc:LineExtensionAmount"),
        tax_exclusive_yen=_yen(totals, "cbc:TaxExclusiveAmount"),
        tax_inclusive_yen=_yen(totals, "cbc:TaxInclusiveAmount"),
        allowance_total_yen=_yen(totals, "cbc:AllowanceTotalAmount", default=0),
        charge_total_yen=_yen(totals, "cbc:ChargeTotalAmount", default=0),
        prepaid_yen=_yen(totals, "cbc:PrepaidAmount", default=0),
        rounding_yen=_yen(totals, "cbc:PayableRoundingAmount", default=0),
        payable_yen=_yen(totals, "cbc:PayableAmount"),
        tax_total_yen=tax_total_yen,
        tax_subtotals=tuple(subtotals),
        order_reference=_text(root, "cac:OrderReference/cbc:ID"),
        contract_reference=_text(root, "cac:ContractDocumentReference/cbc:ID"),
        billing_references=references,
        digest_sha256=digest_sha256,
        size_bytes=size_bytes,
    )
