"""A month of history for the demo marketplace, written by the product itself on a simulated clock.

`seed_history` simulates the days before the clock's now and plays them through the real product, event by
event in time order, with the process's clock set to each simulated instant: every row it leaves in
`conversation_events` (and in conversations, messages, SLA clocks and routing offers) was written by the
product's own actions at the instant the clock said, so the managers' reports read a genuine log. It returns
its own counts (`HistoryCounts`), which the reports' figures over the same days must match.

What the simulation draws (deterministic for a seed, from `random.Random(seed)`):

- arrivals on the routing simulation's daily curve (quiet nights, a lunch peak, a larger evening peak), fewer on
  Sundays and public holidays; the channel (chat with the bot mostly, a shop's own page, e-mail), the language
  (mostly Japanese), a signed-in demo customer or an anonymous visitor, what they need (an intent of the
  taxonomy, in the routing simulation's mix) and their words (data/history.yaml, with one of their own orders
  where the words name one), and one in twenty of them angry;
- how customers answer the bot (pick an order, say no to an action, ask for a person, thank it, or leave),
  how long operators take (lognormal handle times per desk), when operators work (the shifts in
  history.yaml), a few transfers to a specialist desk and a few customers writing again after the resolution.

The understanding of a customer's message is the one the simulation chose (intent, language and a
confidence), not the intent model's: a month stays fast and needs no model file. Entities, urgency and
masking are computed from the words as the NLU computes them, and the understanding is handed to the intake,
which records it (`message.classified`) exactly as it records the model's.

Everything else is the product. Every customer message goes through the intake (`intake.do_receive`); the bot
(`bot.service.do_bot_turn`) answers, cites the help centre, refers and hands over as it does live (a customer
here never confirms an action on an order, so the demo's orders stay as they are); placement is
`routing.queueing.do_place` with its SLA clocks. Who is offered which conversation and when is decided by the
routing policy in the routing engine (`routing.engine.RoutingEngine`, the simulation's engine), fed with the
demo's operators, their shifts and capacities; each of its offers is made and accepted through
`routing.assignment`, operators reply and resolve through `conversations.actions`, transfer through
`assignment.do_transfer`, and SLA clocks are judged by `routing.sla.do_check_due` in passes every
`SLA_PASS_S` (sla.met, sla.breached and its escalations, which the engine then follows; a conversation nobody
on the roster can take is handed to platform CS by the supervisor). Chats the bot finished are ended by the
customer (the chat's end) or closed by the bot once they go quiet (`MADOGUCHI_BOT_IDLE_MINUTES`, the routing
worker's pass `routing.idle.do_resolve_idle_bot_chats`). Offers are accepted within seconds and never
declined. Every resolution passes through `_History.resolved`, where a share of customers rate it (`actions.do_rate`).

Each step of the simulation is one moment of the routing engine's time; an operator's message just after it
(the first reply after taking a conversation) or just before it (the last one before resolving) is written in
the same step with the clock moved by those seconds. The writes of each simulated hour are one transaction.
What happens after the clock's now is not played: conversations still open then stay open, and the operators
are left offline, as the seed leaves them. The history is played only into a database without conversations.
Identifiers are random, as in the product; the counts and the times, types and actors of the events are the
same for the same seed on the same demo data.
"""

from __future__ import annotations

import bisect
import heapq
import math
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import TYPE_CHECKING, Any, Literal, cast
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import event, func, select

from madoguchi import intake
from madoguchi.bot.state import load_state
from madoguchi.bus.base import Bus
from madoguchi.conversations import actions
from madoguchi.customers.actions import identify_customer
from madoguchi.demo.schemas import HistorySpec, Weekday
from madoguchi.demo.seed import DATA, refuse_in_production
from madoguchi.domain.clock import CLOCK
from madoguchi.domain.conversation import State
from madoguchi.domain.routing_map import PLATFORM_CS, DeskId, priority_name
from madoguchi.errors import Conflict, InvalidInput
from madoguchi.nlu.data import taxonomy
from madoguchi.nlu.entities import extract_entities
from madoguchi.nlu.normalize import normalize
from madoguchi.nlu.pii import redact
from madoguchi.nlu.pipeline import Understanding
from madoguchi.nlu.urgency import score_urgency
from madoguchi.routing import assignment, idle, sla
from madoguchi.routing.desks import is_public_holiday
from madoguchi.routing.engine import RoutingEngine
from madoguchi.routing.policy import eligible
from madoguchi.routing.simulation import DEFAULT_HANDLE_MEAN_S, DEFAULT_INTENT_MIX, arrival_weights
from madoguchi.settings import Settings, get_settings
from madoguchi.store.models import (
    Agent,
    Conversation,
    ConversationEvent,
    Customer,
    Desk,
    Message,
    Order,
    RoutingOffer,
    Shop,
    SlaTimer,
)
from madoguchi.store.tx import Tx
from madoguchi.trust.checker import TrustChecker

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from madoguchi.bot.service import BotTurn
    from madoguchi.bus import BusEvent
    from madoguchi.intake import Received
    from madoguchi.nlu.language import Language
    from madoguchi.routing.engine import Decision, Presence
    from madoguchi.routing.queueing import Placement

TOKYO = ZoneInfo("Asia/Tokyo")
HISTORY_DAYS = 30
# About 900 conversations a month: enough for every report and chart to have figures, few enough to play the
# month within seconds on a small machine (every row goes through the product's own actions).
CONVERSATIONS_PER_DAY = 30.0
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Relative volume per weekday: Monday's backlog, a quieter weekend; a public holiday is like a Sunday.
DAY_VOLUME = {"mon": 1.1, "tue": 1.0, "wed": 1.0, "thu": 0.95, "fri": 0.95, "sat": 0.9, "sun": 0.85}
HOLIDAY_VOLUME = 0.85
LANGUAGES: dict[str, float] = {"ja": 0.80, "en": 0.10, "zh": 0.05, "ko": 0.05}
# Channels: mail, and a chat opened from a shop's own page (the shop's inbox, no bot); the rest chat with the bot.
EMAIL_SHARE = 0.1
SHOP_PAGE_SHARE = 0.05
SIGNED_IN_SHARE = 0.6
ANGRY_SHARE = 0.05
# What people write from a shop's page, and its relative weight.
SHOP_PAGE_INTENTS: dict[str, float] = {
    "contact_seller": 3.0,
    "delivery_period": 2.0,
    "return_item": 2.0,
    "damaged_or_wrong_item": 1.0,
    "change_order": 1.0,
    "cancel_order": 1.0,
    "delivery_problem": 1.0,
}
# Not written by mail: a greeting, small talk, asking a chat for a person or for its transcript.
NOT_BY_MAIL = frozenset({"greeting", "out_of_scope", "contact_human_agent", "chat_history", "request_callback"})
# Words that ask for nothing do not name a conversation's need (as in reports).
NO_NEED = frozenset({"greeting", "out_of_scope"})
# Share of customers who still want a person after the bot answered: when a desk of people handles the need, when
# the bot is its first desk, when an outside party is.
STILL_WANTS_PERSON = {"queue": 0.4, "shop": 0.4, "bot": 0.12, "referral": 0.1}
THANKS_SHARE = 0.4
# Handle time of one conversation: lognormal, its mean per desk (a shop's staff write fuller answers).
HANDLE_MEAN_S: dict[str, float] = {**DEFAULT_HANDLE_MEAN_S, DeskId.SHOP.value: 540.0}
HANDLE_CV = 0.8
# Platform CS hands this share of conversations in Japanese or English to a specialist desk after a first look.
TRANSFER_SHARE = 0.05
TRANSFER_DESKS = (DeskId.PAYMENTS, DeskId.MEMBER_SUPPORT, DeskId.TRUST_SAFETY, DeskId.DIGITAL, DeskId.MEMBERSHIP)
# Customers who write again after an operator resolved the conversation, by channel.
REOPEN_SHARE = {"chat": 0.04, "email": 0.12}
# Share of resolutions the customer rates, and how (1 to 5): mostly content, less so after a transfer or a
# reopening.
RATING_SHARE = {"chat": 0.35, "email": 0.2}
RATING_WEIGHTS = (4, 5, 14, 37, 40)
RATING_WEIGHTS_TROUBLED = (15, 20, 30, 25, 10)
# An operator answers an offer within this many seconds (always before the offer times out).
ACCEPT_S = (3.0, 15.0)
# SLA clocks are judged in passes, as the routing worker's are, here every five minutes when one is due (the
# worker passes every second): a breach is recorded, and escalates, up to five minutes after it fell due. Whether
# a clock was met does not depend on when it is judged.
SLA_PASS_S = 300.0


@dataclass
class HistoryCounts:
    """What the simulated month did, counted by the simulation as it did it.

    The definitions are the reports' (DESIGN.md, "Reports"; `madoguchi.analytics.metrics`), over the
    conversations created in the month: `by_desk` counts handed-over conversations by the desk they were first
    placed at (a shop's inbox is `shop`; the others are the reports' `bot` row), `by_shop` conversations that
    landed in a shop's inbox, `by_intent` the need that names each conversation (its first words that ask for
    something, or what the bot handed over; `unknown` when none did). `bot_resolved`: resolved and never
    queued; `handed_over`: queued at least once; `assigned_within_60s`: handed over and first assigned within
    60 s of first being queued; `reopened`: reopened at least once; `sla_met`: conversations whose clocks
    judged by the end were all kept, `sla_breached`: at least one missed; `sla_clocks_met` and
    `sla_clocks_breached` count the clocks themselves, by kind.
    """

    start: datetime
    end: datetime
    seed: int
    conversations: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    by_language: dict[str, int] = field(default_factory=dict)
    by_intent: dict[str, int] = field(default_factory=dict)
    by_desk: dict[str, int] = field(default_factory=dict)
    by_shop: dict[str, int] = field(default_factory=dict)
    bot_resolved: int = 0
    handed_over: int = 0
    assigned_within_60s: int = 0
    resolved: int = 0
    open_at_end: int = 0
    transfers: int = 0
    reopened: int = 0
    escalations: int = 0
    sla_met: int = 0
    sla_breached: int = 0
    sla_clocks_met: dict[str, int] = field(default_factory=dict)
    sla_clocks_breached: dict[str, int] = field(default_factory=dict)
    customer_messages: int = 0
    # Conversations rated (their last rating counts) and the sum of those ratings.
    csat_responses: int = 0
    csat_sum: int = 0
    # Rows the month added to conversation_events and messages (read from the tables, for the record).
    events: int = field(default=0, compare=False)
    messages: int = field(default=0, compare=False)
    seconds: float = field(default=0.0, compare=False)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["start"], data["end"] = self.start.isoformat(), self.end.isoformat()
        return data


def load_history_spec() -> HistorySpec:
    path = DATA / "history.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec = HistorySpec.model_validate(raw)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise InvalidInput(f"The demo history's data file {path} is not valid: {exc}") from exc
    unknown = set(spec.customers) - set(taxonomy())
    if unknown:
        raise InvalidInput(f"{path} names intents that are not in the taxonomy: {sorted(unknown)}")
    return spec


class _Unheard(Bus):
    """The past is nobody's news: events of the history are not published (no socket is listening to it)."""

    async def publish(self, event: BusEvent) -> None:
        return None


@dataclass(frozen=True)
class _Services:
    """What the intake uses of a process: the demo's settings (the demo store's orders), the official-contact
    checks, and no intent model (each message brings the understanding the simulation chose)."""

    settings: Settings
    trust: TrustChecker
    nlu: None = None


@dataclass(frozen=True)
class _Arrival:
    at: float
    channel: str
    language: str
    customer: Customer | None
    shop_id: str | None
    intent: str
    text: str
    confidence: float


@dataclass(eq=False)
class _Chat:
    """A conversation of the history as the simulation follows it."""

    key: str
    row: Conversation
    arrival: _Arrival
    bot_turns: int = 0
    queued_at: float | None = None
    assigned_at: float | None = None
    agent: Agent | None = None
    # The engine's open offer and its row.
    offer: tuple[int, RoutingOffer] | None = None
    # Bumped at every change, so that a scheduled step of an older state knows it is stale.
    version: int = 0
    transferred: bool = False
    reopened: bool = False
    # What the customer said last to the bot (`thanks`, `ask_person`, ...), or "" for their first words.
    said: str = ""
    # Held, so that the session's identity map keeps the row (an anonymous visitor's too).
    customer: Customer | None = None
    # The need that names the conversation in reports, and how its SLA clocks fared.
    intent: str | None = None
    clocks_met: int = 0
    clocks_breached: int = 0


Step = Callable[[], Awaitable[None]]


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


def _instant(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _spans(day: date, spans: list[str]) -> list[tuple[float, float]]:
    """A day's working spans as epoch seconds; a span ending before it starts ends the next day."""
    out = []
    midnight = datetime(day.year, day.month, day.day, tzinfo=TOKYO)
    for span in spans:
        begin, finish = span.split("-")
        start = midnight + timedelta(hours=int(begin[:2]), minutes=int(begin[3:]))
        end = midnight + timedelta(hours=int(finish[:2]), minutes=int(finish[3:]))
        if end <= start:
            end += timedelta(days=1)
        out.append((_epoch(start), _epoch(end)))
    return out


class _History:
    def __init__(
        self,
        session: AsyncSession,
        settings: Settings,
        spec: HistorySpec,
        *,
        seed: int,
        start: float,
        end: float,
        per_day: float,
    ) -> None:
        self.session = session
        self.spec = spec
        self.rng = random.Random(seed)  # noqa: S311 - a simulation's draws, reproducible by design
        self.start, self.end = start, end
        self.per_day = per_day
        self.services = _Services(settings.model_copy(update={"commerce_url": None}), TrustChecker())
        self.policy = assignment.OfferPolicy(accept_timeout=settings.offer_timeout)
        self.idle = timedelta(minutes=settings.bot_idle_minutes)
        timeout = settings.offer_timeout.total_seconds()
        self.engine = RoutingEngine(offer_timeout_s=timeout)
        # Always before the offer times out, however short the deployment's timeout.
        self.accept_s = (min(ACCEPT_S[0], timeout * 0.2), min(ACCEPT_S[1], timeout * 0.8))
        self.tx = Tx(session, _Unheard())
        self.ratings: dict[str, int] = {}
        self.batch_hour = -1
        self.heap: list[tuple[float, int, Step]] = []
        self.sequence = count()
        self.chats: dict[str, _Chat] = {}
        # Operator messages a step writes after its own moment: (seconds later, conversation, which phrase).
        self.writes: list[tuple[float, _Chat, str]] = []
        self.by_row: dict[str, _Chat] = {}
        self.counts = HistoryCounts(start=_instant(start), end=_instant(end), seed=seed)
        self.tally: dict[str, Counter[str]] = {
            name: Counter() for name in ("channel", "language", "desk", "met", "breached")
        }
        # Every SLA clock the history started, in the order they fall due, and the passes planned.
        self.clocks: list[tuple[float, int, SlaTimer]] = []
        self.passes: set[float] = set()
        self.intents = taxonomy()
        event.listen(session.sync_session, "transient_to_pending", self._added)

    def _added(self, _session: object, instance: object) -> None:
        if isinstance(instance, SlaTimer):
            due = _epoch(instance.due_at)
            heapq.heappush(self.clocks, (due, next(self.sequence), instance))
            judged_at = math.ceil(due / SLA_PASS_S) * SLA_PASS_S
            if judged_at not in self.passes:
                self.passes.add(judged_at)
                self.at(judged_at, self._judge)

    # --- the world ------------------------------------------------------------------------------------------------

    async def load(self) -> None:
        session = self.session
        self.desks = {desk.id: desk for desk in await session.scalars(select(Desk))}
        self.shops = list(await session.scalars(select(Shop).order_by(Shop.id)))
        self.agents = {agent.email: agent for agent in await session.scalars(select(Agent).order_by(Agent.id))}
        self.agent_by_key = {str(agent.id): agent for agent in self.agents.values()}
        customers = list(
            await session.scalars(select(Customer).where(Customer.is_anonymous.is_(False)).order_by(Customer.id))
        )
        self.customers: dict[str, list[Customer]] = {}
        for customer in customers:
            self.customers.setdefault(customer.language, []).append(customer)
        self.orders: dict[str, list[Order]] = {}
        for order in await session.scalars(select(Order).order_by(Order.ordered_at, Order.number)):
            self.orders.setdefault(order.customer_id, []).append(order)
        staffed = {agent.shop_id for agent in self.agents.values() if agent.shop_id}
        # Shops whose staff answer on Madoguchi get more of their customers writing there.
        self.shop_weights = [2.0 if shop.id in staffed else 1.0 for shop in self.shops]
        for agent in self.agents.values():
            self.engine.add_agent(
                str(agent.id),
                agent.desks,
                agent.languages,
                {"chat": agent.chat_capacity, "email": agent.email_capacity},
                now=self.start,
                shop_id=agent.shop_id,
            )

    # --- the event loop -------------------------------------------------------------------------------------------

    def at(self, when: float, step: Step) -> None:
        if when < self.end:
            heapq.heappush(self.heap, (when, next(self.sequence), step))

    async def run(self) -> None:
        self.plan_shifts()
        self.plan_arrivals()
        while self.heap:
            when, _, step = heapq.heappop(self.heap)
            hour = int(when // 3600)
            if hour != self.batch_hour:
                # One transaction per simulated hour: the month commits in a few hundred transactions.
                await self.tx.commit()
                self.batch_hour = hour
            CLOCK.set(_instant(when), frozen=True)
            await step()
            for seconds, chat, which in self.writes:
                # After the step's own moment, with no call to the engine: see `plan_handling`.
                CLOCK.set(_instant(min(when + seconds, self.end)), frozen=True)
                await self.operator_says(chat, which)
            self.writes.clear()
        CLOCK.set(_instant(self.end), frozen=True)
        for agent in self.agents.values():
            await assignment.do_set_presence(self.tx, agent, "offline", _instant(self.end))
        await self.tx.commit()

    def now(self) -> float:
        return _epoch(CLOCK.now())

    # --- operators ------------------------------------------------------------------------------------------------

    def plan_shifts(self) -> None:
        first = _instant(self.start).astimezone(TOKYO).date() - timedelta(days=1)
        last = _instant(self.end).astimezone(TOKYO).date()
        for email, week in self.spec.shifts.items():
            agent = self.agents.get(email)
            if agent is None:
                continue
            day = first
            while day <= last:
                name = WEEKDAYS[day.weekday()]
                if is_public_holiday(day):
                    spans = week.get("holiday", week.get("sun", []))
                else:
                    spans = week.get(cast("Weekday", name), [])
                for begin, finish in _spans(day, spans):
                    if finish > self.start:
                        self.at(max(begin, self.start), self._presence(agent, "available"))
                        self.at(finish, self._presence(agent, "offline"))
                day += timedelta(days=1)

    def _presence(self, agent: Agent, presence: Presence) -> Step:
        async def step() -> None:
            now = self.now()
            await assignment.do_set_presence(self.tx, agent, presence, _instant(now))
            self.follow(self.engine.set_presence(str(agent.id), presence, now))

        return step

    def follow(self, decisions: list[Decision]) -> None:
        """Carry out what the routing engine decided: its offers are made now and answered within seconds."""
        for decision in decisions:
            chat = self.chats.get(decision.conversation_id or "")
            if chat is None:
                continue
            if decision.kind == "offered" and decision.offer_id is not None and decision.agent_id is not None:
                agent = self.agent_by_key[decision.agent_id]
                load = int(decision.values.get("agent_load", 0))
                row = assignment.do_offer(self.tx, chat.row, agent, _instant(self.now()), self.policy, load=load)
                chat.offer = (decision.offer_id, row)
                self.at(self.now() + self.rng.uniform(*self.accept_s), self._accept(chat, agent, decision.offer_id))
            elif decision.kind in ("offer_withdrawn", "offer_expired", "declined"):
                chat.offer = None

    def _accept(self, chat: _Chat, agent: Agent, offer_id: int) -> Step:
        async def step() -> None:
            if chat.offer is None or chat.offer[0] != offer_id:
                return
            try:
                decisions = self.engine.accept(offer_id, self.now())
            except Conflict:
                return
            row = chat.offer[1]
            chat.offer = None
            if not any(decision.kind == "assigned" for decision in decisions):
                return
            if row.id is None:
                await self.session.flush()
            await assignment.do_accept(self.tx, agent, row.id, _instant(self.now()))
            chat.agent = agent
            chat.version += 1
            if chat.assigned_at is None:
                chat.assigned_at = self.now()
                if chat.queued_at is not None and chat.assigned_at - chat.queued_at <= 60:
                    self.counts.assigned_within_60s += 1
            self.plan_handling(chat)

        return step

    def plan_handling(self, chat: _Chat) -> None:
        """The operator's replies, the customer's answers and the resolution, spread over the handle time.

        Each step of the plan is one moment of the engine's time; the messages written around that moment (the
        operator's first reply after taking the conversation, the last one before resolving it) are written
        in the same step with the clock moved by their seconds: the routing engine hears only of the moments
        that concern it, in their order."""
        desk = chat.row.desk or PLATFORM_CS
        mean = HANDLE_MEAN_S.get(desk, HANDLE_MEAN_S[PLATFORM_CS])
        sigma = math.sqrt(math.log(1 + HANDLE_CV**2))
        handle = max(90.0, self.rng.lognormvariate(math.log(mean) - sigma**2 / 2, sigma))
        now, version = self.now(), chat.version
        if chat.row.channel == "email":
            # A mail is answered in one reply, written in the handle time, and resolved.
            self.at(now + handle, self._resolve(chat, version, "first", 0.0))
            return
        first = self.rng.uniform(10, 40)
        self.operator_later(chat, first, "first")
        language = chat.row.language
        if (
            not chat.transferred
            and desk == PLATFORM_CS
            and language in ("ja", "en")
            and self.rng.random() < TRANSFER_SHARE
        ):
            self.at(now + first + self.rng.uniform(30, 120), self._transfer(chat, version))
            return
        exchanges = 1 + (handle > 600)
        answer = first
        for index in range(1, exchanges + 1):
            answer = first + (handle - first) * index / (exchanges + 1)
            reply = "middle" if index < exchanges else ""
            self.at(now + answer, self._follow_up(chat, version, reply))
        # The last reply comes after the customer's last answer.
        last = min(self.rng.uniform(5, 30), (handle - answer) / 2)
        self.at(now + handle, self._resolve(chat, version, "last", last))

    def operator_later(self, chat: _Chat, seconds: float, which: str) -> None:
        """Queue the operator's message `seconds` from now in this step (see `plan_handling`)."""
        self.writes.append((seconds, chat, which))

    async def operator_says(self, chat: _Chat, which: str) -> None:
        if chat.agent is not None:
            phrases = getattr(self.spec.operator, which)
            text = self.rng.choice(phrases[chat.row.language])
            await actions.do_send_agent_message(self.tx, chat.agent, chat.row, text=text)

    def _follow_up(self, chat: _Chat, version: int, reply: str) -> Step:
        """The customer answers the operator; the operator answers back within a minute or two (`reply`)."""

        async def step() -> None:
            if chat.version != version:
                return
            await self.say(chat, "follow_up")
            if reply:
                self.operator_later(chat, self.rng.uniform(30, 90), reply)

        return step

    def _resolve(self, chat: _Chat, version: int, last: str, before: float) -> Step:
        """The operator's last message `before` seconds earlier, then the resolution (the engine frees the
        operator's slot)."""

        async def step() -> None:
            agent = chat.agent
            if chat.version != version or agent is None:
                return
            now = self.now()
            CLOCK.set(_instant(now - before), frozen=True)
            await self.operator_says(chat, last)
            CLOCK.set(_instant(now), frozen=True)
            # The console withdraws any open offer first; the engine knows there is none for a conversation taken.
            await actions.do_resolve(self.tx, agent, chat.row)
            chat.agent = None
            chat.version += 1
            self.follow(self.engine.release(chat.key, now))
            await self.resolved(chat)
            share = REOPEN_SHARE.get(chat.row.channel, 0.0)
            if not chat.reopened and self.rng.random() < share:
                self.at(now + self.rng.uniform(1200, 20 * 3600), self._customer_says(chat, chat.version, "reopen"))

        return step

    async def resolved(self, chat: _Chat) -> None:
        """Every resolution of the history passes here: a share of customers rate it a few minutes later, through
        the rating action (the chat page's `csat` frame, the mailed link), worse after a transfer or a
        reopening."""
        if self.rng.random() >= RATING_SHARE.get(chat.row.channel, 0.0):
            return
        weights = RATING_WEIGHTS_TROUBLED if chat.transferred or chat.reopened else RATING_WEIGHTS
        score = self.rng.choices(range(1, 6), weights=weights)[0]
        self.at(self.now() + self.rng.uniform(20, 600), self._rate(chat, chat.version, score))

    def _rate(self, chat: _Chat, version: int, score: int) -> Step:
        async def step() -> None:
            if chat.version != version or chat.row.state != State.RESOLVED:
                return
            via: Literal["chat", "email"] = "email" if chat.row.channel == "email" else "chat"
            await actions.do_rate(self.tx, chat.row, score=score, via=via)
            # The reports count each conversation's last rating.
            self.ratings[chat.key] = score

        return step

    def _transfer(self, chat: _Chat, version: int) -> Step:
        async def step() -> None:
            agent = chat.agent
            if chat.version != version or agent is None:
                return
            language = chat.row.language
            targets = [
                desk
                for desk in TRANSFER_DESKS
                if desk.value in self.desks and language in self.desks[desk.value].languages
            ]
            if not targets:
                return
            target = self.desks[self.rng.choice(targets).value]
            note = (
                f"{target.name_ja}の案件のためお回しします。"
                if language == "ja"
                else f"Passing this to {target.name_en}."
            )
            now = self.now()
            await assignment.do_transfer(self.tx, agent, chat.row, _instant(now), desk=target.id, note=note)
            chat.agent = None
            chat.version += 1
            chat.transferred = True
            self.counts.transfers += 1
            self.follow(self.engine.release(chat.key, now))
            self.enqueue(chat, priority_name(chat.row.priority), money=False, tier="regular", repeat=False)

        return step

    # --- customers ------------------------------------------------------------------------------------------------

    def plan_arrivals(self) -> None:
        weights = [float(weight) for weight in arrival_weights()]
        whole = sum(weights)
        cumulative = []
        total = 0.0
        for weight in weights:
            total += weight
            cumulative.append(total / whole)
        day = _instant(self.start).astimezone(TOKYO).date()
        last = _instant(self.end).astimezone(TOKYO).date()
        while day <= last:
            volume = HOLIDAY_VOLUME if is_public_holiday(day) else DAY_VOLUME[WEEKDAYS[day.weekday()]]
            expected = self.per_day * volume * self.rng.gauss(1.0, 0.08)
            midnight = _epoch(datetime(day.year, day.month, day.day, tzinfo=TOKYO))
            moments = sorted(
                midnight + (bisect.bisect_right(cumulative, self.rng.random()) + self.rng.random()) * 60
                for _ in range(max(0, round(expected)))
            )
            for moment in moments:
                if self.start <= moment < self.end:
                    arrival = self.draw(moment)
                    if arrival is not None:
                        self.at(moment, self._arrive(arrival))
            day += timedelta(days=1)

    def draw(self, moment: float) -> _Arrival | None:
        rng = self.rng
        language = rng.choices(list(LANGUAGES), weights=list(LANGUAGES.values()))[0]
        roll = rng.random()
        channel = "email" if roll < EMAIL_SHARE else "chat"
        shop_id = None
        if EMAIL_SHARE <= roll < EMAIL_SHARE + SHOP_PAGE_SHARE:
            shop_id = rng.choices(self.shops, weights=self.shop_weights)[0].id
        customer = None
        known = self.customers.get(language, [])
        if channel == "chat" and known and rng.random() < SIGNED_IN_SHARE:
            customer = rng.choice(known)
        orders = []
        if customer is not None:
            orders = [
                order
                for order in self.orders.get(customer.id, [])
                if _epoch(order.ordered_at) <= moment and (shop_id is None or order.shop_id == shop_id)
            ]
        mix = SHOP_PAGE_INTENTS if shop_id else DEFAULT_INTENT_MIX
        choices: list[tuple[str, float, list[str]]] = []
        for intent, weight in mix.items():
            if channel == "email" and intent in NOT_BY_MAIL:
                continue
            phrases = self.spec.customers.get(intent, {}).get(cast("Language", language), [])
            usable = [phrase for phrase in phrases if orders or "{order}" not in phrase]
            if usable:
                choices.append((intent, weight, usable))
        if not choices:
            return None
        intent, _, usable = rng.choices(choices, weights=[weight for _, weight, _ in choices])[0]
        with_order = [phrase for phrase in usable if "{order}" in phrase]
        without = [phrase for phrase in usable if "{order}" not in phrase]
        text = rng.choice(with_order if with_order and (not without or rng.random() < 0.5) else without)
        if "{order}" in text:
            text = text.replace("{order}", rng.choice(orders[-5:]).number)
        angry = self.spec.angry.get(cast("Language", language))
        if angry and rng.random() < ANGRY_SHARE:
            text += ("" if language == "ja" else " ") + rng.choice(angry)
        return _Arrival(moment, channel, language, customer, shop_id, intent, text, round(rng.uniform(0.62, 0.97), 3))

    def _arrive(self, arrival: _Arrival) -> Step:
        """A customer opens a chat (or a mail arrives) and writes: a chat opens a little before the first
        message, while the customer types; both are done in the step of the message."""

        async def step() -> None:
            typing = 0.0 if arrival.channel == "email" else self.rng.uniform(5, 40)
            CLOCK.set(_instant(arrival.at - typing), frozen=True)
            customer = arrival.customer
            if customer is None:
                identified = await identify_customer(
                    self.session,
                    self.services.settings,
                    identity_token=None,
                    visitor_token=None,
                    language=arrival.language,
                )
                customer = identified.customer
            row = await actions.do_open_chat(
                self.tx,
                customer_id=customer.id,
                shop_id=arrival.shop_id,
                language=customer.language if not customer.is_anonymous else arrival.language,
                channel=arrival.channel,
            )
            CLOCK.set(_instant(arrival.at), frozen=True)
            chat = _Chat(str(len(self.chats) + 1), row, arrival, customer=customer)
            self.chats[chat.key] = chat
            self.by_row[row.id] = chat
            self.counts.conversations += 1
            self.tally["channel"][arrival.channel] += 1
            self.tally["language"][row.language] += 1
            await self.receive(chat, arrival.text, arrival.intent, arrival.confidence)

        return step

    def understood(self, text: str, language: str, intent: str, confidence: float) -> intake.Understood:
        """The customer's words masked, and understood as the simulation chose (module docstring)."""
        redaction = redact(text)
        normalized = normalize(redaction.text)
        today = CLOCK.now().astimezone(TOKYO).date()
        understanding = Understanding(
            text=redaction.text,
            language=cast("Language", language),
            intent=intent,
            confidence=confidence,
            entities=tuple(extract_entities(normalized, today)),
            urgency=score_urgency(normalized.text),
            redaction=redaction,
        )
        return intake.Understood(redaction, understanding)

    async def receive(self, chat: _Chat, text: str, intent: str, confidence: float) -> Received:
        """A customer's message, through the intake as a channel hands it over."""
        row = chat.row
        was = row.state
        self.counts.customer_messages += 1
        received = await intake.do_receive(
            self.tx,
            self.services,
            row,
            text=text,
            client_id=f"history-{chat.key}-{self.counts.customer_messages}",
            # A chat opened from a shop's page is the shop's own inbox: its staff answer, not the bot.
            bot=row.channel == "chat" and row.shop_id is None,
            understood=self.understood(text, row.language, intent, confidence),
        )
        if was in (State.BOT, State.RESOLVED):
            # A new turn with the bot, or a reopening: what was planned for the conversation's last state is over.
            chat.version += 1
        if was == State.RESOLVED:
            chat.reopened = True
        if chat.intent is None and intent not in NO_NEED:
            chat.intent = intent
        handoff = received.turn.outcome.handoff if received.turn is not None else None
        if handoff is not None and handoff.decision.intent and chat.queued_at is None:
            # The need the bot handed to a person names the conversation, over what was said before.
            chat.intent = handoff.decision.intent
        if received.placement is not None:
            self.placed(chat, received.placement)
        elif row.state == State.BOT and received.turn is not None:
            chat.bot_turns += 1
            await self.answer_bot(chat, received.turn)
        return received

    def placed(self, chat: _Chat, placement: Placement) -> None:
        if chat.queued_at is None:
            chat.queued_at = self.now()
            self.counts.handed_over += 1
            self.tally["desk"][placement.desk] += 1
        reasons = set(placement.reasons)
        self.enqueue(
            chat,
            placement.priority,
            money="money_or_identity" in reasons,
            tier="premium" if "tier:premium" in reasons else "regular",
            repeat="repeat_contact" in reasons,
        )

    def enqueue(self, chat: _Chat, priority: str, *, money: bool, tier: str, repeat: bool) -> None:
        row = chat.row
        self.follow(
            self.engine.enqueue(
                chat.key,
                row.desk or PLATFORM_CS,
                row.language,
                self.now(),
                channel=row.channel,
                shop_id=row.shop_id,
                priority=priority,
                money_or_identity=money,
                tier=tier,
                repeat_contact=repeat,
            )
        )

    async def answer_bot(self, chat: _Chat, turn: BotTurn) -> None:
        """What the customer does after the bot's answer: ask for a person, thank it, answer its question, or
        say nothing more (the bot closes the chat once it has been quiet long enough)."""
        rng, outcome = self.rng, turn.outcome
        later = self.now() + rng.uniform(15, 90)
        if chat.bot_turns >= 4:
            self.idle_close(chat)
        elif outcome.resolved and chat.said == "thanks":
            # The bot said "you're welcome": the customer closes the chat a few seconds later.
            CLOCK.set(_instant(self.now() + rng.uniform(5, 20)), frozen=True)
            await self.end_chat(chat)
        elif outcome.resolved:
            wants_person = STILL_WANTS_PERSON[self.first_desk_kind(chat.arrival.intent)]
            roll = rng.random()
            if roll < wants_person:
                self.at(later, self._customer_says(chat, chat.version, "ask_person"))
            elif roll < wants_person + (1 - wants_person) * THANKS_SHARE:
                self.at(later, self._customer_says(chat, chat.version, "thanks"))
            else:
                self.idle_close(chat)
        else:
            self.at(later, self._answer_question(chat, chat.version))

    def _answer_question(self, chat: _Chat, version: int) -> Step:
        """The bot asked something (which order, a yes or no, a return method): the customer answers it, asks for
        a person instead, or leaves."""

        async def step() -> None:
            if chat.version != version:
                return
            state, _ = await load_state(self.session, chat.row.id)
            roll = self.rng.random()
            if state.step == "order":
                what = "pick_first" if roll < 0.8 else "ask_person"
            elif state.step == "confirm":
                # Never "yes": the history cancels, changes and returns none of the demo's orders.
                what = "decline" if roll < 0.45 else "ask_person"
            else:
                what = "ask_person" if roll < 0.7 else ""
            if what:
                await self.say(chat, what)
            else:
                # Gone: the bot closes the chat once it has been quiet long enough after its question.
                self.idle_close(chat)

        return step

    def first_desk_kind(self, intent: str) -> str:
        info = self.intents.get(intent)
        desk = info.desk if info is not None else PLATFORM_CS
        if desk in (DeskId.BOT, DeskId.ORDER_OWNER):
            return "bot" if desk == DeskId.BOT else "queue"
        row = self.desks.get(desk)
        return row.kind if row is not None else "queue"

    def idle_close(self, chat: _Chat) -> None:
        """The customer says nothing more: the routing worker's pass finds the chat once it has been quiet for the
        bot's idle time, and the bot resolves it."""
        self.at(_epoch(chat.row.last_activity_at) + self.idle.total_seconds() + 1, self._idle_pass)

    async def _idle_pass(self) -> None:
        for conversation_id in await idle.do_resolve_idle_bot_chats(self.tx, _instant(self.now()), self.idle):
            chat = self.by_row.get(conversation_id)
            if chat is not None:
                chat.version += 1
                await self.resolved(chat)

    async def end_chat(self, chat: _Chat) -> None:
        """The customer ends the chat (the chat page's end frame)."""
        if chat.row.state == State.BOT:
            await actions.do_resolve(self.tx, "customer", chat.row, client_id=f"history-end-{chat.key}")
            chat.version += 1
            await self.resolved(chat)

    def _customer_says(self, chat: _Chat, version: int, what: str) -> Step:
        async def step() -> None:
            if chat.version == version:
                await self.say(chat, what)

        return step

    async def say(self, chat: _Chat, what: str) -> None:
        """One of the customer's stock answers (history.yaml), understood as what it is."""
        language = cast("Language", chat.row.language)
        phrases: dict[Language, list[str]] = getattr(self.spec, what)
        text = self.rng.choice(phrases[language])
        intent, confidence = {
            "ask_person": ("contact_human_agent", 0.93),
            "thanks": ("greeting", 0.86),
            "pick_first": ("out_of_scope", 0.2),
            "decline": ("out_of_scope", 0.35),
        }.get(what, (chat.arrival.intent, 0.55 if what == "follow_up" else 0.74))
        chat.said = what
        await self.receive(chat, text, intent, confidence)

    # --- SLA clocks -----------------------------------------------------------------------------------------------

    async def _judge(self) -> None:
        """A pass of the routing worker over the SLA clocks due by now: met ones are closed with `sla.met`, missed
        ones recorded and escalated (`routing.sla.do_check_due`)."""
        now = self.now()
        self.passes.discard(now)
        due = []
        while self.clocks and self.clocks[0][0] <= now:
            due.append(heapq.heappop(self.clocks)[2])
        if not due:
            return
        breaches = await sla.do_check_due(self.tx, _instant(now), limit=len(due) + 100)
        for clock in due:
            if clock.state in ("met", "breached"):
                self.tally["met" if clock.state == "met" else "breached"][clock.kind] += 1
                judged = self.by_row.get(clock.conversation_id)
                if judged is not None and clock.state == "met":
                    judged.clocks_met += 1
                elif judged is not None:
                    judged.clocks_breached += 1
            elif clock.state == "running":
                # Not judged in this pass (another pass holds it): the next one will.
                heapq.heappush(self.clocks, (_epoch(clock.due_at), next(self.sequence), clock))
                if now + SLA_PASS_S not in self.passes:
                    self.passes.add(now + SLA_PASS_S)
                    self.at(now + SLA_PASS_S, self._judge)
        for breach in breaches:
            if breach.escalated_to is not None:
                self.counts.escalations += 1
                await self.escalated(breach.conversation_id)

    async def escalated(self, conversation_id: str) -> None:
        """A missed deadline raised a waiting conversation (or moved a shop's to platform CS): the engine's queue
        follows, the conversation re-entering it at its new desk and priority. One that no operator of the demo
        can ever take (an English question for the business desk, whose only operator writes Japanese and Korean)
        is handed to platform CS by the supervisor."""
        chat = self.by_row.get(conversation_id)
        if chat is None or chat.row.state != State.QUEUED or self.engine.state(chat.key) not in ("queued", "offered"):
            return
        now = self.now()
        if chat.offer is not None:
            await assignment.do_withdraw_offers(self.tx, chat.row, _instant(now), "escalated")
            chat.offer = None
        self.follow(self.engine.withdraw(chat.key, now, reason="escalated"))
        supervisor = next((agent for agent in self.agents.values() if agent.role == "supervisor"), None)
        if supervisor is not None and not self.servable(chat.row):
            note = (
                "この窓口にはお客様の言語で対応できる担当者がいないため、カスタマーサービスへお回しします。"
                if chat.row.language == "ja"
                else "Nobody at this desk writes the customer's language: passing it to customer service."
            )
            await assignment.do_transfer(self.tx, supervisor, chat.row, _instant(now), desk=PLATFORM_CS, note=note)
            self.counts.transfers += 1
        chat.version += 1
        self.enqueue(chat, priority_name(chat.row.priority), money=False, tier="regular", repeat=False)

    def servable(self, row: Conversation) -> bool:
        """Whether any operator of the demo may take the conversation (desk, language, shop, channel)."""
        return any(
            eligible(agent, row.desk or PLATFORM_CS, row.language, row.shop_id)
            and (agent.email_capacity if row.channel == "email" else agent.chat_capacity) > 0
            for agent in self.agents.values()
        )

    # --- the result -----------------------------------------------------------------------------------------------

    def result(self) -> HistoryCounts:
        counts = self.counts
        counts.csat_responses = len(self.ratings)
        counts.csat_sum = sum(self.ratings.values())
        for chat in self.chats.values():
            if chat.row.state == State.RESOLVED:
                counts.resolved += 1
                if chat.queued_at is None:
                    counts.bot_resolved += 1
            else:
                counts.open_at_end += 1
        tally = self.tally
        counts.by_channel = dict(sorted(tally["channel"].items()))
        counts.by_language = dict(sorted(tally["language"].items()))
        counts.by_intent = dict(sorted(Counter(chat.intent or "unknown" for chat in self.chats.values()).items()))
        counts.by_desk = dict(sorted(tally["desk"].items()))
        counts.by_shop = dict(
            sorted(Counter(chat.row.shop_id for chat in self.chats.values() if chat.row.shop_id).items())
        )
        counts.sla_clocks_met = dict(sorted(tally["met"].items()))
        counts.sla_clocks_breached = dict(sorted(tally["breached"].items()))
        counts.sla_breached = sum(1 for chat in self.chats.values() if chat.clocks_breached)
        counts.sla_met = sum(1 for chat in self.chats.values() if chat.clocks_met and not chat.clocks_breached)
        counts.reopened = sum(1 for chat in self.chats.values() if chat.reopened)
        return counts


async def has_conversations(session: AsyncSession) -> bool:
    """Whether the database already holds conversations: the history is the past of a demo that has none."""
    return await session.scalar(select(Conversation.id).limit(1)) is not None


async def _rows(session: AsyncSession) -> tuple[int, int]:
    events = await session.scalar(select(func.count()).select_from(ConversationEvent))
    messages = await session.scalar(select(func.count()).select_from(Message))
    return int(events or 0), int(messages or 0)


async def seed_history(
    sessions: async_sessionmaker[AsyncSession],
    *,
    days: int = HISTORY_DAYS,
    seed: int = 1,
    per_day: float = CONVERSATIONS_PER_DAY,
    settings: Settings | None = None,
) -> HistoryCounts:
    """Play `days` of the demo marketplace's life, ending at the clock's now, into the seeded demo database.

    Refused in production, as the demo seed is. The process's clock is moved through the simulated instants and
    left at the end, running on (or following the system again when it was not set). Returns the counts of
    what the simulation did.
    """
    settings = settings or get_settings()
    refuse_in_production(settings)
    if days <= 0:
        raise InvalidInput("The demo history covers at least one day.")
    spec = load_history_spec()
    async with sessions() as session:
        if await has_conversations(session):
            raise Conflict(
                "The demo's history is played into a database without conversations only: it would overlap the "
                "conversations already there. Start from an empty database (`make clean`, then `make run`)."
            )
    was_set = CLOCK.is_set
    end = CLOCK.now()
    began = time.perf_counter()
    async with sessions() as session:
        before = await _rows(session)
        history = _History(
            session,
            settings,
            spec,
            seed=seed,
            start=_epoch(end - timedelta(days=days)),
            end=_epoch(end),
            per_day=per_day,
        )
        try:
            await history.load()
            await history.run()
        finally:
            if was_set:
                CLOCK.set(end)
            else:
                CLOCK.follow_system()
        after = await _rows(session)
    counts = history.result()
    counts.events, counts.messages = after[0] - before[0], after[1] - before[1]
    counts.seconds = round(time.perf_counter() - began, 2)
    return counts
