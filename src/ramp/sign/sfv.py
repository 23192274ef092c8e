"""RFC 8941 structured field values: the dictionary parser and the serialisers that RFC 9421
signatures and RFC 9530 digests are written in.

Parsing follows RFC 8941 section 4.2 with one deliberate deviation: a duplicate dictionary or
parameter key is refused rather than "last one wins", so no two parsers can read a signature
field differently. Every lexical item is matched by one compiled regular expression: a field is
parsed with a handful of regex calls rather than a Python step per character, which matters on
a path every signed request takes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final

from ramp.tlog.note import decode_base64, encode_base64


class Token(str):
    """An RFC 8941 token: kept apart from `str` (a String) because it serialises unquoted."""


BareItem = int | Decimal | str | bytes | bool  # str includes Token
Params = tuple[tuple[str, BareItem], ...]


@dataclass(frozen=True)
class Item:
    value: BareItem
    params: Params = ()


@dataclass(frozen=True)
class InnerList:
    items: tuple[Item, ...]
    params: Params = ()


class SfError(ValueError):
    """The text is not a valid structured field."""


_KEY: Final = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_TOKEN: Final = re.compile(r"[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*")
_STRING: Final = re.compile(r'"((?:[ !#-\[\]-~]|\\["\\])*)"')
_STRING_ESCAPE: Final = re.compile(r'\\(["\\])')
_NUMBER: Final = re.compile(r"-?([0-9]+)(?:\.([0-9]*))?")
_BYTES: Final = re.compile(r":([A-Za-z0-9+/=]*):")
_BOOLEAN: Final = re.compile(r"\?([01])")
_SP: Final = re.compile(r" *")
_OWS: Final = re.compile(r"[ \t]*")
_PRINTABLE: Final = re.compile(r"[ -~]*")


class _Parser:
    """RFC 8941 section 4.2 over an ASCII string; every failure is an `SfError`."""

    __slots__ = ("s", "i")

    def __init__(self, text: str) -> None:
        if not text.isascii():
            raise SfError("structured fields are ASCII")
        self.s = text
        self.i = 0

    def _match(self, pattern: re.Pattern[str], what: str) -> re.Match[str]:
        m = pattern.match(self.s, self.i)
        if m is None:
            raise SfError(f"bad {what} at {self.i}")
        self.i = m.end()
        return m

    def _at(self, char: str) -> bool:
        return self.s.startswith(char, self.i)

    def dictionary(self) -> dict[str, Item | InnerList]:
        self.i = _SP.match(self.s).end()
        members: dict[str, Item | InnerList] = {}
        n = len(self.s)
        while self.i < n:
            key = self._match(_KEY, "key").group()
            if key in members:
                raise SfError(f"duplicate key {key!r}")
            if self._at("="):
                self.i += 1
                members[key] = self._item_or_inner_list()
            else:
                members[key] = Item(True, self._params())
            self.i = _OWS.match(self.s, self.i).end()
            if self.i == n:
                return members
            if not self._at(","):
                raise SfError(f"expected ',' at {self.i}")
            self.i = _OWS.match(self.s, self.i + 1).end()
            if self.i == n:
                raise SfError("trailing comma")
        return members

    def _item_or_inner_list(self) -> Item | InnerList:
        if not self._at("("):
            return Item(self._bare_item(), self._params())
        self.i += 1
        items: list[Item] = []
        while True:
            self.i = _SP.match(self.s, self.i).end()
            if self._at(")"):
                self.i += 1
                return InnerList(tuple(items), self._params())
            items.append(Item(self._bare_item(), self._params()))
            if not (self._at(" ") or self._at(")")):
                raise SfError(f"bad inner list at {self.i}")

    def _params(self) -> Params:
        if not self._at(";"):
            return ()
        params: dict[str, BareItem] = {}
        while self._at(";"):
            self.i = _SP.match(self.s, self.i + 1).end()
            key = self._match(_KEY, "parameter key").group()
            if key in params:
                raise SfError(f"duplicate parameter {key!r}")
            if self._at("="):
                self.i += 1
                params[key] = self._bare_item()
            else:
                params[key] = True
        return tuple(params.items())

    def _bare_item(self) -> BareItem:
        c = self.s[self.i : self.i + 1]
        if c == '"':
            if (m := _STRING.match(self.s, self.i)) is None:
                raise SfError(f"bad string at {self.i}")
            self.i = m.end()
            return _STRING_ESCAPE.sub(r"\1", m.group(1))
        if c == ":":
            text = self._match(_BYTES, "byte sequence").group(1)
            try:
                return decode_base64(text)  # canonical only: one text per byte string
            except ValueError as exc:
                raise SfError(str(exc)) from None
        if c == "?":
            return self._match(_BOOLEAN, "boolean").group(1) == "1"
        if c == "-" or c.isdigit():
            return self._number()
        return Token(self._match(_TOKEN, "item").group())

    def _number(self) -> int | Decimal:
        m = self._match(_NUMBER, "number")
        whole, frac = m.group(1), m.group(2)
        if frac is None:
            if len(whole) > 15:
                raise SfError("integer too long")
            return int(m.group())
        if len(whole) > 12 or not 1 <= len(frac) <= 3:
            raise SfError("bad decimal")
        return Decimal(m.group())


def parse_dictionary(text: str) -> dict[str, Item | InnerList]:
    """An RFC 8941 Dictionary, or SfError."""
    return _Parser(text).dictionary()


def printable(value: str) -> bool:
    """Printable ASCII only (what an sf-string may hold)."""
    return _PRINTABLE.fullmatch(value) is not None


def serialize_bare(value: BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        if abs(value) >= 10**15:
            raise ValueError("integer out of structured-field range")
        return str(value)
    if isinstance(value, Decimal):
        if abs(value) >= 10**12:
            raise ValueError("decimal out of structured-field range")
        text = format(value.quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN), "f").rstrip("0")
        return text + "0" if text.endswith(".") else text
    if isinstance(value, bytes):
        return ":" + encode_base64(value) + ":"
    if isinstance(value, Token):
        if _TOKEN.fullmatch(value) is None:
            raise ValueError(f"not a token: {value!r}")
        return str(value)
    if not printable(value):
        raise ValueError("structured-field strings are printable ASCII")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check_key(key: str) -> str:
    if _KEY.fullmatch(key) is None:
        raise ValueError(f"not a structured-field key: {key!r}")
    return key


def serialize_params(params: Iterable[tuple[str, BareItem]]) -> str:
    out = []
    for key, value in params:
        check_key(key)
        out.append(f";{key}" if value is True else f";{key}={serialize_bare(value)}")
    return "".join(out)
