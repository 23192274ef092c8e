"""docs/budget.md runs: its Python blocks, in order, against a real journal (both stores)."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "budget.md"


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)


def test_the_worked_example_runs(tmp_path):
    assert len(blocks()) >= 10
    namespace: dict[str, object] = {"db_path": str(tmp_path / "example.db")}
    for k, code in enumerate(blocks()):
        exec(compile(code, f"{DOC.name} block {k + 1}", "exec"), namespace)  # noqa: S102 - our own doc
    # it went all the way: the vendor was paid the whole contract
    assert namespace["journal"].read.account("vendor:kanto-heavy").balance == 30 * 10**9  # type: ignore[attr-defined]
