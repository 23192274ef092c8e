"""The standards RAMP ships are the vectors, byte for byte, and reach nothing outside."""

from __future__ import annotations

from pathlib import Path

from ramp.invoices.validate import PINT_JP_DIR, UBL_XSD_DIR


def test_ubl_xsds_equal_the_vectors(ubl_vectors: Path) -> None:
    shipped = sorted(p.relative_to(UBL_XSD_DIR) for p in UBL_XSD_DIR.rglob("*.xsd"))
    vectors = sorted(p.relative_to(ubl_vectors / "xsd") for p in (ubl_vectors / "xsd").rglob("*.xsd"))
    assert shipped == vectors and len(shipped) == 16
    for relative in shipped:
        assert (UBL_XSD_DIR / relative).read_bytes() == (ubl_vectors / "xsd" / relative).read_bytes()


def test_pint_schematron_equals_the_vectors(ubl_vectors: Path) -> None:
    source = ubl_vectors / "pint-jp-1.1.3-schematron"
    names = sorted(p.name for p in source.glob("*.sch"))
    assert names == sorted(p.name for p in PINT_JP_DIR.glob("*.sch"))
    for name in names:
        assert (PINT_JP_DIR / name).read_bytes() == (source / name).read_bytes()
