"""One bot turn inside the transaction of the customer's message: remember, reply, act, hand over.

Channels call `do_bot_turn` after the message is stored and understood; the replies, the actions on the
order and the hand-over commit with the message, so an acknowledged message always has its answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from madoguchi.bot.engine import Bot, BotContext, CustomerRef, Handoff, Outcome
from madoguchi.bot.state import DialogueState, load_state, save_state
from madoguchi.bus import MessageView
from madoguchi.commerce.demo import DemoStore
from madoguchi.conversations import actions, events
from madoguchi.domain.clock import utcnow
from madoguchi.domain.routing_map import PLATFORM_CS
from madoguchi.errors import MadoguchiError
from madoguchi.knowledge.helpcentre import help_centre
from madoguchi.logs import get_logger
from madoguchi.routing.callbacks import refusal_text, request_callback
from madoguchi.routing.decision import decide
from madoguchi.store.models import Customer

if TYPE_CHECKING:
    from madoguchi.commerce.orders import CommerceConnector
    from madoguchi.nlu.pipeline import Understanding
    from madoguchi.store.models import Conversation
    from madoguchi.store.tx import Tx
    from madoguchi.trust.checker import TrustChecker

_BOT = Bot()
log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class BotTurn:
    outcome: Outcome
    # The bot's messages of this turn, in order (the last one carries the quick replies).
    messages: tuple[MessageView, ...]

    def suggestions(self) -> dict[str, Any] | None:
        """The quick replies and links of the turn, for the chat widget."""
        out = self.outcome
        if not self.messages or not (out.quick_replies or out.links):
            return None
        return {
            "type": "suggestions",
            "message_id": self.messages[-1].id,
            "quick_replies": [{"label": reply.label, "text": reply.text} for reply in out.quick_replies],
            "links": [{"title": link.title, "url": link.url, "kind": link.kind} for link in out.links],
        }


async def do_bot_turn(
    tx: Tx,
    conversation: Conversation,
    message: MessageView,
    understanding: Understanding,
    *,
    trust: TrustChecker,
    secret: str,
    commerce: CommerceConnector | None = None,
) -> BotTurn:
    session = tx.session
    customer_row = await session.get(Customer, conversation.customer_id)
    customer = CustomerRef(
        id=conversation.customer_id,
        anonymous=customer_row.is_anonymous if customer_row is not None else True,
        name=customer_row.name if customer_row is not None else None,
    )
    now = utcnow()
    state, row = await load_state(session, conversation.id)
    context = BotContext(
        session=session,
        conversation=conversation,
        customer=customer,
        commerce=commerce or DemoStore(session),
        help=await help_centre(session),
        trust=trust,
        secret=secret,
        now=now,
    )
    try:
        # A savepoint: should the bot fail half-way (an order cancelled, then an error), none of its work
        # stays, the customer's message does, and a person takes over.
        async with session.begin_nested():
            outcome = await _BOT.respond(state, message.text, understanding, context)
    except Exception:
        log.exception("bot.failed", conversation_id=conversation.id)
        state = DialogueState(topic=state.topic, language=state.language, turns=state.turns)
        outcome = Outcome(language=state.language or conversation.language)
        decision = decide(understanding.intent, understanding.urgency).handed_over(PLATFORM_CS, "bot_error")
        outcome.handoff = Handoff(decision, "bot_error", f"{state.topic}; bot_error")
    save_state(session, conversation.id, state, row)
    for type_, data in outcome.events:
        if type_ == "bot.callback":
            outcome.texts += await _book_callback(tx, conversation, data, now, outcome.language)
            continue
        # The bot names what it did with the catalogue's type; its payload model checks what it says.
        payload = events.CATALOGUE[events.EventType(type_)].model_validate({"message_id": message.id, **data})
        actions.do_record_bot_event(tx, conversation, payload)
    views = []
    for index, text in enumerate(outcome.texts):
        # Microseconds apart, so that the replies sort after the message and in the order written.
        views.append(
            await actions.do_send_bot_message(tx, conversation, text, now=now + timedelta(microseconds=index + 1))
        )
    actions.do_record_bot_event(
        tx,
        conversation,
        events.BotReplied(
            message_id=message.id,
            topic=state.topic,
            resolved=outcome.resolved,
            handoff=outcome.handoff is not None,
            quick_replies=[reply.text for reply in outcome.quick_replies],
            links=[link.url for link in outcome.links],
        ),
    )
    handoff = outcome.handoff
    if handoff is not None:
        understood = understanding.contract()
        await actions.do_hand_over(
            tx,
            conversation,
            desk=handoff.desk,
            shop_id=handoff.shop_id,
            order_number=handoff.order_number,
            now=now + timedelta(microseconds=len(outcome.texts) + 1),
            intent=state.topic or understood["intent"],
            entities=understood["entities"],
            summary=handoff.summary,
            reason=handoff.reason,
            priority=handoff.priority,
            language=outcome.language,
        )
    return BotTurn(outcome, tuple(views))


async def _book_callback(
    tx: Tx, conversation: Conversation, data: dict[str, Any], now: datetime, language: str
) -> list[str]:
    """Book the call through routing's callback queue; what it refuses (a premium-rate number, a callback
    already booked) is told to the customer in its own words."""
    try:
        async with tx.session.begin_nested():
            await request_callback(
                tx,
                customer_id=conversation.customer_id,
                phone=str(data["phone"]),
                window_start=datetime.fromisoformat(str(data["window_start"])),
                window_end=datetime.fromisoformat(str(data["window_end"])),
                now=now,
                conversation=conversation,
                topic=str(data.get("topic", "")),
                language=language,
            )
    except MadoguchiError as exc:
        return [refusal_text(exc, language)]
    return []
