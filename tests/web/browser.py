"""Headless Chromium for the dashboard's browser tests: Debian's /usr/bin/chromium, driven by
Playwright, which never downloads a browser of its own (.ci/run installs the package). Its
absence fails the tests: it is a missing install step, not a reason to skip. The `browser` and
`page` fixtures are in conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
LAPTOP = {"width": 1366, "height": 800}
TABLET = {"width": 768, "height": 1024}

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


def shot(page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
