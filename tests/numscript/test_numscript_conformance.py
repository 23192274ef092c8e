"""The reference's conformance vectors, run through `ramp numscript test`'s runner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ramp.numscript.cli import main
from ramp.numscript.runner import run_directory

CASES = Path(__file__).resolve().parents[2].parent / "shared/vectors/numscript/cases"


def test_every_vector_passes() -> None:
    report = run_directory(CASES)
    case_files = sorted(CASES.glob("*.num"))
    assert len(case_files) > 0
    failures = [line for line in report.lines() if line.startswith(("FAIL", "    x"))]
    assert failures == []
    assert len(report.results) == len(case_files)
    assert (report.passed, report.failed, report.skipped) == (len(case_files), 0, 0)


def test_cli_prints_final_tally(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(CASES)]) == 0
    last_line = capsys.readouterr().out.strip().splitlines()[-1]
    assert last_line == f"{len(list(CASES.glob('*.num')))} passed, 0 failed"


def _copy_case(tmp_path: Path, name: str) -> tuple[Path, dict]:
    shutil.copy(CASES / name, tmp_path / name)
    shutil.copy(CASES / f"{name}.specs.json", tmp_path / f"{name}.specs.json")
    specs = json.loads((CASES / f"{name}.specs.json").read_text())
    return tmp_path / f"{name}.specs.json", specs


def test_a_wrong_expectation_fails_and_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _copy_case(tmp_path, "send.num")
    specs_path, specs = _copy_case(tmp_path, "allocation.num")
    specs["testCases"][0]["expect.postings"][0]["amount"] = 12
    specs_path.write_text(json.dumps(specs))

    assert main(["test", str(tmp_path)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == "1 passed, 1 failed"
    assert "failed: allocation.num" in out
    assert any(line.startswith("FAIL allocation.num") for line in out)


def test_expected_missing_funds_that_does_not_happen_fails(tmp_path: Path) -> None:
    specs_path, specs = _copy_case(tmp_path, "send.num")
    specs["testCases"][0]["expect.error.missingFunds"] = True
    specs_path.write_text(json.dumps(specs))
    (result,) = run_directory(tmp_path).results
    assert result.failed
    assert "expect.error.missingFunds" in result.cases[0].failures[0]


def test_unsupported_feature_flags_skip_the_file(tmp_path: Path) -> None:
    specs_path, specs = _copy_case(tmp_path, "send.num")
    specs["featureFlags"] = ["experimental-oneof"]
    specs_path.write_text(json.dumps(specs))
    report = run_directory(tmp_path)
    assert (report.passed, report.failed, report.skipped) == (0, 0, 1)


def test_supported_feature_flag_runs(tmp_path: Path) -> None:
    specs_path, specs = _copy_case(tmp_path, "send.num")
    specs["featureFlags"] = ["experimental-overdraft-function"]
    specs_path.write_text(json.dumps(specs))
    assert run_directory(tmp_path).passed == 1


def test_skip_or_focus_makes_the_run_fail(tmp_path: Path) -> None:
    specs_path, specs = _copy_case(tmp_path, "send-max.num")
    specs["testCases"][0]["focus"] = True
    specs_path.write_text(json.dumps(specs))
    report = run_directory(tmp_path)
    assert report.used_skip_or_focus and report.failed == 0
    assert main(["test", str(tmp_path)]) == 1


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: s.update(unknownKey=1), "invalid specs file"),
        (lambda s: s["testCases"][0].update({"expect.postings": [{"amount": 1.5}]}), "invalid"),
        (lambda s: s.update(testCases=[]), "empty test suite"),
    ],
)
def test_invalid_specs_fail(tmp_path: Path, mutate, message: str) -> None:
    specs_path, specs = _copy_case(tmp_path, "send.num")
    mutate(specs)
    specs_path.write_text(json.dumps(specs))
    (result,) = run_directory(tmp_path).results
    assert result.failed and message in (result.error or "")


def test_script_without_specs_fails(tmp_path: Path) -> None:
    (tmp_path / "lonely.num").write_text('set_tx_meta("a", 1)')
    (result,) = run_directory(tmp_path).results
    assert result.failed and "no specs file" in (result.error or "")


def test_unparsable_script_fails_with_location(tmp_path: Path) -> None:
    specs_path, specs = _copy_case(tmp_path, "send.num")
    (tmp_path / "send.num").write_text("send [EUR/2 100] (\n  source = @alice\n)")
    (result,) = run_directory(tmp_path).results
    assert result.failed and "line 3, column 1" in (result.error or "")


def test_end_balances_and_movements_assertions(tmp_path: Path) -> None:
    specs_path, specs = _copy_case(tmp_path, "send-all-destinatio-allot-complex.num")
    case = specs["testCases"][0]
    case["expect.endBalances.include"] = [{"account": "d2", "asset": "USD/2", "amount": 20}]
    case["expect.endBalances"] = [
        {"account": "users:001", "asset": "USD/2", "amount": 0},
        {"account": "d1", "asset": "USD/2", "amount": 10},
        {"account": "d2", "asset": "USD/2", "amount": 20},
    ]
    case["expect.movements"] = [
        {"source": "users:002", "destination": "d2", "asset": "USD/2", "amount": 15},
        {"source": "users:001", "destination": "d1", "asset": "USD/2", "amount": 10},
        {"source": "users:001", "destination": "d2", "asset": "USD/2", "amount": 5},
    ]
    specs_path.write_text(json.dumps(specs))
    assert run_directory(tmp_path).passed == 1

    case["expect.movements"][0]["amount"] = 14
    specs_path.write_text(json.dumps(specs))
    (result,) = run_directory(tmp_path).results
    assert result.failed and result.cases[0].failures[0].startswith("expect.movements")
