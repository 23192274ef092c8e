"""Small text checks shared by the layers that parse what clients and records send."""

from __future__ import annotations

import re
from typing import Final

_DIGITS: Final = re.compile(r"[0-9]+")


def is_digits(text: str) -> bool:
    """ASCII decimal digits only. `str.isdigit()` also accepts '²', '٣' and '０', which
    `int()` then refuses or reads differently: every numeric field goes through this instead."""
    return _DIGITS.fullmatch(text) is not None
