"""What the public can read of the demo holds nothing restricted, and a cleared auditor still
verifies all of it.

The secrets are taken from the journal itself: every restricted account's id and names (project
paths, vendors), every restricted transfer's id, amount and memo, every identity's public key and
every restricted record's id. The public outputs are everything served without a signature or a
session: the log's entries, its tlog tiles, the checkpoints, the public page in both languages,
the published totals, and a public audit bundle. Then an auditor, signing with the Board of
Audit's demo key, fetches every opening, opens every envelope with it and replays the whole log
to the same balances; a cleared bundle of the same store verifies in full.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import httpx

from ramp.audit.bundle import export_store
from ramp.audit.verify import verify_bundle
from ramp.client import RampClient
from ramp.demo.approvals import key_path
from ramp.journal.envelope import Level, opens, parse
from ramp.journal.writer import event_kind
from ramp.ledger import LedgerEngine
from ramp.ledger.events import (
    AccountCreated,
    RecordAppended,
    TransferApplied,
    decode_event,
    encode_event,
)
from ramp.store import open_store
from ramp.tlog.tiles import TILE_WIDTH, EntryBundleId

PAGE = 1000  # entries per /v1/log/entries request
AUDITOR = "boa.auditor.watanabe"
NAME_MIN_CHARS = 6  # shorter names ("MSDF") are organisations', which are public
AMOUNT_MIN_DIGITS = 6
_DIGITS = re.compile(r"(?<![0-9A-Za-z])[0-9]+(?![0-9A-Za-z])")  # a number, not digits inside hex
_TOKEN = re.compile(r"[A-Za-z0-9:._+/=-]+")


def _found(text: str, ids: set[str], names: set[str]) -> list[str]:
    """The secrets in `text`: ids by token (fast), free-text names by substring."""
    return sorted({tok for tok in _TOKEN.findall(text) if tok in ids} | {n for n in names if n in text})


def _below_organisations(account: str) -> bool:
    """Programs and projects (fyN:item:sub:org:program[:project]), contracts and vendors: the
    detail. Items, sub-items and organisations are the public view's own rows."""
    return account.startswith(("vendor:", "contract:")) or (account.startswith("fy") and account.count(":") >= 4)


PUBLIC_BY_LAW = ("budget.enacted", "disclosure.sumtree")  # records whose figures are published


def _secrets(events) -> tuple[set[str], set[str]]:
    """(strings that must appear nowhere public, amounts that must appear in no public log output),
    decided from what the events are, not from the writer's classifier (which is under test)."""
    public_numbers, words, amounts = set(), set(), set()
    for event in events:
        if isinstance(event, TransferApplied):
            if _below_organisations(event.debit_account) or _below_organisations(event.credit_account):
                words.add(event.id)
                if len(event.memo) >= 12:
                    words.add(event.memo)
                if len(event.amount) >= AMOUNT_MIN_DIGITS:
                    amounts.add(event.amount)
            else:
                public_numbers.add(event.amount)  # an item's money or an organisation's allotment
        elif isinstance(event, AccountCreated) and _below_organisations(event.id):
            words.add(event.id)
            for key in ("name", "name_ja"):
                name = event.metadata.get(key, "")
                if len(name) >= NAME_MIN_CHARS:
                    words.add(name)
        elif isinstance(event, RecordAppended):
            if event.type in PUBLIC_BY_LAW:
                public_numbers |= set(_DIGITS.findall(encode_event(event).decode()))
            elif event.type.startswith("identity."):
                words.add(event.id)
                for key in ("public_key", "identity"):
                    if isinstance(event.body.get(key), str):
                        words.add(event.body[key])
            elif event.type.startswith(("contract.", "approval.", "auth.", "numscript.")):
                words.add(event.id)
    # A sum that the law or the published totals state is public by them, not a leak.
    return words, amounts - public_numbers


def _public_outputs(url: str, db: str, tmp_path: Path) -> tuple[int, dict[str, bytes]]:
    """The public bundle, then everything public of its entries (the service may append meanwhile:
    its sweeps publish), the public pages and the published totals; the bundle's size."""
    out: dict[str, bytes] = {}
    bundle = tmp_path / "public-bundle"
    store = open_store(db, readonly=True)
    try:
        size = export_store(store, str(bundle), openings=False).size
    finally:
        store.close()
    for f in sorted(bundle.rglob("*")):
        if f.is_file():
            out[f"bundle {f.relative_to(bundle)}"] = f.read_bytes()
    with httpx.Client(base_url=url, timeout=30) as http:
        for start in range(0, size, PAGE):
            got = http.get("/v1/log/entries", params={"start": start, "end": min(size, start + PAGE)})
            assert got.status_code == 200, got.text
            out[f"entries {start}"] = got.content
            # and each leaf decoded, so a secret inside base64 is seen too
            out[f"leaves {start}"] = b"\n".join(base64.b64decode(e) for e in got.json()["entries"])
        for n in range(size // TILE_WIDTH):
            tile = http.get("/tlog/" + EntryBundleId(n, TILE_WIDTH).path)
            assert tile.status_code == 200, tile.text
            out[f"tile {n}"] = tile.content
        for path in ("/v1/log/checkpoint", "/tlog/checkpoint", "/public", "/public?fy=2025", "/v1/disclosure/2025/totals"):
            for lang in ("en", "ja"):
                got = http.get(path, cookies={"ramp_lang": lang})
                assert got.status_code == 200, (path, got.status_code)
                out[f"{path} {lang}"] = got.content
    return size, out


def test_nothing_restricted_reaches_a_public_output_and_a_cleared_auditor_verifies_it_all(serve, fresh_demo,
                                                                                           tmp_path):  # fmt: skip
    demo_db = fresh_demo  # a copy of its own: no other test's writes in what it exports and verifies
    dashboard = serve(db=demo_db)
    journal = dashboard.journal
    size, outputs = _public_outputs(dashboard.url, demo_db, tmp_path)
    words, amounts = _secrets(journal.events(range(size)))
    assert len(words) > 1000 and len(amounts) > 100  # the demo has projects, vendors, payments, people
    ids = {w for w in words if _TOKEN.fullmatch(w)}
    names = words - ids
    for name, data in outputs.items():
        text = data.decode("utf-8", "replace")
        leaked = _found(text, ids, names)
        assert not leaked, f"{name} shows restricted {leaked[:5]}"
        if name.startswith(("entries", "leaves", "tile", "bundle")):
            shown = sorted(set(_DIGITS.findall(text)) & amounts)
            assert not shown, f"{name} shows the restricted amounts {shown[:5]}"
    assert not (tmp_path / "public-bundle" / "balances.json").exists()

    # A cleared auditor: every opening, every envelope opened, the whole log replayed.
    client = RampClient(dashboard.url, key_file=key_path(demo_db, AUDITOR))
    engine = LedgerEngine()
    opened = {level: 0 for level in Level}
    size = journal.size
    for start in range(0, size, PAGE):
        end = min(size, start + PAGE)
        leaves = [base64.b64decode(e) for e in httpx.get(f"{dashboard.url}/v1/log/entries",
                                                         params={"start": start, "end": end}).json()["entries"]]
        got = client.get("/v1/log/openings", params={"start": start, "end": end})
        assert got.status_code == 200, got.text
        for leaf, item in zip(leaves, got.json()["openings"], strict=True):
            assert not item.get("withheld"), item
            salt, body = bytes.fromhex(item["salt"]), base64.b64decode(item["body"])
            event = decode_event(body)
            level = opens(leaf, salt, body, kind=event_kind(event), seq=event.seq, timestamp=event.timestamp)
            assert level.value == item["level"] == parse(leaf).level.value
            opened[level] += 1
            engine.replay(event)
    client.close()
    assert engine.balances() == journal.engine.balances()
    assert opened[Level.PUBLIC] > 0 and opened[Level.RESTRICTED] > opened[Level.PUBLIC]

    cleared = tmp_path / "cleared-bundle"
    store = open_store(demo_db, readonly=True)
    try:
        export_store(store, str(cleared))
    finally:
        store.close()
    report = verify_bundle(str(cleared))
    assert report.size == size and not report.public_only and report.accounts == len(engine.balances())
    public = verify_bundle(str(tmp_path / "public-bundle"))
    assert public.public_only and public.levels["public"] == opened[Level.PUBLIC]


def test_an_uncleared_reader_gets_openings_withheld(dashboard, demo_db):
    """A contractor is not cleared for restricted events: their openings are withheld."""
    client = RampClient(dashboard.url, key_file=key_path(demo_db, "vendor.mhi"))
    got = client.get("/v1/log/openings", params={"start": 0, "end": 200})
    client.close()
    assert got.status_code == 200, got.text
    items = got.json()["openings"]
    assert {i["level"] for i in items if i.get("withheld")} == {"restricted"}
    assert all("body" in i for i in items if i["level"] == "public")
    unsigned = httpx.get(f"{dashboard.url}/v1/log/openings", params={"start": 0, "end": 10})
    assert unsigned.status_code == 401
