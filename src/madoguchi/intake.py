"""A customer wrote: the one path every channel calls (DESIGN.md, "One intake").

In the message's own transaction, in this order: store the message masked (once per client id, so that a resend
changes nothing), understand it once and record what it means, let the bot take its turn where the channel
has a bot, and place the conversation with routing when the message queued it — on the decision the bot's
hand-over carries, or else on the one made for this message. A channel adapter parses its transport,
identifies the customer, locks the conversation, calls `do_receive` and shapes its reply; it holds no rule.

A new channel plugs in the same way: open or find the conversation (`conversations.actions.do_open_chat`,
`conversations.queries`), then `do_receive` with the customer's text and a client id that is stable across
the transport's retries, then commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from madoguchi.bot.service import BotTurn, do_bot_turn
from madoguchi.bus import MessageView
from madoguchi.commerce.connector import connector_for
from madoguchi.conversations import actions, photos
from madoguchi.conversations.language import do_follow_language
from madoguchi.domain.clock import utcnow
from madoguchi.domain.conversation import State
from madoguchi.nlu.pii import Redaction, redact
from madoguchi.nlu.pipeline import Understanding
from madoguchi.routing import queueing
from madoguchi.routing.decision import decide_understood
from madoguchi.routing.queueing import Placement

if TYPE_CHECKING:
    from madoguchi.bus.events import AttachmentView
    from madoguchi.nlu.pipeline import NluPipeline
    from madoguchi.routing.decision import Decision
    from madoguchi.settings import Settings
    from madoguchi.store.models import Conversation
    from madoguchi.store.tx import Tx
    from madoguchi.trust.checker import TrustChecker


class Services(Protocol):
    """What the intake uses of the process (the runtime has them)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def nlu(self) -> NluPipeline | None: ...

    @property
    def trust(self) -> TrustChecker: ...


@dataclass(frozen=True, slots=True)
class Understood:
    """A customer's text masked and understood before it is stored (a mail's language and whether it reports a
    scam are read from it before its ticket exists)."""

    redaction: Redaction
    understanding: Understanding | None


def understand(services: Services, text: str) -> Understood:
    """Mask the text and understand the masked text: no secret reaches the model, the log or the database."""
    redaction = redact(text)
    nlu = services.nlu
    return Understood(redaction, nlu.understand(redaction.text) if nlu is not None else None)


@dataclass(frozen=True, slots=True)
class Received:
    message: MessageView
    # False for a resend of an already stored client id: nothing else was done.
    created: bool
    understanding: Understanding | None = None
    turn: BotTurn | None = None
    placement: Placement | None = None

    def suggestions(self) -> dict[str, Any] | None:
        """The bot's quick replies and links of this turn, for the chat widget."""
        return self.turn.suggestions() if self.turn is not None else None


async def do_receive(
    tx: Tx,
    services: Services,
    conversation: Conversation,
    *,
    text: str,
    client_id: str,
    bot: bool = False,
    understood: Understood | None = None,
    understand_text: bool = True,
    attachment: AttachmentView | None = None,
) -> Received:
    """Take one customer message on a conversation the caller has locked, in the caller's transaction.

    `bot`: the channel has a bot and it may answer (a chat with the platform); it answers what was understood,
    so without an understanding (no intent model, a photo's caption) it stays silent. `understood`: the text
    already masked and understood by `understand`. `understand_text`: False when the text is not the
    customer's own words (a photo's caption).
    """
    was_queued = conversation.state == State.QUEUED
    if understood is None and understand_text:
        understood = understand(services, text)
    understanding = understood.understanding if understood is not None else None
    with_bot = bot and understanding is not None
    if understanding is not None:
        # Before anything is said: the notices of this very message (queued, hours) are in its language too.
        do_follow_language(conversation, understanding)
    message, created = await actions.do_receive_customer_message(
        tx,
        conversation,
        text=understood.redaction.text if understood is not None else text,
        client_id=client_id,
        bot_answers=with_bot,
        attachment=attachment,
        redaction=understood.redaction if understood is not None else None,
    )
    if not created:
        return Received(message, created=False)
    if understanding is not None:
        actions.do_record_understanding(tx, conversation, message.id, understanding)

    turn: BotTurn | None = None
    decision: Decision | None = None
    if with_bot and understanding is not None and conversation.state == State.BOT:
        settings = services.settings
        turn = await do_bot_turn(
            tx,
            conversation,
            message,
            understanding,
            trust=services.trust,
            secret=settings.secret_key,
            commerce=connector_for(tx.session, settings),
        )
        if turn.outcome.handoff is not None:
            decision = turn.outcome.handoff.decision

    placement: Placement | None = None
    if conversation.state == State.QUEUED and not was_queued:
        if decision is None and understanding is not None:
            decision = await decide_understood(tx.session, understanding, conversation.order_number)
        placement = await queueing.do_place(
            tx,
            conversation,
            decision,
            utcnow(),
            offer_callback_after_s=services.settings.callback_offer_wait_seconds,
            # Notices about waits and hours belong on a live chat; a mail thread is answered by mail.
            notify=conversation.channel == "chat",
        )
    return Received(message, True, understanding, turn, placement)


async def do_receive_photo(
    tx: Tx, services: Services, conversation: Conversation, photo: photos.Photo, *, client_id: str
) -> Received:
    """A customer's photo: a message whose text is its caption; it needs a person, so the bot does not answer."""
    attachment_id, view = photos.customer_attachment(services.settings.secret_key, conversation, photo)
    received = await do_receive(
        tx,
        services,
        conversation,
        text=photos.caption(photo),
        client_id=client_id,
        understand_text=False,
        attachment=view,
    )
    if received.created:
        photos.attach(tx, conversation, photo, received.message, attachment_id)
    return received
