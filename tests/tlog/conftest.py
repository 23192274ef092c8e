"""Shared fixtures for the tlog tests: where the outside vectors live."""

from __future__ import annotations

from pathlib import Path

import pytest

# shared/vectors sits beside the checkout (shared/vectors/README.md), in CI too.
VECTORS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "vectors" / "tlog"


@pytest.fixture(scope="session")
def tlog_vectors() -> Path:
    assert VECTORS_DIR.is_dir(), f"missing test vectors at {VECTORS_DIR}"
    return VECTORS_DIR
