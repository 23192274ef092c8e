"""`ramp verify`: check an audit bundle with nothing but the bundle and the public keys.

Checks, in order, stopping at the first failure and naming it:
1. the manifest and every JSON file are canonical (RFC 8785 bytes);
2. the latest checkpoint is signed by the log key, for the manifest's origin and size, and
   cosigned by every required witness;
3. every entry, in order: canonical event bytes, replayed through the ledger engine (which
   re-executes the command and requires the identical event);
4. the tree recomputed from the entries has the checkpoint's root; every hash tile in the
   bundle equals the recomputed one;
5. every earlier checkpoint (the bundle's history and any the auditor brings) is signed by the
   log and has the root of the recomputed tree at its size: a fork or a rewrite is caught;
6. the balances the store claimed equal the balances of the replay;
7. (during 3) approvals: every decision's signature verifies against the key valid at that
   point of the log, and every executed request had its quorum (see `ramp.audit.approvals`).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from ramp.audit.approvals import ApprovalAudit, ApprovalInvalid
from ramp.audit.bundle import BUNDLE_FORMAT, Manifest, canonical_json, entry_bundle_ids
from ramp.journal.appender import LogAppender, leaf_hashes
from ramp.journal.log import CheckpointInvalid, verify_checkpoint
from ramp.ledger.engine import LedgerEngine, ReplayError
from ramp.ledger.events import EventDecodeError, decode_event
from ramp.tlog.cosignature import CosignatureVerifier
from ramp.tlog.merkle import EMPTY_ROOT
from ramp.tlog.note import NoteError, open_note
from ramp.tlog.tiles import TILE_WIDTH, TileError, decode_entry_bundle, tiles_for_size


class VerifyFailure(Exception):
    """The first thing that does not hold; `where` names the file, entry or signature."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


@dataclass
class Report:
    size: int = 0
    origin: str = ""
    cosigned_by: list[str] = field(default_factory=list)
    checkpoints_checked: int = 0
    accounts: int = 0
    decisions: int = 0  # approval decisions whose signature and right to decide were checked
    executions: int = 0  # executed approval requests whose quorum was checked
    seconds: float = 0.0


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

    # 5 (collect). Earlier checkpoints: verified now, their roots compared after the replay.
    history: dict[int, bytes] = {}
    history_lines = _read(root, "checkpoints.jsonl").splitlines(keepends=True)
    notes = [("checkpoints.jsonl", i, line) for i, line in enumerate(history_lines)]
    notes += [("known checkpoint", i, k) for i, k in enumerate(known_checkpoints)]
    for source, i, item in notes:
        where = f"{source} #{i + 1}"
        if isinstance(item, bytes):
            if not item.endswith(b"\n"):
                raise VerifyFailure(where, "line does not end in a newline")
            item = _canonical(where, item[:-1], str)  # type: ignore[assignment]
        try:
            old = verify_checkpoint(item, manifest.log_key, manifest.origin)  # type: ignore[arg-type]
        except CheckpointInvalid as exc:
            raise VerifyFailure(where, str(exc)) from exc
        if old.size > manifest.size:
            raise VerifyFailure(where, f"size {old.size} is beyond the bundle's {manifest.size}")
        if history.setdefault(old.size, old.root_hash) != old.root_hash:
            raise VerifyFailure(where, f"two different signed roots for size {old.size}: the log forked")

    # 3-4. replay every entry, rebuild the tree, stopping at each historical size for its root
    engine = LedgerEngine()
    approvals = ApprovalAudit(manifest.log_key)
    appender = LogAppender()
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
        for k, leaf in enumerate(leaves):
            try:
                event = decode_event(leaf)
                engine.replay(event)
                approvals.feed(event)
            except (EventDecodeError, ReplayError) as exc:
                raise VerifyFailure(f"entry {first + k}", str(exc)) from exc
            except ApprovalInvalid as exc:
                raise VerifyFailure(f"entry {exc.seq}", exc.reason) from exc
        pos = 0
        while pos < len(leaves):  # cut at historical sizes so their roots can be taken
            cut = len(leaves)
            if stops and first + pos < stops[0] <= first + len(leaves):
                cut = stops[0] - first
            chunk = leaves[pos:cut]
            runs = appender.append(chunk, leaf_hashes(chunk))
            for level, _first_index, hashes in runs.hashes:
                level_hashes.setdefault(level, bytearray()).extend(hashes)
            pos = cut
            if stops and appender.size == stops[0]:
                roots_at[stops.pop(0)] = appender.root()
    if appender.root() != checkpoint.root_hash:
        raise VerifyFailure("checkpoint", "root differs from the tree of the bundle's entries")
    for tid in tiles_for_size(manifest.size):
        start = tid.index * TILE_WIDTH * 32
        want = bytes(level_hashes.get(tid.level, b"")[start : start + tid.width * 32])
        if _read(root, tid.path) != want:
            raise VerifyFailure(tid.path, "hash tile differs from the tree of the entries")

    # 5. every earlier checkpoint is consistent with this tree
    for size, signed_root in sorted(history.items()):
        recomputed = roots_at.get(size) if size else EMPTY_ROOT
        if recomputed != signed_root:
            raise VerifyFailure(f"checkpoint at size {size}", "not consistent with the bundle's log (fork)")
        report.checkpoints_checked += 1

    # 6. balances claimed by the store equal the replay
    claimed = _canonical("balances.json", _read(root, "balances.json"), dict[str, tuple[int, int, int, int]])
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
    report.decisions = approvals.decisions_checked
    report.executions = approvals.executions_checked
    report.seconds = time.perf_counter() - t0
    return report


def _export_from_db(url: str) -> str:
    """Read the store directly (no journal, no trust in its checks) into a temporary bundle."""
    import tempfile

    from ramp.audit.bundle import export_store
    from ramp.store import open_store

    store = open_store(url, readonly=True)
    try:
        out = str(Path(tempfile.mkdtemp(prefix="ramp-verify-")) / "bundle")
        export_store(store, out)
    finally:
        store.close()
    return out


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="ramp verify", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("bundle", nargs="?", help="an audit bundle directory (from `ramp export-bundle`)")
    source.add_argument("--db", help="verify a store directly (SQLite path or postgresql:// URL)")
    p.add_argument("--log-key", help="the log's trusted verifier key (default: the bundle's, untrusted)")
    p.add_argument("--witness-key", action="append", help="a trusted witness key that must have cosigned")
    p.add_argument("--known-checkpoint", action="append", default=[], help="a file with an earlier signed checkpoint")
    args = p.parse_args(argv)
    try:
        known = tuple(Path(f).read_text() for f in args.known_checkpoint)
        bundle = args.bundle or _export_from_db(args.db)
        report = verify_bundle(
            bundle,
            log_key=args.log_key,
            witness_keys=tuple(args.witness_key) if args.witness_key else None,
            known_checkpoints=known,
        )
    except VerifyFailure as exc:
        print(f"FAILED {exc.where}: {exc.reason}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    if args.log_key is None:
        print("note: keys were taken from the bundle itself; pass --log-key to trust only yours")
    rate = report.size / report.seconds if report.seconds else 0
    print(f"OK {report.origin} size {report.size}: {report.accounts} accounts replayed, "
          f"{report.checkpoints_checked} earlier checkpoints consistent, "
          f"{report.decisions} approval signatures and {report.executions} quorums checked, "
          f"cosigned by {', '.join(report.cosigned_by) or 'no witness'} ({rate:,.0f} events/s)")  # fmt: skip
    return 0
