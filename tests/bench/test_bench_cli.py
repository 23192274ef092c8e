"""The ledger benchmark's contract: its JSON keys and honest accounting (not its speed)."""

from __future__ import annotations

import json

import pytest

from ramp.cli import main

pytestmark = pytest.mark.slow  # benchmarks: `make test` runs it, `make test-fast` does not


def test_bench_ledger_json_reports_rate_baseline_and_ratio(capsys):
    assert main(["bench", "ledger", "--accounts", "50", "--transfers", "3000", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["transfers"] == 3000 and report["failed"] == 0
    assert report["transfers_per_s"] > 0 and report["raw_append_per_s"] > 0
    assert abs(report["ratio"] - report["transfers_per_s"] / report["raw_append_per_s"]) < 0.002


def test_cli_unknown_command_is_a_usage_error(capsys):
    assert main(["no-such-command"]) == 2
    assert main(["bench", "nope"]) == 2
