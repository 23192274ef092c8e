"""`ramp bench contracts` at a tiny size, on SQLite and PostgreSQL: the report's shape, and
that every payment arrived in one batch (never its speed)."""

from __future__ import annotations

import json

import pytest

from ramp.cli import main
from tests.store.backends import PG_URL_ENV, postgres_url

pytestmark = pytest.mark.slow  # benchmarks: `make test` runs it, `make test-fast` does not


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_every_payment_arrives_in_the_attestations_batch(backend, capsys):
    argv = ["bench", "contracts", "--backends", backend, "--latency-samples", "5", "--attestations", "13",
            "--clients", "4", "--json"]  # fmt: skip
    if backend == "postgresql":
        url = postgres_url()
        if url is None:
            pytest.skip(f"{PG_URL_ENV} is not set: no PostgreSQL server to benchmark against (CI sets it)")
        argv += ["--pg-url", url]
    assert main(argv) == 0
    [report] = json.loads(capsys.readouterr().out)["contracts"]
    assert report["backend"] == backend and report["failed"] == 0
    assert report["contracts"] == 6  # 18 completing attestations, 3 milestones a contract
    assert report["payments_expected"] == report["payments_released"] == 18
    assert report["one_batch"] is True and report["payment_latency_ns_max"] == 0
    assert report["vendors"] == report["vendors_paid_in_full"] == 6
    lat = report["latency"]
    assert lat["samples"] == 5 and lat["wallet_reads_showing_payment"] == 5
    assert 0 < lat["attest_to_payment_p50_ms"] <= lat["attest_to_payment_p99_ms"]
    assert lat["attest_then_wallet_read_p50_ms"] >= lat["attest_to_payment_p50_ms"]
    assert lat["ratio_p50"] == round(lat["attest_to_payment_p50_ms"] / lat["baseline_transfer_p50_ms"], 2)
    tp = report["throughput"]
    assert tp["clients"] == 4 and tp["attestations"] == 13 and tp["attestations_per_s"] > 0
    assert tp["baseline_transfers_per_s"] > 0 and tp["ratio"] > 0
    assert set(report["setup"]) == {"contracts_signed_per_s", "first_attestations_per_s"}
