"""Secret lines on every read: a budget line declared secret at definition, and the allotment
into it, are read by auditors only. To a ledger reader (cleared for restricted detail) they do
not exist — the signed API answers the 404 of an unknown id, byte for byte apart from the id,
and no dashboard page or listing names them — while a line declared restricted stays theirs.

One copy of the demo data, served with web sign-in; the lines are made through the signed API
as a finance officer makes them (`define_node` with `classification`, then `allot`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest

from ramp.client import RampClient
from ramp.demo.approvals import key_path
from tests.web.conftest import Served, Servers, copy_demo
from tests.web.logins import sign_in

READER = "fo.tanaka"  # finance officer and ledger reader: restricted-cleared, not secret-cleared
AUDITOR = "boa.auditor.watanabe"
FY = 2026  # the open year of the demo (FY2025 is closed)
SECRET_KEY = "zq-secret"  # a project key no demo node has, so its name is in nothing else
RESTRICTED_KEY = "zq-restricted"
ALLOT_ID = "zq-allot-secret"
ALLOT_YEN = 1_234_567


@dataclass
class World:
    served: Served
    db: str
    program: str  # an existing program
    source: str  # one of its projects, with money available
    secret: str  # the secret project's path
    restricted: str

    def api(self, who: str) -> RampClient:
        return RampClient(self.served.url, key_file=key_path(self.db, who))

    sessions: dict[str, httpx.Client]  # one signed-in browser per person (a code is good once)

    def web(self, who: str) -> httpx.Client:
        if who not in self.sessions:
            client = self.sessions[who] = httpx.Client(base_url=self.served.url, timeout=30)
            sign_in(client, who, self.served.people[who])
        return self.sessions[who]


def _account(path: str) -> str:
    return f"fy{FY}:{path}"


def _project_with_money(tree: dict) -> str:
    """A project with money free to move (the demo allots everything down to projects)."""
    stack = list(tree["items"])
    while stack:
        n = stack.pop()
        if n["kind"] == "project" and n["figures"]["available"] > ALLOT_YEN:
            return n["path"]
        stack.extend(n["children"])
    raise AssertionError("the demo has no project with money available")


def _operation(client: RampClient, op: dict) -> httpx.Response:
    return client.post("/v1/budget/operations", json={"operation": op})


@pytest.fixture(scope="module")
def world(demo_db, tmp_path_factory) -> Iterator[World]:
    servers = Servers(demo_db)
    db = copy_demo(demo_db, tmp_path_factory.mktemp("secret-lines"))
    served = servers.start(db=db, sign_in=True)
    with RampClient(served.url, key_file=key_path(db, AUDITOR)) as auditor:
        tree = auditor.get(f"/v1/budget/{FY}/tree")
    assert tree.status_code == 200, tree.text
    source = _project_with_money(tree.json())
    program = source.rsplit(":", 1)[0]
    w = World(
        served, db, program, source, f"{program}:{SECRET_KEY}", f"{program}:{RESTRICTED_KEY}", {}
    )
    with w.api(READER) as officer:
        for path, level in ((w.secret, "secret"), (w.restricted, "restricted")):
            r = _operation(officer, {"op": "define_node", "fiscal_year": FY, "path": path, "name": f"Line {path}",
                                     "classification": level})  # fmt: skip
            assert r.status_code == 200, r.text
        # A re-allotment inside one sub-item: no approval needed.
        r = _operation(officer, {"op": "transfer", "id": ALLOT_ID, "fiscal_year": FY, "source": source,
                                 "target": w.secret, "amount_yen": ALLOT_YEN})  # fmt: skip
        assert r.status_code == 200, r.text
    yield w
    for client in w.sessions.values():
        client.close()
    servers.close()


# --- the signed API -------------------------------------------------------------------------
def _same_as_unknown(client: RampClient, path: str, unknown: str, secret_id: str) -> httpx.Response:
    """The answer for the secret id, checked equal to the unknown id's but for the id itself."""
    got = client.get(path.format(quote(secret_id, safe="")))
    none = client.get(path.format(quote(unknown, safe="")))
    assert got.status_code == none.status_code == 404, (got.text, none.text)
    assert got.headers["content-type"] == none.headers["content-type"]
    assert got.content.replace(secret_id.encode(), unknown.encode()) == none.content
    return got


@pytest.mark.parametrize(("path", "unknown", "secret"), [
    ("/v1/accounts/{}", f"fy{FY}:zz:zz:zz:zz:nothing", "secret_account"),
    ("/v1/accounts/{}/transfers", f"fy{FY}:zz:zz:zz:zz:nothing", "secret_account"),
    ("/v1/transfers/{}", "zq-allot-nothing", "allot"),
])  # fmt: skip
def test_an_uncleared_reader_gets_the_404_of_an_unknown_id(world, path, unknown, secret):
    secret_id = _account(world.secret) if secret == "secret_account" else ALLOT_ID
    with world.api(READER) as reader:
        got = _same_as_unknown(reader, path, unknown, secret_id)
    assert got.json()["error"]["code"] in ("account_not_found", "transfer_not_found")
    with world.api(AUDITOR) as auditor:
        seen = auditor.get(path.format(quote(secret_id, safe="")))
    assert seen.status_code == 200, seen.text


def test_the_auditor_reads_the_secret_line_and_the_reader_a_restricted_one(world):
    with world.api(AUDITOR) as auditor:
        account = auditor.get(f"/v1/accounts/{_account(world.secret)}").json()
        moves = auditor.get(f"/v1/accounts/{_account(world.secret)}/transfers").json()
        transfer = auditor.get(f"/v1/transfers/{ALLOT_ID}").json()
    assert (
        account["metadata"]["classification"] == "secret" and account["credits_posted"] == ALLOT_YEN
    )
    assert [t["id"] for t in moves["transfers"]] == [ALLOT_ID]
    assert transfer["amount"] == ALLOT_YEN and transfer["credit_account"] == _account(world.secret)
    with world.api(READER) as reader:
        restricted = reader.get(f"/v1/accounts/{_account(world.restricted)}")
        assert (
            restricted.status_code == 200
            and restricted.json()["metadata"]["classification"] == "restricted"
        )
        assert reader.get(f"/v1/accounts/{_account(world.restricted)}/transfers").status_code == 200


def test_a_readable_account_lists_no_secret_transfer(world):
    path = f"/v1/accounts/{_account(world.source)}/transfers"
    with world.api(READER) as reader:
        page = reader.get(path, params={"limit": 1000, "since_ns": 0}).json()
        assert (
            page["next_after_seq"] is None or page["transfers"]
        )  # never a cursor into withheld rows
        ids = [t["id"] for t in page["transfers"]]
        while page["next_after_seq"] is not None:
            page = reader.get(
                path, params={"limit": 1000, "after_seq": page["next_after_seq"]}
            ).json()
            ids += [t["id"] for t in page["transfers"]]
    with world.api(AUDITOR) as auditor:
        every = auditor.get(path, params={"limit": 1000}).json()
    assert ALLOT_ID not in ids and ALLOT_ID in [t["id"] for t in every["transfers"]]


def test_the_budget_reads_withhold_the_line(world):
    with world.api(READER) as reader:
        tree = reader.get(f"/v1/budget/{FY}/tree")
        history = reader.get(
            f"/v1/budget/{FY}/nodes/{world.source}/history", params={"limit": 1000}
        )
        node = reader.get(f"/v1/budget/{FY}/nodes/{world.secret}/history")
        unknown = reader.get(f"/v1/budget/{FY}/nodes/{world.program}:zq-nothing/history")
    assert tree.status_code == history.status_code == 200
    assert (
        SECRET_KEY not in tree.text and ALLOT_ID not in history.text and RESTRICTED_KEY in tree.text
    )
    assert node.status_code == unknown.status_code == 404
    assert node.content.replace(SECRET_KEY.encode(), b"zq-nothing") == unknown.content
    program = _find(tree.json()["items"], world.program)
    assert program["withheld"]["appropriated"] == ALLOT_YEN  # the parent says how much it withholds
    with world.api(AUDITOR) as auditor:
        seen = auditor.get(f"/v1/budget/{FY}/tree")
    assert SECRET_KEY in seen.text and "withheld" not in _find(seen.json()["items"], world.program)


def _find(nodes: list[dict], path: str) -> dict:
    for n in nodes:
        if n["path"] == path:
            return n
        if path.startswith(n["path"] + ":"):
            return _find(n["children"], path)
    raise AssertionError(f"no node {path}")


@pytest.mark.parametrize("bad", ["top-secret", "public", "SECRET", "", 1])
def test_a_bad_classification_is_refused_and_writes_nothing(world, bad):
    path = f"{world.program}:zq-bad"
    with world.api(READER) as officer:
        r = _operation(
            officer, {"op": "define_node", "fiscal_year": FY, "path": path, "classification": bad}
        )
    assert r.status_code == 400, r.text
    assert (
        r.json()["error"]["code"] == "invalid_request"
        and "classification" in r.json()["error"]["message"]
    )
    with world.api(AUDITOR) as auditor:
        assert auditor.get(f"/v1/accounts/{_account(path)}").status_code == 404


def test_a_line_below_a_secret_one_is_secret(world):
    """A node's path names its parent: under a secret line it is secret, whatever it says."""
    grandparent = world.program.rsplit(":", 1)[0]
    assert grandparent.count(":") <= 2  # room for two levels below it
    program, project = f"{grandparent}:zq-sprog", f"{grandparent}:zq-sprog:zq-child"
    with world.api(READER) as officer:
        for path, extra in (
            (program, {"classification": "secret"}),
            (project, {"classification": "restricted"}),
        ):
            r = _operation(officer, {"op": "define_node", "fiscal_year": FY, "path": path, **extra})
            assert r.status_code == 200, r.text
        assert officer.get(f"/v1/accounts/{_account(project)}").status_code == 404
    with world.api(AUDITOR) as auditor:
        assert (
            auditor.get(f"/v1/accounts/{_account(project)}").json()["metadata"]["classification"]
            == "secret"
        )


def test_the_record_of_the_movement_is_as_secret_as_the_line(world):
    """budget.transferred names the secret line: its envelope is secret, withheld from a reader
    cleared for restricted only, opened to the auditor (the transfer and its record are linked,
    so they sit side by side in the log)."""
    with world.api(AUDITOR) as auditor:
        seq = auditor.get(f"/v1/transfers/{ALLOT_ID}").json()["seq"]
        seen = auditor.get("/v1/log/openings", params={"start": seq, "end": seq + 2}).json()["openings"]
    bodies = [json.loads(base64.b64decode(o["body"])) for o in seen]
    assert [b["id"] for b in bodies] == [ALLOT_ID, f"{ALLOT_ID}.rec"]
    assert [o["level"] for o in seen] == ["secret", "secret"] and bodies[1]["body"]["target"] == world.secret
    with world.api(READER) as reader:
        hidden = reader.get("/v1/log/openings", params={"start": seq, "end": seq + 2}).json()["openings"]
    assert [(o["level"], o.get("withheld")) for o in hidden] == [("secret", True), ("secret", True)]
    assert SECRET_KEY not in json.dumps(hidden)


def test_the_public_proof_of_a_secret_transfer_is_the_404_of_an_unknown_one(world):
    got = httpx.get(f"{world.served.url}/v1/transfers/{ALLOT_ID}/proof")
    none = httpx.get(f"{world.served.url}/v1/transfers/zq-allot-nothing/proof")
    assert got.status_code == none.status_code == 404
    assert got.content.replace(ALLOT_ID.encode(), b"zq-allot-nothing") == none.content
    with world.api(AUDITOR) as auditor:  # the auditor proves it by seq
        seq = auditor.get(f"/v1/transfers/{ALLOT_ID}").json()["seq"]
    size = int(httpx.get(f"{world.served.url}/v1/log/checkpoint").text.splitlines()[1])
    proof = httpx.get(f"{world.served.url}/v1/log/proof/inclusion", params={"index": seq, "size": size})
    assert proof.status_code == 200 and proof.json()["proof"]


# --- the dashboard --------------------------------------------------------------------------
def _pages(world: World) -> list[str]:
    return [
        "/ledger", f"/ledger/account/{quote(_account(world.source), safe='')}",
        f"/ledger/account/{quote(_account(world.source), safe='')}?format=csv",
        f"/budget?fy={FY}", f"/budget?fy={FY}&sort=available", f"/budget/node?fy={FY}&path={quote(world.program)}",
        f"/budget/node?fy={FY}&path={quote(world.source)}",
        f"/overview?fy={FY}", f"/public?fy={FY}", f"/alerts?fy={FY}",
    ]  # fmt: skip


def _feed(client: httpx.Client) -> str:
    """The feed's first batch: its transfer and account items (records name no account)."""
    with client.stream("GET", "/dashboard/events") as r:
        assert r.status_code == 200
        text = ""
        for chunk in r.iter_text():
            text += chunk
            if "event: batch" in text and text.endswith("\n\n"):
                break
    data = next(line for line in text.splitlines() if line.startswith("data: "))
    items = json.loads(data.removeprefix("data: "))["items"]
    return json.dumps([i for i in items if i["kind"] in ("transfer", "account")])


def test_no_page_or_listing_names_the_line_to_an_uncleared_reader(world):
    reader = world.web(READER)
    for page in _pages(world):
        r = reader.get(page)
        assert r.status_code in (200, 404), (page, r.status_code)
        assert SECRET_KEY not in r.text and ALLOT_ID not in r.text, page
    for search in (
        "/search?q={}&go=list",
        "/search?q={}&format=csv",
    ):  # the query is echoed: no hit
        for term in (SECRET_KEY, ALLOT_ID):
            got, none = reader.get(search.format(term)), reader.get(search.format("zq-nothing"))
            assert (
                got.status_code == none.status_code
                and _swap(got.text, term, "zq-nothing") == none.text
            )
    assert RESTRICTED_KEY in reader.get(f"/budget?fy={FY}").text
    assert RESTRICTED_KEY in reader.get(f"/search?q={RESTRICTED_KEY}&go=list").text
    feed = _feed(reader)
    assert SECRET_KEY not in feed and ALLOT_ID not in feed and RESTRICTED_KEY in feed


def _swap(text: str, a: str, b: str) -> str:
    for quoted in (lambda x: quote(x, safe=""), quote, lambda x: x):
        text = text.replace(quoted(a), quoted(b))
    return text


@pytest.mark.parametrize(("page", "secret", "unknown"), [
    ("/ledger/transfer/{}", ALLOT_ID, "zq-allot-nothing"),
    ("/ledger/account/{}", "{secret_account}", f"fy{FY}:zz:zz:zz:zz:nothing"),
    (f"/budget/node?fy={FY}&path={{}}", "{secret}", "zz:zz:zz:zz"),
    ("/ledger?q={}", ALLOT_ID, "zq-allot-nothing"),
    ("/ledger?q={}", "{secret_account}", f"fy{FY}:zz:zz:zz:zz:nothing"),
])  # fmt: skip
def test_a_secret_page_is_the_404_of_an_unknown_one(world, page, secret, unknown):
    secret = secret.format(secret_account=_account(world.secret), secret=world.secret)
    url = page.format(secret)
    reader = world.web(READER)
    got, none = reader.get(url), reader.get(page.format(unknown))
    assert got.status_code == none.status_code == 404, (got.status_code, none.status_code)
    assert _swap(got.text, secret, unknown) == none.text
    auditor = world.web(AUDITOR)
    seen = auditor.get(url)
    assert seen.status_code in (200, 303) and not seen.is_error


def test_the_auditor_sees_the_line_on_every_page(world):
    auditor = world.web(AUDITOR)
    assert SECRET_KEY in auditor.get(f"/budget?fy={FY}").text
    assert ALLOT_ID in auditor.get(f"/budget/node?fy={FY}&path={quote(world.source)}").text
    assert (
        ALLOT_ID
        in auditor.get(f"/ledger/account/{quote(_account(world.source), safe='')}?format=csv").text
    )
    assert SECRET_KEY in auditor.get(f"/search?q={SECRET_KEY}&go=list").text
    assert ALLOT_ID in auditor.get(f"/ledger/transfer/{ALLOT_ID}").text
    assert auditor.get(f"/ledger?q={ALLOT_ID}").status_code == 303
    feed = _feed(auditor)
    assert SECRET_KEY in feed and ALLOT_ID in feed
