"""The audit bundle: a static tlog-tiles mirror of the log plus what an auditor needs.

    BUNDLE/
      manifest.json      {"format", "origin", "size", "log_key", "witness_keys", "checkpoints",
                          "checkpoints_sha256", "openings"}  (RFC 8785 bytes)
      checkpoint         the latest signed checkpoint, with witness cosignatures
      checkpoints.jsonl  every signed checkpoint the log issued up to `size`, oldest first, one
                         JSON string a line; the last is `checkpoint` without its cosignatures
      tile/entries/...   entry bundles (tlog-tiles), full, and the last one partial: the log's
                         leaves, public envelopes (journal/envelope.py)
      tile/<L>/...       hash tiles (tlog-tiles), full, and the partial right edge
    and, in a cleared bundle (`openings: true`, the default; `--public` leaves them out):
      balances.json      the balances the store claims at `size` (RFC 8785 bytes)
      openings/<N>       per entry bundle N, its entries' openings (salt || body), entry-bundle
                         encoded: with them `ramp verify` opens every envelope and replays

Every file is canonical, so any change of any byte is either a change of meaning (caught by a
signature, the tree, or the replay) or a non-canonical encoding (caught as such). The history
is complete by construction (the log signs one checkpoint per batch): sizes strictly increase,
it ends at the bundle's signed checkpoint, and the manifest records its line count and SHA-256.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Final

import msgspec

from ramp.store.base import Store
from ramp.tlog.tiles import (
    TILE_WIDTH,
    EntryBundleId,
    encode_entries,
    encode_entry_bundle,
    tiles_for_size,
)

# /2: the history ends at the bundle's checkpoint and the manifest counts and digests it.
# /3: leaves are public envelopes; a cleared bundle carries their openings and the balances.
BUNDLE_FORMAT: Final = "ramp-audit-bundle/3"
OPENINGS_DIR: Final = "openings"
_canonical = msgspec.json.Encoder(order="sorted")


class Manifest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    format: str
    origin: str
    size: int
    log_key: str
    witness_keys: tuple[str, ...]
    checkpoints: int  # lines of checkpoints.jsonl
    checkpoints_sha256: str  # hex SHA-256 of checkpoints.jsonl
    openings: bool  # a cleared bundle: openings/ and balances.json are present


def openings_path(bundle_index: int) -> str:
    return f"{OPENINGS_DIR}/{bundle_index}"


def history_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(value: object) -> bytes:
    """RFC 8785 bytes for this schema (ASCII keys, integers < 2^53, no floats)."""
    return _canonical.encode(value)


def entry_bundle_ids(size: int) -> list[EntryBundleId]:
    full, rest = divmod(size, TILE_WIDTH)
    ids = [EntryBundleId(i, TILE_WIDTH) for i in range(full)]
    if rest:
        ids.append(EntryBundleId(full, rest))
    return ids


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def export_store(
    store: Store, out_dir: str, *, cosignatures: Iterable[str] = (), witness_keys: Iterable[str] = (),
    openings: bool = True,
) -> Manifest:
    """Write the bundle of the store's last committed batch to `out_dir` (which must not exist);
    `openings=False` writes the public bundle (envelopes, tree, checkpoints: nothing restricted).

    Reads the store directly, so a bundle can be taken from a database nobody trusts."""
    out = Path(out_dir)
    if out.exists():
        raise FileExistsError(f"{out} exists: a bundle is written into a new directory")
    last = store.last_batch()
    origin = store.get_meta("origin")
    log_key = store.get_meta("log_verifier_key")
    if last is None or last.checkpoint is None or origin is None or log_key is None:
        raise ValueError("the log has no signed checkpoint to export")
    size, note = last.size, last.checkpoint
    # Cosignatures the log collected for this checkpoint, plus any the caller brings.
    stored = store.cosignatures(size)
    lines = [line for _w, line in stored] + list(cosignatures)
    keys = tuple(sorted(set(witness_keys) | {w for w, _line in stored}))
    tmp = Path(f"{out}.partial-{os.getpid()}")
    history = [n for s, n in store.checkpoints() if s <= size and n is not None]
    history_bytes = b"".join(canonical_json(n) + b"\n" for n in history)
    manifest = Manifest(BUNDLE_FORMAT, origin, size, log_key, keys, len(history), history_digest(history_bytes),
                        openings)
    _write(tmp / "manifest.json", canonical_json(manifest))
    cosigned = note + "".join(line.rstrip("\n") + "\n" for line in lines)
    _write(tmp / "checkpoint", cosigned.encode())
    _write(tmp / "checkpoints.jsonl", history_bytes)
    if openings:
        balances = {k: list(v) for k, v in store.balances().items()}
        _write(tmp / "balances.json", canonical_json(balances))
    for bid in entry_bundle_ids(size):
        start = bid.index * TILE_WIDTH
        _write(tmp / bid.path, encode_entry_bundle(list(store.iter_entries(start, start + bid.width))))
        if openings:
            opened = list(store.iter_openings(start, start + bid.width))
            _write(tmp / openings_path(bid.index), encode_entries(opened))
    for tid in tiles_for_size(size):
        start = tid.index * TILE_WIDTH
        _write(tmp / tid.path, store.read_hashes(tid.level, start, start + tid.width))
    os.rename(tmp, out)
    return manifest


def main(argv: list[str]) -> int:
    """`ramp export-bundle --db URL --out DIR`: write the audit bundle of a store."""
    import argparse

    from ramp.store import open_store

    p = argparse.ArgumentParser(prog="ramp export-bundle", description=main.__doc__)
    p.add_argument("--db", required=True, help="SQLite path or postgresql:// URL")
    p.add_argument("--out", required=True, help="bundle directory to create")
    p.add_argument("--witness-key", action="append", default=[], help="a witness key to list in the manifest")
    p.add_argument("--cosignatures", help="a file of cosignature lines to attach to the checkpoint")
    p.add_argument("--public", action="store_true",
                   help="the public bundle: envelopes, tree and checkpoints, no openings or balances")
    args = p.parse_args(argv)
    cosignatures = Path(args.cosignatures).read_text().splitlines() if args.cosignatures else []
    store = open_store(args.db, readonly=True)
    try:
        manifest = export_store(store, args.out, cosignatures=cosignatures, witness_keys=args.witness_key,
                                openings=not args.public)
    except (ValueError, FileExistsError) as exc:
        print(f"ramp export-bundle: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    kind = "cleared bundle (with openings)" if manifest.openings else "public bundle"
    print(f"wrote {args.out}: {manifest.origin}, {manifest.size} entries, {kind}")
    return 0
