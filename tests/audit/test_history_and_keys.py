"""A bundle's checkpoint history must be whole and in order; `--log-key` takes a file or text.

Before: removing the last line of checkpoints.jsonl or swapping two lines still verified, and
`--log-key FILE` compared the path itself with the key (reading as tampering)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ramp.audit.bundle import canonical_json, export_store, history_digest
from ramp.audit.verify import VerifyFailure, main, verify_bundle
from ramp.store import SQLiteStore
from tests.audit.test_bundle_verify import make_log


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, str, Path]:
    tmp = tmp_path_factory.mktemp("history")
    db, log = make_log(tmp, batches=5)
    store = SQLiteStore(str(db))
    export_store(store, str(tmp / "bundle"))
    store.close()
    return tmp / "bundle", log.verifier_key, tmp


def _copy(path: Path, tmp_path: Path) -> Path:
    work = tmp_path / "work"
    shutil.copytree(path, work)
    return work


def _lines(work: Path) -> list[bytes]:
    return (work / "checkpoints.jsonl").read_bytes().splitlines(keepends=True)


def _write_history(work: Path, lines: list[bytes], *, fix_manifest: bool = False) -> None:
    data = b"".join(lines)
    (work / "checkpoints.jsonl").write_bytes(data)
    if fix_manifest:  # a forger who also rewrites the (unsigned) manifest's count and digest
        manifest = json.loads((work / "manifest.json").read_bytes())
        manifest.update(checkpoints=len(lines), checkpoints_sha256=history_digest(data))
        (work / "manifest.json").write_bytes(canonical_json(manifest))


def _refused(work: Path, vkey: str, *known: str) -> VerifyFailure:
    with pytest.raises(VerifyFailure) as failure:
        verify_bundle(str(work), log_key=vkey, known_checkpoints=known)
    return failure.value


def test_the_history_is_every_checkpoint_up_to_the_bundles(exported):
    path, vkey, _tmp = exported
    lines = _lines(path)
    assert len(lines) == 6  # the accounts' batch and 5 more, the last the bundle's checkpoint
    assert (path / "checkpoint").read_text().startswith(json.loads(lines[-1]))
    assert verify_bundle(str(path), log_key=vkey).checkpoints_checked == 6


def test_removing_the_last_line_is_refused(exported, tmp_path):
    path, vkey, _tmp = exported
    work = _copy(path, tmp_path)
    _write_history(work, _lines(work)[:-1])
    failure = _refused(work, vkey)
    assert failure.where == "checkpoints.jsonl" and "trimmed" in failure.reason
    _write_history(work, _lines(path)[:-2], fix_manifest=True)  # even with the manifest rewritten
    assert "trimmed" in _refused(work, vkey).reason


@pytest.mark.parametrize(("i", "j"), [(0, 1), (2, 4), (4, 5)])
def test_swapping_two_lines_is_refused(exported, tmp_path, i, j):
    path, vkey, _tmp = exported
    work = _copy(path, tmp_path)
    lines = _lines(work)
    lines[i], lines[j] = lines[j], lines[i]
    _write_history(work, lines, fix_manifest=True)
    failure = _refused(work, vkey)
    assert failure.where.startswith("checkpoints.jsonl") and ("reordered" in failure.reason or "trimmed" in failure.reason)


def test_dropping_or_duplicating_a_middle_line_is_refused(exported, tmp_path):
    path, vkey, _tmp = exported
    work = _copy(path, tmp_path)
    lines = _lines(work)
    _write_history(work, lines[:2] + lines[3:])
    failure = _refused(work, vkey)
    assert "holds 5 checkpoints, the manifest counts 6" in failure.reason
    _write_history(work, lines[:3] + lines[2:])
    assert "reordered" in _refused(work, vkey).reason
    # With the manifest rewritten too, a checkpoint the auditor kept still tells.
    _write_history(work, lines[:2] + lines[3:], fix_manifest=True)
    dropped = json.loads(lines[2])
    failure = _refused(work, vkey, dropped)
    assert failure.where == "known checkpoint #1" and "omits it" in failure.reason


def test_a_changed_digest_is_refused(exported, tmp_path):
    path, vkey, _tmp = exported
    work = _copy(path, tmp_path)
    manifest = json.loads((work / "manifest.json").read_bytes())
    manifest["checkpoints_sha256"] = "0" * 64
    (work / "manifest.json").write_bytes(canonical_json(manifest))
    assert "SHA-256" in _refused(work, vkey).reason


def test_log_key_from_a_file_or_the_text_says_which(exported, tmp_path, capsys):
    path, vkey, tmp = exported
    key_file = tmp_path / "log.vkey"
    key_file.write_text(vkey + "\n")
    assert main([str(path), "--log-key", str(key_file)]) == 0
    out = capsys.readouterr()
    assert f"log key: the verifier key in file {key_file}" in out.err and out.out.startswith("OK ")
    assert main([str(path), "--log-key", vkey]) == 0
    assert "log key: the key text given" in capsys.readouterr().err
    assert main([str(path), "--log-key", str(tmp / "log.key")]) == 0  # the log's private key file
    assert "derived from private key file" in capsys.readouterr().err
    assert main(["--db", str(tmp / "ledger.db"), "--log-key", str(key_file)]) == 0
    assert "OK audit.test/ramp" in capsys.readouterr().out


def test_a_log_key_file_that_holds_no_key_is_named(exported, tmp_path, capsys):
    path, _vkey, _tmp = exported
    junk = tmp_path / "junk.txt"
    junk.write_text("not a key\n")
    assert main([str(path), "--log-key", str(junk)]) == 1
    err = capsys.readouterr().err
    assert f"FAILED {junk}: holds neither a verifier key nor a private key" in err and "Traceback" not in err
    missing = tmp_path / "missing.vkey"
    assert main([str(path), "--log-key", str(missing)]) == 1
    assert f"FAILED {missing}: neither a file nor a verifier key" in capsys.readouterr().err


def test_an_older_bundle_format_is_refused_by_name(exported, tmp_path):
    path, vkey, _tmp = exported
    work = _copy(path, tmp_path)
    manifest = json.loads((work / "manifest.json").read_bytes())
    manifest["format"] = "ramp-audit-bundle/1"
    (work / "manifest.json").write_bytes(canonical_json(manifest))
    assert "unknown format" in _refused(work, vkey).reason
