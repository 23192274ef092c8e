"""The Schematron compiler's ISO semantics, on small schemas written for the purpose."""

from __future__ import annotations

from pathlib import Path

import pytest

from ramp.invoices.schematron import (
    SchematronCompileError,
    SchematronRuntimeError,
    compile_schematron,
)

HEAD = '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2"><ns prefix="o" uri="urn:o"/>'
DOC = '<order xmlns="urn:o"><line n="1">5</line><line n="2">abc</line><note>x</note></order>'


def _compile(tmp_path: Path, body: str, phase: str | None = None, head: str = HEAD):
    path = tmp_path / "s.sch"
    path.write_text(head + body + "</schema>", encoding="utf-8")
    return compile_schematron(path, phase=phase)


def test_first_matching_rule_of_a_pattern_wins(tmp_path: Path) -> None:
    schema = _compile(tmp_path, """
      <pattern id="p">
        <rule context="o:line[@n='1']"><assert id="first" test="false()">first</assert></rule>
        <rule context="o:line"><assert id="second" test="false()">second</assert></rule>
      </pattern>
      <pattern id="q">
        <rule context="o:line"><assert id="other-pattern" test="false()">q</assert></rule>
      </pattern>""")
    findings = schema.run(DOC)
    assert [(f.rule_id, f.location) for f in findings] == [
        ("first", "/o:order[1]/o:line[1]"),
        ("second", "/o:order[1]/o:line[2]"),
        ("other-pattern", "/o:order[1]/o:line[1]"),
        ("other-pattern", "/o:order[1]/o:line[2]"),
    ]


def test_reports_lets_messages_and_xpath2(tmp_path: Path) -> None:
    schema = _compile(tmp_path, """
      <let name="total" value="sum(//o:line[. castable as xs:integer])"/>
      <pattern>
        <rule context="o:order">
          <let name="lines" value="count(o:line)"/>
          <report id="count" flag="warning" test="$lines = 2">has <value-of select="$lines"/> lines in <name/>, total {<value-of select="$total"/>}</report>
          <assert id="regex" test="matches(o:note, '^[a-z]{2}$')">note <emph>too</emph> short</assert>
        </rule>
      </pattern>""")
    findings = schema.run(DOC)
    assert [(f.kind, f.rule_id, f.flag) for f in findings] == [
        ("successful-report", "count", "warning"), ("failed-assert", "regex", ""),
    ]
    assert findings[0].message == "has 2 lines in order, total {5}"
    assert findings[1].message == "note too short" and findings[1].test == "matches(o:note, '^[a-z]{2}$')"


def test_xsl_functions_are_copied_and_callable(tmp_path: Path) -> None:
    head = HEAD.replace("<ns ", '<ns prefix="u" uri="utils"/><ns prefix="xs" uri="http://www.w3.org/2001/XMLSchema"/><ns ')
    schema = _compile(tmp_path, """
      <xsl:function xmlns:xsl="http://www.w3.org/1999/XSL/Transform" name="u:even" as="xs:boolean">
        <xsl:param name="v"/><xsl:sequence select="xs:integer($v) mod 2 = 0"/>
      </xsl:function>
      <pattern><rule context="o:line[1]"><assert id="even" test="u:even(.)">odd</assert></rule></pattern>""",
        head=head)
    assert [f.rule_id for f in schema.run(DOC)] == ["even"]


def test_phases_select_patterns(tmp_path: Path) -> None:
    body = """
      <phase id="only-b"><active pattern="b"/></phase>
      <pattern id="a"><rule context="o:order"><assert id="a1" test="false()">a</assert></rule></pattern>
      <pattern id="b"><rule context="o:order"><assert id="b1" test="false()">b</assert></rule></pattern>"""
    assert [f.rule_id for f in _compile(tmp_path, body).run(DOC)] == ["a1", "b1"]
    assert [f.rule_id for f in _compile(tmp_path, body, phase="only-b").run(DOC)] == ["b1"]
    with pytest.raises(SchematronCompileError):
        _compile(tmp_path, body, phase="nope")


def test_a_dynamic_error_in_a_rule_is_reported(tmp_path: Path) -> None:
    schema = _compile(tmp_path, """
      <pattern><rule context="o:line"><assert id="num" test="xs:decimal(.) ge 0">n</assert></rule></pattern>""")
    with pytest.raises(SchematronRuntimeError):
        schema.run(DOC)


@pytest.mark.parametrize(
    "body",
    [
        '<include href="other.sch"/>',
        '<pattern abstract="true" id="x"/>',
        '<pattern><rule abstract="true" id="r"><assert test="1">x</assert></rule></pattern>',
        '<pattern><rule context="o:order"><extends rule="r"/></rule></pattern>',
        '<pattern><rule context="o:order"><assert test="1" diagnostics="d">x</assert></rule></pattern>',
        '<pattern><rule context="o:order"><assert test="o:line[">x</assert></rule></pattern>',
        '<pattern><rule context="o:order["><assert test="1">x</assert></rule></pattern>',
        '<xsl:template xmlns:xsl="http://www.w3.org/1999/XSL/Transform" match="/"/>',
    ],
    ids=["include", "abstract-pattern", "abstract-rule", "extends", "diagnostics", "bad-test", "bad-context",
         "foreign-template"],
)
def test_unsupported_or_broken_schemas_are_refused(tmp_path: Path, body: str) -> None:
    with pytest.raises(SchematronCompileError):
        _compile(tmp_path, body)


def test_query_binding_must_be_xslt2_or_3(tmp_path: Path) -> None:
    with pytest.raises(SchematronCompileError):
        _compile(tmp_path, "", head=HEAD.replace("xslt2", "xslt"))


def test_pint_schemas_compile_with_every_rule(tmp_path: Path, validator) -> None:
    ids = [s.rule_ids for s in validator.schematrons]
    assert [len(i) for i in ids] == [170, 43]
    for schematron in validator.schematrons:
        assert schematron.xslt.count("<svrl:failed-assert") == len(schematron.rule_ids)
