"""Erlang C against published figures and against the textbook formula in exact arithmetic."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from madoguchi.routing.erlang import (
    agents_needed,
    average_speed_of_answer,
    erlang_b,
    erlang_c,
    service_level,
    traffic,
)

# The classic worked example: 100 calls in 30 minutes, 180 s average handle time, answer within 20 s.
CALLS_PER_S = 100 / 1800
HANDLE_S = 180.0
TARGET_S = 20.0


def _erlang_c_exact(agents: int, load: Fraction) -> Fraction:
    """The textbook formula term by term, A^n/n! · n/(n-A) over the sum, in rationals: no rounding at all."""
    top = load**agents / math.factorial(agents) * Fraction(agents) / (agents - load)
    return top / (sum(load**k / math.factorial(k) for k in range(agents)) + top)


def test_the_worked_example_is_ten_erlangs() -> None:
    assert traffic(CALLS_PER_S, HANDLE_S) == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("agents", "waits", "within_20s", "asa_s"),
    [
        # Published for this example: 11 agents leave 68.21 % of callers waiting, 122.8 s on average.
        (11, 0.6821, 0.3896, 122.8),
        (12, 0.4494, 0.6402, 40.4),
        (13, 0.2853, 0.7956, 17.1),
        (14, 0.1741, 0.8884, 7.8),
    ],
)
def test_worked_example(agents: int, waits: float, within_20s: float, asa_s: float) -> None:
    assert erlang_c(agents, 10.0) == pytest.approx(waits, abs=5e-5)
    assert service_level(agents, 10.0, TARGET_S, HANDLE_S) == pytest.approx(within_20s, abs=5e-5)
    assert average_speed_of_answer(agents, 10.0, HANDLE_S) == pytest.approx(asa_s, abs=0.05)


def test_fourteen_agents_are_the_fewest_for_80_percent_in_20_seconds() -> None:
    assert agents_needed(10.0, HANDLE_S, TARGET_S, 0.8) == 14


def test_erlang_b_table_value() -> None:
    # Erlang B tables: 10 lines offered 5 Erlangs block 1.84 % of calls.
    assert erlang_b(10, 5.0) == pytest.approx(0.018385, abs=5e-6)


@pytest.mark.parametrize(
    ("agents", "load"), [(1, Fraction(1, 2)), (7, Fraction(13, 2)), (50, Fraction(45)), (300, Fraction(290))]
)
def test_matches_the_textbook_formula_in_exact_arithmetic(agents: int, load: Fraction) -> None:
    assert erlang_c(agents, float(load)) == pytest.approx(float(_erlang_c_exact(agents, load)), rel=1e-12)


def test_stays_a_probability_for_thousands_of_agents() -> None:
    # A^n/n! overflows a float far below this; the recurrence does not.
    waits = erlang_c(5000, 4950.0)
    assert 0.0 < waits < 1.0
    assert 0.0 < service_level(5000, 4950.0, 60.0, 300.0) < 1.0
    assert math.isfinite(average_speed_of_answer(5000, 4950.0, 300.0))


@pytest.mark.parametrize("agents", [5, 10])
def test_an_overloaded_desk_answers_nobody_in_time(agents: int) -> None:
    assert erlang_c(agents, 10.0) == 1.0
    assert service_level(agents, 10.0, 60.0, 180.0) == 0.0
    assert average_speed_of_answer(agents, 10.0, 180.0) == math.inf


def test_without_traffic_nobody_waits() -> None:
    assert erlang_c(3, 0.0) == 0.0
    assert service_level(3, 0.0, 0.0, 180.0) == 1.0
    assert average_speed_of_answer(3, 0.0, 180.0) == 0.0
    assert agents_needed(0.0, 180.0, 20.0, 0.8) == 0


@pytest.mark.parametrize(
    ("load", "handle_s", "target_s", "goal"), [(2.5, 300, 60, 0.8), (118.7, 420, 60, 0.8), (950, 360, 20, 0.9)]
)
def test_agents_needed_is_the_fewest_that_meet_the_goal(
    load: float, handle_s: float, target_s: float, goal: float
) -> None:
    agents = agents_needed(load, handle_s, target_s, goal)
    assert service_level(agents, load, target_s, handle_s) >= goal
    assert service_level(agents - 1, load, target_s, handle_s) < goal


def test_an_occupancy_cap_adds_agents_on_a_large_desk() -> None:
    uncapped = agents_needed(950.0, 360.0, 60.0, 0.8)
    capped = agents_needed(950.0, 360.0, 60.0, 0.8, max_occupancy=0.85)
    assert uncapped / 950.0 < 1 / 0.85
    assert capped == math.ceil(950.0 / 0.85)


@pytest.mark.parametrize(
    "call",
    [
        lambda: erlang_c(-1, 1.0),
        lambda: erlang_c(3, -1.0),
        lambda: erlang_c(3, math.nan),
        lambda: service_level(3, 1.0, -1.0, 180.0),
        lambda: service_level(3, 1.0, 20.0, 0.0),
        lambda: agents_needed(3.0, 180.0, 20.0, 1.0),
        lambda: agents_needed(3.0, 180.0, 20.0, 0.8, max_occupancy=0.0),
        lambda: traffic(1.0, 0.0),
    ],
)
def test_nonsense_is_refused(call: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message differs per argument
        call()  # type: ignore[operator]
