"""Policy as data: the default policy validates and models the division of powers; bad
policies are refused with every reason; `ramp policy validate` says so with its exit code."""

from __future__ import annotations

import msgspec
import pytest

from ramp.cli import main
from ramp.policy.engine import (
    KINDS,
    Policy,
    PolicyInvalid,
    Resource,
    default_policy,
    parse_rules,
    validate,
)
from ramp.policy.identities import Identity


def who(id_: str, org: str, *roles: str) -> Identity:
    return Identity(id_, org, frozenset(roles), b"\0" * 32, 0)


FIN = who("fin", "mod-feb", "finance_officer")
FIN2 = who("fin2", "mod-feb", "finance_officer")
MOF = who("mof", "mof", "mof_examiner")
FAKE_MOF = who("fake", "mod-feb", "mof_examiner")  # the role without the organisation
CABINET = who("cab", "cabinet", "cabinet_officer")
VENDOR = who("v", "contractor-kanto", "finance_officer")  # a role an outsider should never hold
PUBLIC = who("p", "public", "admin")


def req(kind: str, requester: Identity = FIN, amount: int = 5_000_000_000) -> Resource:
    return Resource("r1", kind, amount, ("fy2025:a", "fy2025:b"), requester)


@pytest.mark.parametrize(("principal", "action", "kind", "allowed"), [
    (FIN, "request", "ryuyo", True),
    (FIN, "request", "reserve_release", False),  # the treasury asks for the reserve
    (MOF, "request", "ryuyo", False),  # the examiner decides, never asks
    (MOF, "approve", "ryuyo", True),
    (MOF, "reject", "iyo", True),
    (FAKE_MOF, "approve", "ryuyo", False),  # the Ministry of Finance, not the role alone
    (FIN2, "approve", "ryuyo", True),  # MoD's accounts head signs off too
    (FIN, "approve", "ryuyo", False),  # never your own
    (CABINET, "approve", "reserve_release", True),
    (CABINET, "approve", "ryuyo", False),
    (VENDOR, "request", "ryuyo", False),  # contractors and the public decide nothing
    (PUBLIC, "approve", "freeze", False),
])  # fmt: skip
def test_the_default_policy_models_the_division_of_powers(principal, action, kind, allowed):
    assert default_policy().allows(principal, action, req(kind)) is allowed


def test_amount_limits_are_policy():
    policy = default_policy()
    assert policy.allows(FIN, "request", req("ryuyo", amount=10**12))
    assert not policy.allows(FIN, "request", req("ryuyo", amount=10**12 + 1))


def test_quorum_rules_and_escalation():
    policy = default_policy()
    q = policy.quorum("ryuyo", 1)
    assert (q.approvals, q.distinct_organisations, q.required_organisations) == (2, True, ("mof",))
    rules = msgspec.to_builtins(policy.rules)
    rules["kinds"]["freeze"]["escalations"] = [{"above_yen": 100, "approvals": 2}]
    escalated = Policy(policy.cedar, parse_rules(rules))
    assert escalated.quorum("freeze", 100).approvals == 1 and escalated.quorum("freeze", 101).approvals == 2
    assert escalated.digest != policy.digest


@pytest.mark.parametrize(("cedar", "fragment"), [
    ('permit (principal, action == Action::"pay", resource);', "unrecognized action"),
    ("permit (principal, action, resource) when {", "parse error"),
    ('permit (principal, action, resource) when { principal.rank > 3 };', "rank"),
])  # fmt: skip
def test_invalid_cedar_is_refused(cedar, fragment):
    errors = validate(cedar, default_policy().rules)
    assert errors and any(fragment in e for e in errors), errors
    with pytest.raises(PolicyInvalid) as info:
        Policy(cedar, default_policy().rules)
    assert info.value.code == "policy_invalid"


def test_invalid_rules_are_refused():
    rules = msgspec.to_builtins(default_policy().rules)
    del rules["kinds"]["freeze"]
    rules["kinds"]["ryuyo"]["required_organisations"] = ["mof", "narnia", "mof"]
    errors = validate(default_policy().cedar, parse_rules(rules))
    assert any("no rule for freeze" in e for e in errors)
    assert any("narnia" in e for e in errors) and any("twice" in e for e in errors)
    assert any("3 organisations required but only 2" in e for e in errors)
    rules = msgspec.to_builtins(default_policy().rules)
    rules["kinds"]["ryuyo"]["approvals"] = 0
    with pytest.raises(PolicyInvalid) as info:
        parse_rules(rules)
    assert info.value.code == "policy_rules_invalid"
    assert validate("permit (principal, action, resource);" * 500, default_policy().rules)[0].startswith("policy is")


def test_every_kind_has_a_rule():
    assert set(default_policy().rules.kinds) == set(KINDS)


def test_ramp_policy_validate(tmp_path, capsys):
    good = tmp_path / "good.cedar"
    good.write_text(default_policy().cedar)
    assert main(["policy", "validate", str(good)]) == 0
    bad = tmp_path / "bad.cedar"
    bad.write_text('permit (principal, action == Action::"pay", resource);')
    assert main(["policy", "validate", str(bad)]) == 1
    assert "unrecognized action" in capsys.readouterr().err
    rules = tmp_path / "rules.json"
    rules.write_text('{"obligation_threshold_yen": 1, "kinds": {}}')
    assert main(["policy", "validate", str(good), "--rules", str(rules)]) == 1
    assert "no rule for" in capsys.readouterr().err
    rules.write_text("{not json")
    assert main(["policy", "validate", str(good), "--rules", str(rules)]) == 1
    assert main(["policy", "validate", str(tmp_path / "missing.cedar")]) == 2
    assert main(["policy", "show"]) == 0 and "never-your-own" in capsys.readouterr().out
    assert main(["policy", "show", "--rules"]) == 0 and '"obligation_threshold_yen"' in capsys.readouterr().out
