"""Erlang C: how long customers wait for a desk with a given number of agents (M/M/n queue).

The staffing rule of thumb of every contact centre, used here for the wait shown to a customer, for the
default staffing of the routing simulation and as the yardstick its results are compared with.

Notation: `traffic` A is the offered load in Erlangs, arrivals per second times the mean handle time in
seconds (A = λ·h); `agents` n serve one conversation each; waiting customers are served in order of arrival
and never give up. The queue is stable only when n > A; with fewer agents the wait grows without bound.

Erlang B (blocking with no queue) is computed with the recurrence B(0) = 1, B(k) = A·B(k-1) / (k + A·B(k-1)),
which stays between 0 and 1 at every step; the textbook formula with A^n/n! and a sum of powers overflows
a float beyond about 170 agents. Erlang C follows from it exactly: C = n·B / (n - A·(1 - B)).
"""

from __future__ import annotations

import math


def traffic(arrivals_per_second: float, handle_s: float) -> float:
    """Offered load in Erlangs: how many agents would be busy all the time if nobody ever waited."""
    if arrivals_per_second < 0 or handle_s <= 0:
        raise ValueError("arrivals per second must be >= 0 and the handle time > 0")
    return arrivals_per_second * handle_s


def _check(agents: int, load: float) -> None:
    if agents < 0:
        raise ValueError(f"agents must be >= 0, not {agents}")
    if load < 0 or not math.isfinite(load):
        raise ValueError(f"traffic must be a finite number of Erlangs >= 0, not {load}")


def erlang_b(agents: int, load: float) -> float:
    """Probability that all `agents` are busy when nobody may wait (the Erlang B blocking probability)."""
    _check(agents, load)
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking


def erlang_c(agents: int, load: float) -> float:
    """Probability that a customer has to wait at all (all agents busy on arrival); 1.0 when n <= A."""
    _check(agents, load)
    if load == 0:
        return 0.0
    if agents <= load:
        return 1.0
    blocking = erlang_b(agents, load)
    return agents * blocking / (agents - load * (1.0 - blocking))


def service_level(agents: int, load: float, target_s: float, handle_s: float) -> float:
    """Share of customers answered within `target_s` seconds: P(wait <= t) = 1 - C·exp(-(n - A)·t / h).

    Waiting times of those who wait are exponential with rate (n - A)/h in an M/M/n queue, hence the formula.
    """
    if target_s < 0 or handle_s <= 0:
        raise ValueError("the target must be >= 0 seconds and the handle time > 0")
    waits = erlang_c(agents, load)
    if waits == 0.0:
        return 1.0
    if agents <= load:
        return 0.0
    return 1.0 - waits * math.exp(-(agents - load) * target_s / handle_s)


def average_speed_of_answer(agents: int, load: float, handle_s: float) -> float:
    """Mean wait over all customers, those answered at once included: C·h / (n - A); infinite when n <= A."""
    if handle_s <= 0:
        raise ValueError("the handle time must be > 0")
    waits = erlang_c(agents, load)
    if waits == 0.0:
        return 0.0
    if agents <= load:
        return math.inf
    return waits * handle_s / (agents - load)


def agents_needed(load: float, handle_s: float, target_s: float, goal: float, max_occupancy: float = 1.0) -> int:
    """The fewest agents that answer the share `goal` of customers within `target_s` seconds.

    `max_occupancy` (below 1) keeps agents from being busy more than that share of their time, a common
    second constraint, so a large desk is not staffed to run at 99 % busy.
    """
    _check(0, load)
    if not 0 < goal < 1:
        raise ValueError(f"the service level goal must be between 0 and 1 (exclusive), not {goal}")
    if not 0 < max_occupancy <= 1:
        raise ValueError(f"the maximum occupancy must be in (0, 1], not {max_occupancy}")
    if load == 0:
        return 0
    agents = max(1, math.floor(load) + 1, math.ceil(load / max_occupancy))
    # The service level grows with every agent added once n > A, so the first n that meets the goal is the
    # answer; Erlang B is carried forward instead of being recomputed from zero at each step.
    blocking = erlang_b(agents, load)
    while True:
        waits = agents * blocking / (agents - load * (1.0 - blocking))
        if 1.0 - waits * math.exp(-(agents - load) * target_s / handle_s) >= goal:
            return agents
        agents += 1
        blocking = load * blocking / (agents + load * blocking)
