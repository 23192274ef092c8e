"""`ramp auth code`: an enrolled identity's current TOTP code from the credentials file, alone
on stdout (for scripts), as an authenticator app would show it; a clear error otherwise."""

from __future__ import annotations

import os
import re
import time

from ramp.auth import totp
from ramp.auth.credentials import CredentialFile
from tests.api.service_fixture import ramp


def test_the_code_is_the_authenticators_code_now(tmp_path):
    path = str(tmp_path / "credentials")
    secret = CredentialFile(path).enrol("mof.sato", "a long demo password")
    before = int(time.time())
    run = ramp("auth", "code", "--credentials", path, "mof.sato")
    after = int(time.time())
    code = run.stdout.strip()
    assert re.fullmatch(r"\d{6}", code) and run.stdout == code + "\n"
    assert code in {totp.totp(secret, t) for t in (before, after)}
    assert re.fullmatch(r"mof\.sato: the next code comes in \d+ s; each code signs in or approves once\n", run.stderr)


def test_an_identity_without_a_login_or_a_bad_file_is_a_clear_error(tmp_path):
    path = str(tmp_path / "credentials")
    CredentialFile(path).enrol("mof.sato", "a long demo password")
    run = ramp("auth", "code", "--credentials", path, "fo.tanaka", check=False)
    assert (run.returncode, run.stdout) == (1, "")
    assert "not_enrolled: 'fo.tanaka' has no login in" in run.stderr
    for bad in (str(tmp_path / "missing"), str(tmp_path)):
        run = ramp("auth", "code", "--credentials", bad, "mof.sato", check=False)
        assert run.returncode == 1 and "credentials_unreadable" in run.stderr and "Traceback" not in run.stderr
    garbage = tmp_path / "garbage"
    garbage.write_text("not json")
    os.chmod(garbage, 0o600)
    run = ramp("auth", "code", "--credentials", str(garbage), "mof.sato", check=False)
    assert run.returncode == 1 and "credentials_unreadable" in run.stderr and "Traceback" not in run.stderr
