"""Callbacks: the customer leaves a number and a time window instead of dialling; an operator calls.

`request_callback` is the one way in, for the bot and for the customer's page alike. The number is checked
with phonenumbers (Japanese numbering when no country code is given) and stored in E.164; callbacks wait
in a queue ordered by when the next attempt is due; a call with no answer is tried again later, up to
`MAX_ATTEMPTS` times.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import phonenumbers
from sqlalchemy import or_, select

from madoguchi.conversations import events
from madoguchi.conversations.actions import do_system_message
from madoguchi.domain.routing_map import PLATFORM_CS, SHOP
from madoguchi.errors import Conflict, InvalidInput, MadoguchiError, NotFound
from madoguchi.routing import wording
from madoguchi.routing.desks import SHOP as SHOP_KIND
from madoguchi.routing.desks import TOKYO, Hours, describe_day, describe_opening
from madoguchi.store.models import Callback, Conversation, Customer, Desk, Order, Shop

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.routing.wait import WaitEstimate
    from madoguchi.store.models import Agent
    from madoguchi.store.tx import Tx

Outcome = Literal["answered", "no_answer", "wrong_number", "cancelled"]
OUTCOMES: tuple[Outcome, ...] = ("answered", "no_answer", "wrong_number", "cancelled")
MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=30)
MIN_WINDOW = timedelta(minutes=30)
LATEST_START = timedelta(days=14)
# Numbers that cost the caller or that we must never dial back for a customer.
_REFUSED_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.UAN,
    }
)


def parse_phone(raw: str) -> tuple[str, str]:
    """(E.164, national display) of a number a person can be called back on, or InvalidInput."""
    text = (raw or "").strip()
    if not text or len(text) > 40:
        raise InvalidInput(
            "電話番号を入力してください。 Enter a phone number, e.g. 090-1234-5678.", reason="phone_missing"
        )
    try:
        number = phonenumbers.parse(text, "JP")
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(
            f"電話番号として読み取れません。 This is not a phone number ({exc}): enter it like 090-1234-5678.",
            reason="phone_unreadable",
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(
            "この電話番号は存在しません。 This phone number does not exist: check the digits.", reason="phone_invalid"
        )
    if phonenumbers.number_type(number) in _REFUSED_TYPES:
        raise InvalidInput(
            "ナビダイヤル等の番号にはお掛けできません。 We cannot call back a shared-cost or premium number.",
            reason="phone_premium",
        )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 81
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return e164, phonenumbers.format_number(number, style)


def _check_window(start: datetime, end: datetime, now: datetime) -> None:
    if end - start < MIN_WINDOW:
        raise InvalidInput(
            "時間帯は30分以上にしてください。 The time window must be at least 30 minutes long.", reason="window_short"
        )
    if end <= now:
        raise InvalidInput(
            "過去の時間帯は選べません。 The time window has already passed: choose a later one.", reason="window_past"
        )
    if start > now + LATEST_START:
        raise InvalidInput(
            "14日以内の時間帯を選んでください。 Choose a time window within the next 14 days.", reason="window_far"
        )


# Less open time than this inside the chosen window leaves no time for a call.
MIN_OPEN_IN_WINDOW = timedelta(minutes=15)


async def _hours_of(session: AsyncSession, desk_id: str, shop_id: str | None) -> Hours | None:
    desk = await session.get(Desk, desk_id)
    if desk is None:
        return None
    if desk.kind == SHOP_KIND and shop_id is not None:
        shop = await session.get(Shop, shop_id)
        return Hours.of(shop) if shop is not None else None
    return Hours.of(desk)


def _open_from(hours: Hours, start: datetime, end: datetime) -> datetime | None:
    """When the desk is open inside the window for long enough to call (None when it is not)."""
    opens = hours.next_opening(start)
    if opens is None or opens > end - MIN_OPEN_IN_WINDOW:
        return None
    closes = hours.closes_at(opens)
    if closes is not None and closes - opens < MIN_OPEN_IN_WINDOW:
        return None
    return opens


# The windows the chat page proposes: an hour each, from the next half hour on, inside the desk's hours.
OFFERED_WINDOW = timedelta(hours=1)
OFFERED_WINDOWS = 4


def offers_alternatives(wait: WaitEstimate, offer_after_s: int) -> bool:
    """Whether a queued customer is offered a callback or an answer by e-mail instead of waiting: the desk is
    closed, nobody who could answer is on duty, or the wait is longer than `offer_after_s` (placement's notices
    say the same, in words)."""
    if not wait.open_now and wait.opens_at is not None:
        return True
    if wait.nobody_on_duty:
        return True
    return wait.eta_seconds is not None and wait.eta_seconds > offer_after_s


def _next_half_hour(at: datetime) -> datetime:
    rounded = at.replace(second=0, microsecond=0)
    extra = (30 - rounded.minute % 30) % 30
    if extra == 0 and rounded < at:
        extra = 30
    return rounded + timedelta(minutes=extra)


async def callback_windows(
    session: AsyncSession, conversation: Conversation, now: datetime, count: int = OFFERED_WINDOWS
) -> list[tuple[datetime, datetime]]:
    """Time windows `request_callback` accepts for this conversation's desk: each at least `MIN_WINDOW` long,
    wholly inside the desk's (or the shop's) opening hours, the first from the next half hour on."""
    hours = await _hours_of(session, conversation.desk or PLATFORM_CS, conversation.shop_id)
    windows: list[tuple[datetime, datetime]] = []
    at = _next_half_hour(now)
    while len(windows) < count and at <= now + LATEST_START:
        if hours is None:
            windows.append((at, at + OFFERED_WINDOW))
            at += OFFERED_WINDOW
            continue
        opens = hours.next_opening(at)
        if opens is None:
            break
        start = _next_half_hour(opens)
        closes = hours.closes_at(start)
        if closes is None and not hours.is_open(start):
            # Opens at an odd minute and shuts within the half hour: look from the next half hour.
            at = start + timedelta(minutes=30)
            continue
        end = min(start + OFFERED_WINDOW, closes) if closes is not None else start + OFFERED_WINDOW
        if end - start >= MIN_WINDOW:
            windows.append((start, end))
            at = end
        else:
            # Too little left before closing: the next opening.
            at = closes if closes is not None else start + timedelta(minutes=30)
            at = at + timedelta(minutes=1) if at <= start else at
    return windows


async def alternatives(
    session: AsyncSession, conversation: Conversation, wait: WaitEstimate, now: datetime, offer_after_s: int
) -> dict[str, Any]:
    """What the chat page may offer a queued customer instead of waiting: `offers` (`callback`, `email`) and
    the `callback_windows` to choose from. Nothing once the chat is answered by mail (its channel is then
    `email`), and no second callback while one is booked."""
    if conversation.channel != "chat" or not offers_alternatives(wait, offer_after_s):
        return {"offers": [], "callback_windows": []}
    offers = ["email"]
    windows: list[tuple[datetime, datetime]] = []
    booked = await session.scalar(
        select(Callback.id).where(
            Callback.conversation_id == conversation.id, Callback.state.in_(("waiting", "calling"))
        )
    )
    if booked is None:
        windows = await callback_windows(session, conversation, now)
        if windows:
            offers.insert(0, "callback")
    return {
        "offers": offers,
        "callback_windows": [{"start": start.isoformat(), "end": end.isoformat()} for start, end in windows],
    }


def describe_window(start: datetime, end: datetime, language: str) -> str:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(TOKYO)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    day = describe_day(local_start, language)
    if language == "ja":
        return f"{day} {local_start:%H:%M}〜{local_end:%H:%M}"
    if language in ("zh", "ko"):
        return f"{day} {local_start:%H:%M}~{local_end:%H:%M}"
    return f"{day} {local_start:%H:%M} and {local_end:%H:%M}"


async def request_callback(
    tx: Tx,
    *,
    customer_id: str,
    phone: str,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    conversation: Conversation | None = None,
    topic: str = "",
    language: str = "ja",
) -> Callback:
    """Queue a call back to the customer; on a conversation the customer is told when and on which number."""
    e164, display = parse_phone(phone)
    _check_window(window_start, window_end, now)
    if conversation is not None and conversation.customer_id != customer_id:
        raise NotFound("There is no such conversation of yours.")
    desk = (conversation.desk if conversation is not None else None) or PLATFORM_CS
    shop_id = conversation.shop_id if conversation is not None else None
    hours = await _hours_of(tx.session, desk, shop_id)
    calls_from = window_start
    if hours is not None:
        opens = _open_from(hours, max(window_start, now), window_end)
        if opens is None:
            # Nobody would be there to call: say when someone is.
            following = hours.next_opening(window_end)
            when = describe_opening(following, "ja") if following else "—"
            when_en = describe_opening(following, "en") if following else "not within three weeks"
            raise InvalidInput(
                f"その時間帯は窓口の営業時間外です（次の受付：{when}）。別の時間帯をお選びください。 "
                f"Nobody can call in that window: the desk is closed then (next open: {when_en}). "
                "Choose another time.",
                reason="window_closed",
                next_open=following.isoformat() if following else None,
            )
        calls_from = opens
    pending = await tx.session.scalar(
        select(Callback).where(
            Callback.customer_id == customer_id,
            Callback.state.in_(("waiting", "calling")),
            Callback.conversation_id == (conversation.id if conversation is not None else None),
        )
    )
    if pending is not None:
        raise Conflict(
            "折り返しのお電話はすでに承っています。 A callback is already booked for this conversation.",
            reason="callback_pending",
        )
    callback = Callback(
        id=str(uuid.uuid4()),
        customer_id=customer_id,
        conversation_id=conversation.id if conversation is not None else None,
        shop_id=conversation.shop_id if conversation is not None else None,
        desk=desk,
        language=conversation.language if conversation is not None else language,
        phone_e164=e164,
        phone_display=display,
        window_start=window_start,
        window_end=window_end,
        topic=topic[:2000],
        state="waiting",
        attempts=0,
        next_attempt_at=max(calls_from, now),
        outcomes=[],
        created_at=now,
    )
    tx.session.add(callback)
    if conversation is not None:
        events.record(
            tx,
            conversation.id,
            "customer",
            events.CallbackRequested(
                callback_id=callback.id, window_start=window_start.isoformat(), window_end=window_end.isoformat()
            ),
        )
        window = describe_window(window_start, window_end, conversation.language)
        text = wording.say("callback_booked", conversation.language, window=window, phone=display)
        await do_system_message(tx, conversation, text, now)
    return callback


def refusal_text(error: MadoguchiError, language: str) -> str:
    """Why a callback could not be booked, in the customer's language (the error's own message is the API's
    Japanese and English)."""
    reason = error.details.get("reason")
    if reason == "window_closed":
        opens = error.details.get("next_open")
        when = describe_opening(datetime.fromisoformat(opens), language) if opens else "—"
        return wording.say("callback_window_closed", language, opens=when)
    if isinstance(reason, str) and f"callback_{reason}" in wording.KEYS:
        return wording.say(f"callback_{reason}", language)
    return error.message


async def callbacks_for(tx: Tx, agent: Agent, limit: int = 100) -> list[Callback]:
    """Open callbacks the agent may call, the most overdue first; a shop's staff see only their shop's."""
    query = select(Callback).where(Callback.state.in_(("waiting", "calling")))
    if agent.shop_id is not None:
        query = query.where(Callback.shop_id == agent.shop_id)
    else:
        query = query.where(or_(Callback.shop_id.is_(None), Callback.desk != SHOP))
    return list(await tx.session.scalars(query.order_by(Callback.next_attempt_at, Callback.created_at).limit(limit)))


async def _visible(tx: Tx, agent: Agent, callback_id: str) -> Callback:
    callback = await tx.session.scalar(select(Callback).where(Callback.id == callback_id).with_for_update())
    if callback is None or (agent.shop_id is not None and callback.shop_id != agent.shop_id):
        raise NotFound(f"There is no callback {callback_id} that you can open.")
    return callback


def script(callback: Callback, customer: Customer | None, agent: Agent) -> list[str]:
    """What the operator says, in order."""
    named = customer is not None and customer.name
    if callback.language == "ja":
        name = f"{customer.name}様" if customer is not None and customer.name else "お客様"
        return [
            f"{name}のお電話でしょうか。まどぐちモール カスタマーサービスの{agent.name}です。",
            "折り返しのご依頼をいただき、お電話いたしました。今お時間よろしいでしょうか。",
            "ご本人確認のため、ご注文番号またはご登録のメールアドレスをお伺いします（パスワードやカード番号は伺いません）。",
            f"ご用件：{callback.topic or 'チャットの内容をご確認ください'}",
        ]
    whom = customer.name if customer is not None and named else "the customer"
    return [
        f"Hello, may I speak to {whom}? This is {agent.name} from Madoguchi Mall customer service.",
        "You asked us to call you back; is this a good time?",
        "To confirm it is you, may I have your order number or registered e-mail? (We never ask for passwords.)",
        f"Your request: {callback.topic or 'see the chat'}",
    ]


async def do_start_call(tx: Tx, agent: Agent, callback_id: str) -> tuple[Callback, Customer | None, list[Order]]:
    callback = await _visible(tx, agent, callback_id)
    if callback.state == "calling" and callback.agent_id not in (None, agent.id):
        raise Conflict("Another operator is calling this customer now.")
    if callback.state not in ("waiting", "calling"):
        raise Conflict(f"This callback is {callback.state}.")
    callback.state = "calling"
    callback.agent_id = agent.id
    customer = await tx.session.get(Customer, callback.customer_id)
    orders = list(
        await tx.session.scalars(
            select(Order).where(Order.customer_id == callback.customer_id).order_by(Order.ordered_at.desc()).limit(5)
        )
    )
    return callback, customer, orders


async def do_record_outcome(
    tx: Tx, agent: Agent, callback_id: str, outcome: str, now: datetime, note: str = ""
) -> Callback:
    """The result of a call: no answer is tried again after `RETRY_AFTER` (while attempts remain)."""
    if outcome not in OUTCOMES:
        raise InvalidInput(f"Unknown outcome {outcome!r}: use {', '.join(OUTCOMES)}.")
    callback = await _visible(tx, agent, callback_id)
    if callback.state not in ("waiting", "calling"):
        raise Conflict(f"This callback is already {callback.state}.")
    callback.attempts += 1
    callback.outcome = outcome
    callback.outcomes = [
        *callback.outcomes,
        {"at": now.isoformat(), "agent_id": agent.id, "outcome": outcome, "note": note[:500]},
    ]
    if outcome == "no_answer" and callback.attempts < MAX_ATTEMPTS:
        callback.state = "waiting"
        callback.agent_id = None
        callback.next_attempt_at = now + RETRY_AFTER
        if callback.next_attempt_at > callback.window_end - MIN_OPEN_IN_WINDOW:
            # The customer chose when they can talk: the next try is in the same window of the next day.
            callback.window_start += timedelta(days=1)
            callback.window_end += timedelta(days=1)
            callback.next_attempt_at = callback.window_start
    elif outcome == "answered":
        callback.state = "done"
    else:
        callback.state = "failed" if outcome != "cancelled" else "done"
    if callback.conversation_id is not None:
        events.record(
            tx,
            callback.conversation_id,
            f"agent:{agent.id}",
            events.CallbackAttempted(
                callback_id=callback.id, outcome=outcome, attempts=callback.attempts, state=callback.state
            ),
        )
    return callback
