"""Production password hashes: argon2id with RFC 9106's low-memory parameters.

The suite hashes at a test cost in its own process (tests/conftest.py), so this is checked in a
fresh interpreter, as a server or `ramp identity` would hash."""

from __future__ import annotations

import subprocess
import sys

import argon2
from argon2.profiles import RFC_9106_LOW_MEMORY

from ramp.auth import credentials

_HASH_IN_A_FRESH_PROCESS = "from ramp.auth.credentials import hash_password; print(hash_password('a password of twelve'))"


def test_a_production_hash_is_argon2id_at_rfc9106_low_memory_cost():
    phc = subprocess.run([sys.executable, "-c", _HASH_IN_A_FRESH_PROCESS], check=True, capture_output=True,
                         text=True).stdout.strip()  # fmt: skip
    got = argon2.extract_parameters(phc)
    assert got == RFC_9106_LOW_MEMORY == credentials.HASH_PARAMETERS
    assert (got.type, got.time_cost, got.memory_cost, got.parallelism) == (argon2.Type.ID, 3, 65536, 4)
    assert argon2.PasswordHasher().verify(phc, "a password of twelve")


def test_a_hash_made_at_the_test_cost_still_verifies_and_a_wrong_password_does_not():
    phc = credentials.hash_password("a password of twelve")
    assert credentials.check_password(phc, "a password of twelve")
    assert not credentials.check_password(phc, "a password of thirteen")
    assert not credentials.check_password("not a hash", "a password of twelve")
