"""`ramp verify`: check an audit bundle with nothing but the bundle and the public keys.

Checks, in order, stopping at the first failure and naming it:
1. the manifest and every JSON file are canonical (RFC 8785 bytes);
2. the latest checkpoint is signed by the log key, for the manifest's origin and size, and
   cosigned by every required witness;
3. the checkpoint history (checkpoints.jsonl) is whole and in order: every line signed by the
   log, sizes strictly increasing, the last one the bundle's checkpoint (a trimmed tail fails
   here), as many lines as the manifest counts with the SHA-256 it records (a dropped line
   fails here), and every checkpoint the auditor brings either in it or beyond it;
4. every entry, in order: a public envelope (journal/envelope.py). In a cleared bundle each is
   opened by its opening (salt || body: a canonical event that must seal to the very same
   envelope) and the event replayed through the ledger engine (which re-executes the command and
   requires the identical event); in a public bundle, what anyone can check: every envelope
   well-formed, seqs in order, time strictly increasing, every public body its envelope's event;
5. the tree recomputed from the entries has the checkpoint's root; every hash tile in the
   bundle equals the recomputed one;
6. every checkpoint of the history and every one the auditor brings has the root of the
   recomputed tree at its size, so each is consistent with the next: a fork or a rewrite fails;
7. (a cleared bundle) the balances the store claimed equal the balances of the replay;
8. (during 4) approvals: every decision's signature verifies against the key valid at that
   point of the log, and every executed request had its quorum (see `ramp.audit.approvals`).

`ramp verify --db URL` checks a store instead, every row of every table (see
`ramp.audit.store_check`). `--log-key` takes the key's text or a file holding it (or the
log's private key file, whose verifier key is derived) and says which it read.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import msgspec

from ramp.audit.bundle import (
    BUNDLE_FORMAT,
    Manifest,
    canonical_json,
    entry_bundle_ids,
    history_digest,
    openings_path,
)
from ramp.audit.replay import LogReplay
from ramp.audit.report import Report, VerifyFailure
from ramp.journal.log import CheckpointInvalid, verify_checkpoint
from ramp.tlog.checkpoint import Checkpoint
from ramp.tlog.cosignature import CosignatureVerifier, Cosigner, verifier_from_vkey
from ramp.tlog.keys import KeyFileError, read_private_key_file
from ramp.tlog.merkle import EMPTY_ROOT
from ramp.tlog.note import Ed25519Signer, NoteError, open_note
from ramp.tlog.tiles import (
    TILE_WIDTH,
    TileError,
    decode_entries,
    decode_entry_bundle,
    tiles_for_size,
)

__all__ = ["Report", "VerifyFailure", "main", "read_key_argument", "verify_bundle"]

KEY_ARGUMENT_MAX_BYTES = 4096  # a verifier key is ~100 characters; a bigger file is not a key


def _read(root: Path, name: str) -> bytes:
    try:
        return (root / name).read_bytes()
    except OSError as exc:
        raise VerifyFailure(name, f"cannot read: {exc.strerror or exc}") from exc


def _canonical(name: str, data: bytes, type_: type) -> object:
    try:
        value = msgspec.json.decode(data, type=type_)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise VerifyFailure(name, f"not valid: {exc}") from exc
    if canonical_json(value) != data:
        raise VerifyFailure(name, "not in canonical (RFC 8785) form")
    return value


def _history(root: Path, manifest: Manifest, checkpoint: Checkpoint) -> dict[int, bytes]:
    """The bundle's checkpoint history, checked whole and in order: size -> signed root."""
    name = "checkpoints.jsonl"
    data = _read(root, name)
    lines = data.splitlines(keepends=True)
    history: dict[int, bytes] = {}
    previous = -1
    for i, line in enumerate(lines):
        where = f"{name} #{i + 1}"
        if not line.endswith(b"\n"):
            raise VerifyFailure(where, "line does not end in a newline")
        note = _canonical(where, line[:-1], str)
        try:
            old = verify_checkpoint(note, manifest.log_key, manifest.origin)  # type: ignore[arg-type]
        except CheckpointInvalid as exc:
            raise VerifyFailure(where, str(exc)) from exc
        if old.size > manifest.size:
            raise VerifyFailure(where, f"size {old.size} is beyond the bundle's {manifest.size}")
        if old.size <= previous:
            raise VerifyFailure(where, f"size {old.size} does not follow size {previous}: the history is reordered")
        previous = old.size
        history[old.size] = old.root_hash
    if previous != checkpoint.size or history[previous] != checkpoint.root_hash:
        raise VerifyFailure(name, f"ends at size {previous}, not at the bundle's checkpoint (size {checkpoint.size}):"
                                  " the history is trimmed")  # fmt: skip
    if len(lines) != manifest.checkpoints:
        raise VerifyFailure(name, f"holds {len(lines)} checkpoints, the manifest counts {manifest.checkpoints}:"
                                  " the history is trimmed")  # fmt: skip
    if history_digest(data) != manifest.checkpoints_sha256:
        raise VerifyFailure(name, "SHA-256 differs from the manifest's")
    return history


def verify_bundle(
    bundle_dir: str,
    *,
    log_key: str | None = None,
    witness_keys: tuple[str, ...] | None = None,
    known_checkpoints: tuple[str, ...] = (),
) -> Report:
    """Verify a bundle; keys given here are trusted, otherwise the manifest's are used."""
    t0 = time.perf_counter()
    root = Path(bundle_dir)
    manifest = _canonical("manifest.json", _read(root, "manifest.json"), Manifest)
    assert isinstance(manifest, Manifest)
    if manifest.format != BUNDLE_FORMAT:
        raise VerifyFailure("manifest.json", f"unknown format {manifest.format!r}")
    if log_key is not None and log_key != manifest.log_key:
        raise VerifyFailure("manifest.json", "log key differs from the trusted log key")
    if witness_keys is not None and set(witness_keys) - set(manifest.witness_keys):
        raise VerifyFailure("manifest.json", "a trusted witness key is missing from the bundle")
    required_witnesses = manifest.witness_keys if witness_keys is None else witness_keys
    report = Report(origin=manifest.origin)

    # 2. the latest checkpoint and its cosignatures
    try:
        note = _read(root, "checkpoint").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise VerifyFailure("checkpoint", f"not UTF-8: {exc}") from exc
    try:
        checkpoint = verify_checkpoint(note, manifest.log_key, manifest.origin)
    except CheckpointInvalid as exc:
        raise VerifyFailure("checkpoint", str(exc)) from exc
    if checkpoint.size != manifest.size:
        raise VerifyFailure("checkpoint", f"signs size {checkpoint.size}, manifest says {manifest.size}")
    for vkey in required_witnesses:
        try:
            verifier = CosignatureVerifier.from_vkey(vkey)
            open_note(note, [verifier])
        except (NoteError, ValueError) as exc:
            raise VerifyFailure("checkpoint", f"no valid cosignature by witness {vkey.split('+')[0]}: {exc}") from exc
        report.cosigned_by.append(vkey.split("+")[0])

    # 3. the history, whole and in order; then the checkpoints the auditor brings
    history = _history(root, manifest, checkpoint)
    listed = set(history)
    omitted: dict[int, str] = {}  # sizes the auditor saw signed that the history lacks
    for i, item in enumerate(known_checkpoints):
        where = f"known checkpoint #{i + 1}"
        try:
            old = verify_checkpoint(item, manifest.log_key, manifest.origin)
        except CheckpointInvalid as exc:
            raise VerifyFailure(where, str(exc)) from exc
        if old.size > manifest.size:
            raise VerifyFailure(where, f"size {old.size} is beyond the bundle's {manifest.size}")
        if history.setdefault(old.size, old.root_hash) != old.root_hash:
            raise VerifyFailure(where, f"two different signed roots for size {old.size}: the log forked")
        if old.size not in listed and old.size > 0:
            omitted.setdefault(old.size, where)

    # 4-5. replay every entry, rebuild the tree, stopping at each historical size for its root
    log = LogReplay()
    level_hashes: dict[int, bytearray] = {}
    stops = sorted(s for s in history if s > 0)
    roots_at: dict[int, bytes] = {}
    for bid in entry_bundle_ids(manifest.size):
        data = _read(root, bid.path)
        try:
            leaves = decode_entry_bundle(data, bid.width)
        except TileError as exc:
            raise VerifyFailure(bid.path, str(exc)) from exc
        first = bid.index * TILE_WIDTH
        if manifest.openings:
            name = openings_path(bid.index)
            try:
                opened = decode_entries(_read(root, name), bid.width)
            except TileError as exc:
                raise VerifyFailure(name, str(exc)) from exc
            log.replay(leaves, opened, first, "")
        else:
            log.check_public(leaves, first, "")
        pos = 0
        while pos < len(leaves):  # cut at historical sizes so their roots can be taken
            cut = len(leaves)
            if stops and first + pos < stops[0] <= first + len(leaves):
                cut = stops[0] - first
            runs = log.append(leaves[pos:cut])
            for level, _first_index, hashes in runs.hashes:
                level_hashes.setdefault(level, bytearray()).extend(hashes)
            pos = cut
            if stops and log.tree.size == stops[0]:
                roots_at[stops.pop(0)] = log.tree.root()
    if log.tree.root() != checkpoint.root_hash:
        raise VerifyFailure("checkpoint", "root differs from the tree of the bundle's entries")
    for tid in tiles_for_size(manifest.size):
        start = tid.index * TILE_WIDTH * 32
        want = bytes(level_hashes.get(tid.level, b"")[start : start + tid.width * 32])
        if _read(root, tid.path) != want:
            raise VerifyFailure(tid.path, "hash tile differs from the tree of the entries")

    # 6. every checkpoint of the history is consistent with this tree
    for size, signed_root in sorted(history.items()):
        recomputed = roots_at.get(size) if size else EMPTY_ROOT
        if recomputed != signed_root:
            raise VerifyFailure(f"checkpoint at size {size}", "not consistent with the bundle's log (fork)")
        report.checkpoints_checked += 1

    if omitted:  # consistent with the tree, yet missing from the history
        size, where = min(omitted.items())
        raise VerifyFailure(where, f"the log signed size {size}, but checkpoints.jsonl omits it: the history is incomplete")

    report.levels = {level.value: n for level, n in log.levels.items()}
    if not manifest.openings:  # a public bundle: nothing more can be known without the openings
        report.size = manifest.size
        report.public_only = True
        report.seconds = time.perf_counter() - t0
        return report

    # 7. balances claimed by the store equal the replay
    claimed = _canonical("balances.json", _read(root, "balances.json"), dict[str, tuple[int, int, int, int]])
    engine = log.engine
    replayed = engine.balances()
    if claimed != replayed:
        diff = sorted(set(claimed.items()) ^ set(replayed.items()))[:1]  # type: ignore[union-attr]
        raise VerifyFailure("balances.json", f"differs from the replayed balances, e.g. {diff}")
    try:
        engine.check_invariants()
    except AssertionError as exc:
        raise VerifyFailure("ledger", f"invariant broken after replay: {exc}") from exc
    report.size = manifest.size
    report.accounts = len(replayed)
    report.decisions = log.approvals.decisions_checked
    report.attestations = log.approvals.attestations_checked
    report.executions = log.approvals.executions_checked
    report.seconds = time.perf_counter() - t0
    return report


def read_key_argument(value: str) -> tuple[str, str]:
    """A key given on the command line: (the verifier key, what was read). A path to an existing
    file is read (a verifier key, or a private key file, from which the verifier key is
    derived); anything else must be a verifier key's text."""
    path = Path(value)
    if not path.is_file():
        if not _is_verifier_key(value.strip()):
            raise VerifyFailure(value, "neither a file nor a verifier key")
        return value.strip(), "the key text given"
    data = path.read_bytes()[: KEY_ARGUMENT_MAX_BYTES + 1]
    if len(data) > KEY_ARGUMENT_MAX_BYTES:
        raise VerifyFailure(value, f"larger than {KEY_ARGUMENT_MAX_BYTES} bytes: not a key file")
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise VerifyFailure(value, "not a key file (not UTF-8)") from exc
    if _is_verifier_key(text):
        return text, f"the verifier key in file {value}"
    try:
        skey = read_private_key_file(path)
    except KeyFileError as exc:
        raise VerifyFailure(value, f"holds neither a verifier key nor a private key: {exc}") from exc
    for signer in (Ed25519Signer, Cosigner):
        try:
            vkey = signer.from_skey(skey).verifier_key().encode()
        except (NoteError, ValueError):
            continue
        return vkey, f"the verifier key derived from private key file {value}"
    raise VerifyFailure(value, "holds neither a verifier key nor a private key")


def _is_verifier_key(text: str) -> bool:
    try:
        verifier_from_vkey(text)
    except (NoteError, ValueError):
        return False
    return True


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="ramp verify", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("bundle", nargs="?", help="an audit bundle directory (from `ramp export-bundle`)")
    source.add_argument("--db", help="verify a store directly (SQLite path or postgresql:// URL)")
    p.add_argument("--log-key", help="the log's trusted verifier key: its text, or a file holding it"
                                     " (default: the bundle's or store's own, untrusted)")  # fmt: skip
    p.add_argument("--witness-key", action="append", help="a trusted witness key (text or file) that must have cosigned")
    p.add_argument("--known-checkpoint", action="append", default=[], help="a file with an earlier signed checkpoint")
    args = p.parse_args(argv)
    try:
        log_key = None
        if args.log_key is not None:
            log_key, how = read_key_argument(args.log_key)
            print(f"log key: {how}", file=sys.stderr)
        witness_keys = None
        if args.witness_key:
            witness_keys = tuple(read_key_argument(k)[0] for k in args.witness_key)
        known = tuple(Path(f).read_text() for f in args.known_checkpoint)
        if args.db:
            from ramp.audit.store_check import verify_store_url

            report = verify_store_url(args.db, log_key=log_key, witness_keys=witness_keys, known_checkpoints=known)
        else:
            report = verify_bundle(args.bundle, log_key=log_key, witness_keys=witness_keys, known_checkpoints=known)
    except VerifyFailure as exc:
        print(f"FAILED {exc.where}: {exc.reason}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    if args.log_key is None:
        print("note: keys were taken from the bundle or store itself; pass --log-key to trust only yours")
    if report.public_only:
        public = report.levels.get("public", 0)
        print(f"OK {report.origin} size {report.size} (public bundle): tree, {report.checkpoints_checked} checkpoints "
              f"and every envelope verified; {public} public events checked, {report.size - public} sealed "
              f"(their openings are not in this bundle: balances not re-derived)")  # fmt: skip
        return 0
    rate = report.size / report.seconds if report.seconds else 0
    rows = f", {report.rows_checked} store rows re-derived" if report.rows_checked else ""
    print(f"OK {report.origin} size {report.size}: {report.accounts} accounts replayed, "
          f"{report.checkpoints_checked} checkpoints consistent, "
          f"{report.decisions} approval signatures, {report.executions} quorums and "
          f"{report.attestations} attestation signatures checked{rows}, "
          f"cosigned by {', '.join(report.cosigned_by) or 'no witness'} ({rate:,.0f} events/s)")  # fmt: skip
    return 0
