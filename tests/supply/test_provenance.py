"""Provenance and flags over real HTTP: each part's history (made, packed, shipped, received,
unpacked, installed, transformed) with every step's inclusion proof checked against the log; the
EPCIS query filters; a cloned serial and a receipt without a shipment flagged as `supply.flag`
records whose evidence is the events' seqs."""

from __future__ import annotations

import base64
import hashlib

import pytest

from ramp.journal import proofs
from ramp.supply import delivery
from ramp.supply.flags import CLONE, FLAG_RECORD, RECEIVED_WITHOUT_SHIPMENT, Flag
from ramp.supply.index import SupplyIndex
from ramp.tlog import merkle
from tests.supply.helpers import chain
from tests.supply.scenario import (
    MADE,
    MAKER,
    P1,
    P2,
    P3,
    P3_REWORKED,
    P4,
    PALLET,
    RECEIVED,
    SEEN_AT_THE_DEPOT,
    UNIT,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with chain(tmp_path_factory.mktemp("supply")) as c:
        for who, doc in (("maker.kanto", MADE), ("unit.hamamatsu", RECEIVED), ("depot.kisarazu", SEEN_AT_THE_DEPOT)):
            r = c.capture(who, doc)
            assert r.status_code == 201, r.text
        yield c


def provenance(world, epc: str) -> dict:
    r = world.clients["asdf.insp"].get(f"/v1/epcis/provenance/{epc}")
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(("epc", "kinds"), [
    (P1, ["made", "packed", "shipped", "received", "unpacked", "installed", "observed"]),
    (P2, ["made", "packed", "shipped", "received", "unpacked"]),
    (P3, ["made", "packed", "shipped", "received", "unpacked", "transformed"]),
    (P3_REWORKED, ["transformed"]),
    (P4, ["made", "received"]),
    (PALLET, ["packed", "shipped", "received", "unpacked"]),
])  # fmt: skip
def test_each_part_has_its_history(world, epc, kinds):
    assert [s["kind"] for s in provenance(world, epc)["steps"]] == kinds


def test_a_part_moved_inside_its_pallet_says_so(world):
    steps = provenance(world, P2)["steps"]
    assert [(s["kind"], s["via"]) for s in steps[2:4]] == [("shipped", PALLET), ("received", PALLET)]
    assert steps[3]["biz_location"] == UNIT and steps[3]["capturer"] == "unit.hamamatsu"


@pytest.mark.parametrize("epc", [P1, P2, P3, P4, PALLET])
def test_every_step_verifies_against_the_log(world, epc):
    out = provenance(world, epc)
    journal = world.journal
    root = proofs.root_at(journal, out["size"])
    for step in out["steps"]:
        p = step["proof"]
        leaf = proofs.entries(journal, step["seq"], step["seq"] + 1)[0]
        leaf_hash = base64.b64decode(p["leaf_hash"])
        assert leaf_hash == hashlib.sha256(b"\x00" + leaf).digest()
        assert (p["index"], p["size"], base64.b64decode(p["root"])) == (step["seq"], out["size"], root)
        merkle.verify_inclusion(leaf_hash, p["index"], p["size"], [base64.b64decode(h) for h in p["hashes"]], root)
        record = journal.engine.record(step["record_id"])
        assert record is not None and record.seq == step["seq"]


def _flags(world) -> list[dict]:
    out = []
    for epc in (P1, P2, P3, P4, PALLET):
        out.extend(provenance(world, epc)["flags"])
    return out


def test_the_clone_and_the_unshipped_receipt_are_flagged_records_with_their_evidence(world):
    flags = _flags(world)
    assert sorted((f["kind"], f["epc"]) for f in flags) == [(CLONE, P1), (RECEIVED_WITHOUT_SHIPMENT, P4)]
    seqs = {s["kind"]: s["seq"] for s in provenance(world, P1)["steps"]}
    clone = next(f for f in flags if f["kind"] == CLONE)
    assert clone["evidence"] == [seqs["installed"], seqs["observed"]]
    p4 = {s["kind"]: s["seq"] for s in provenance(world, P4)["steps"]}
    unshipped = next(f for f in flags if f["kind"] == RECEIVED_WITHOUT_SHIPMENT)
    assert unshipped["evidence"] == [p4["made"], p4["received"]]
    for f in flags:  # each flag is in the log once, as a record of its evidence
        record = world.journal.engine.record(Flag(f["kind"], f["epc"], tuple(f["evidence"]), f["message"]).record_id)
        assert record is not None and record.type == FLAG_RECORD and record.body["evidence"] == f["evidence"]


def test_capturing_again_writes_no_second_flag(world):
    size = world.journal.size
    r = world.capture("depot.kisarazu", SEEN_AT_THE_DEPOT)
    assert r.status_code == 200 and [f["kind"] for f in r.json()["flags"]] == [CLONE]
    assert world.journal.size == size


def _events(world, **params) -> list[dict]:
    r = world.clients["boa.kato"].get("/v1/epcis/events", params=params)
    assert r.status_code == 200, r.text
    return r.json()["events"]


@pytest.mark.parametrize(("params", "count"), [
    ({}, 9),
    ({"eventType": "AggregationEvent"}, 2),
    ({"eventType": "TransformationEvent,AggregationEvent"}, 3),
    ({"EQ_bizStep": "shipping"}, 1),
    ({"EQ_bizStep": "https://ref.gs1.org/cbv/BizStep-receiving"}, 2),
    ({"EQ_disposition": "in_transit"}, 1),
    ({"MATCH_epc": P1}, 5),
    ({"MATCH_epc": "urn:epc:idpat:sgtin:4912345.012345.*"}, 7),
    ({"EQ_bizLocation": UNIT}, 5),
    ({"EQ_readPoint": UNIT, "EQ_bizStep": "receiving"}, 2),
    ({"GE_eventTime": "2025-06-03T00:00:00+09:00", "LT_eventTime": "2025-06-04T00:00:00+09:00"}, 3),
    ({"GE_eventTime": "2025-06-04T00:30:00Z"}, 1),  # 09:30 JST: the transformation only
    ({"limit": "2"}, 2),
])  # fmt: skip
def test_the_query_interface_filters(world, params, count):
    assert len(_events(world, **params)) == count


@pytest.mark.parametrize("params", [{"EQ_color": "red"}, {"eventType": "Banana"}, {"GE_eventTime": "yesterday"},
                                    {"limit": "0"}, {"MATCH_epc": ""}])  # fmt: skip
def test_bad_query_parameters_are_400(world, params):
    r = world.clients["boa.kato"].get("/v1/epcis/events", params=params)
    assert r.status_code == 400, r.text


def test_an_unknown_epc_is_404_and_reading_needs_a_role(world):
    assert world.clients["asdf.insp"].get("/v1/epcis/provenance/urn:epc:id:sgtin:1.2.3").status_code == 404
    assert world.clients["fin.tanaka"].get(f"/v1/epcis/provenance/{P1}").status_code == 403
    assert world.clients["fin.tanaka"].get("/v1/epcis/events").status_code == 403


def test_delivery_evidence_counts_the_unflagged_items_received_at_the_unit(world):
    d = delivery.delivered(world.journal.projection(SupplyIndex), "4912345.012345", UNIT)
    assert d.items == (P2, P3)  # P1 is a clone, P4 was never shipped
    assert d.flagged == (P1, P4)
    pallet_received = provenance(world, PALLET)["steps"][2]
    assert pallet_received["kind"] == "received" and d.evidence == (pallet_received["seq"],)
    assert d.meets(2) and not d.meets(3)
    assert delivery.delivered(world.journal.projection(SupplyIndex), "4912345.012345", MAKER).items == ()
