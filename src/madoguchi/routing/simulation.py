"""One day of inquiries replayed through the routing engine on a simulated clock.

The world is the simulation's own (`DeskPlan`, `DEFAULT_DESKS`, `Population`, `agents_for`): desks with their
kind, languages and hours, the customers' languages and tiers, and agents with their skills. The defaults
describe a marketplace like the demo's, so that the figures can be compared with docs/benchmarks.md; desks
from the `desks` table can be passed in instead (`DeskPlan.of`).

Each inquiry gets an arrival time on the day's curve (quiet nights, a lunch peak, a larger evening peak), an
intent from the mix, a desk from the routing map (the taxonomy's default desk; the order's seller for
`order_owner`), the customer's language and membership tier, and a handle time from its desk's
distribution. What the bot contains, what goes to a shop's inbox or to an outside party (card issuer,
carrier), and what arrives while its desk is closed never reaches a queue and is only counted. The rest is
queued in the real `RoutingEngine`, offered to the desk's agents and accepted at once; an agent who finishes
releases the conversation and takes the next. Every agent handles one chat at a time here, so that the
desk behaves as the M/M/n queue of Erlang C and the two can be compared.

The measure per desk is the share answered within 60 seconds (wait from queueing to acceptance), its Erlang
C prediction for the same staffing, and the mean and 95th percentile of the wait; for the engine, the
routing decisions (queued, offered) per second of wall-clock time spent inside its calls.
"""

from __future__ import annotations

import heapq
import math
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast, get_args

import numpy as np

from madoguchi.domain.routing_map import PLATFORM_CS, DeskId
from madoguchi.nlu.data import taxonomy
from madoguchi.routing import erlang
from madoguchi.routing.engine import RoutingEngine

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from madoguchi.routing.engine import Decision

MINUTES = 24 * 60
TARGET_S = 60.0
GOAL = 0.8

# How often each need reaches the help desk (relative weights, about per cent). The demo's NLU training files
# are balanced by design and say nothing about frequency, so these follow the usual spread of a marketplace
# help desk: where is my parcel first, then cancellations, returns, refunds and payments; account security a
# few per cent.
DEFAULT_INTENT_MIX: dict[str, float] = {
    "track_order": 12.0,
    "delivery_problem": 7.0,
    "cancel_order": 5.0,
    "return_item": 5.0,
    "delivery_period": 4.0,
    "damaged_or_wrong_item": 4.0,
    "payment_issue": 4.0,
    "recover_password": 4.0,
    "contact_seller": 4.0,
    "get_refund": 3.0,
    "track_refund": 3.0,
    "contact_human_agent": 3.0,
    "membership": 3.0,
    "digital_services": 3.0,
    "change_order": 2.0,
    "change_shipping_address": 2.0,
    "check_refund_policy": 2.0,
    "check_payment_methods": 2.0,
    "get_invoice": 2.0,
    "unrecognized_charge": 2.0,
    "report_scam": 2.0,
    "verify_official_contact": 2.0,
    "contact_customer_service": 2.0,
    "complaint": 2.0,
    "check_cancellation_fee": 1.0,
    "check_invoice": 1.0,
    "unrecognized_order": 1.0,
    "account_compromised": 1.0,
    "registration_problems": 1.0,
    "create_account": 1.0,
    "edit_account": 1.0,
    "set_up_shipping_address": 1.0,
    "request_callback": 1.0,
    "business_account": 1.0,
    "place_order": 1.0,
    "delivery_options": 1.0,
    "greeting": 1.0,
    "out_of_scope": 1.0,
    "delete_account": 0.5,
    "switch_account": 0.5,
    "newsletter_subscription": 0.5,
    "review": 0.5,
    "chat_history": 0.5,
}

# Mean handle time of one chat per desk, in seconds: account security and business accounts take checks and
# look-ups; membership questions are mostly quick.
DEFAULT_HANDLE_MEAN_S: dict[str, float] = {
    "platform_cs": 360.0,
    "member_support": 540.0,
    "payments": 480.0,
    "trust_safety": 600.0,
    "membership": 300.0,
    "digital": 420.0,
    "business": 600.0,
}

# What the bot resolves on its own, for intents whose first desk is the bot; the rest go to platform CS.
BOT_CONTAINMENT = 0.7
# The triage rule (routing/triage.py): these are urgent whatever else is said.
_ALWAYS_URGENT = frozenset({"account_compromised", "report_scam"})
_PRIORITIES = ("low", "normal", "high", "urgent")


def arrival_weights() -> NDArray[np.float64]:
    """Relative arrival intensity for each minute of the day.

    A smooth daily wave with its trough at 04:30, a lunch peak around 12:25 and a larger evening peak around
    21:20, when people shop from home; the busiest hour takes about 11 % of the day.
    """
    hours = (np.arange(MINUTES) + 0.5) / 60

    def peak(centre: float, width: float) -> NDArray[np.float64]:
        distance = (hours - centre + 12) % 24 - 12
        return np.exp(-0.5 * (distance / width) ** 2)

    wave = (1 - np.cos(2 * np.pi * (hours - 4.5) / 24)) / 2
    weights: NDArray[np.float64] = 0.04 + 0.5 * wave + 0.7 * peak(12.4, 0.75) + 0.9 * peak(21.3, 1.3)
    return weights


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday"]
DeskKind = Literal["queue", "shop", "referral"]
WEEKDAYS: tuple[Weekday, ...] = get_args(Weekday)


class DeskRow(Protocol):
    """What the simulation reads of a desk: a row of the `desks` table has it."""

    @property
    def id(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def languages(self) -> Sequence[str]: ...

    @property
    def hours(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class DeskPlan:
    """A desk of the simulated day: `queue` desks queue conversations for their agents; what goes to a `shop`
    or a `referral` desk is only counted. Hours are one span per weekday (`"09:00-18:00"`; None: closed)."""

    id: str
    kind: DeskKind
    languages: tuple[str, ...]
    hours: Mapping[Weekday, str | None]

    @classmethod
    def of(cls, row: DeskRow) -> DeskPlan:
        if row.kind not in get_args(DeskKind):
            raise ValueError(f"desk {row.id}: unknown kind {row.kind!r}")
        hours: dict[Weekday, str | None] = {day: row.hours.get(day) for day in WEEKDAYS}
        return cls(row.id, cast("DeskKind", row.kind), tuple(row.languages), hours)

    def open_span(self, weekday: Weekday) -> tuple[float, float] | None:
        """Opening and closing time on the day, in seconds after midnight; None when closed all day."""
        span = self.hours.get(weekday)
        if span is None:
            return None
        start, end = (int(part[:2]) * 3600 + int(part[3:]) * 60 for part in span.split("-"))
        return float(start), float(end)


def _every_day(span: str) -> dict[Weekday, str | None]:
    return dict.fromkeys(WEEKDAYS, span)


def _weekdays(span: str, weekend: str | None = None) -> dict[Weekday, str | None]:
    return {day: span if day in ("mon", "tue", "wed", "thu", "fri") else weekend for day in WEEKDAYS}


# The routing map's desks, as a marketplace like the demo's staffs them: platform CS around the clock in four
# languages, the specialist desks in Japanese and English for the day and evening, business accounts on
# weekdays. The order is the order of the results.
DEFAULT_DESKS: tuple[DeskPlan, ...] = (
    DeskPlan("platform_cs", "queue", ("ja", "en", "zh", "ko"), _every_day("00:00-24:00")),
    DeskPlan("shop", "shop", ("ja",), _weekdays("10:00-18:00")),
    DeskPlan("member_support", "queue", ("ja", "en"), _every_day("09:00-21:00")),
    DeskPlan("payments", "queue", ("ja", "en"), _weekdays("09:00-20:00", weekend="10:00-18:00")),
    DeskPlan("card_issuer", "referral", ("ja",), _every_day("00:00-24:00")),
    DeskPlan("carrier", "referral", ("ja",), _every_day("08:00-21:00")),
    DeskPlan("trust_safety", "queue", ("ja", "en"), _every_day("08:00-22:00")),
    DeskPlan("membership", "queue", ("ja", "en", "zh", "ko"), _every_day("09:00-20:00")),
    DeskPlan("digital", "queue", ("ja", "en"), _every_day("09:00-22:00")),
    DeskPlan("business", "queue", ("ja", "en"), _weekdays("09:00-18:00")),
)


@dataclass(frozen=True)
class AgentPlan:
    """An agent of the simulated day and their skills."""

    id: str
    desks: tuple[str, ...]
    languages: tuple[str, ...]
    capacity: Mapping[str, int]


def agents_for(desks: Sequence[DeskPlan], staffing: Mapping[str, int]) -> list[AgentPlan]:
    """The agents of each queue desk: they answer that desk alone, in every language it offers, one chat at a
    time, so that a desk is the M/M/n queue of Erlang C."""
    return [
        AgentPlan(f"{desk.id}:{number}", (desk.id,), desk.languages, {"chat": 1})
        for desk in desks
        if desk.kind == "queue"
        for number in range(staffing.get(desk.id, 0))
    ]


@dataclass(frozen=True)
class Population:
    """Who the customers are: their languages and membership tiers, and the share of orders sold by a shop."""

    languages: Mapping[str, float]
    premium_share: float
    shop_share: float


# The demo marketplace's mix: 23 of its 30 customers write in Japanese, 3 in English, 2 each in Chinese and
# Korean; 8 are premium members; 125 of its 200 orders were sold by a shop.
DEFAULT_POPULATION = Population(
    languages={"ja": 23 / 30, "en": 3 / 30, "zh": 2 / 30, "ko": 2 / 30},
    premium_share=8 / 30,
    shop_share=125 / 200,
)


@dataclass(frozen=True)
class SimulationConfig:
    inquiries: int = 300_000
    seed: int = 1
    intent_mix: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_INTENT_MIX))
    handle_mean_s: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_HANDLE_MEAN_S))
    handle_times: Literal["lognormal", "exponential"] = "lognormal"
    # Coefficient of variation of lognormal handle times; 1.0 matches the exponential's spread.
    handle_cv: float = 1.0
    bot_containment: Mapping[str, float] | None = None
    # Share of customers who are angry or urgent (one priority step up, as triage does), and who write again
    # about the same need.
    anger_share: float = 0.04
    repeat_share: float = 0.12
    # Agents per desk; a desk left out gets enough for `GOAL` answered within `TARGET_S` in its busiest
    # interval of `staffing_interval_min` minutes (`default_staffing`).
    staffing: Mapping[str, int] | None = None
    staffing_interval_min: int = 60
    # 1,440 relative intensities, one per minute; None: `arrival_weights()`.
    arrival_weights: Sequence[float] | None = None
    weekday: Weekday = "mon"
    # None: `DEFAULT_DESKS` and `DEFAULT_POPULATION`.
    desks: Sequence[DeskPlan] | None = None
    population: Population | None = None


@dataclass(frozen=True)
class DeskResult:
    desk: str
    agents: int
    offered: int
    service_level_60s: float
    erlang_c_service_level_60s: float
    mean_wait_s: float
    p95_wait_s: float
    mean_handle_s: float
    after_hours: int
    peak_hour: int
    peak_offered: int
    peak_service_level_60s: float
    peak_erlang_c_service_level_60s: float
    occupancy: float


@dataclass(frozen=True)
class SimulationResult:
    inquiries: int
    seed: int
    decisions: int
    engine_seconds: float
    wall_seconds: float
    outcomes: dict[str, int]
    desks: list[DeskResult]

    @property
    def decisions_per_second(self) -> float:
        return self.decisions / self.engine_seconds if self.engine_seconds > 0 else 0.0

    def contract(self) -> dict[str, Any]:
        """The object `madoguchi bench routing --json` prints (DESIGN.md), extra figures after the contract's."""
        return {
            "inquiries": self.inquiries,
            "decisions_per_second": round(self.decisions_per_second),
            "desks": [{name: _figure(value) for name, value in asdict(desk).items()} for desk in self.desks],
            "seed": self.seed,
            "decisions": self.decisions,
            "engine_seconds": round(self.engine_seconds, 3),
            "wall_seconds": round(self.wall_seconds, 2),
            "outcomes": self.outcomes,
        }


def _figure(value: object) -> object:
    """Rounded for reading; a figure that does not exist (a desk nobody reached) is null, not NaN."""
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    return value


class _Plan:
    """Where each kind of inquiry goes, as shares, before any random draw."""

    def __init__(self, config: SimulationConfig, desks: Mapping[str, DeskPlan], population: Population) -> None:
        intents = taxonomy()
        unknown = set(config.intent_mix) - set(intents)
        if unknown:
            raise ValueError(f"intents not in the taxonomy: {sorted(unknown)}")
        self.intents = list(config.intent_mix)
        weights = np.array([config.intent_mix[name] for name in self.intents], dtype=np.float64)
        self.intent_p = weights / weights.sum()
        containment = config.bot_containment or {}
        self.containment = np.array(
            [
                containment.get(name, BOT_CONTAINMENT) if intents[name].desk == DeskId.BOT else 0.0
                for name in self.intents
            ]
        )
        self.first_desk = [intents[name].desk for name in self.intents]
        self.money = np.array([intents[name].money_or_identity for name in self.intents])
        self.queue_desks = [spec.id for spec in desks.values() if spec.kind == "queue"]
        self.shop_share = population.shop_share

    def desk_shares(self) -> dict[str, float]:
        """Expected share of all inquiries that each queue desk receives (closed hours not yet removed)."""
        shares: Counter[str] = Counter()
        for desk, p, contained in zip(self.first_desk, self.intent_p, self.containment, strict=True):
            if desk == DeskId.BOT:
                shares[PLATFORM_CS] += p * (1 - contained)
            elif desk == DeskId.ORDER_OWNER:
                shares[PLATFORM_CS] += p * (1 - self.shop_share)
            else:
                shares[desk] += p
        return {desk: shares[desk] for desk in self.queue_desks}


def expected_arrivals(
    inquiries: int, share: float, minute_weights: NDArray[np.float64], span: tuple[float, float] | None
) -> NDArray[np.float64]:
    """Expected arrivals at a desk in each minute of the day: the desk's share of the inquiries, spread over
    the day's curve, in the minutes the desk is open."""
    if span is None:
        return np.zeros(MINUTES)
    starts = np.arange(MINUTES) * 60.0
    open_weights = np.where((starts >= span[0]) & (starts < span[1]), minute_weights, 0.0)
    per_minute: NDArray[np.float64] = inquiries * share * open_weights / minute_weights.sum()
    return per_minute


def default_staffing(
    expected: Mapping[str, NDArray[np.float64]], handle_mean_s: Mapping[str, float], interval_min: int = 60
) -> dict[str, int]:
    """Agents per desk for 80 % of chats answered within 60 s in the desk's busiest interval (an hour).

    For the busiest open interval of T seconds of desk d, with E expected arrivals in it
    (`expected_arrivals`): λ = E / T arrivals per second and A = λ · h_d Erlangs, h_d being the desk's mean
    handle time. The staffing is the smallest n > A with 1 - C(n, A) · exp(-(n - A) · 60 / h_d) >= 0.8,
    C(n, A) being the Erlang C probability of waiting (`erlang.agents_needed`). The same n works the desk's
    whole day, so quieter hours do better than 80 %. Shorter intervals (15 minutes, as workforce planning
    tools use) see the top of a peak that an hour's average flattens.
    """
    if MINUTES % interval_min:
        raise ValueError(f"the staffing interval must divide the day into whole intervals, not {interval_min} min")
    staffing: dict[str, int] = {}
    for desk, per_minute in expected.items():
        busiest = per_minute.reshape(-1, interval_min).sum(axis=1).max()
        load = erlang.traffic(busiest / (interval_min * 60), handle_mean_s[desk])
        staffing[desk] = erlang.agents_needed(load, handle_mean_s[desk], TARGET_S, GOAL)
    return staffing


class Replay:
    """The event loop: arrivals in time order, agents finishing in between; every engine call timed.

    Conversation `k` arrives at `times[k]` (sorted) and keeps its agent for `handles[k]` seconds once accepted;
    `waits[k]` is then the time from queueing to acceptance.
    """

    def __init__(self, engine: RoutingEngine, times: list[float], handles: list[float]) -> None:
        self.engine = engine
        self.times = times
        self.handles = handles
        self.waits = [math.nan] * len(times)
        self.finishing: list[tuple[float, int]] = []
        self.engine_s = 0.0
        self.decisions = 0

    def run(
        self,
        desks: list[str],
        languages: list[str],
        priorities: list[str],
        money: list[bool],
        tiers: list[str],
        repeats: list[bool],
    ) -> None:
        engine, clock, finishing = self.engine, time.perf_counter, self.finishing
        for number, now in enumerate(self.times):
            while finishing and finishing[0][0] <= now:
                self._finish()
            began = clock()
            out = engine.enqueue(
                str(number),
                desks[number],
                languages[number],
                now,
                priority=priorities[number],
                money_or_identity=money[number],
                tier=tiers[number],
                repeat_contact=repeats[number],
            )
            self.engine_s += clock() - began
            self._answer(out, now)
        while finishing:
            self._finish()

    def _finish(self) -> None:
        done_at, number = heapq.heappop(self.finishing)
        began = time.perf_counter()
        out = self.engine.release(str(number), done_at)
        self.engine_s += time.perf_counter() - began
        self._answer(out, done_at)

    def _answer(self, decisions: list[Decision], now: float) -> None:
        """Agents accept every offer at once: the wait is the queueing time alone."""
        for decision in decisions:
            if decision.kind == "queued":
                self.decisions += 1
            elif decision.kind == "offered":
                self.decisions += 1
                began = time.perf_counter()
                self.engine.accept(decision.offer_id or 0, now)
                self.engine_s += time.perf_counter() - began
                number = int(decision.conversation_id or 0)
                self.waits[number] = now - self.times[number]
                heapq.heappush(self.finishing, (now + self.handles[number], number))


def _priorities(plan: _Plan, intent: NDArray[np.int64], angry: NDArray[np.bool_]) -> NDArray[np.int64]:
    """The triage rule (routing/triage.py): money or identity makes it high, two intents are always urgent, and
    anger raises it one step more."""
    base = np.array(
        [
            3 if name in _ALWAYS_URGENT else 2 if money else 1
            for name, money in zip(plan.intents, plan.money, strict=True)
        ]
    )
    levels: NDArray[np.int64] = np.minimum(base[intent] + angry, len(_PRIORITIES) - 1)
    return levels


def simulate(config: SimulationConfig | None = None) -> SimulationResult:
    """Replay one day of `config.inquiries` inquiries; deterministic for a given seed."""
    config = config or SimulationConfig()
    started = time.perf_counter()
    rng = np.random.default_rng(config.seed)
    desks = {spec.id: spec for spec in (config.desks or DEFAULT_DESKS)}
    population = config.population or DEFAULT_POPULATION
    plan = _Plan(config, desks, population)
    n = config.inquiries

    minute_weights = np.asarray(
        config.arrival_weights if config.arrival_weights is not None else arrival_weights(), dtype=np.float64
    )
    if minute_weights.shape != (MINUTES,):
        raise ValueError("arrival weights must give one intensity per minute of the day (1,440 numbers)")
    cumulative = np.cumsum(minute_weights)
    cumulative /= cumulative[-1]
    # Given that n arrive in the day, the arrival times of a Poisson process with this intensity are n
    # independent draws from it, sorted.
    minutes = np.searchsorted(cumulative, rng.random(n), side="right")
    arrivals = np.sort((minutes + rng.random(n)) * 60.0)

    intent = rng.choice(len(plan.intents), size=n, p=plan.intent_p)
    contained = rng.random(n) < plan.containment[intent]
    to_shop = rng.random(n) < plan.shop_share
    language_names = list(population.languages)
    language = rng.choice(
        len(language_names), size=n, p=np.array([population.languages[name] for name in language_names])
    )
    premium = rng.random(n) < population.premium_share
    angry = rng.random(n) < config.anger_share
    repeat = rng.random(n) < config.repeat_share
    spread = rng.standard_normal(n) if config.handle_times == "lognormal" else rng.exponential(size=n)

    open_hours = {desk: spec.open_span(config.weekday) for desk, spec in desks.items()}
    expected = {
        desk: expected_arrivals(n, share, minute_weights, open_hours[desk])
        for desk, share in plan.desk_shares().items()
    }
    staffing = default_staffing(expected, config.handle_mean_s, config.staffing_interval_min)
    staffing.update(config.staffing or {})

    # Where each inquiry ends up: a queue desk's position in `queue_desks`, or -1 when it never queues.
    outcomes: Counter[str] = Counter()
    queue_desks = plan.queue_desks
    desk_of = np.full(n, -1, dtype=np.int64)
    for index, first_desk in enumerate(plan.first_desk):
        chosen = intent == index
        desk = first_desk
        if desk == DeskId.BOT:
            outcomes["bot_contained"] += int(np.count_nonzero(chosen & contained))
            chosen &= ~contained
            desk = PLATFORM_CS
        elif desk == DeskId.ORDER_OWNER:
            outcomes["shop_inbox"] += int(np.count_nonzero(chosen & to_shop))
            chosen &= ~to_shop
            desk = PLATFORM_CS
        kind = desks[desk].kind
        if kind != "queue":
            outcomes["shop_inbox" if kind == "shop" else f"referral:{desk}"] += int(np.count_nonzero(chosen))
            continue
        span = open_hours[desk]
        is_open = (arrivals >= span[0]) & (arrivals < span[1]) if span else np.zeros(n, dtype=bool)
        outcomes[f"after_hours:{desk}"] += int(np.count_nonzero(chosen & ~is_open))
        desk_of[chosen & is_open] = queue_desks.index(desk)

    handle = np.zeros(n, dtype=np.float64)
    for position, desk in enumerate(queue_desks):
        chosen = desk_of == position
        mean = config.handle_mean_s[desk]
        if config.handle_times == "lognormal":
            sigma = math.sqrt(math.log(1 + config.handle_cv**2))
            handle[chosen] = np.exp(math.log(mean) - sigma**2 / 2 + sigma * spread[chosen])
        else:
            handle[chosen] = mean * spread[chosen]

    engine = RoutingEngine()
    for agent in agents_for(list(desks.values()), staffing):
        engine.add_agent(agent.id, agent.desks, agent.languages, agent.capacity, now=0.0, presence="available")

    queued = np.flatnonzero(desk_of >= 0)
    outcomes["queued"] = len(queued)
    desk_names = [queue_desks[position] for position in desk_of[queued]]
    # A customer whose language the desk does not offer is served in the desk's first language (Japanese).
    languages = [
        name if name in desks[desk].languages else desks[desk].languages[0]
        for name, desk in zip((language_names[i] for i in language[queued]), desk_names, strict=True)
    ]
    priority = _priorities(plan, intent, angry)
    replay = Replay(engine, arrivals[queued].tolist(), handle[queued].tolist())
    replay.run(
        desk_names,
        languages,
        [_PRIORITIES[level] for level in priority[queued]],
        plan.money[intent[queued]].tolist(),
        ["premium" if flag else "regular" for flag in premium[queued]],
        repeat[queued].tolist(),
    )
    waits = np.full(n, np.nan)
    waits[queued] = replay.waits
    results = []
    for position, desk in enumerate(queue_desks):
        mine = desk_of == position
        results.append(
            _desk_result(
                desk,
                staffing[desk],
                config.handle_mean_s[desk],
                open_hours[desk],
                expected[desk].reshape(24, 60).sum(axis=1),
                arrivals[mine],
                waits[mine],
                handle[mine],
                outcomes[f"after_hours:{desk}"],
            )
        )
    return SimulationResult(
        inquiries=n,
        seed=config.seed,
        decisions=replay.decisions,
        engine_seconds=replay.engine_s,
        wall_seconds=time.perf_counter() - started,
        outcomes=dict(sorted(outcomes.items())),
        desks=results,
    )


def _erlang_share(agents: int, hourly: NDArray[np.float64], handle_s: float) -> NDArray[np.float64]:
    """Erlang C's share answered within 60 s in each hour, from that hour's expected arrivals.

    The rate is the expected one, not the count that happened to arrive: Erlang C already accounts for the
    Poisson scatter around the rate, and the count would add it a second time.
    """
    return np.array(
        [erlang.service_level(agents, erlang.traffic(count / 3600, handle_s), TARGET_S, handle_s) for count in hourly]
    )


def _desk_result(
    desk: str,
    agents: int,
    mean_handle_s: float,
    span: tuple[float, float] | None,
    expected_per_hour: NDArray[np.float64],
    arrivals: NDArray[np.float64],
    waits: NDArray[np.float64],
    handles: NDArray[np.float64],
    after_hours: int,
) -> DeskResult:
    """The figures of one desk from the arrivals, waits and handle times of the conversations it was offered."""
    hour = (arrivals // 3600).astype(np.int64)
    offered_per_hour = np.bincount(hour, minlength=24)
    predicted = _erlang_share(agents, expected_per_hour, mean_handle_s)
    offered = len(arrivals)
    answered = waits[~np.isnan(waits)]
    # The hour the default staffing is planned for: the busiest by the curve, whatever this day's draw.
    peak = int(expected_per_hour.argmax())
    open_s = (span[1] - span[0]) if span else 0.0

    def within_target(values: NDArray[np.float64]) -> float:
        # Never answered (nan) counts as not answered in time.
        return float(np.count_nonzero(values <= TARGET_S) / len(values)) if len(values) else math.nan

    return DeskResult(
        desk=desk,
        agents=agents,
        offered=offered,
        service_level_60s=within_target(waits),
        erlang_c_service_level_60s=float((predicted * offered_per_hour).sum() / offered) if offered else math.nan,
        mean_wait_s=float(answered.mean()) if len(answered) else math.nan,
        p95_wait_s=float(np.percentile(answered, 95, method="inverted_cdf")) if len(answered) else math.nan,
        mean_handle_s=mean_handle_s,
        after_hours=after_hours,
        peak_hour=peak,
        peak_offered=int(offered_per_hour[peak]),
        peak_service_level_60s=within_target(waits[hour == peak]),
        peak_erlang_c_service_level_60s=float(predicted[peak]) if offered else math.nan,
        occupancy=float(handles.sum() / (agents * open_s)) if agents and open_s else math.nan,
    )


def _percent(value: float) -> str:
    return "–" if math.isnan(value) else f"{value * 100:.1f} %"


def _seconds(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.1f}"


def table(result: SimulationResult) -> str:
    """The figures as a Markdown table and a line of totals, for a terminal or docs/benchmarks.md."""
    lines = [
        "| desk | agents | offered | answered ≤ 60 s | Erlang C | mean wait (s) | p95 wait (s) "
        "| peak hour | peak: answered ≤ 60 s | peak: Erlang C | occupancy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {desk.desk} | {desk.agents} | {desk.offered:,} | {_percent(desk.service_level_60s)} "
        f"| {_percent(desk.erlang_c_service_level_60s)} | {_seconds(desk.mean_wait_s)} | {_seconds(desk.p95_wait_s)} "
        f"| {desk.peak_hour:02d}:00 | {_percent(desk.peak_service_level_60s)} "
        f"| {_percent(desk.peak_erlang_c_service_level_60s)} | {_percent(desk.occupancy)} |"
        for desk in result.desks
    ]
    outcomes = ", ".join(f"{name} {count:,}" for name, count in result.outcomes.items() if count)
    lines += [
        "",
        f"{result.inquiries:,} inquiries (seed {result.seed}): {outcomes}.",
        f"Routing engine: {result.decisions:,} decisions (queued, offered) in {result.engine_seconds:.2f} s "
        f"inside its calls = {result.decisions_per_second:,.0f} decisions/s; whole simulation "
        f"{result.wall_seconds:.1f} s.",
    ]
    return "\n".join(lines)
