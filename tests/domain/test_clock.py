"""The one clock: tests set it, rules read it, and the wall clock of the machine does not matter."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from madoguchi.domain.clock import Clock, utcnow
from madoguchi.routing.desks import is_public_holiday
from madoguchi.settings import Settings
from tests.conftest import REFERENCE_TIME

TOKYO = ZoneInfo("Asia/Tokyo")


def test_every_test_starts_on_a_weekday_afternoon_in_tokyo_whatever_the_wall_clock(clock: Clock) -> None:
    now = utcnow().astimezone(TOKYO)
    assert now - REFERENCE_TIME < timedelta(minutes=5)
    assert now.weekday() < 5
    assert 13 <= now.hour <= 15
    assert not is_public_holiday(now.date())


def test_a_set_clock_runs_on_and_a_frozen_one_stands_still() -> None:
    clock = Clock()
    start = datetime(2027, 1, 1, 3, 0, tzinfo=UTC)
    clock.set(start, frozen=True)
    assert clock.now() == start
    clock.advance(timedelta(hours=2))
    assert clock.now() == start + timedelta(hours=2)
    clock.set(start)
    assert start <= clock.now() < start + timedelta(seconds=5)
    clock.follow_system()
    assert not clock.is_set


def test_the_clock_refuses_a_naive_time_and_the_system_clock_cannot_be_moved() -> None:
    clock = Clock()
    with pytest.raises(ValueError, match="aware"):
        clock.set(datetime(2027, 1, 1, 3, 0))  # noqa: DTZ001 - the naive time is the point
    with pytest.raises(RuntimeError, match="set it first"):
        clock.advance(timedelta(seconds=1))


def test_the_clock_cannot_be_started_elsewhere_in_production() -> None:
    with pytest.raises(ValidationError, match="MADOGUCHI_CLOCK_START"):
        Settings(
            environment="production",
            secret_key="x" * 40,
            demo=False,
            clock_start=datetime(2026, 12, 8, 3, 30, tzinfo=TOKYO),
        )


@pytest.mark.skipif("FAKETIME" not in os.environ, reason="only under `make test-clock`, which fakes the wall clock")
def test_under_a_faked_wall_clock_the_machine_reads_the_faked_time_and_the_rules_do_not() -> None:
    # Proves that libfaketime took effect (else the runs under faked times would prove nothing).
    faked = datetime.fromisoformat(os.environ["FAKETIME"].lstrip("@")).replace(tzinfo=TOKYO)
    wall = datetime.now(UTC)
    assert abs(wall - faked) < timedelta(hours=1)
    assert abs(utcnow() - REFERENCE_TIME) < timedelta(minutes=30)
