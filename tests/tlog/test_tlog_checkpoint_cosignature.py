"""tlog-checkpoint bodies and tlog-cosignature lines: round trips, rejections, tampering."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ramp.tlog.checkpoint import Checkpoint, CheckpointError, parse_checkpoint
from ramp.tlog.cosignature import (
    SIG_TYPE_COSIGNATURE,
    CosignatureVerifier,
    Cosigner,
    cosigned_message,
    split_timestamped_signature,
    verifier_from_vkey,
)
from ramp.tlog.merkle import EMPTY_ROOT
from ramp.tlog.note import (
    Ed25519Signer,
    Ed25519Verifier,
    InvalidSignatureError,
    NoteSignature,
    UnverifiedNoteError,
    format_note,
    generate_key,
    key_id,
    open_note,
    parse_signature_line,
    parse_verifier_key,
    sign_note,
)

# c2sp.org/tlog-checkpoint@v1.0.0 example body.
SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
ROOT = b"\x11" * 32


def test_spec_example_parses_and_formats_back() -> None:
    cp = parse_checkpoint(SPEC_BODY)
    assert (cp.origin, cp.size, cp.extensions) == ("example.com/behind-the-sofa", 20852163, ())
    assert len(cp.root_hash) == 32
    assert cp.format() == SPEC_BODY


@settings(max_examples=100, deadline=None)
@given(
    origin=st.text(st.characters(min_codepoint=0x20, exclude_characters="\n"), min_size=1),
    size=st.integers(min_value=0, max_value=(1 << 64) - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(
        st.text(st.characters(min_codepoint=0x20, exclude_characters="\n"), min_size=1),
        max_size=3,
    ),
)
def test_round_trip(origin: str, size: int, root: bytes, extensions: list[str]) -> None:
    cp = Checkpoint(origin, size, root, tuple(extensions))
    assert parse_checkpoint(cp.format()) == cp


@pytest.mark.parametrize(
    "text",
    [
        "",
        "origin\n5\n" + "ERERERERERERERERERERERERERERERERERERERERERE=",  # no final newline
        "origin\n5\n",  # two lines
        "\n5\nERERERERERERERERERERERERERERERERERERERERERE=\n",  # empty origin
        "origin\n05\nERERERERERERERERERERERERERERERERERERERERERE=\n",  # leading zero
        "origin\n-5\nERERERERERERERERERERERERERERERERERERERERERE=\n",
        "origin\n+5\nERERERERERERERERERERERERERERERERERERERERERE=\n",
        "origin\n 5\nERERERERERERERERERERERERERERERERERERERERERE=\n",
        "origin\n\u0665\nERERERERERERERERERERERERERERERERERERERERERE=\n",  # Arabic-Indic 5
        "origin\n18446744073709551616\nERERERERERERERERERERERERERERERERERERERERERE=\n",  # 2**64
        "origin\n5\nERERERERERERERERERERERERERERERERERERERERERE\n",  # no padding
        "origin\n5\nERERERERERERERERERERERERERERERERERERERERERF=\n",  # non-canonical bits
        "origin\n5\nERERERERERERERERERERERERERERERERERERERERERERERE=\n",  # 35 bytes
        "origin\n5\nERERERERERERERERERERERERERERERERERERERERERE=\n\n",  # empty extension
        "origin\n5\nERERERERERERERERERERERERERERERERERERERERERE=\next\tx\n",  # control char
    ],
)
def test_rejections(text: str) -> None:
    with pytest.raises(CheckpointError):
        parse_checkpoint(text)


def test_max_size_and_zero() -> None:
    for size in (0, (1 << 64) - 1):
        cp = Checkpoint("o", size, EMPTY_ROOT)
        assert parse_checkpoint(cp.format()).size == size


# --------------------------------------------------------------------------- cosignatures


@pytest.fixture(scope="module")
def cosigner() -> Cosigner:
    return Cosigner.generate("witness.example/w1")


@pytest.fixture(scope="module")
def log_signer() -> Ed25519Signer:
    return Ed25519Signer.from_skey(generate_key("example.com/log")[0])


def test_cosignature_key_id_uses_type_0x04(cosigner: Cosigner) -> None:
    vkey = cosigner.verifier_key()
    assert vkey.key_type == SIG_TYPE_COSIGNATURE
    assert cosigner.key_id == key_id(cosigner.name, b"\x04" + vkey.public_key)
    assert cosigner.key_id != key_id(cosigner.name, b"\x01" + vkey.public_key)
    parsed = verifier_from_vkey(vkey.encode())
    assert isinstance(parsed, CosignatureVerifier) and parsed == cosigner.verifier()
    with pytest.raises(ValueError):
        Ed25519Verifier.from_vkey(vkey.encode())


def test_signed_message_format() -> None:
    body = Checkpoint("example.com/behind-the-sofa", 20852163, ROOT).format()
    assert cosigned_message(body, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\n" + body.encode()
    )
    with pytest.raises(ValueError):
        cosigned_message(body, 1 << 63)


def test_cosignature_round_trip_through_a_note(
    cosigner: Cosigner, log_signer: Ed25519Signer
) -> None:
    body = Checkpoint("example.com/log", 10, ROOT, ("ext",)).format()
    note = sign_note(body, [log_signer])
    cosig = cosigner.cosign(body, 1_700_000_000)
    assert len(cosig.signature) == 72
    assert struct.unpack(">Q", cosig.signature[:8]) == (1_700_000_000,)
    line = cosig.line()
    assert line.startswith("\u2014 witness.example/w1 ")
    cosigned = note + line + "\n"
    opened = open_note(cosigned, [log_signer.verifier(), cosigner.verifier()])
    assert len(opened.signatures) == 2
    assert cosigner.verifier().timestamp(body.encode(), parse_signature_line(line).signature) == (
        1_700_000_000
    )
    # Only the witness key known: the log signature is ignored, the cosignature suffices.
    assert open_note(cosigned, [cosigner.verifier()]).unverified[0].name == "example.com/log"


def test_cosignature_tampering(cosigner: Cosigner) -> None:
    body = Checkpoint("example.com/log", 10, ROOT).format()
    cosig = cosigner.cosign(body, 1_700_000_000)
    verifier = cosigner.verifier()
    assert verifier.verify(body.encode(), cosig.signature)
    other_body = Checkpoint("example.com/log", 11, ROOT).format()
    assert not verifier.verify(other_body.encode(), cosig.signature)
    shifted_time = struct.pack(">Q", 1_700_000_001) + cosig.signature[8:]
    assert not verifier.verify(body.encode(), shifted_time)
    assert not verifier.verify(body.encode(), cosig.signature[:-1])
    huge_time = struct.pack(">Q", 1 << 63) + cosig.signature[8:]
    assert not verifier.verify(body.encode(), huge_time)
    forged = NoteSignature(cosig.name, cosig.key_id, shifted_time)
    with pytest.raises(InvalidSignatureError):
        open_note(format_note(body, [forged]), [verifier])
    # A log-type (0x01) key with the same name and public key has another key ID: ignored.
    same_key_other_type = Ed25519Verifier(
        cosigner.name,
        key_id(cosigner.name, b"\x01" + verifier.public_key),
        verifier.public_key,
    )
    with pytest.raises(UnverifiedNoteError):
        open_note(format_note(body, [cosig]), [same_key_other_type])


def test_cosigner_sign_uses_its_clock() -> None:
    cosigner = Cosigner.generate("w")
    clocked = Cosigner(cosigner.private_key, clock=lambda: 1234.9)
    body = Checkpoint("o", 1, ROOT).format()
    sig = clocked.sign(body.encode())
    assert clocked.verifier().timestamp(body.encode(), sig) == 1234
    assert parse_verifier_key(clocked.verifier_key().encode()).key_type == 4


def test_spec_example_cosignature_line_layout() -> None:
    """The tlog-cosignature example line: key ID, then the timestamp of its signed message."""
    line = (
        "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dl"
        "rDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA=="
    )
    sig = parse_signature_line(line)
    assert sig.name == "witness.example.com/w1" and sig.key_id == 0x8D66CF3F
    assert split_timestamped_signature(sig.signature)[0] == 1679315147
