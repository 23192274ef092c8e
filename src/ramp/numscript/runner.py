"""The conformance runner: every `NAME.num` of a folder checked against `NAME.num.specs.json`.

This module reads files; everything it calls is pure. A "case" here is one script with its
specs file (one file may hold several test cases); the case passes when all its test cases do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ramp.numscript.specs import SpecsResult, check_specs

# The largest reference specs file is a few KB; anything past this is not a test vector.
SPECS_MAX_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Report:
    results: tuple[SpecsResult, ...]

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if r.failed)

    @property
    def skipped(self) -> int:
        return sum(1 for r in self.results if r.skipped_reason is not None)

    @property
    def used_skip_or_focus(self) -> bool:
        """True when a specs file itself skipped test cases (`skip`/`focus`, debug only)."""
        return any(case.skipped for r in self.results for case in r.cases)

    def lines(self) -> list[str]:
        out: list[str] = []
        for result in self.results:
            out.extend(_describe(result))
        tests = [case for r in self.results for case in r.cases]
        tests_failed = sum(1 for case in tests if not case.passed and not case.skipped)
        tests_skipped = sum(1 for case in tests if case.skipped)
        out.append("")
        out.append(
            f"test cases: {len(tests) - tests_failed - tests_skipped} passed, "
            f"{tests_failed} failed, {tests_skipped} skipped"
        )
        if self.skipped:
            out.append(f"{self.skipped} skipped (experimental features, not counted)")
        failed_names = [r.name for r in self.results if r.failed]
        if failed_names:
            out.append("failed: " + ", ".join(failed_names))
        out.append(f"{self.passed} passed, {self.failed} failed")
        return out


def _describe(result: SpecsResult) -> list[str]:
    if result.skipped_reason is not None:
        return [f"SKIP {result.name}: {result.skipped_reason}"]
    if result.error is not None:
        return [f"FAIL {result.name}: {result.error}"]
    count = f"{len(result.cases)} test{'s' if len(result.cases) != 1 else ''}"
    if result.passed:
        return [f"ok   {result.name} ({count})"]
    lines = [f"FAIL {result.name} ({count})"]
    for case in result.cases:
        if case.skipped:
            lines.append(f"    - {case.it}: skipped")
        for failure in case.failures:
            lines.append(f"    x {case.it}: {failure}")
    return lines


def run_directory(directory: Path) -> Report:
    """Check every `*.num` under `directory` (recursively, in name order)."""
    results = []
    for script_path in sorted(directory.rglob("*.num")):
        name = script_path.relative_to(directory).as_posix()
        specs_path = script_path.with_name(script_path.name + ".specs.json")
        if not specs_path.is_file():
            results.append(SpecsResult(name, error=f"no specs file {specs_path.name}"))
            continue
        if specs_path.stat().st_size > SPECS_MAX_BYTES:
            results.append(SpecsResult(name, error=f"specs file over {SPECS_MAX_BYTES} bytes"))
            continue
        script = script_path.read_text(encoding="utf-8")
        results.append(check_specs(name, script, specs_path.read_bytes()))
    return Report(tuple(results))
