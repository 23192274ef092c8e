"""The one refusal of the contracts layer: an HTTP status and a machine-readable code."""

from __future__ import annotations


class ContractRefused(Exception):
    """A contract operation that may not happen; nothing was written.

    `status`: 400 bad input, 403 not allowed (wrong role or organisation), 404 no such
    contract or milestone, 409 the contract's state (or the budget's law) refuses it."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def refuse(status: int, code: str, message: str) -> ContractRefused:
    return ContractRefused(status, code, message)
