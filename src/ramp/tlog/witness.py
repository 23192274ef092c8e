"""C2SP tlog-witness v1 (c2sp.org/tlog-witness@v1.0.0): the add-checkpoint service and client.

The witness cosigns a checkpoint only if it extends, by a verified consistency proof, the
latest tree head it cosigned for that origin; that head is persisted (witness_state) before
the cosignature leaves, so it never cosigns two different trees of one size, restarts
included.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ramp.tlog.checkpoint import CheckpointError, parse_checkpoint
from ramp.tlog.cosignature import Cosigner
from ramp.tlog.merkle import HASH_SIZE, ProofError, verify_consistency
from ramp.tlog.note import (
    NOTE_MAX_BYTES,
    InvalidSignatureError,
    MalformedNoteError,
    UnverifiedNoteError,
    Verifier,
    decode_base64,
    encode_base64,
    open_note,
    parse_signature_line,
    split_note,
)
from ramp.tlog.witness_state import LogState, StateConflictError, WitnessStateStore

log = logging.getLogger(__name__)

# tlog-witness: "The client MUST NOT send more than 63 consistency proof lines."
PROOF_LINES_MAX = 63
_OLD_PREFIX = "old "
_OLD_LINE_MAX = len(_OLD_PREFIX) + 20 + 1  # 20 digits hold any uint64
REQUEST_MAX_BYTES = _OLD_LINE_MAX + PROOF_LINES_MAX * (44 + 1) + 1 + NOTE_MAX_BYTES
SIZE_CONTENT_TYPE = "text/x.tlog.size"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
ADD_CHECKPOINT_PATH = "/add-checkpoint"


# --------------------------------------------------------------------------- errors


class WitnessError(Exception):
    """A request the witness refuses; `status` is the HTTP status the spec assigns."""

    status = 400


class BadRequestError(WitnessError):
    status = 400


class UnknownLogError(WitnessError):
    status = 404


class ForbiddenError(WitnessError):
    status = 403


class BadProofError(WitnessError):
    status = 422


class RequestTooLargeError(WitnessError):
    status = 413


class ConflictError(WitnessError):
    """Old size or root disagree with what the witness cosigned last (`latest_size`)."""

    status = 409

    def __init__(self, message: str, latest_size: int) -> None:
        super().__init__(message)
        self.latest_size = latest_size


# --------------------------------------------------------------------------- request format


@dataclass(frozen=True, slots=True)
class AddCheckpointRequest:
    old_size: int
    proof: tuple[bytes, ...]
    checkpoint_note: bytes


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], checkpoint_note: bytes) -> bytes:
    """The add-checkpoint body: "old N" line, proof lines, blank line, signed checkpoint."""
    if len(proof) > PROOF_LINES_MAX:
        raise ValueError(f"a consistency proof has at most {PROOF_LINES_MAX} hashes")
    lines = [f"{_OLD_PREFIX}{old_size}\n"] + [encode_base64(h) + "\n" for h in proof]
    return "".join(lines).encode("ascii") + b"\n" + checkpoint_note


def parse_add_checkpoint(body: bytes) -> AddCheckpointRequest:
    """Parse an add-checkpoint body; BadRequestError when malformed."""
    if len(body) > REQUEST_MAX_BYTES:
        raise RequestTooLargeError(f"request body exceeds {REQUEST_MAX_BYTES} bytes")
    head, sep, note = body.partition(b"\n\n")
    if not sep:
        raise BadRequestError("missing the empty line before the checkpoint")
    lines = head.split(b"\n")
    old_line, proof_lines = lines[0], lines[1:]
    if len(proof_lines) > PROOF_LINES_MAX:
        raise BadRequestError(f"more than {PROOF_LINES_MAX} consistency proof lines")
    digits = old_line[len(_OLD_PREFIX) :]
    if (
        not old_line.startswith(_OLD_PREFIX.encode())
        or not digits.isdigit()
        or len(digits) > 20
        or (digits[:1] == b"0" and digits != b"0")
    ):
        raise BadRequestError("first line must be 'old <size>', decimal without leading zeros")
    old_size = int(digits)
    if old_size >= 1 << 64:
        raise BadRequestError("old size is not a uint64")
    proof = []
    for line in proof_lines:
        try:
            h = decode_base64(line.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            raise BadRequestError("consistency proof line is not base64") from None
        if len(h) != HASH_SIZE:
            raise BadRequestError("consistency proof line is not a 32-byte hash")
        proof.append(h)
    return AddCheckpointRequest(old_size, tuple(proof), note)


# --------------------------------------------------------------------------- the witness


@dataclass(frozen=True)
class WitnessConfig:
    """A witness: its cosigning key, its state file, and the logs it follows (origin -> keys)."""

    cosigner: Cosigner
    state_path: Path
    logs: Mapping[str, tuple[Verifier, ...]]
    prefix: str = ""  # the submission prefix, e.g. "/witness"

    def __post_init__(self) -> None:
        if self.prefix and (not self.prefix.startswith("/") or self.prefix.endswith("/")):
            raise ValueError("prefix must start with '/' and not end with '/'")
        for origin, keys in self.logs.items():
            if not keys:
                raise ValueError(f"log {origin!r} has no verifier keys")
            ids = {(k.name, k.key_id) for k in keys}
            if len(ids) != len(set(keys)):
                # Notes name keys by (name, key ID): two keys sharing both are ambiguous.
                raise ValueError(f"log {origin!r} has two keys with one name and key ID")


class Witness:
    """The add-checkpoint logic, free of HTTP; safe to call from many threads."""

    def __init__(self, config: WitnessConfig) -> None:
        self.config = config
        self.store = WitnessStateStore(config.state_path)
        # One lock per followed log: requests for one log run one at a time, others in parallel.
        self._locks = {origin: threading.Lock() for origin in self.config.logs}

    def close(self) -> None:
        self.store.close()

    def add_checkpoint(self, body: bytes) -> list[str]:
        """Check, persist and cosign; the cosignature lines, or a WitnessError."""
        request = parse_add_checkpoint(body)
        try:
            text, _ = split_note(request.checkpoint_note)
            checkpoint = parse_checkpoint(text)
        except (MalformedNoteError, CheckpointError) as exc:
            raise BadRequestError(f"malformed checkpoint: {exc}") from None
        verifiers = self.config.logs.get(checkpoint.origin)
        if verifiers is None:
            raise UnknownLogError(f"unknown log origin {checkpoint.origin!r}")
        try:
            open_note(request.checkpoint_note, verifiers)
        except (InvalidSignatureError, UnverifiedNoteError) as exc:
            raise ForbiddenError(f"checkpoint signature: {exc}") from None
        except MalformedNoteError as exc:
            raise BadRequestError(f"malformed checkpoint: {exc}") from None
        if request.old_size > checkpoint.size:
            raise BadRequestError(
                f"old size {request.old_size} > checkpoint size {checkpoint.size}"
            )
        new = LogState(checkpoint.size, checkpoint.root_hash)
        with self._locks[checkpoint.origin]:
            latest = self.store.get(checkpoint.origin)
            self._check(checkpoint.origin, request, latest, new)
            if new != latest:
                try:
                    self.store.advance(checkpoint.origin, latest, new, text)
                except StateConflictError as exc:  # another process moved it meanwhile
                    raise ConflictError("log state changed", exc.current.size) from None
            cosignature = self.config.cosigner.cosign(text, int(self.config.cosigner.clock()))
        return [cosignature.line()]

    @staticmethod
    def _check(origin: str, request: AddCheckpointRequest, latest: LogState, new: LogState) -> None:
        if request.old_size != latest.size:
            raise ConflictError(
                f"old size {request.old_size} is not the latest cosigned size {latest.size}",
                latest.size,
            )
        if new.size == latest.size:
            if request.proof:
                raise BadProofError("old size equals checkpoint size: the proof must be empty")
            if new.root_hash != latest.root_hash:
                log.warning("fork: %s size %d has a root differing from cosigned", origin, new.size)
                raise ConflictError("root hash differs from the cosigned one", latest.size)
            return
        if latest.size == 0:
            if request.proof:
                raise BadProofError("old size is 0: the proof must be empty")
            return
        try:
            verify_consistency(
                latest.size, new.size, request.proof, latest.root_hash, new.root_hash
            )
        except ProofError as exc:
            # Kept in the log: a signed checkpoint with a bad proof may be evidence of a fork.
            log.warning(
                "bad consistency proof for %s %d -> %d: %s", origin, latest.size, new.size, exc
            )
            raise BadProofError(f"consistency proof: {exc}") from None


# --------------------------------------------------------------------------- HTTP


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise RequestTooLargeError(f"request body exceeds {limit} bytes")
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise RequestTooLargeError(f"request body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _error_response(exc: WitnessError) -> Response:
    if isinstance(exc, ConflictError):
        # Exactly this media type, without the charset Starlette would add to text/*.
        return Response(
            f"{exc.latest_size}\n", exc.status, headers={"content-type": SIZE_CONTENT_TYPE}
        )
    return Response(f"{exc}\n", exc.status, headers={"content-type": TEXT_CONTENT_TYPE})


def create_app(config: WitnessConfig) -> Starlette:
    """The witness HTTP app; `app.state.witness` is its Witness (close it when done)."""
    witness = Witness(config)

    async def add_checkpoint(request: Request) -> Response:
        try:
            body = await _read_body(request, REQUEST_MAX_BYTES)
            lines = await run_in_threadpool(witness.add_checkpoint, body)
        except WitnessError as exc:
            return _error_response(exc)
        content = "".join(line + "\n" for line in lines)
        return Response(content, 200, headers={"content-type": TEXT_CONTENT_TYPE})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        witness.close()

    app = Starlette(
        routes=[Route(config.prefix + ADD_CHECKPOINT_PATH, add_checkpoint, methods=["POST"])],
        lifespan=lifespan,
    )
    app.state.witness = witness
    return app


# --------------------------------------------------------------------------- client


class WitnessClientError(Exception):
    """A witness did not return a cosignature."""


class WitnessUnavailableError(WitnessClientError):
    """The witness could not be reached or timed out."""


class WitnessConflictError(WitnessClientError):
    """409: retry with `latest_size` as old size (and a proof from it)."""

    def __init__(self, latest_size: int) -> None:
        super().__init__(f"witness has cosigned size {latest_size}")
        self.latest_size = latest_size


class WitnessRejectedError(WitnessClientError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"witness answered {status}: {message}")
        self.status = status


def submit_checkpoint(
    url: str,
    old_size: int,
    consistency_proof: Sequence[bytes],
    signed_checkpoint_note: bytes | str,
    timeout_s: float,
    *,
    witness_keys: Iterable[Verifier] | None = None,
    client: httpx.Client | None = None,
) -> list[str]:
    """POST to `<url>/add-checkpoint` (`url` is the submission prefix); the cosignature lines.

    With `witness_keys`, lines from other keys are dropped and the rest must verify.
    Pass a long-lived `client` to reuse connections (the spec asks for keep-alive).
    """
    note = (
        signed_checkpoint_note.encode("utf-8")
        if isinstance(signed_checkpoint_note, str)
        else signed_checkpoint_note
    )
    body = format_add_checkpoint(old_size, consistency_proof, note)
    target = url.rstrip("/") + ADD_CHECKPOINT_PATH
    own = client is None
    http = httpx.Client() if client is None else client
    try:
        response = http.post(target, content=body, timeout=timeout_s)
    except httpx.TransportError as exc:
        raise WitnessUnavailableError(f"{target}: {exc}") from exc
    finally:
        if own:
            http.close()
    if response.status_code == 409:
        text = response.text
        if not text.endswith("\n") or not text[:-1].isdigit():
            raise WitnessRejectedError(409, "conflict without a tree size")
        raise WitnessConflictError(int(text[:-1]))
    if response.status_code != 200:
        raise WitnessRejectedError(response.status_code, response.text.strip()[:200])
    return _parse_cosignatures(response.content, note, witness_keys)


def _parse_cosignatures(
    content: bytes, note: bytes, witness_keys: Iterable[Verifier] | None
) -> list[str]:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise WitnessRejectedError(200, "response is not UTF-8") from None
    if not text.endswith("\n"):
        raise WitnessRejectedError(200, "response does not end with a newline")
    lines = text[:-1].split("\n")
    try:
        sigs = [parse_signature_line(line) for line in lines]
    except MalformedNoteError as exc:
        raise WitnessRejectedError(200, f"bad cosignature line: {exc}") from None
    if witness_keys is None:
        return lines
    keys = {(k.name, k.key_id): k for k in witness_keys}
    checkpoint_text, _ = split_note(note)
    raw = checkpoint_text.encode("utf-8")
    kept = []
    for line, sig in zip(lines, sigs, strict=True):
        key = keys.get((sig.name, sig.key_id))
        if key is None:
            continue
        if not key.verify(raw, sig.signature):
            raise WitnessRejectedError(200, f"cosignature by {sig.name} does not verify")
        kept.append(line)
    return kept
