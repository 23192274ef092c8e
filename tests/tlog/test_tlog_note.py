"""C2SP signed-note: the Go sumdb/note and C2SP vectors, then every rejection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ramp.tlog.merkle import leaf_hash
from ramp.tlog.note import (
    NOTE_MAX_BYTES,
    NOTE_SIGNATURES_MAX,
    SIG_TYPE_ED25519,
    Ed25519Signer,
    Ed25519Verifier,
    InvalidSignatureError,
    KeyFormatError,
    MalformedNoteError,
    NoteSignature,
    UnverifiedNoteError,
    decode_base64,
    format_note,
    generate_key,
    key_id,
    open_note,
    parse_private_key,
    parse_signature_line,
    parse_verifier_key,
    sign_note,
)

# The signed example in c2sp.org/signed-note@v1.0.0 ("Verifier keys" / "Example").
C2SP_EXAMPLE_SIGNATURE_LINE = (
    "\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3m"
    "FXmRKuwHjG1Yu72IneyaQM="
)


@pytest.fixture(scope="module")
def vectors(tlog_vectors: Path) -> dict:
    return json.loads((tlog_vectors / "signed-note.json").read_text())


def test_deterministic_signature_line(vectors: dict) -> None:
    case = vectors["deterministic_signing"]
    signer = Ed25519Signer.from_skey(case["signer_key"])
    assert signer.private_key.encode() == case["signer_key"]
    assert signer.verifier_key().encode() == case["verifier_key"]
    note = sign_note(case["text"], [signer])
    assert note == case["text"] + "\n" + case["expected_signature_line"] + "\n"
    opened = open_note(note.encode(), [Ed25519Verifier.from_vkey(case["verifier_key"])])
    assert opened.text == case["text"]
    assert [s.line() for s in opened.signatures] == [case["expected_signature_line"]]


def test_second_signer_and_unknown_signers(vectors: dict) -> None:
    text = vectors["deterministic_signing"]["text"]
    peter = Ed25519Verifier.from_vkey(vectors["deterministic_signing"]["verifier_key"])
    enoch_vkey = vectors["second_signer"]["verifier_key"]
    enoch = Ed25519Verifier.from_vkey(enoch_vkey)
    enoch_line = f"\u2014 EnochRoot {vectors['second_signer']['signature_over_same_text_b64']}"
    note = text + "\n" + vectors["deterministic_signing"]["expected_signature_line"] + "\n"
    note += enoch_line + "\n"
    both = open_note(note, [peter, enoch])
    assert [s.name for s in both.signatures] == ["PeterNeumann", "EnochRoot"]
    only_enoch = open_note(note, [enoch])
    assert [s.name for s in only_enoch.signatures] == ["EnochRoot"]
    assert [s.name for s in only_enoch.unverified] == ["PeterNeumann"]
    assert parse_verifier_key(enoch_vkey).key_id == 0xAF0CFE78
    with pytest.raises(UnverifiedNoteError):
        open_note(note, [])


def test_c2sp_example(vectors: dict) -> None:
    case = vectors["c2sp_example"]
    vkey = parse_verifier_key(case["verifier_key"])
    assert (vkey.name, vkey.key_id, vkey.key_type) == ("example.com/foo", 0x530D903A, 1)
    assert key_id(vkey.name, bytes([SIG_TYPE_ED25519]) + vkey.public_key) == 0x530D903A
    note = case["text"] + "\n" + C2SP_EXAMPLE_SIGNATURE_LINE + "\n"
    opened = open_note(note, [Ed25519Verifier.from_vkey(case["verifier_key"])])
    assert opened.text == "This is an example message.\n"


def test_record_hash(vectors: dict) -> None:
    case = vectors["record_hash"]
    assert leaf_hash(case["data_utf8"].encode()) == decode_base64(case["rfc6962_leaf_hash_b64"])


# --------------------------------------------------------------------------- rejections


@pytest.fixture(scope="module")
def signer() -> Ed25519Signer:
    skey, _ = generate_key("example.com/log")
    return Ed25519Signer.from_skey(skey)


def test_generated_keys_round_trip(signer: Ed25519Signer) -> None:
    vkey = signer.verifier_key().encode()
    assert vkey.startswith("example.com/log+")
    assert Ed25519Verifier.from_vkey(vkey) == signer.verifier()
    assert parse_private_key(signer.private_key.encode()) == signer.private_key


def test_tampered_text_or_signature_rejects_the_note(signer: Ed25519Signer) -> None:
    note = sign_note("hello\n", [signer])
    with pytest.raises(InvalidSignatureError):
        open_note(note.replace("hello", "jello"), [signer.verifier()])
    sig = parse_signature_line(note.split("\n")[2])
    bad = NoteSignature(sig.name, sig.key_id, bytes([sig.signature[0] ^ 1]) + sig.signature[1:])
    with pytest.raises(InvalidSignatureError):
        open_note(format_note("hello\n", [bad]), [signer.verifier()])
    # Same name, other key ID: unknown, ignored; nothing known verifies.
    other = NoteSignature(sig.name, sig.key_id ^ 1, sig.signature)
    with pytest.raises(UnverifiedNoteError):
        open_note(format_note("hello\n", [other]), [signer.verifier()])


def test_text_with_blank_lines_splits_at_the_last_one(signer: Ed25519Signer) -> None:
    text = "a\n\nb\n\n"
    opened = open_note(sign_note(text, [signer]), [signer.verifier()])
    assert opened.text == text


@pytest.mark.parametrize(
    "note",
    [
        "no blank line\n\u2014 x AAAAAAA=\n",
        "text\n\n",  # no signatures
        "text\n\n\u2014 example.com/log AAAAAAE=",  # last line lacks newline
        "text\n\n- example.com/log AAAAAAE=\n",  # hyphen, not em dash
        "text\n\n\u2014 example.com/log\n",  # no signature
        "text\n\n\u2014 example.com/log AAAA\n",  # 3 bytes: no room for key ID + signature
        "text\n\n\u2014 example.com/log AAAAAAE\n",  # missing padding
        "text\n\n\u2014 exa+mple AAAAAAE=\n",  # '+' in name
        "text\n\n\u2014  AAAAAAE=\n",  # empty name
        "te\rxt\n\n\u2014 example.com/log AAAAAAE=\n",  # control character
        "text\n\n\u2014 example.com/log AAAAAAE=\n\n",  # blank line among signatures
    ],
)
def test_malformed_notes(note: str, signer: Ed25519Signer) -> None:
    with pytest.raises(MalformedNoteError):
        open_note(note, [signer.verifier()])


def test_invalid_utf8_and_limits(signer: Ed25519Signer) -> None:
    with pytest.raises(MalformedNoteError):
        open_note(b"\xff\n\n\xe2\x80\x94 a AAAAAAE=\n", [signer.verifier()])
    with pytest.raises(MalformedNoteError):
        open_note(b"x" * (NOTE_MAX_BYTES + 1), [signer.verifier()])
    note = sign_note("hello\n", [signer])
    extra = "\u2014 other AAAAAAE=\n" * NOTE_SIGNATURES_MAX
    with pytest.raises(MalformedNoteError):
        open_note(note + extra, [signer.verifier()])
    # At least 16 signatures must be accepted (the spec's floor).
    assert open_note(note + "\u2014 other AAAAAAE=\n" * 15, [signer.verifier()]).signatures


def test_sign_rejects_bad_text(signer: Ed25519Signer) -> None:
    for text in ["", "no newline", "tab\there\n"]:
        with pytest.raises(MalformedNoteError):
            sign_note(text, [signer])


@pytest.mark.parametrize(
    "vkey",
    [
        "example.com/foo+530d903a",  # two parts
        "example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # upper hex
        "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # wrong ID
        "example.com/bar+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # wrong name
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2",  # bad base64
        " example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # space
    ],
)
def test_bad_verifier_keys(vkey: str) -> None:
    with pytest.raises(KeyFormatError):
        Ed25519Verifier.from_vkey(vkey)


def test_bad_private_keys(vectors: dict) -> None:
    good = vectors["deterministic_signing"]["signer_key"]
    for skey in [good.replace("PRIVATE+KEY+", ""), good.replace("c74f20a3", "c74f20a4")]:
        with pytest.raises(KeyFormatError):
            parse_private_key(skey)
