"""The ISO 20022 XSDs RAMP ships are the vectors, byte for byte."""

from __future__ import annotations

from pathlib import Path

from ramp.payments._common import MESSAGE_TYPES, XSD_DIR


def test_xsds_equal_the_vectors(shared_dir: Path) -> None:
    vectors = shared_dir / "vectors" / "iso20022"
    assert sorted(p.name for p in XSD_DIR.glob("*.xsd")) == sorted(f"{t}.xsd" for t in MESSAGE_TYPES)
    for message_type in MESSAGE_TYPES:
        name = f"{message_type}.xsd"
        assert (XSD_DIR / name).read_bytes() == (vectors / name).read_bytes()
