"""Identities: organisations, roles, key rotation and revocation as records, and the registry
that folds them (committed, and live for planners)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ramp.budget import model as budget_model
from ramp.journal import Journal
from ramp.policy import identities as identity_records
from tests.approvals.helpers import raw


def key() -> bytes:
    return raw(Ed25519PrivateKey.generate())


@pytest.fixture
def journal(store):
    registry = identity_records.IdentityRegistry()
    j = Journal(store, projections=[registry])
    j.registry = registry  # type: ignore[attr-defined]
    yield j
    j.close()


@pytest.mark.parametrize("organisation", ["mof", "mofa", "gsdf", "msdf", "asdf", "joint-staff", "atla", "boa",
                                          "public", "mod-feb", "contractor-kanto-aero"])  # fmt: skip
def test_the_organisations_of_the_division_of_powers(organisation):
    assert identity_records.identity_added("a", organisation, ["auditor"], key()).body["organisation"] == organisation


def test_every_vendor_id_the_budget_takes_can_have_its_contractors():
    longest = "hokuriku-engineering-" + "0" * (40 - len("hokuriku-engineering-"))
    assert budget_model.PARTY_RE.fullmatch(longest) and len(longest) == 40  # the longest vendor id
    for vendor in ("hokuriku-engineering-04", longest):  # the demo's vendors are named like the first
        added = identity_records.identity_added("vendor.x", f"contractor-{vendor}", ["contractor"], key())
        assert added.body["organisation"] == f"contractor-{vendor}"


@pytest.mark.parametrize(("args", "code"), [
    (("Bad", "mof", ["auditor"]), "identity_invalid"),
    (("a", "treasury-of-atlantis", ["auditor"]), "organisation_invalid"),
    (("a", "contractor-", ["auditor"]), "organisation_invalid"),
    (("a", "contractor-" + "v" * 54, ["contractor"]), "organisation_invalid"),  # 65 characters
    (("a", "mof", []), "roles_invalid"),
    (("a", "mof", ["emperor"]), "roles_invalid"),
])  # fmt: skip
def test_bad_identities_never_reach_the_log(args, code):
    with pytest.raises(identity_records.IdentityError) as info:
        identity_records.identity_added(*args, key())
    assert info.value.code == code
    with pytest.raises(identity_records.IdentityError) as info:
        identity_records.identity_added("a", "mof", ["auditor"], b"short")
    assert info.value.code == "key_invalid"


def test_rotation_revocation_and_roles_fold_in_order(journal):
    k1, k2, k3 = key(), key(), key()
    journal.submit([identity_records.identity_added("sato", "mof", ["mof_examiner"], k1)])
    reg = journal.registry
    sato = reg.get("sato")
    assert reg.public_key("sato") == k1 and sato.changes == 0
    journal.submit([identity_records.key_rotated(sato, k2, "sato")])
    assert reg.public_key("sato") == k2
    sato = reg.get("sato")
    with pytest.raises(identity_records.IdentityError) as info:
        identity_records.key_rotated(sato, k2, "sato")
    assert info.value.code == "key_reused"
    journal.submit([identity_records.key_revoked(sato, "phone stolen", "sec.kimura")])
    sato = reg.get("sato")
    assert reg.public_key("sato") is None and k2 in sato.revoked_keys
    with pytest.raises(identity_records.IdentityError) as info:
        identity_records.key_revoked(sato, "again", "x")
    assert info.value.code == "key_already_revoked"
    with pytest.raises(identity_records.IdentityError):
        identity_records.key_rotated(sato, k2, "x")  # a revoked key never comes back
    rotate, stale = identity_records.key_rotated(sato, k3, "request:r1"), identity_records.roles_changed(sato, ["auditor"], "request:r2")
    assert rotate.id == stale.id == "identity:sato:e3"  # both built from the same state
    results = journal.submit([rotate, stale])
    assert [r.result for r in results] == ["ok", "exists_with_different_type"]  # the stale one is refused
    sato = reg.get("sato")
    assert (sato.public_key, sato.roles, sato.changes) == (k3, frozenset({"mof_examiner"}), 3)


def test_the_registry_replays_from_the_store(store_backend, store_url):
    k1, k2 = key(), key()
    store = store_backend.open(store_url)
    reg = identity_records.IdentityRegistry()
    j = Journal(store, projections=[reg])
    j.submit([identity_records.identity_added("ito", "mofa", ["auditor"], k1)])
    j.submit([identity_records.key_revoked(reg.get("ito"), "", "ito")])
    j.submit([identity_records.key_rotated(reg.get("ito"), k2, "request:r")])
    j.submit([identity_records.roles_changed(reg.get("ito"), ["auditor", "ledger_reader"], "request:r2")])
    j.close()
    reg2 = identity_records.IdentityRegistry()
    j2 = Journal(store_backend.open(store_url), projections=[reg2])
    ito = reg2.get("ito")
    assert (ito.public_key, ito.revoked_keys, ito.roles, ito.changes) == (
        k2, frozenset({k1}), frozenset({"auditor", "ledger_reader"}), 3)
    j2.close()


def test_the_live_view_sees_changes_not_yet_durable(journal):
    k1 = key()
    reg = journal.registry
    journal.submit([identity_records.identity_added("ono", "atla", ["inspector"], k1)])
    # The engine holds what the projection has not folded yet (as between plan and commit).
    outcome = journal.engine.execute([identity_records.key_revoked(reg.get("ono"), "", "ono"),
                                      identity_records.identity_added("new", "gsdf", ["auditor"], key())], 1)  # fmt: skip
    assert [r.result for r in outcome.results] == ["ok", "ok"]
    assert reg.get("ono").public_key == k1 and reg.get("new") is None
    assert reg.live(journal.engine, "ono").public_key is None
    assert reg.live(journal.engine, "new").organisation == "gsdf"
    assert reg.live(journal.engine, "nobody") is None
