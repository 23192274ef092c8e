"""`ramp invoice validate FILE --json` without a server."""

from __future__ import annotations

import json
from pathlib import Path

from ramp.invoices.cli import main
from tests.invoices.conftest import mutate


def test_valid_example_prints_valid_json(ubl_vectors: Path, capsys) -> None:
    assert main(["validate", str(ubl_vectors / "jp-pint-invoice-example.xml"), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["valid"] is True and payload["errors"] == []
    assert {w["rule"] for w in payload["warnings"]} == {"ramp-jp-corporate-number-check-digit"}


def test_invalid_invoice_prints_every_rule(tmp_path: Path, minimum: str, capsys) -> None:
    path = tmp_path / "bad.xml"
    path.write_bytes(mutate(minimum, "<cbc:CompanyID>T1234567890123<", "<cbc:CompanyID>T12<"))
    assert main(["validate", str(path), "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["valid"] is False
    assert [(e["rule"], e["location"]) for e in payload["errors"]] == [
        ("aligned-ibr-jp-01", "/ubl:Invoice[1]/cac:AccountingSupplierParty[1]/cac:Party[1]/cac:PartyTaxScheme[1]")
    ]
    assert all({"rule", "location", "message"} <= set(e) for e in payload["errors"])


def test_refused_document_is_reported_in_the_same_shape(tmp_path: Path, capsys) -> None:
    path = tmp_path / "x.xml"
    path.write_bytes(b'<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>')
    assert main(["validate", str(path), "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["valid"] is False and payload["refused"] == "xml_doctype_forbidden"
    assert payload["errors"][0]["rule"] == "xml_doctype_forbidden"


def test_text_output_and_usage(tmp_path: Path, ubl_vectors: Path, capsys) -> None:
    assert main(["validate", str(ubl_vectors / "jp-pint-invoice-example-minimum.xml")]) == 0
    assert capsys.readouterr().out.startswith("valid")
    assert main(["validate", str(tmp_path / "missing.xml")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main([]) == 2
