"""`python -m ramp.bench.invoices` prints its figures (a short run)."""

from __future__ import annotations

import json

from ramp.bench.invoices import main


def test_bench_prints_both_rates(capsys) -> None:
    assert main(["--seconds", "0.1", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["full"]["per_s"] > 0 and figures["xsd"]["per_s"] > 0
    assert figures["ratio_full_over_xsd"] == figures["full"]["per_s"] / figures["xsd"]["per_s"]
