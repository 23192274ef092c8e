"""C2SP tlog-checkpoint v1 (c2sp.org/tlog-checkpoint@v1.0.0): the note text of a tree head.

    <origin>\\n<decimal tree size>\\n<base64 root hash>\\n[<extension line>\\n ...]

Parsing is strict: exactly one text stands for one tree head, so a witness can compare
checkpoints byte for byte and a log can never be talked into two encodings of one head.
"""

from __future__ import annotations

from dataclasses import dataclass

from ramp.tlog.merkle import HASH_SIZE, TREE_SIZE_MAX
from ramp.tlog.note import decode_base64, encode_base64

# Extension lines are opaque and NOT RECOMMENDED; a bound keeps a hostile checkpoint small.
CHECKPOINT_EXTENSIONS_MAX = 16
CHECKPOINT_MAX_BYTES = 16 * 1024
_SIZE_DIGITS_MAX = len(str(TREE_SIZE_MAX))


class CheckpointError(ValueError):
    """The text is not a valid checkpoint body."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_origin(self.origin)
        if not 0 <= self.size <= TREE_SIZE_MAX:
            raise CheckpointError(f"tree size {self.size} is not a uint64")
        if len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(f"root hash has {len(self.root_hash)} bytes, not {HASH_SIZE}")
        if len(self.extensions) > CHECKPOINT_EXTENSIONS_MAX:
            raise CheckpointError(f"more than {CHECKPOINT_EXTENSIONS_MAX} extension lines")
        for line in self.extensions:
            if not line:
                raise CheckpointError("extension lines must be non-empty")
            _check_line(line)

    def format(self) -> str:
        """The note text, final newline included."""
        lines = [self.origin, str(self.size), encode_base64(self.root_hash), *self.extensions]
        return "\n".join(lines) + "\n"


def _check_line(line: str) -> None:
    for c in line:
        if c < " ":
            raise CheckpointError(f"control character U+{ord(c):04X} in checkpoint")


def _check_origin(origin: str) -> None:
    # Origins SHOULD be schema-less URLs, but clients MUST NOT assume so: any non-empty line.
    if not origin:
        raise CheckpointError("origin must be non-empty")
    _check_line(origin)


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint note text (as returned by note.open_note)."""
    if len(text) > CHECKPOINT_MAX_BYTES:
        raise CheckpointError(f"checkpoint is longer than {CHECKPOINT_MAX_BYTES} characters")
    if not text.endswith("\n"):
        raise CheckpointError("checkpoint text must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError("checkpoint has fewer than three lines")
    origin, size_text, root_text, *extensions = lines
    if (
        not size_text
        or len(size_text) > _SIZE_DIGITS_MAX
        or not all("0" <= c <= "9" for c in size_text)
        or (size_text[0] == "0" and size_text != "0")
    ):
        raise CheckpointError(f"tree size {size_text!r} is not a decimal without leading zeros")
    try:
        root = decode_base64(root_text)
    except ValueError as exc:
        raise CheckpointError(f"root hash: {exc}") from None
    return Checkpoint(origin, int(size_text), root, tuple(extensions))
