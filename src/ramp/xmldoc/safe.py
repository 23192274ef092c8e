"""One bounded, entity-free parse of an XML document received from outside.

Refusals carry a code (the HTTP layer maps each to a status in its own table):
- `xml_empty`: no bytes at all;
- `xml_too_large`: over the caller's byte limit (checked before parsing);
- `xml_not_well_formed`: libxml2 says so (with its line and column);
- `xml_too_deep`: elements nested over libxml2's limit;
- `xml_doctype_forbidden`: any DOCTYPE, internal subset or not. Business documents (UBL,
  ISO 20022) never need one, and refusing it outright rules out external entities (XXE),
  entity expansion (billion laughs) and DTD fetching in one rule. The parser is also set
  never to resolve entities nor touch the network, so even the parse that finds the
  DOCTYPE expands and fetches nothing.
"""

from __future__ import annotations

import re
from typing import Final

from lxml import etree

__all__ = ["XML_MAX_BYTES", "XmlRefused", "parse_untrusted"]

XML_MAX_BYTES: Final = 4 * 1024 * 1024  # the API's body limit; a 1,000-line invoice is ~1 MB
XML_MAX_DEPTH: Final = 256  # libxml2's own limit without XML_PARSE_HUGE; UBL nests ~10 deep
# A DOCTYPE in the prolog of an ASCII-compatible document, found before libxml2 reads it (it
# would otherwise try to load an external DTD, and fail on no_network); UTF-16 documents are
# caught after the parse by their docinfo.
_PROLOG_DOCTYPE: Final = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>)?(?:\s+|<!--.*?-->|<\?.*?\?>)*<!DOCTYPE", re.S
)


class XmlRefused(ValueError):
    """The bytes are not a document RAMP will read; `code` says why, `message` in words."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,  # keeps libxml2's limits on text node size and depth
        remove_comments=False,
        collect_ids=False,
    )


def parse_untrusted(data: bytes, max_bytes: int = XML_MAX_BYTES) -> etree._ElementTree:
    """Parse `data` or raise XmlRefused. The tree is safe to hand to any XML tool."""
    assert max_bytes > 0
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("parse_untrusted takes bytes")
    if len(data) == 0:
        raise XmlRefused("xml_empty", "the document is empty")
    if len(data) > max_bytes:
        raise XmlRefused("xml_too_large", f"the document is {len(data)} bytes, over {max_bytes}")
    data = bytes(data)
    if _PROLOG_DOCTYPE.match(data):
        raise XmlRefused("xml_doctype_forbidden", "a DOCTYPE (DTD or entity declarations) is not accepted")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        if "Excessive depth" in str(exc):
            raise XmlRefused("xml_too_deep", f"elements nest over {XML_MAX_DEPTH} deep") from exc
        raise XmlRefused("xml_not_well_formed", str(exc)) from exc
    tree = root.getroottree()
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlRefused("xml_doctype_forbidden", "a DOCTYPE (DTD or entity declarations) is not accepted")
    return tree
