"""tlog-witness in process: every status code, no two trees of one size, restarts, races."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from ramp.tlog.checkpoint import Checkpoint
from ramp.tlog.cosignature import Cosigner
from ramp.tlog.keys import KeyFileError, read_private_key_file, write_private_key_file
from ramp.tlog.merkle import EMPTY_ROOT, MemoryTree, leaf_hash
from ramp.tlog.note import (
    Ed25519Signer,
    NoteSignature,
    format_note,
    generate_key,
    open_note,
    sign_note,
)
from ramp.tlog.witness import (
    REQUEST_MAX_BYTES,
    SIZE_CONTENT_TYPE,
    ConflictError,
    Witness,
    WitnessConfig,
    WitnessConflictError,
    WitnessRejectedError,
    WitnessUnavailableError,
    create_app,
    format_add_checkpoint,
    submit_checkpoint,
)
from ramp.tlog.witness_cli import main as witness_main
from ramp.tlog.witness_cli import parse_log_specs
from ramp.tlog.witness_state import EMPTY_STATE, LogState, StateConflictError, WitnessStateStore
from tests.net import serve_in_thread

ORIGIN = "example.com/ledger"
NOW_S = 1_700_000_000
LOG_SIGNER = Ed25519Signer.from_skey(generate_key(ORIGIN)[0])
STRANGER = Ed25519Signer.from_skey(generate_key(ORIGIN)[0])  # same name, other key
COSIGNER = Cosigner(Cosigner.generate("witness.example/w1").private_key, clock=lambda: NOW_S)
TREE = MemoryTree(leaf_hash(b"event %d" % i) for i in range(64))
FORK = MemoryTree(leaf_hash(b"forged %d" % i) for i in range(64))


def signed(size: int, tree: MemoryTree = TREE, signer: Ed25519Signer = LOG_SIGNER) -> bytes:
    body = Checkpoint(ORIGIN, size, tree.root(size)).format()
    return sign_note(body, [signer]).encode()


def body(old: int, size: int, tree: MemoryTree = TREE, proof: list[bytes] | None = None) -> bytes:
    if proof is None:
        proof = tree.consistency_proof(old, size) if old else []
    return format_add_checkpoint(old, proof, signed(size, tree))


def config(state: Path) -> WitnessConfig:
    return WitnessConfig(COSIGNER, state, {ORIGIN: (LOG_SIGNER.verifier(),)})


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "witness.db"


class AppClient:
    """Drives the ASGI app in process through httpx's ASGI transport, one request at a time."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    def request(self, method: str, path: str, content: bytes = b"") -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://witness") as c:
                return await c.request(method, path, content=content)

        return asyncio.run(go())

    def close(self) -> None:
        self.app.state.witness.close()


@pytest.fixture
def client(state_path: Path) -> Iterator[AppClient]:
    c = AppClient(create_app(config(state_path)))
    yield c
    c.close()


def post(client: AppClient, content: bytes) -> tuple[int, str, str]:
    r = client.request("POST", "/add-checkpoint", content)
    return r.status_code, r.headers.get("content-type", ""), r.text


def test_first_checkpoint_then_consistent_growth(client: AppClient) -> None:
    status, ctype, text = post(client, body(0, 5))
    assert status == 200, text
    assert ctype.startswith("text/plain")
    assert text.endswith("\n") and text.count("\n") == 1 and text.startswith("\u2014 ")
    # The response lines turn the checkpoint into a cosigned note (the spec's client recipe).
    cosigned = signed(5).decode() + text
    note = open_note(cosigned, [COSIGNER.verifier()])
    assert COSIGNER.verifier().timestamp(note.text.encode(), note.signatures[0].signature) == NOW_S
    assert post(client, body(5, 13))[0] == 200
    assert post(client, body(13, 64))[0] == 200


def test_409_wrong_old_size_carries_the_latest_size(client: AppClient) -> None:
    assert post(client, body(0, 8))[0] == 200
    for old in (0, 7, 9):
        status, ctype, text = post(client, body(old, 20) if old else body(0, 20))
        assert (status, ctype, text) == (409, SIZE_CONTENT_TYPE, "8\n")


def test_never_two_trees_of_one_size(client: AppClient) -> None:
    assert post(client, body(0, 8))[0] == 200
    assert post(client, body(8, 8))[0] == 200  # same tree again: cosigned again
    status, ctype, text = post(client, format_add_checkpoint(8, [], signed(8, FORK)))
    assert (status, ctype, text) == (409, SIZE_CONTENT_TYPE, "8\n")
    # A fork that is larger cannot prove consistency with the cosigned tree.
    forged_proof = FORK.consistency_proof(8, 16)
    assert post(client, format_add_checkpoint(8, forged_proof, signed(16, FORK)))[0] == 422
    assert post(client, body(8, 16))[0] == 200


def test_422_bad_proofs(client: AppClient) -> None:
    assert post(client, body(0, 8))[0] == 200
    good = TREE.consistency_proof(8, 20)
    tampered = [bytes([good[0][0] ^ 1]) + good[0][1:], *good[1:]]
    assert post(client, body(8, 20, proof=tampered))[0] == 422
    assert post(client, body(8, 20, proof=good[:-1]))[0] == 422
    assert post(client, body(8, 20, proof=[]))[0] == 422
    assert post(client, body(8, 8, proof=[EMPTY_ROOT]))[0] == 422  # same size needs no proof
    assert post(client, body(8, 20, proof=good))[0] == 200


def test_422_old_zero_with_a_proof(client: AppClient) -> None:
    assert post(client, body(0, 8, proof=[EMPTY_ROOT]))[0] == 422


def test_empty_tree(client: AppClient) -> None:
    assert post(client, body(0, 0))[0] == 200
    bogus = format_add_checkpoint(0, [], _signed_body(Checkpoint(ORIGIN, 0, b"\x01" * 32)))
    assert post(client, bogus)[0] == 409


def _signed_body(cp: Checkpoint, signers: list[Ed25519Signer] | None = None) -> bytes:
    return sign_note(cp.format(), signers or [LOG_SIGNER]).encode()


def test_404_unknown_origin(client: AppClient) -> None:
    other = Checkpoint("example.com/other", 1, TREE.root(1))
    assert post(client, format_add_checkpoint(0, [], _signed_body(other)))[0] == 404


def test_403_signatures(client: AppClient) -> None:
    cp = Checkpoint(ORIGIN, 5, TREE.root(5))
    assert post(client, format_add_checkpoint(0, [], _signed_body(cp, [STRANGER])))[0] == 403
    sig = LOG_SIGNER.sign(cp.format().encode())
    bad = NoteSignature(LOG_SIGNER.name, LOG_SIGNER.key_id, bytes([sig[0] ^ 1]) + sig[1:])
    forged = format_note(cp.format(), [bad]).encode()
    assert post(client, format_add_checkpoint(0, [], forged))[0] == 403
    # A known good signature next to a stranger's still verifies.
    both = _signed_body(cp, [STRANGER, LOG_SIGNER])
    assert post(client, format_add_checkpoint(0, [], both))[0] == 200


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"old 0\n",  # no checkpoint
        b"old 0\nnot-base64\n\n" + signed(5),
        b"old 0\nAAAA\n\n" + signed(5),  # 3-byte hash
        b"old 00\n\n" + signed(5),
        b"old -1\n\n" + signed(5),
        b"old 18446744073709551616\n\n" + signed(5),
        b"new 0\n\n" + signed(5),
        b"old 0" + b"\n" + b"\n".join([b"A" * 43 + b"="] * 64) + b"\n\n" + signed(5),  # 64 lines
        b"old 6\n\n" + signed(5),  # old > checkpoint size
        b"old 0\n\n" + signed(5).replace(b"\n5\n", b"\n05\n"),  # malformed checkpoint
        b"old 0\n\n" + signed(5).split(b"\n\n")[0] + b"\n",  # note without signatures
    ],
)
def test_400_malformed(client: AppClient, content: bytes) -> None:
    status, ctype, _ = post(client, content)
    assert status == 400
    assert ctype.startswith("text/plain")


def test_413_and_405(client: AppClient) -> None:
    assert post(client, b"old 0\n" + b"x" * REQUEST_MAX_BYTES)[0] == 413
    assert client.request("GET", "/add-checkpoint").status_code == 405


def test_state_survives_restart(state_path: Path) -> None:
    first = AppClient(create_app(config(state_path)))
    assert post(first, body(0, 10))[0] == 200
    first.close()
    second = AppClient(create_app(config(state_path)))
    assert post(second, body(0, 10)) == (409, SIZE_CONTENT_TYPE, "10\n")
    assert post(second, format_add_checkpoint(10, [], signed(10, FORK)))[0] == 409
    assert post(second, body(10, 12))[0] == 200
    second.close()
    store = WitnessStateStore(state_path)
    assert store.get(ORIGIN) == LogState(12, TREE.root(12))
    store.close()


def test_concurrent_forks_only_one_wins(state_path: Path) -> None:
    witness = Witness(config(state_path))
    witness.add_checkpoint(body(0, 8))
    forks = [
        MemoryTree([*(TREE.get_node(0, i) for i in range(8)), leaf_hash(b"%d" % k)])
        for k in range(16)
    ]
    requests = [body(8, 9, tree=f) for f in forks]

    def submit(content: bytes) -> str:
        try:
            witness.add_checkpoint(content)
        except ConflictError as exc:
            return f"409:{exc.latest_size}"
        return "200"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(submit, requests))
    assert outcomes.count("200") == 1
    assert outcomes.count("409:9") == 15
    witness.close()


def test_store_compare_and_set(state_path: Path) -> None:
    a = WitnessStateStore(state_path)
    b = WitnessStateStore(state_path)  # a second process's view of the same file
    assert a.get(ORIGIN) == EMPTY_STATE
    a.advance(ORIGIN, EMPTY_STATE, LogState(3, TREE.root(3)), "cp")
    with pytest.raises(StateConflictError) as info:
        b.advance(ORIGIN, EMPTY_STATE, LogState(4, TREE.root(4)), "cp")
    assert info.value.current == LogState(3, TREE.root(3))
    a.close()
    b.close()


# --------------------------------------------------------------------------- client, keys, cli


@pytest.fixture
def live_url(state_path: Path) -> Iterator[str]:
    """The witness app behind a real uvicorn server on a free port, in a thread."""
    with serve_in_thread(create_app(config(state_path)), lifespan="on") as url:
        yield url


def test_submit_checkpoint_client(live_url: str) -> None:
    keys = [COSIGNER.verifier()]
    lines = submit_checkpoint(live_url, 0, [], signed(4), 5.0)
    assert len(lines) == 1 and lines[0].startswith("\u2014 witness.example/w1 ")
    with httpx.Client() as http:  # one keep-alive connection for several submissions
        proof = TREE.consistency_proof(4, 6)
        lines = submit_checkpoint(
            live_url + "/", 4, proof, signed(6), 5.0, witness_keys=keys, client=http
        )
        assert len(lines) == 1
        with pytest.raises(WitnessConflictError) as info:
            submit_checkpoint(live_url, 0, [], signed(6), 5.0, client=http)
        assert info.value.latest_size == 6
        with pytest.raises(WitnessRejectedError) as rejected:
            submit_checkpoint(live_url, 6, [], signed(9), 5.0, client=http)
        assert rejected.value.status == 422
        # Lines from keys the caller does not know are dropped.
        other = [Cosigner.generate("witness.example/w2").verifier()]
        proof = TREE.consistency_proof(6, 7)
        assert (
            submit_checkpoint(live_url, 6, proof, signed(7), 5.0, witness_keys=other, client=http)
            == []
        )
    with pytest.raises(WitnessUnavailableError):
        submit_checkpoint("http://127.0.0.1:9", 0, [], signed(7), 1.0)


def test_key_files(tmp_path: Path) -> None:
    path = tmp_path / "k"
    write_private_key_file(path, COSIGNER.private_key.encode())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_private_key_file(path) == COSIGNER.private_key.encode()
    with pytest.raises(FileExistsError):
        write_private_key_file(path, "other")
    write_private_key_file(path, "other", overwrite=True)
    assert read_private_key_file(path) == "other"
    path.chmod(0o644)
    with pytest.raises(KeyFileError):
        read_private_key_file(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k"]  # no temporary left behind


def test_cli_keygen(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "witness.key"
    assert witness_main(["keygen", "--name", "witness.example/w9", "--out", str(out)]) == 0
    vkey = capsys.readouterr().out.strip()
    cosigner = Cosigner.from_skey(read_private_key_file(out))
    assert cosigner.verifier_key().encode() == vkey
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert witness_main(["keygen", "--name", "witness.example/w9", "--out", str(out)]) == 1
    assert witness_main(["keygen", "--name", "bad name", "--out", str(tmp_path / "x")]) == 2
    assert witness_main(["bogus"]) == 2


def test_cli_log_specs() -> None:
    vkey = LOG_SIGNER.verifier_key().encode()
    logs = parse_log_specs([f"{ORIGIN}={vkey}", f"{ORIGIN}={STRANGER.verifier_key().encode()}"])
    assert list(logs) == [ORIGIN] and len(logs[ORIGIN]) == 2
    for spec in [vkey, f"={vkey}", f"{ORIGIN}=garbage"]:
        with pytest.raises(ValueError):
            parse_log_specs([spec])


def test_config_rejects_ambiguous_keys(tmp_path: Path) -> None:
    v = LOG_SIGNER.verifier()
    twin = type(v)(v.name, v.key_id, STRANGER.verifier().public_key)
    with pytest.raises(ValueError):
        WitnessConfig(COSIGNER, tmp_path / "s.db", {ORIGIN: (v, twin)})
    with pytest.raises(ValueError):
        WitnessConfig(COSIGNER, tmp_path / "s.db", {ORIGIN: ()})


def test_cli_serve_reports_setup_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "w.key"
    write_private_key_file(key, COSIGNER.private_key.encode())
    log = f"{ORIGIN}={LOG_SIGNER.verifier_key().encode()}"
    missing_dir = tmp_path / "no" / "such" / "state.db"
    args = ["serve", "--key", str(key), "--state", str(missing_dir), "--log", log]
    assert witness_main(args) == 2
    log_key_as_witness_key = tmp_path / "log.key"
    write_private_key_file(log_key_as_witness_key, LOG_SIGNER.private_key.encode())
    args = [
        "serve",
        "--key",
        str(log_key_as_witness_key),
        "--state",
        str(tmp_path / "s"),
        "--log",
        log,
    ]
    assert witness_main(args) == 2
    assert "cosignature key" in capsys.readouterr().err
