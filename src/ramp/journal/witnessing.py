"""Getting the log's checkpoints cosigned by independent witnesses (C2SP tlog-witness).

A background thread submits the latest signed checkpoint to every configured witness, with a
consistency proof from the size that witness last cosigned, and records each cosignature in
the store. Witnesses are off the write path: a slow or absent witness delays nobody's batch.
Under load only the newest checkpoint is submitted, at most once per `interval_s`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import httpx

from ramp.journal import proofs
from ramp.refusal import Refused
from ramp.store.base import StoreError
from ramp.tlog.cosignature import verifier_from_vkey
from ramp.tlog.witness import WitnessClientError, WitnessConflictError, submit_checkpoint

if TYPE_CHECKING:
    from ramp.journal.writer import Journal

_log = logging.getLogger(__name__)
CONFLICT_RETRIES: Final = 2  # a 409 tells the witness's size; one retry from there suffices


@dataclass(frozen=True)
class WitnessEndpoint:
    url: str  # submission prefix: `/add-checkpoint` is appended
    verifier_key: str  # the witness's cosignature key (`name+keyid+base64`)

    @property
    def name(self) -> str:
        return self.verifier_key.split("+", 1)[0]


class WitnessSubmitter:
    def __init__(
        self, journal: Journal, witnesses: list[WitnessEndpoint], *, interval_s: float = 0.2, timeout_s: float = 5.0
    ) -> None:
        self.journal = journal
        self.witnesses = witnesses
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self._cosigned: dict[str, int] = {}  # witness key -> last size it cosigned for us
        self._verifiers = {w.verifier_key: verifier_from_vkey(w.verifier_key) for w in witnesses}
        self._client = httpx.Client()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_errors: dict[str, str] = {}

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="ramp-witnessing", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._client.close()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.submit_latest()

    def submit_latest(self) -> dict[str, int]:
        """One round: every witness gets the newest checkpoint. Returns size cosigned per witness."""
        last = self.journal.store.last_batch()
        if last is None or last.checkpoint is None:
            return {}
        size, note = last.size, last.checkpoint
        done: dict[str, int] = {}
        for w in self.witnesses:
            if self._cosigned.get(w.verifier_key) == size:
                done[w.name] = size
                continue
            try:
                self._submit(w, size, note)
                done[w.name] = size
                self.last_errors.pop(w.name, None)
            except (WitnessClientError, StoreError, Refused) as exc:
                self.last_errors[w.name] = str(exc)
                _log.warning("witness %s: %s", w.name, exc)
        return done

    def _submit(self, w: WitnessEndpoint, size: int, note: str) -> None:
        old = self._cosigned.get(w.verifier_key, 0)
        for _ in range(CONFLICT_RETRIES):
            proof = proofs.consistency(self.journal, old, size).hashes if old else []
            try:
                lines = submit_checkpoint(
                    w.url, old, proof, note, self.timeout_s,
                    witness_keys=[self._verifiers[w.verifier_key]], client=self._client,
                )  # fmt: skip
            except WitnessConflictError as exc:
                if exc.latest_size > size:
                    raise WitnessClientError(f"witness has seen size {exc.latest_size}, beyond the log's {size}") from exc
                old = exc.latest_size
                continue
            if not lines:
                raise WitnessClientError("the witness answered without a cosignature by its key")
            for line in lines:
                self.journal.store.add_cosignature(size, w.verifier_key, line)
            self._cosigned[w.verifier_key] = size
            return
        raise WitnessClientError("the witness kept answering 409")


def cosigned_checkpoint(journal: Journal) -> str | None:
    """The latest signed checkpoint with every cosignature recorded for it (a C2SP note)."""
    last = journal.store.last_batch()
    if last is None or last.checkpoint is None:
        return None
    size, note = last.size, last.checkpoint
    return note + "".join(line.rstrip("\n") + "\n" for _w, line in journal.store.cosignatures(size))
