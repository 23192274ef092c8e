"""`ramp bench epcis` at a tiny size: the report's shape and that every document captured
(never its speed)."""

from __future__ import annotations

import json

import pytest

from ramp.cli import main

pytestmark = pytest.mark.slow  # benchmarks: `make test` runs it, `make test-fast` does not


def test_every_document_captures_and_both_rates_are_reported(capsys):
    assert main(["bench", "epcis", "--documents", "6", "--events-per-document", "3", "--clients", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)["epcis"]
    assert (report["documents"], report["events_per_document"], report["failed"]) == (6, 3, 0)
    assert report["capture"]["events_per_s"] > 0 and report["schema"]["events_per_s"] > 0
    assert report["ratio_capture_over_schema"] == round(report["capture"]["events_per_s"] / report["schema"]["events_per_s"], 4)
