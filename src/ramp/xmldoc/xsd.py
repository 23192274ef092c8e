"""An XML Schema (XSD 1.0, libxml2 through lxml) loaded from a file RAMP ships.

Imports and includes resolve relative to the importing file, inside one folder tree only:
every schemaLocation reachable from the main file is checked to be a relative path to a file
under that folder before libxml2 loads anything, so loading can never fetch (and libxml2's
parser runs with its network access off as well).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlparse

from lxml import etree

__all__ = ["LocalSchema", "SchemaLoadError", "SchemaViolation", "load_schema"]

_VIOLATIONS_MAX: Final = 200  # a broken document can raise thousands; the first 200 suffice


@dataclass(frozen=True, slots=True)
class SchemaViolation:
    """One XSD error: where libxml2 found it (XPath of the element, line) and what it said."""

    location: str
    line: int
    message: str


class SchemaLoadError(ValueError):
    """The schema tree reaches outside its folder, or a file in it is missing or broken."""


_XSD: Final = "{http://www.w3.org/2001/XMLSchema}"
_LINKS: Final = (f"{_XSD}import", f"{_XSD}include", f"{_XSD}redefine")


def _check_tree(path: Path, folder: Path) -> etree._ElementTree:
    """Every schema reachable from `path` is a local file under `folder`; return path's doc."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    seen: set[Path] = set()
    pending = [path]
    documents: dict[Path, etree._ElementTree] = {}
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        if not current.is_relative_to(folder) or not current.is_file():
            raise SchemaLoadError(f"schema {current} is missing or outside {folder}")
        try:
            documents[current] = etree.parse(str(current), parser)
        except etree.XMLSyntaxError as exc:
            raise SchemaLoadError(f"schema {current} is not well-formed: {exc}") from exc
        for link in documents[current].iter(*_LINKS):
            location = link.get("schemaLocation")
            if location is None:
                continue
            if urlparse(location).scheme:
                raise SchemaLoadError(f"{current}: schemaLocation {location!r} is not a relative path")
            pending.append((current.parent / unquote(location)).resolve())
    return documents[path]


class LocalSchema:
    """A compiled XSD. `violations` is cheap to call many times; the schema loads once."""

    def __init__(self, path: Path, root: Path | None = None) -> None:
        self.path = path.resolve()
        folder = (root or path.parent).resolve()
        document = _check_tree(self.path, folder)
        try:
            self._schema = etree.XMLSchema(document)
        except etree.XMLSchemaParseError as exc:
            raise SchemaLoadError(f"schema {self.path}: {exc}") from exc

    def violations(self, tree: etree._ElementTree) -> tuple[SchemaViolation, ...]:
        if self._schema.validate(tree):
            return ()
        out = []
        for entry in list(self._schema.error_log)[:_VIOLATIONS_MAX]:
            out.append(SchemaViolation(location=_readable(tree, entry.path), line=entry.line, message=entry.message))
        assert out, "lxml reported invalid without an error"
        return tuple(out)


def _readable(tree: etree._ElementTree, path: str | None) -> str:
    """libxml2's path ("/*/*[2]/cbc:ID" with "*" for default-namespace steps) with names."""
    if not path:
        return ""
    try:
        found = tree.xpath(path)
    except etree.XPathError:
        return path
    if not isinstance(found, list) or len(found) != 1 or not isinstance(found[0], etree._Element):
        return path
    steps = []
    node = found[0]
    while node is not None:
        same = sum(1 for s in node.itersiblings(preceding=True) if s.tag == node.tag)
        name = etree.QName(node).localname
        steps.append(f"{node.prefix}:{name}[{same + 1}]" if node.prefix else f"{name}[{same + 1}]")
        node = node.getparent()
    return "/" + "/".join(reversed(steps))


def load_schema(path: Path, root: Path | None = None) -> LocalSchema:
    return LocalSchema(path, root)
