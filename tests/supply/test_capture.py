"""EPCIS 2.0 capture: the standard's four example documents capture; documents broken against
the schema are refused with every error's paths and nothing is written; the schema and context
shipped with the package are the vectors, byte for byte."""

from __future__ import annotations

import copy
from importlib import resources

import pytest

from ramp.supply import capture as epcis_capture
from ramp.supply.index import SupplyIndex
from tests.supply.helpers import EXAMPLES, VECTORS, chain, document, example


@pytest.fixture
def world(tmp_path):
    with chain(tmp_path) as c:
        yield c


@pytest.mark.parametrize("name", [epcis_capture.SCHEMA_FILE, epcis_capture.CONTEXT_FILE])
def test_the_packaged_schema_and_context_are_the_vectors(name):
    packaged = resources.files("ramp.supply").joinpath("epcis_schema", name).read_bytes()
    assert packaged == (VECTORS / name).read_bytes()


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_examples_are_valid(name):
    assert epcis_capture.schema_errors(example(name)) == []


def test_the_four_examples_capture_each_event_a_linked_restricted_record(world):
    size = world.journal.size
    total = 0
    for name in EXAMPLES:
        doc = example(name)
        r = world.capture("maker.kanto", doc)
        assert r.status_code == 201, r.text
        n = len(doc["epcisBody"]["eventList"])
        total += n
        assert [x["result"] for x in r.json()["results"]] == ["ok"] * n
        again = world.capture("maker.kanto", doc)  # a retry writes nothing
        assert again.status_code == 200 and {x["result"] for x in again.json()["results"]} == {"exists"}
    index = world.journal.projection(SupplyIndex)
    assert len(index.events()) == total
    assert world.journal.size >= size + total
    first = world.journal.engine.record(world.capture("maker.kanto", example(EXAMPLES[0])).json()["results"][0]["id"])
    assert first is not None and first.type == epcis_capture.EVENT_RECORD and first.body["capturer"] == "maker.kanto"


def _broken(mutate) -> dict:
    doc = copy.deepcopy(example("Example_9.6.1-ObjectEvent.jsonld"))
    mutate(doc["epcisBody"]["eventList"])
    return doc


MUTATIONS = {
    "missing eventTime": (lambda events: events[0].pop("eventTime"),
                          "/epcisBody/eventList/0", "/definitions/Event/required"),
    "bad EPC URI": (lambda events: events[1]["epcList"].__setitem__(0, "0614141.107346.2018"),
                    "/epcisBody/eventList/1/epcList/0", "/definitions/uri/format"),
    "unknown action": (lambda events: events[0].__setitem__("action", "TELEPORT"),
                       "/epcisBody/eventList/0/action", "/definitions/action/enum"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_a_document_broken_against_the_schema_is_422_with_its_paths_and_writes_nothing(world, case):
    mutate, path, schema_path = MUTATIONS[case]
    size = world.journal.size
    r = world.capture("maker.kanto", _broken(mutate))
    assert r.status_code == 422, r.text
    body = r.json()["error"]
    assert body["code"] == "epcis_schema_invalid"
    assert {"path": path, "schema_path": schema_path} in [{k: e[k] for k in ("path", "schema_path")}
                                                          for e in body["errors"]]  # fmt: skip
    assert world.journal.size == size


def test_every_error_of_a_document_is_reported(world):
    def mutate(events):
        events[0].pop("eventTime")
        events[1]["action"] = "TELEPORT"

    r = world.capture("maker.kanto", _broken(mutate))
    paths = {e["path"] for e in r.json()["error"]["errors"]}
    assert {"/epcisBody/eventList/0", "/epcisBody/eventList/1/action"} <= paths


@pytest.mark.parametrize(("context", "path"), [
    (["https://example.org/other-context.jsonld"], "/@context/0"),
    (["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
      "https://evil.example/ctx.jsonld"], "/@context/1"),
])  # fmt: skip
def test_a_remote_context_other_than_the_epcis_one_is_refused_never_fetched(world, context, path):
    doc = example(EXAMPLES[0])
    doc["@context"] = context
    r = world.capture("maker.kanto", doc)
    assert r.status_code == 422, r.text
    assert path in {e["path"] for e in r.json()["error"]["errors"]}


@pytest.mark.parametrize(("body", "status", "code"), [
    (b"{not json", 400, "invalid_json"),
    (b'{"type": "EPCISDocument", "x": NaN}', 400, "invalid_json"),
    (b"[]", 422, "epcis_schema_invalid"),
    (b'{"type": "ObjectEvent"}', 422, "epcis_schema_invalid"),
])  # fmt: skip
def test_malformed_documents_are_refused(world, body, status, code):
    r = world.clients["maker.kanto"].post("/v1/epcis/capture", content=body,
                                          headers={"content-type": "application/ld+json"})
    assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text


def test_an_empty_event_list_is_refused(world):
    r = world.capture("maker.kanto", document())
    assert r.status_code == 422 and r.json()["error"]["code"] == "epcis_events_count"


def test_only_supply_parties_capture(world):
    size = world.journal.size
    r = world.capture("fin.tanaka", example(EXAMPLES[0]))
    assert r.status_code == 403, r.text
    assert world.journal.size == size
