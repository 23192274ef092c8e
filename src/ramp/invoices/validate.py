"""JP PINT invoice validation: UBL 2.1 XSD, then every JP PINT 1.1.3 Schematron rule.

Order of work for one document (bytes):
1. the safe parse (`ramp.xmldoc`): too large, empty, not well-formed, DOCTYPE -> InvoiceRefused
   with a code; nothing else is looked at;
2. the UBL 2.1 XSD of its root (Invoice or CreditNote); errors have rule "xsd";
3. both JP PINT Schematron files, run as written even when the XSD failed (a well-formed
   document is enough); errors carry the assert's id, warnings come from flag="warning";
4. RAMP's own warnings (rule ids "ramp-..."): the corporate number's check digit;
5. if nothing so far is an error, the fields RAMP keeps (`fields.py`); a field RAMP cannot
   keep (fractional yen, a currency other than JPY) is an error with rule "ramp-<code>".

The XSDs and the Schematron are compiled once per `InvoiceValidator`; `default_validator()`
keeps one per process.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from lxml import etree

from ramp.invoices.fields import NS, FieldError, InvoiceFields, extract_fields, location_of
from ramp.invoices.jp_numbers import CORPORATE_NUMBER_RE, corporate_number_check_digit_ok
from ramp.invoices.schematron import (
    CompiledSchematron,
    SchematronRuntimeError,
    compile_schematron,
    parse_svrl,
    run_all,
)
from ramp.xmldoc import LocalSchema, XmlRefused, load_schema, parse_untrusted

__all__ = [
    "INVOICE_MAX_BYTES",
    "Finding",
    "InvoiceRefused",
    "InvoiceValidator",
    "ValidationResult",
    "default_validator",
    "validate_invoice",
]

INVOICE_MAX_BYTES: Final = 4 * 1024 * 1024  # the API's body limit; PINT-JP sets none
STANDARDS: Final = Path(__file__).resolve().parent / "standards"
UBL_XSD_DIR: Final = STANDARDS / "ubl-2.1" / "xsd"
PINT_JP_DIR: Final = STANDARDS / "pint-jp-1.1.3"
PINT_JP_FILES: Final = ("PINT-UBL-validation-preprocessed.sch", "PINT-jurisdiction-aligned-rules.sch")
_WARNING_FLAGS: Final = frozenset({"warning", "information", "info"})
RULE_CHECK_DIGIT: Final = "ramp-jp-corporate-number-check-digit"
RULE_SCHEMATRON_RUNTIME: Final = "schematron-runtime"
RULE_XSD: Final = "xsd"

InvoiceRefused = XmlRefused  # the bytes are not a document at all: a code, no result


@dataclass(frozen=True, slots=True)
class Finding:
    """One error or warning: the rule that said it, where, what, and how severe."""

    rule: str  # the Schematron assert/report id, "xsd", or "ramp-..."
    location: str  # an XPath (the Schematron's prefixes) or libxml2's path for XSD errors
    message: str
    flag: str  # "fatal", "error", "warning", ...
    source: str  # "xsd" | "schematron" | "ramp"

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "location": self.location, "message": self.message, "flag": self.flag}


@dataclass(frozen=True, slots=True)
class ValidationResult:
    valid: bool
    document_type: str | None  # "Invoice" | "CreditNote" | None for another root
    errors: tuple[Finding, ...]
    warnings: tuple[Finding, ...]
    xsd_valid: bool
    schematron_valid: bool
    digest_sha256: str  # hex, of the exact bytes
    fields: InvoiceFields | None  # set exactly when valid

    def __post_init__(self) -> None:
        assert self.valid == (not self.errors)
        assert (self.fields is not None) == self.valid

    def rule_ids(self) -> frozenset[str]:
        return frozenset(f.rule for f in self.errors)

    def to_json(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "errors": [f.to_json() for f in self.errors],
            "warnings": [f.to_json() for f in self.warnings],
            "document_type": self.document_type,
            "digest_sha256": self.digest_sha256,
        }


def _root_kind(tree: etree._ElementTree) -> str | None:
    qname = etree.QName(tree.getroot())
    return {(NS["ubl"], "Invoice"): "Invoice", (NS["cn"], "CreditNote"): "CreditNote"}.get(
        (qname.namespace or "", qname.localname)
    )


def _text_for_saxon(data: bytes, tree: etree._ElementTree) -> str:
    encoding = (tree.docinfo.encoding or "utf-8").lower()
    return data.decode("utf-8-sig" if encoding in ("utf-8", "utf8") else encoding)


def _check_digit_warnings(tree: etree._ElementTree) -> list[Finding]:
    """The corporate numbers in the parties: the seller's T-number and 0188 identifiers."""
    warnings = []
    candidates = tree.getroot().xpath(
        "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID"
        " | */cac:Party/cbc:EndpointID[@schemeID='0188']"
        " | */cac:Party/cac:PartyLegalEntity/cbc:CompanyID[@schemeID='0188']"
        " | */cac:Party/cac:PartyIdentification/cbc:ID[@schemeID='0188']",
        namespaces=NS,
    )
    for element in candidates:
        value = (element.text or "").strip()
        digits = value[1:] if value.startswith("T") else value
        if CORPORATE_NUMBER_RE.fullmatch(digits) and not corporate_number_check_digit_ok(digits):
            warnings.append(Finding(
                rule=RULE_CHECK_DIGIT,
                location=location_of(element),
                message=f"{value}: the corporate number's check digit is wrong (a placeholder number?)",
                flag="warning",
                source="ramp",
            ))
    return warnings


class InvoiceValidator:
    """The UBL XSDs and the JP PINT Schematron, compiled once; `validate` per document."""

    def __init__(self, schematron_files: tuple[Path, ...] | None = None) -> None:
        self._xsd: dict[str, LocalSchema] = {
            kind: load_schema(UBL_XSD_DIR / "maindoc" / f"UBL-{kind}-2.1.xsd", UBL_XSD_DIR)
            for kind in ("Invoice", "CreditNote")
        }
        files = schematron_files or tuple(PINT_JP_DIR / name for name in PINT_JP_FILES)
        self.schematrons: tuple[CompiledSchematron, ...] = tuple(compile_schematron(f) for f in files)

    def xsd_findings(self, tree: etree._ElementTree) -> list[Finding]:
        kind = _root_kind(tree)
        if kind is None:
            return [Finding(RULE_XSD, "/", f"the root {tree.getroot().tag} is not a UBL 2.1 Invoice or CreditNote",
                            "fatal", "xsd")]
        return [
            Finding(RULE_XSD, v.location or f"line {v.line}", f"line {v.line}: {v.message}", "fatal", "xsd")
            for v in self._xsd[kind].violations(tree)
        ]

    def schematron_findings(self, text: str) -> list[Finding]:
        out = []
        try:
            reports = run_all(self.schematrons, text)
        except SchematronRuntimeError as exc:
            return [Finding(RULE_SCHEMATRON_RUNTIME, "/", str(exc), "fatal", "schematron")]
        for schematron, report in zip(self.schematrons, reports, strict=True):
            if isinstance(report, SchematronRuntimeError):
                out.append(Finding(RULE_SCHEMATRON_RUNTIME, "/", f"{Path(schematron.source).name}: {report}",
                                   "fatal", "schematron"))
                continue
            out.extend(
                Finding(f.rule_id or f.test, f.location, f.message, f.flag or "fatal", "schematron")
                for f in parse_svrl(report)
            )
        return out

    def validate(self, data: bytes) -> ValidationResult:
        """Validate one document; InvoiceRefused if it is not well-formed XML RAMP will read."""
        tree = parse_untrusted(data, INVOICE_MAX_BYTES)
        digest = hashlib.sha256(data).hexdigest()
        xsd = self.xsd_findings(tree)
        schematron = self.schematron_findings(_text_for_saxon(data, tree))
        findings = xsd + schematron + _check_digit_warnings(tree)
        errors = [f for f in findings if f.flag.lower() not in _WARNING_FLAGS]
        warnings = [f for f in findings if f.flag.lower() in _WARNING_FLAGS]
        fields = None
        if not errors:
            try:
                fields = extract_fields(tree, digest, len(data))
            except FieldError as exc:
                errors.append(Finding("ramp-" + exc.code.replace("_", "-"), exc.location, exc.message, "fatal", "ramp"))
        return ValidationResult(
            valid=not errors,
            document_type=_root_kind(tree),
            errors=tuple(errors),
            warnings=tuple(warnings),
            xsd_valid=not any(f.source == "xsd" for f in errors),
            schematron_valid=not any(f.source == "schematron" for f in errors),
            digest_sha256=digest,
            fields=fields,
        )


@functools.cache
def default_validator() -> InvoiceValidator:
    return InvoiceValidator()


def validate_invoice(data: bytes) -> ValidationResult:
    """Validate with the process's validator (compiled on first use, ~0.3 s)."""
    return default_validator().validate(data)
