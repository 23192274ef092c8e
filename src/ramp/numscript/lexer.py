"""Numscript lexer: source text to a list of located tokens.

Token shapes follow the reference grammar (formancehq/numscript Lexer.g4); comments and white
space are dropped here so the parser only sees meaningful tokens.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Literal, NoReturn

from ramp.numscript.errors import NumscriptParseError

# Scripts are hand-written transaction templates (the largest real ones are a few KB); the
# bound keeps a hostile request from making the parser work on megabytes.
SCRIPT_MAX_CHARS = 100_000
# 10**80 is far beyond any amount; the bound keeps int() parsing cheap on hostile input.
NUMBER_MAX_DIGITS = 80

KEYWORDS = frozenset(
    {
        "vars",
        "max",
        "source",
        "destination",
        "send",
        "from",
        "up",
        "to",
        "remaining",
        "allowing",
        "unbounded",
        "overdraft",
        "kept",
        "save",
    }
)

TokenKind = Literal[
    "keyword",
    "ident",
    "variable",
    "account",
    "asset",
    "number",
    "percent",
    "string",
    "punct",
    "eof",
]


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str
    line: int
    column: int


_TOKEN_RE = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<percent>[0-9]+(?:\.[0-9]+)?%)
  | (?P<number>[0-9]+(?:_[0-9]+)*)
  | (?P<string>"(?:\\"|[^\r\n"])*")
  | (?P<variable>\$[a-z_]+[a-z0-9_]*)
  | (?P<account>@[a-zA-Z0-9_-]+(?::[a-zA-Z0-9_-]+)*)
  | (?P<asset>[A-Z][A-Z0-9]*(?:/[0-9]+)?)
  | (?P<word>[a-z]+[a-z_]*)
  | (?P<punct>[()\[\]{},=*+\-/])
    """,
    re.VERBOSE,
)


class _Locator:
    """Turns a character offset into a 1-based (line, column)."""

    def __init__(self, source: str):
        self._line_starts = [0] + [i + 1 for i, ch in enumerate(source) if ch == "\n"]

    def at(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1


def _skip_block_comment(source: str, start: int, locate: _Locator) -> int:
    # Block comments nest, as in the reference grammar.
    depth = 0
    i = start
    while i < len(source):
        if source.startswith("/*", i):
            depth += 1
            i += 2
        elif source.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    line, column = locate.at(start)
    raise NumscriptParseError("unterminated comment", line=line, column=column)


def tokenize(source: str) -> list[Token]:
    """Split `source` into tokens, ending with one `eof` token."""
    if len(source) > SCRIPT_MAX_CHARS:
        raise NumscriptParseError(
            f"script longer than {SCRIPT_MAX_CHARS} characters",
            line=1,
            column=1,
            code="script_too_long",
        )
    locate = _Locator(source)
    tokens: list[Token] = []
    i = 0
    while i < len(source):
        if source.startswith("//", i):
            end = source.find("\n", i)
            i = len(source) if end == -1 else end
            continue
        if source.startswith("/*", i):
            i = _skip_block_comment(source, i, locate)
            continue
        line, column = locate.at(i)
        match = _TOKEN_RE.match(source, i)
        if match is None:
            _raise_unexpected(source, i, line, column)
        assert match.lastgroup is not None
        kind, text = match.lastgroup, match.group()
        i = match.end()
        if kind == "ws":
            continue
        if kind == "word":
            kind = "keyword" if text in KEYWORDS else "ident"
        if kind == "number" and len(text.replace("_", "")) > NUMBER_MAX_DIGITS:
            raise NumscriptParseError(
                f"number literal longer than {NUMBER_MAX_DIGITS} digits",
                line=line,
                column=column,
                code="number_too_long",
            )
        if kind == "account" and source.startswith(":$", i):
            raise NumscriptParseError(
                "account interpolation (@a:$b) is an experimental feature and not supported",
                line=line,
                column=column,
                code="unsupported_feature",
            )
        tokens.append(Token(kind, text, line, column))  # type: ignore[arg-type]
    line, column = locate.at(len(source))
    tokens.append(Token("eof", "", line, column))
    return tokens


def _raise_unexpected(source: str, i: int, line: int, column: int) -> NoReturn:
    char = source[i]
    if char == '"':
        raise NumscriptParseError("unterminated string", line=line, column=column)
    raise NumscriptParseError(f"unexpected character {char!r}", line=line, column=column)
