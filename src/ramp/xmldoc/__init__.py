"""XML from outside, read safely, and XML Schemas loaded from files shipped with RAMP.

Shared by `invoices` (UBL in) and `payments` (ISO 20022 out and back): one bounded parser
that refuses DOCTYPEs (so no entity can expand or fetch), and one XSD loader that never
reaches the network.
"""

from ramp.xmldoc.safe import XML_MAX_BYTES, XmlRefused, parse_untrusted
from ramp.xmldoc.xsd import LocalSchema, SchemaLoadError, SchemaViolation, load_schema

__all__ = [
    "XML_MAX_BYTES",
    "LocalSchema",
    "SchemaLoadError",
    "SchemaViolation",
    "XmlRefused",
    "load_schema",
    "parse_untrusted",
]
