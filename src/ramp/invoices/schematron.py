"""ISO Schematron (XSLT 2 query binding) compiled to XSLT 3 and run by Saxon, as written.

No maintained PyPI package ships a Schematron-to-XSLT-2 compiler (lxml ships the XSLT 1
skeleton only; pyschematron needs Python 3.12 and has no `xsl:function`), so this module is
the compiler: a small, strict one. Every rule context becomes an XSLT match pattern, every
assert/report test an XPath evaluated by SaxonC-HE (XPath 3.1, a superset of the XPath 2
the rules are written in), the `xsl:function`s of the schema are copied verbatim. Nothing
of a rule is re-coded. The ISO semantics kept: each active pattern is one pass over the
document in document order (a mode); within a pattern a node fires at most the first rule,
in schema order, whose context matches it (descending template priorities); asserts fail
when the test's effective boolean value is false, reports succeed when it is true.

A Schematron construct this compiler does not implement (include, abstract rules or
patterns, extends, diagnostics, pattern-level lets, foreign XSLT other than functions and
keys) is refused with `SchematronCompileError`, never silently skipped.

The result is SVRL (ISO/IEC 19757-3 annex D): `svrl:active-pattern`, `svrl:fired-rule`,
`svrl:failed-assert` and `svrl:successful-report` with id, flag, location and text. A
location is an XPath of the node with the Schematron's own `ns` prefixes and positional
steps, e.g. `/ubl:Invoice[1]/cac:TaxTotal[1]/cac:TaxSubtotal[2]`.

Saxon is compiled once per schema (`compile_schematron`) and the executable reused; SaxonC
runs one process-wide processor whose calls are serialised by a lock (SaxonC-HE objects are
not safe to share between Python threads without it).
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from lxml import etree

__all__ = [
    "SCHEMATRON_MAX_BYTES",
    "SVRL_NS",
    "CompiledSchematron",
    "SchematronCompileError",
    "SchematronFinding",
    "SchematronRuntimeError",
    "compile_schematron",
    "parse_svrl",
    "run_all",
]

SCH_NS: Final = "http://purl.oclc.org/dsdl/schematron"
SVRL_NS: Final = "http://purl.oclc.org/dsdl/svrl"
XSL_NS: Final = "http://www.w3.org/1999/XSL/Transform"
XS_NS: Final = "http://www.w3.org/2001/XMLSchema"
_OWN_NS: Final = "urn:ramp:invoices:schematron"  # the compiler's own helper function
_OWN_PREFIX: Final = "rampsch"

SCHEMATRON_MAX_BYTES: Final = 4 * 1024 * 1024  # the JP PINT pair is 100 KB; 40x headroom
_QUERY_BINDINGS: Final = frozenset({"xslt2", "xslt3"})  # Saxon runs XPath 3.1 ⊇ XPath 2.0
_PRIORITY_TOP: Final = 100_000  # rule i of a pattern gets priority TOP - i: first rule wins
_RULES_MAX: Final = _PRIORITY_TOP - 1

# Foreign XSLT allowed at schema level (ISO Schematron annex for the xslt2 binding).
_XSL_ALLOWED: Final = frozenset({f"{{{XSL_NS}}}function", f"{{{XSL_NS}}}key"})
_IGNORED: Final = frozenset({f"{{{SCH_NS}}}title", f"{{{SCH_NS}}}p"})


class SchematronCompileError(ValueError):
    """The schema cannot be compiled: unsupported construct, bad XPath, unreadable file."""


class SchematronRuntimeError(RuntimeError):
    """A rule raised a dynamic XPath error on this document (e.g. xs:decimal('abc'))."""


@dataclass(frozen=True, slots=True)
class SchematronFinding:
    """One failed assert or successful report, as the SVRL says it."""

    kind: str  # "failed-assert" | "successful-report"
    rule_id: str  # the assert/report @id ("" when the schema gave none)
    flag: str  # @flag, e.g. "fatal", "warning" ("" when none)
    location: str
    test: str
    message: str


def _q(ns: str, local: str) -> str:
    return f"{{{ns}}}{local}"


def _avt_escape(text: str) -> str:
    """A literal result attribute is an attribute value template: double its braces."""
    return text.replace("{", "{{").replace("}", "}}")


def _location_function(prefixes: dict[str, str]) -> etree._Element:
    """`rampsch:location($node)`: an XPath to the node with the schema's prefixes."""
    entries = ", ".join(f"'{uri}': '{prefix}'" for uri, prefix in prefixes.items())
    step_name = (
        "(let $p := $prefixes(namespace-uri($a)) return"
        " if (exists($p)) then concat($p, ':', local-name($a))"
        " else if (namespace-uri($a) = '') then local-name($a)"
        " else concat('Q{', namespace-uri($a), '}', local-name($a)))"
    )
    select = (
        f"let $prefixes := map {{ {entries} }} return "
        "if ($node instance of document-node()) then '/' else string-join("
        "for $a in $node/ancestor-or-self::node()[not(self::document-node())] return "
        f"if ($a instance of attribute()) then concat('@', {step_name}) "
        f"else if ($a instance of element()) then concat({step_name}, '[', "
        "count($a/preceding-sibling::*[node-name(.) eq node-name($a)]) + 1, ']') "
        "else if ($a instance of text()) then concat('text()[', "
        "count($a/preceding-sibling::text()) + 1, ']') "
        "else 'node()', '/') ! concat('/', .)"
    )
    function = etree.Element(
        _q(XSL_NS, "function"), name=f"{_OWN_PREFIX}:location", attrib={"as": "xs:string"}
    )
    etree.SubElement(function, _q(XSL_NS, "param"), name="node", attrib={"as": "node()"})
    etree.SubElement(function, _q(XSL_NS, "sequence"), select=select)
    return function


def _where(element: etree._Element) -> str:
    return f"line {element.sourceline}"


def _message_into(target: etree._Element, check: etree._Element) -> None:
    """The assert/report's natural-language text as XSLT: text, value-of and name."""
    if check.text:
        etree.SubElement(target, _q(XSL_NS, "text")).text = check.text
    for child in check:
        if not isinstance(child.tag, str):  # comments, processing instructions
            pass
        elif child.tag == _q(SCH_NS, "value-of"):
            select = child.get("select")
            if not select:
                raise SchematronCompileError(f"value-of without select at {_where(child)}")
            etree.SubElement(target, _q(XSL_NS, "value-of"), select=select)
        elif child.tag == _q(SCH_NS, "name"):
            path = child.get("path", ".")
            etree.SubElement(target, _q(XSL_NS, "value-of"), select=f"name({path})")
        elif child.tag in {_q(SCH_NS, "emph"), _q(SCH_NS, "dir"), _q(SCH_NS, "span")}:
            if len(child):
                raise SchematronCompileError(f"nested markup in {child.tag} at {_where(child)}")
            etree.SubElement(target, _q(XSL_NS, "text")).text = child.text or ""
        else:
            raise SchematronCompileError(f"unsupported {child.tag} in a message at {_where(child)}")
        if child.tail:
            etree.SubElement(target, _q(XSL_NS, "text")).text = child.tail


def _check(rule_template: etree._Element, check: etree._Element) -> None:
    """An assert or a report, its test verbatim in an xsl:when / xsl:if."""
    test = check.get("test")
    if not test:
        raise SchematronCompileError(f"{etree.QName(check).localname} without test at {_where(check)}")
    if check.get("diagnostics") or check.get("properties"):
        raise SchematronCompileError(f"diagnostics/properties are not supported at {_where(check)}")
    is_assert = check.tag == _q(SCH_NS, "assert")
    kind = "failed-assert" if is_assert else "successful-report"
    if is_assert:
        choose = etree.SubElement(rule_template, _q(XSL_NS, "choose"))
        etree.SubElement(choose, _q(XSL_NS, "when"), test=test)
        holder = etree.SubElement(choose, _q(XSL_NS, "otherwise"))
    else:
        holder = etree.SubElement(rule_template, _q(XSL_NS, "if"), test=test)
    attrs = {"test": _avt_escape(test), "location": f"{{{_OWN_PREFIX}:location(.)}}"}
    for name in ("id", "flag", "role"):
        if check.get(name) is not None:
            attrs[name] = _avt_escape(check.get(name, ""))
    finding = etree.SubElement(holder, _q(SVRL_NS, kind), attrib=attrs)
    _message_into(etree.SubElement(finding, _q(SVRL_NS, "text")), check)


def _let(parent: etree._Element, let: etree._Element) -> None:
    name, value = let.get("name"), let.get("value")
    if not name or value is None or len(let):
        raise SchematronCompileError(f"let needs name and value at {_where(let)}")
    etree.SubElement(parent, _q(XSL_NS, "variable"), name=name, select=value)


def _active_patterns(schema: etree._Element, phase: str | None) -> list[etree._Element]:
    patterns = schema.findall(_q(SCH_NS, "pattern"))
    chosen = phase if phase is not None else schema.get("defaultPhase", "#ALL")
    if chosen == "#ALL":
        return patterns
    for candidate in schema.findall(_q(SCH_NS, "phase")):
        if candidate.get("id") == chosen:
            wanted = [active.get("pattern") for active in candidate.findall(_q(SCH_NS, "active"))]
            return [p for p in patterns if p.get("id") in wanted]
    raise SchematronCompileError(f"no phase {chosen!r} in the schema")


def _stylesheet(schema: etree._Element, phase: str | None) -> etree._Element:
    binding = schema.get("queryBinding", "")
    if binding.lower() not in _QUERY_BINDINGS:
        raise SchematronCompileError(f"query binding {binding!r} is not XSLT 2/3")
    prefixes: dict[str, str] = {}  # uri -> first prefix, for locations
    nsmap: dict[str, str] = {"xsl": XSL_NS, "svrl": SVRL_NS, "xs": XS_NS, _OWN_PREFIX: _OWN_NS}
    for ns in schema.findall(_q(SCH_NS, "ns")):
        prefix, uri = ns.get("prefix"), ns.get("uri")
        if not prefix or uri is None:
            raise SchematronCompileError(f"ns needs prefix and uri at {_where(ns)}")
        if prefix in {"xsl", "svrl", _OWN_PREFIX} or (prefix in nsmap and nsmap[prefix] != uri):
            raise SchematronCompileError(f"ns prefix {prefix!r} clashes at {_where(ns)}")
        nsmap[prefix] = uri
        prefixes.setdefault(uri, prefix)
    # The ISO skeleton for XSLT 2 declares xsd as well as xs on the stylesheet it writes;
    # PINT's u:checkCF16 relies on it (`castable as xsd:string` with no xsd declared).
    nsmap.setdefault("xsd", XS_NS)

    sheet = etree.Element(_q(XSL_NS, "stylesheet"), nsmap=nsmap, version="3.0")
    sheet.set("exclude-result-prefixes", " ".join(p for p in nsmap if p not in {"xsl", "svrl"}))
    etree.SubElement(sheet, _q(XSL_NS, "output"), method="xml", indent="no")
    sheet.append(_location_function(prefixes))

    known = {_q(SCH_NS, name) for name in ("ns", "phase", "pattern", "let")}
    for child in schema:
        if not isinstance(child.tag, str) or child.tag in known or child.tag in _IGNORED:
            continue
        if child.tag in _XSL_ALLOWED:
            sheet.append(copy.deepcopy(child))
        elif child.tag.startswith(f"{{{XSL_NS}}}") or child.tag.startswith(f"{{{SCH_NS}}}"):
            raise SchematronCompileError(f"unsupported {child.tag} at {_where(child)}")
        # other foreign elements (documentation) carry no rules: ignored, as ISO allows
    for let in schema.findall(_q(SCH_NS, "let")):
        _let(sheet, let)

    root = etree.SubElement(sheet, _q(XSL_NS, "template"), match="/")
    output = etree.SubElement(root, _q(SVRL_NS, "schematron-output"))
    if phase is not None:
        output.set("phase", _avt_escape(phase))
    patterns = _active_patterns(schema, phase)
    for index, pattern in enumerate(patterns):
        mode = f"{_OWN_PREFIX}:M{index}"
        if pattern.get("abstract") == "true" or pattern.get("is-a"):
            raise SchematronCompileError(f"abstract patterns are not supported at {_where(pattern)}")
        active = etree.SubElement(output, _q(SVRL_NS, "active-pattern"))
        if pattern.get("id"):
            active.set("id", _avt_escape(pattern.get("id", "")))
        etree.SubElement(output, _q(XSL_NS, "apply-templates"), select="/", mode=mode)
        _pattern_templates(sheet, pattern, mode)
    return sheet


def _pattern_templates(sheet: etree._Element, pattern: etree._Element, mode: str) -> None:
    rules = [r for r in pattern if isinstance(r.tag, str) and r.tag not in _IGNORED]
    if len(rules) > _RULES_MAX:
        raise SchematronCompileError(f"more than {_RULES_MAX} rules in one pattern")
    for position, rule in enumerate(rules):
        if rule.tag != _q(SCH_NS, "rule"):
            raise SchematronCompileError(f"unsupported {rule.tag} in a pattern at {_where(rule)}")
        context = rule.get("context")
        if rule.get("abstract") == "true" or not context:
            raise SchematronCompileError(f"abstract or context-less rule at {_where(rule)}")
        template = etree.SubElement(
            sheet, _q(XSL_NS, "template"), match=context, mode=mode,
            priority=str(_PRIORITY_TOP - position),
        )
        fired = etree.SubElement(template, _q(SVRL_NS, "fired-rule"), context=_avt_escape(context))
        if rule.get("id"):
            fired.set("id", _avt_escape(rule.get("id", "")))
        for item in rule:
            if not isinstance(item.tag, str):
                continue
            if item.tag == _q(SCH_NS, "let"):
                _let(template, item)
            elif item.tag in {_q(SCH_NS, "assert"), _q(SCH_NS, "report")}:
                _check(template, item)
            elif item.tag not in _IGNORED:
                raise SchematronCompileError(f"unsupported {item.tag} in a rule at {_where(item)}")
        etree.SubElement(template, _q(XSL_NS, "apply-templates"), select="@*|*", mode=mode)
    # The skeleton's defaults: text is silent, everything else walks on to attributes and
    # child elements, so every element and attribute is offered to the pattern's rules.
    etree.SubElement(sheet, _q(XSL_NS, "template"), match="text()", mode=mode, priority="-1")
    walk = etree.SubElement(sheet, _q(XSL_NS, "template"), match="@*|node()", mode=mode, priority="-2")
    etree.SubElement(walk, _q(XSL_NS, "apply-templates"), select="@*|*", mode=mode)


def parse_svrl(svrl: str | bytes) -> tuple[SchematronFinding, ...]:
    """The findings of an SVRL report, in report order."""
    data = svrl.encode("utf-8") if isinstance(svrl, str) else svrl
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    findings = []
    for element in root.iter(_q(SVRL_NS, "failed-assert"), _q(SVRL_NS, "successful-report")):
        text = element.find(_q(SVRL_NS, "text"))
        findings.append(SchematronFinding(
            kind=etree.QName(element).localname,
            rule_id=element.get("id", ""),
            flag=element.get("flag", ""),
            location=element.get("location", ""),
            test=element.get("test", ""),
            message=" ".join(("".join(text.itertext()) if text is not None else "").split()),
        ))
    return tuple(findings)


class _Saxon:
    """The process-wide SaxonC processor and the lock that serialises its use."""

    _lock: Final = threading.Lock()
    _processor = None

    @classmethod
    def processor(cls):  # noqa: ANN206 - saxonche ships no type hints
        if cls._processor is None:
            from saxonche import PySaxonProcessor

            cls._processor = PySaxonProcessor(license=False)
        return cls._processor


@dataclass(frozen=True, slots=True)
class CompiledSchematron:
    """A Schematron compiled once to a Saxon executable; `run` is cheap and repeatable."""

    source: str
    xslt: str  # the generated stylesheet, kept for inspection and for the tests
    rule_ids: frozenset[str]
    _executable: object

    def run_svrl(self, xml_text: str) -> str:
        """The SVRL report of one document. The caller has already refused DOCTYPEs."""
        report = run_all((self,), xml_text)[0]
        if isinstance(report, SchematronRuntimeError):
            raise report
        return report

    def run(self, xml_text: str) -> tuple[SchematronFinding, ...]:
        return parse_svrl(self.run_svrl(xml_text))


def run_all(schematrons: tuple[CompiledSchematron, ...], xml_text: str) -> list[str | SchematronRuntimeError]:
    """Each schema's SVRL over one document parsed once by Saxon (a dynamic error in one
    schema is returned in its place, the others still run)."""
    from saxonche import PySaxonApiError

    reports: list[str | SchematronRuntimeError] = []
    with _Saxon._lock:
        try:
            node = _Saxon.processor().parse_xml(xml_text=xml_text)
        except PySaxonApiError as exc:
            raise SchematronRuntimeError(f"Saxon could not parse the document: {exc}") from exc
        for schematron in schematrons:
            try:
                result = schematron._executable.transform_to_string(xdm_node=node)
            except PySaxonApiError as exc:
                reports.append(SchematronRuntimeError(str(exc)))
                continue
            reports.append(result if result is not None else SchematronRuntimeError("no report"))
    return reports


def compile_schematron(path: Path, phase: str | None = None) -> CompiledSchematron:
    """Read, compile and return a Schematron file; raise SchematronCompileError if unable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SchematronCompileError(f"cannot read {path}: {exc}") from exc
    if len(data) > SCHEMATRON_MAX_BYTES:
        raise SchematronCompileError(f"{path} is over {SCHEMATRON_MAX_BYTES} bytes")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        schema = etree.fromstring(data, parser, base_url=str(path))
    except etree.XMLSyntaxError as exc:
        raise SchematronCompileError(f"{path} is not well-formed: {exc}") from exc
    if schema.tag != _q(SCH_NS, "schema"):
        raise SchematronCompileError(f"{path} is not an ISO Schematron schema")
    xslt = etree.tostring(_stylesheet(schema, phase), encoding="unicode")
    rule_ids = frozenset(
        check.get("id", "")
        for check in schema.iter(_q(SCH_NS, "assert"), _q(SCH_NS, "report"))
        if check.get("id")
    )
    from saxonche import PySaxonApiError

    with _Saxon._lock:
        compiler = _Saxon.processor().new_xslt30_processor()
        try:
            executable = compiler.compile_stylesheet(stylesheet_text=xslt)
        except PySaxonApiError as exc:
            raise SchematronCompileError(f"{path}: Saxon refused the compiled rules: {exc}") from exc
    if executable is None:
        raise SchematronCompileError(f"{path}: Saxon returned no executable")
    return CompiledSchematron(source=str(path), xslt=xslt, rule_ids=rule_ids, _executable=executable)
