"""Sign-in and second-factor limits (issue 15): the defects reproduced against `Sessions` with a
clock of the test's own, each now refused. A fresh TOTP at approval is limited like sign-in (600
wrong codes, then the right one, does not pass); a stranger failing five times every 15 minutes
from one source never keeps a person locked out; flooding the tables with made-up names and
sources never forgets an active lock; the tables stay bounded."""

from __future__ import annotations

import contextlib

import pytest

from ramp.auth import limits, totp
from ramp.auth.credentials import CredentialFile
from ramp.auth.limits import FailureTable, Limits, source_key
from ramp.auth.sessions import AuthRefused, Sessions
from ramp.policy.identities import Identity

PASSWORD = "correct horse battery staple"
STRANGER, OFFICE, OTHER = "198.51.100.7", "203.0.113.20", "192.0.2.99"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class People:
    def __init__(self, *ids: str) -> None:
        self._by_id = {i: Identity(i, "mof", frozenset({"mof_examiner"}), None, 0) for i in ids}

    def get(self, identity_id: str) -> Identity | None:
        return self._by_id.get(identity_id)


@pytest.fixture(scope="module")
def enrolled(tmp_path_factory) -> tuple[str, bytes]:
    path = str(tmp_path_factory.mktemp("limits") / "credentials.json")
    secret = CredentialFile(path).enrol("mof.sato", PASSWORD)
    return path, secret


@pytest.fixture
def world(enrolled):
    path, secret = enrolled
    clock = Clock()
    sessions = Sessions(CredentialFile(path), People("mof.sato", "mof.ito"), clock)  # type: ignore[arg-type]
    return sessions, clock, secret


def code_now(secret: bytes, clock: Clock, steps_ahead: int = 0) -> str:
    return totp.totp(secret, int(clock.now) + 30 * steps_ahead)


def refused(fn, *args) -> AuthRefused:
    with pytest.raises(AuthRefused) as info:
        fn(*args)
    return info.value


def test_600_wrong_fresh_codes_then_the_right_one_does_not_pass(world):
    sessions, clock, secret = world
    session = sessions.login("mof.sato", PASSWORD, code_now(secret, clock), OFFICE)
    right = code_now(secret, clock, 1)
    codes = [f"{n:06d}" for n in range(600) if f"{n:06d}" != right]
    answers = [refused(sessions.fresh_second_factor, session, c, OFFICE).code for c in codes]
    assert answers[: limits.SOURCE_FAILURES_MAX] == ["second_factor_invalid"] * limits.SOURCE_FAILURES_MAX
    assert set(answers[limits.SOURCE_FAILURES_MAX :]) == {"locked_out"}  # refused before the code is read
    after = refused(sessions.fresh_second_factor, session, right, OFFICE)
    assert (after.code, after.kind.value) == ("locked_out", "limited") and after.retry_after_s > 0
    assert sessions.metrics.fresh_code_failed == limits.SOURCE_FAILURES_MAX
    clock.now += limits.LOCK_S + 1  # waited out: the right code passes
    sessions.fresh_second_factor(session, code_now(secret, clock), OFFICE)


def test_wrong_fresh_codes_from_many_sources_lock_the_session(world):
    sessions, clock, secret = world
    session = sessions.login("mof.sato", PASSWORD, code_now(secret, clock), OFFICE)
    for n in range(limits.IDENTITY_FAILURES_MAX):
        assert refused(sessions.fresh_second_factor, session, "000000", f"10.0.0.{n}").code == "second_factor_invalid"
    right = code_now(secret, clock, 1)
    assert refused(sessions.fresh_second_factor, session, right, "10.0.1.1").code == "locked_out"


def test_strangers_locking_a_persons_sign_in_never_stop_the_persons_session(world):
    """Two addresses failing sign-in for a person lock the person's sign-in; the session the
    person already has still approves with a fresh code (the review's lock-out: a quorum stalled
    by five guesses every quarter of an hour)."""
    sessions, clock, secret = world
    session = sessions.login("mof.sato", PASSWORD, code_now(secret, clock), OFFICE)
    for source in (STRANGER, STRANGER, STRANGER, OTHER, OTHER):
        with contextlib.suppress(AuthRefused):
            sessions.login("mof.sato", "a guess at it", "000000", source)
    right = code_now(secret, clock, 1)
    assert refused(sessions.login, "mof.sato", PASSWORD, right, "10.0.2.2").code == "locked_out"
    sessions.fresh_second_factor(session, right, OFFICE)  # not locked out: the session's own limit


def test_a_stranger_failing_five_times_every_15_minutes_never_locks_the_person_out(world):
    sessions, clock, secret = world
    for _quarter in range(8):  # two hours of it
        for _ in range(5):
            with contextlib.suppress(AuthRefused):
                sessions.login("mof.sato", "a guess at it", "000000", STRANGER)
        clock.now += 60
        session = sessions.login("mof.sato", PASSWORD, code_now(secret, clock), OFFICE)  # never locked_out
        sessions.logout(session)
        clock.now += 14 * 60 + 31
    assert sessions.metrics.identities_locked == 0
    assert sessions.metrics.refused_limited == 8  # the stranger's fifth attempt, each time, read nothing


def test_a_stranger_alone_never_locks_even_without_the_persons_successes(world):
    sessions, clock, secret = world
    for _ in range(40):
        with contextlib.suppress(AuthRefused):
            sessions.login("mof.sato", "a guess at it", "000000", STRANGER)
        clock.now += 15 * 60 / 5  # five a quarter of an hour
    sessions.login("mof.sato", PASSWORD, code_now(secret, clock), OFFICE)


def test_failures_from_two_sources_lock_the_identity_and_say_nothing_else(world):
    sessions, clock, secret = world
    got = [refused(sessions.login, "mof.sato", "wrong", "000000", source)
           for source in (STRANGER, STRANGER, STRANGER, OTHER, OTHER)]  # fmt: skip
    assert [e.code for e in got] == ["login_failed"] * 5 and all(e.known for e in got)
    assert [e.locked for e in got] == [False] * 4 + [True]
    r = refused(sessions.login, "mof.sato", PASSWORD, code_now(secret, clock), OFFICE)
    assert (r.code, r.known) == ("locked_out", False)  # refused unread: no record for it
    assert 0 < r.retry_after_s <= limits.LOCK_S + 1


def test_unknown_names_count_against_their_source_only(world):
    sessions, clock, secret = world
    got = [refused(sessions.login, f"made.up.{n}", PASSWORD, "123456", STRANGER) for n in range(6)]
    assert [e.code for e in got] == ["login_failed"] * 4 + ["locked_out"] * 2
    assert not any(e.known for e in got)
    assert sessions.metrics.failed_unknown == 4 and sessions.metrics.refused_limited == 2
    sessions.login("mof.sato", PASSWORD, code_now(secret, clock), OFFICE)  # the person is not affected
    assert sessions.metrics_out()["sources_limited"] == 1


def test_flooding_the_tables_never_forgets_an_active_lock():
    table = Limits()
    now = 1_000.0
    for source in ("a", "b", "a", "b", "b", "a", "a", "b"):
        table.failed(source, "mof.sato", now)
    assert table.locked_for_s("elsewhere", "mof.sato", now) > 0 and table.locked_for_s("a", None, now) > 0
    for n in range(2 * limits.COUNTS_MAX):  # made-up names from ever new sources
        table.failed(f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", None, now + 1)
    assert table.locked_for_s("elsewhere", "mof.sato", now + 2) > 0  # the lock outlived the flood
    assert table.locked_for_s("a", None, now + 2) > 0 and table.locked_for_s("b", None, now + 2) > 0
    assert table.sources.sizes()[0] <= limits.COUNTS_MAX  # bounded
    assert table.locked_for_s("elsewhere", "mof.sato", now + limits.LOCK_S + 1) == 0  # and it ends


def test_a_full_lock_table_makes_no_new_lock_and_keeps_the_old_ones():
    table = FailureTable(failures_max=1, counts_max=3, locks_max=2)
    assert table.fail("x", 0) and table.fail("y", 0)
    assert not table.fail("z", 1) and table.saturated == 1  # counted, not forgotten: x and y stay
    assert table.locked_for_s("x", 2) > 0 and table.locked_for_s("y", 2) > 0 and table.locked_for_s("z", 2) == 0
    assert table.fail("z", limits.LOCK_S + 1)  # x and y expired: room again


def test_counts_are_dropped_oldest_first_and_a_window_ends():
    table = FailureTable(failures_max=3, counts_max=2)
    table.fail("a", 0)
    table.fail("b", 0)
    table.fail("c", 0)  # a goes
    assert table.sizes() == (2, 0)
    table.fail("b", 1)
    assert table.fail("b", 2) and table.locked_for_s("b", 3) > 0
    table.fail("c", 0)
    assert not table.fail("c", limits.WINDOW_S + 1)  # a new window: one failure so far


def test_an_ipv6_subscriber_counts_as_one_source():
    assert source_key("2001:db8:1:2:aaaa::1") == source_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert source_key("2001:db8:1:3::1") != source_key("2001:db8:1:2::1")
    assert source_key("::ffff:192.0.2.1") == "192.0.2.1" and source_key("192.0.2.1") == "192.0.2.1"
    assert source_key("testclient") == "testclient"
