"""Tools beside a running server, on both backends: a second writer (`ramp identity add`) is
refused and writes nothing; the read-only audit tools (`ramp verify --db`, `ramp export-bundle`)
work on the live store."""

from __future__ import annotations

import pytest

from tests.api.service_fixture import Server, ramp


@pytest.mark.slow  # a real ramp serve beside CLI subprocesses
def test_identity_add_is_refused_beside_a_server_and_verify_works(store_url, tmp_path):
    ramp("init", "--db", store_url, "--origin", "test.ramp/live", "--admin-key-out", str(tmp_path / "admin.key"),
         "--log-key-out", str(tmp_path / "log.key"))  # fmt: skip
    server = Server(store_url)
    server.start()
    try:
        added = ramp("identity", "add", "--db", store_url, "--id", "late", "--organisation", "boa",
                     "--roles", "auditor", "--key-out", str(tmp_path / "late.key"), check=False)  # fmt: skip
        assert added.returncode != 0
        assert "already open by another writer" in added.stderr
        assert "Traceback" not in added.stderr
        assert not (tmp_path / "late.key").exists()  # refused before a key was made
        verified = ramp("verify", "--db", store_url, check=False)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        exported = ramp("export-bundle", "--db", store_url, "--out", str(tmp_path / "bundle"), check=False)
        assert exported.returncode == 0, exported.stderr
    finally:
        server.stop()
    # Once the server is gone the same command goes through.
    ramp("identity", "add", "--db", store_url, "--id", "late", "--organisation", "boa", "--roles", "auditor",
         "--key-out", str(tmp_path / "late.key"))  # fmt: skip
