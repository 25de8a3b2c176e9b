"""The routing simulation: the engine behaves as the queue Erlang C describes, the day follows the routing map,
and `madoguchi bench routing` keeps its contract."""

from __future__ import annotations

import heapq
import statistics
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import numpy as np
import orjson
import pytest
from click.testing import CliRunner

from madoguchi.cli import main
from madoguchi.nlu.data import taxonomy
from madoguchi.routing import erlang
from madoguchi.routing.engine import RoutingEngine
from madoguchi.routing.simulation import (
    DEFAULT_DESKS,
    DEFAULT_HANDLE_MEAN_S,
    DEFAULT_INTENT_MIX,
    DeskPlan,
    Population,
    Replay,
    SimulationConfig,
    default_staffing,
    expected_arrivals,
    simulate,
)

JAPANESE_ONLY = Population(languages={"ja": 1.0}, premium_share=0.0, shop_share=0.5)
QUEUE_DESKS = [desk.id for desk in DEFAULT_DESKS if desk.kind == "queue"]
CONTRACT_DESK_KEYS = {
    "desk",
    "agents",
    "offered",
    "service_level_60s",
    "erlang_c_service_level_60s",
    "mean_wait_s",
    "p95_wait_s",
}


def one_desk(inquiries: int, seed: int, agents: int, handle_s: float) -> SimulationConfig:
    """Complaints only (platform CS, normal priority), all day at an even rate, exponential handle times:
    the M/M/n queue of Erlang C."""
    return SimulationConfig(
        inquiries=inquiries,
        seed=seed,
        intent_mix={"complaint": 1.0},
        handle_mean_s={**DEFAULT_HANDLE_MEAN_S, "platform_cs": handle_s},
        handle_times="exponential",
        anger_share=0.0,
        repeat_share=0.0,
        staffing={"platform_cs": agents},
        arrival_weights=[1.0] * 24 * 60,
        population=JAPANESE_ONLY,
    )


def test_every_wait_is_the_one_of_a_first_come_first_served_queue_with_n_agents() -> None:
    """With one queue and agents alike, each customer's wait follows from the arrivals and handle times alone:
    they start when the earliest agent frees up. The engine must reproduce it to the last digit."""
    rng = np.random.default_rng(7)
    count, agents = 5_000, 12
    times = np.sort(rng.random(count) * 86_400).tolist()
    handles = rng.exponential(200.0, size=count).tolist()
    free_at = [0.0] * agents
    expected = []
    for arrived, handle in zip(times, handles, strict=True):
        start = max(arrived, heapq.heappop(free_at))
        expected.append(start - arrived)
        heapq.heappush(free_at, start + handle)

    engine = RoutingEngine()
    for number in range(agents):
        engine.add_agent(f"agent-{number}", ["platform_cs"], ["ja"], {"chat": 1}, now=0.0, presence="available")
    replay = Replay(engine, times, handles)
    replay.run(
        ["platform_cs"] * count,
        ["ja"] * count,
        ["normal"] * count,
        [False] * count,
        ["regular"] * count,
        [False] * count,
    )
    assert replay.waits == pytest.approx(expected, abs=1e-9)
    assert sum(wait > 60 for wait in expected) > count // 20, "the queue should be busy enough to matter"


def test_one_desk_with_poisson_arrivals_answers_as_erlang_c_predicts() -> None:
    agents, handle_s, inquiries = 20, 78.0, 20_000
    load = erlang.traffic(inquiries / 86_400, handle_s)
    predicted = erlang.service_level(agents, load, 60.0, handle_s)
    assert 0.8 < predicted < 0.9
    days = [simulate(one_desk(inquiries, seed, agents, handle_s)).desks[0] for seed in range(1, 7)]
    for desk in days:
        assert desk.erlang_c_service_level_60s == pytest.approx(predicted, abs=1e-9)
    # One day at 90 % occupancy scatters by a few points; six days average out.
    assert statistics.mean(desk.service_level_60s for desk in days) == pytest.approx(predicted, abs=0.03)
    assert statistics.mean(desk.mean_wait_s for desk in days) == pytest.approx(
        erlang.average_speed_of_answer(agents, load, handle_s), rel=0.25
    )


def test_the_same_seed_gives_the_same_day() -> None:
    def figures(seed: int) -> dict[str, Any]:
        contract = simulate(SimulationConfig(inquiries=5_000, seed=seed)).contract()
        for timing in ("decisions_per_second", "engine_seconds", "wall_seconds"):
            contract.pop(timing)
        return contract

    assert figures(11) == figures(11)
    assert figures(11) != figures(12)


def test_the_day_follows_the_routing_map() -> None:
    result = simulate(SimulationConfig(inquiries=30_000, seed=3))
    outcomes = result.outcomes
    assert sum(outcomes.values()) == 30_000  # every inquiry ends up somewhere, once
    assert outcomes["queued"] == sum(desk.offered for desk in result.desks)
    assert [desk.desk for desk in result.desks] == QUEUE_DESKS
    # Only card charges nobody recognises go to the card issuer, as a referral.
    charges = DEFAULT_INTENT_MIX["unrecognized_charge"] / sum(DEFAULT_INTENT_MIX.values())
    assert outcomes["referral:card_issuer"] == pytest.approx(30_000 * charges, rel=0.1)
    bot = sum(share for name, share in DEFAULT_INTENT_MIX.items() if taxonomy()[name].desk == "bot")
    assert outcomes["bot_contained"] == pytest.approx(30_000 * 0.7 * bot / sum(DEFAULT_INTENT_MIX.values()), rel=0.05)
    assert outcomes["shop_inbox"] > 0
    assert outcomes["after_hours:platform_cs"] == 0  # around the clock
    assert outcomes["after_hours:business"] > 0  # 9 to 6
    assert result.decisions >= 2 * outcomes["queued"]  # queued and offered, for each


def test_a_desk_closed_all_day_queues_nothing() -> None:
    result = simulate(SimulationConfig(inquiries=20_000, seed=2, weekday="sun"))
    business = next(desk for desk in result.desks if desk.desk == "business")
    assert (business.agents, business.offered) == (0, 0)
    assert result.outcomes["after_hours:business"] > 0
    assert result.contract()["desks"][QUEUE_DESKS.index("business")]["service_level_60s"] is None


def test_the_world_can_come_from_desk_rows() -> None:
    """Desks as the `desks` table holds them: a business desk that opens on Sundays takes conversations then."""
    rows = [
        SimpleNamespace(id=desk.id, kind=desk.kind, languages=list(desk.languages), hours=dict(desk.hours))
        for desk in DEFAULT_DESKS
    ]
    rows[-1].hours["sun"] = "10:00-16:00"
    desks = [DeskPlan.of(row) for row in rows]
    assert desks[:-1] == list(DEFAULT_DESKS[:-1])
    assert desks[-1].open_span("sun") == (36_000.0, 57_600.0)
    result = simulate(SimulationConfig(inquiries=20_000, seed=2, weekday="sun", desks=desks))
    business = next(desk for desk in result.desks if desk.desk == "business")
    assert business.agents > 0
    assert business.offered > 0
    with pytest.raises(ValueError, match="unknown kind"):
        DeskPlan.of(SimpleNamespace(id="x", kind="queue_", languages=["ja"], hours={}))


def test_the_simulation_needs_nothing_of_the_demo_marketplace() -> None:
    code = (
        "import sys, madoguchi.routing.simulation\n"
        "print(sorted(name for name in sys.modules if name.startswith(('madoguchi.demo', 'madoguchi.store'))))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_default_staffing_is_the_fewest_agents_for_80_percent_in_60_seconds_at_the_peak() -> None:
    weights = np.ones(24 * 60)
    expected = {"platform_cs": expected_arrivals(240_000, 0.25, weights, (0.0, 86_400.0))}
    # 60,000 a day, evenly: 2,500 an hour, 250 Erlangs at 360 s each.
    (agents,) = default_staffing(expected, {"platform_cs": 360.0}).values()
    assert erlang.service_level(agents, 250.0, 60.0, 360.0) >= 0.8
    assert erlang.service_level(agents - 1, 250.0, 60.0, 360.0) < 0.8
    result = simulate(SimulationConfig(inquiries=30_000, seed=1))
    for desk in result.desks:
        assert desk.peak_erlang_c_service_level_60s >= 0.8


def test_fifteen_minute_planning_staffs_at_least_as_many_as_hourly() -> None:
    hourly = simulate(SimulationConfig(inquiries=30_000, seed=1))
    quarterly = simulate(SimulationConfig(inquiries=30_000, seed=1, staffing_interval_min=15))
    for by_hour, by_quarter in zip(hourly.desks, quarterly.desks, strict=True):
        assert by_quarter.agents >= by_hour.agents


def test_bench_routing_prints_the_contract() -> None:
    outcome = CliRunner().invoke(main, ["bench", "routing", "--inquiries", "4000", "--seed", "5", "--json"])
    assert outcome.exit_code == 0, outcome.output
    lines = outcome.output.strip().splitlines()
    assert len(lines) == 1
    report = orjson.loads(lines[0])
    assert {"inquiries", "decisions_per_second", "desks"} <= set(report)
    assert report["inquiries"] == 4000
    assert report["decisions_per_second"] > 0
    assert [desk["desk"] for desk in report["desks"]] == QUEUE_DESKS
    for desk in report["desks"]:
        assert set(desk) >= CONTRACT_DESK_KEYS
        assert desk["agents"] > 0
        assert 0.0 <= desk["service_level_60s"] <= 1.0
        assert 0.0 <= desk["erlang_c_service_level_60s"] <= 1.0
        assert desk["mean_wait_s"] >= 0.0
        assert desk["p95_wait_s"] >= 0.0


def test_bench_routing_prints_a_table_without_json() -> None:
    outcome = CliRunner().invoke(main, ["bench", "routing", "--inquiries", "2000"])
    assert outcome.exit_code == 0, outcome.output
    assert "| desk | agents | offered | answered ≤ 60 s | Erlang C |" in outcome.output
    assert all(f"| {desk} |" in outcome.output for desk in QUEUE_DESKS)
    assert "decisions/s" in outcome.output
