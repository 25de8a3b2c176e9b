"""Customer web chat over WebSocket: JSON frames in, conversation actions, JSON frames out.

Protocol (DESIGN.md): the server greets with ``hello`` (conversation id, state, history); the client sends
``{"type": "message", "client_id", "text"}``; the server answers ``ack`` once the message is committed (the
same answer for a resent ``client_id``), pushes ``message`` frames and ``status`` frames. The customer ends the
chat with ``{"type": "end", "client_id"}`` and, once it is resolved, rates it with ``{"type": "csat",
"client_id", "score", "comment"?}``; both are acknowledged with ``ack`` once committed, again for a resend.
While the customer waits, the ``status`` frame may carry ``offers`` (``callback``, ``email``) with
``callback_windows``; the page takes one up with ``{"type": "callback", "client_id", "phone", "window_start",
"window_end", "topic"?}`` or ``{"type": "answer_by_email", "client_id", "email"?}``.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import select
from starlette.websockets import WebSocket, WebSocketDisconnect

from madoguchi import intake
from madoguchi.channels.email import tickets
from madoguchi.channels.hub import Peer, dumps
from madoguchi.conversations import actions, photos, queries
from madoguchi.customers.actions import identify_customer
from madoguchi.domain.clock import utcnow
from madoguchi.domain.conversation import State
from madoguchi.domain.text import clean_message_text
from madoguchi.errors import InvalidInput, MadoguchiError, NotAuthenticated, NotFound, RateLimited, Unavailable
from madoguchi.logs import get_logger
from madoguchi.routing import assignment, callbacks
from madoguchi.routing.wait import estimate
from madoguchi.store.models import Conversation, Customer, Shop

if TYPE_CHECKING:
    from madoguchi.runtime import Runtime
    from madoguchi.store.tx import Tx

log = get_logger(__name__)
LANGUAGES = frozenset({"ja", "en", "zh", "ko"})
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_RATE_LIMITED = 4429
CLOSE_INTERNAL_ERROR = 1011
CLOSE_TRY_AGAIN_LATER = 1013


def _error(exc: MadoguchiError, **extra: Any) -> str:
    return dumps({"type": "error", **exc.to_dict(), **extra})


async def serve_customer_chat(websocket: WebSocket, runtime: Runtime) -> None:
    params = websocket.query_params
    language = params.get("lang", "ja") if params.get("lang") in LANGUAGES else "ja"
    # The proxy-aware address (the application's middleware has put it in the scope), as every limit uses.
    address = websocket.client.host if websocket.client else None
    await websocket.accept()
    try:
        hello, conversation_id = await _open(
            runtime, params.get("token"), params.get("visitor"), params.get("shop") or None, language, address
        )
    except (NotAuthenticated, NotFound, RateLimited) as exc:
        await websocket.send_text(_error(exc))
        code = (
            CLOSE_UNAUTHENTICATED
            if isinstance(exc, NotAuthenticated)
            else CLOSE_NOT_FOUND
            if isinstance(exc, NotFound)
            else CLOSE_RATE_LIMITED
        )
        await websocket.close(code=code, reason=exc.code)
        return
    except Exception:
        # The database (or something it needs) is away: say so and close cleanly; the page reconnects.
        log.exception("chat.open_failed")
        await _close(websocket, CLOSE_TRY_AGAIN_LATER, _unavailable(None))
        return
    peer = Peer(send_text=websocket.send_text, conversation_id=conversation_id)
    runtime.hub.add(peer)
    # Customers who are not signed in are limited in how fast they may write (rate limit per customer id).
    anonymous_id = hello["customer"]["id"] if hello["customer"]["anonymous"] else None
    try:
        await websocket.send_text(dumps(hello))
        while True:
            raw = await websocket.receive_text()
            try:
                reply = await _handle_frame(runtime, conversation_id, raw, anonymous_id, address)
            except Exception:
                # One frame failed (the database or Redis away): the socket is fine and the client may resend
                # the same client_id, which the intake answers idempotently whether or not it was stored.
                log.exception("chat.frame_failed", conversation_id=conversation_id)
                reply = _unavailable(_client_id_of(raw))
            if reply is not None:
                await websocket.send_text(reply)
    except WebSocketDisconnect:
        pass
    except Exception:
        # The socket itself cannot go on; a close frame tells the page to reconnect rather than a cut TCP.
        log.exception("chat.connection_failed", conversation_id=conversation_id)
        await _close(websocket, CLOSE_INTERNAL_ERROR, None)
    finally:
        runtime.hub.remove(peer)


def _client_id_of(raw: str) -> str | None:
    try:
        frame = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    client_id = frame.get("client_id") if isinstance(frame, dict) else None
    return client_id if isinstance(client_id, str) else None


def _unavailable(client_id: str | None) -> str:
    exc = Unavailable(
        "The service could not take this just now: please send it again in a moment (nothing is sent twice). "
        "/ ただいま処理できませんでした。少し待ってからもう一度送信してください（重複して届くことはありません）。"
    )
    return _error(exc, client_id=client_id) if client_id is not None else _error(exc)


async def _close(websocket: WebSocket, code: int, frame: str | None) -> None:
    # The socket may already be half gone: what cannot be sent is dropped, the close is still attempted.
    if frame is not None:
        with contextlib.suppress(Exception):
            await websocket.send_text(frame)
    with contextlib.suppress(Exception):
        await websocket.close(code=code)


async def _open(
    runtime: Runtime, token: str | None, visitor: str | None, shop_id: str | None, language: str, address: str | None
) -> tuple[dict[str, Any], str]:
    settings = runtime.settings
    async with runtime.transaction() as tx:
        identified = await identify_customer(
            tx.session, settings, identity_token=token, visitor_token=visitor, language=language
        )
        if identified.is_new:
            # Counted per address, before anything is committed: a refused visitor leaves no customer behind.
            await runtime.limits.new_visitor(address)
        customer = identified.customer
        if shop_id is not None and await tx.session.get(Shop, shop_id) is None:
            raise NotFound(f"There is no shop {shop_id!r}: open the chat from the shop's page.")
        window = timedelta(hours=settings.conversation_resume_hours)
        # A visitor created just now has no earlier chat: skip the look-ups (most connections are these).
        conversation = (
            None
            if identified.is_new
            else await queries.resumable_chat(tx.session, customer.id, shop_id, utcnow(), window)
        )
        resumed = conversation is not None
        if conversation is None:
            conversation = await actions.do_open_chat(
                tx,
                customer_id=customer.id,
                shop_id=shop_id,
                language=language if customer.is_anonymous else customer.language,
            )
        await tx.commit()
        history = (
            await queries.history(
                tx.session,
                conversation.id,
                include_private=False,
                photo_url=photos.customer_links(settings.secret_key, customer.id),
            )
            if resumed
            else []
        )
        position = await queries.queue_position(tx.session, conversation) if resumed else None
        rateable = await queries.can_rate(tx.session, conversation) if resumed else False
        offered: dict[str, Any] = {"offers": [], "callback_windows": []}
        if resumed and conversation.state == State.QUEUED:
            # A reloaded page offers what the status frames offered before the reload.
            now = runtime.clock.now()
            wait = await estimate(tx.session, conversation, now)
            offered = await callbacks.alternatives(
                tx.session, conversation, wait, now, settings.callback_offer_wait_seconds
            )
    hello: dict[str, Any] = {
        "type": "hello",
        "conversation_id": conversation.id,
        "state": conversation.state,
        "desk": conversation.desk,
        "shop_id": conversation.shop_id,
        "queue_position": position,
        # Resolved and this resolution not rated yet: the page asks the customer for a rating.
        "can_rate": rateable,
        "language": conversation.language,
        "customer": {"id": customer.id, "name": customer.name, "anonymous": customer.is_anonymous},
        "history": [message.model_dump(mode="json", exclude={"private"}) for message in history],
        **offered,
    }
    if identified.visitor_token:
        hello["visitor_token"] = identified.visitor_token
    return hello, conversation.id


async def _handle_frame(
    runtime: Runtime, conversation_id: str, raw: str, anonymous_id: str | None, address: str | None
) -> str | None:
    try:
        frame = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _error(InvalidInput('The frame is not JSON: send {"type": "message", "client_id", "text"}.'))
    if not isinstance(frame, dict):
        return _error(InvalidInput("A frame must be a JSON object."))
    kind = frame.get("type")
    if kind == "ping":
        return dumps({"type": "pong"})
    if kind not in ("message", "end", "csat", "callback", "answer_by_email"):
        return _error(
            InvalidInput(
                f"Unknown frame type {kind!r}: the client sends 'message', 'end', 'csat', 'callback', "
                "'answer_by_email' or 'ping'."
            )
        )
    client_id = frame.get("client_id")
    if not isinstance(client_id, str) or not 1 <= len(client_id) <= 64:
        what = "message" if kind == "message" else f"{kind!r} frame"
        return _error(InvalidInput(f"Every {what} needs a client_id: a string of 1 to 64 characters (a UUID)."))
    if kind == "end":
        return await _end(runtime, conversation_id, client_id, anonymous_id, address)
    if kind == "csat":
        return await _rate(runtime, conversation_id, frame, client_id, anonymous_id, address)
    if kind in ("callback", "answer_by_email"):
        return await _take_up_offer(runtime, conversation_id, frame, client_id, anonymous_id, address)
    try:
        text = clean_message_text(frame.get("text"), runtime.settings.max_message_chars)
        if anonymous_id is not None:
            await runtime.limits.anonymous_message(anonymous_id, address)
        async with runtime.transaction() as tx:
            conversation = await _locked(tx, conversation_id)
            # A chat opened from a shop's page is the shop's own inbox: its staff answer, not the bot.
            received = await intake.do_receive(
                tx, runtime, conversation, text=text, client_id=client_id, bot=conversation.shop_id is None
            )
            await tx.commit()
    except MadoguchiError as exc:
        log.info("chat.message_refused", code=exc.code, conversation_id=conversation_id)
        return _error(exc, client_id=client_id)
    ack: dict[str, Any] = {
        "type": "ack",
        "client_id": client_id,
        "message_id": received.message.id,
        "duplicate": not received.created,
    }
    suggestions = received.suggestions()
    if suggestions is not None:
        # The bot's quick replies and links ride on the acknowledgement (an extra field of the protocol).
        ack["suggestions"] = suggestions
    return dumps(ack)


async def _locked(tx: Tx, conversation_id: str) -> Conversation:
    conversation = await tx.session.scalar(
        select(Conversation).where(Conversation.id == conversation_id).with_for_update()
    )
    if conversation is None:
        raise NotFound("This conversation no longer exists: reload the page to start a new one.")
    return conversation


async def _end(
    runtime: Runtime, conversation_id: str, client_id: str, anonymous_id: str | None, address: str | None
) -> str:
    """The customer ends the chat: resolved by the customer, whoever has it (an operator is told through the
    console); a chat already resolved, or already ended by this very frame, is only acknowledged again."""
    try:
        if anonymous_id is not None:
            await runtime.limits.anonymous_message(anonymous_id, address)
        async with runtime.transaction() as tx:
            conversation = await _locked(tx, conversation_id)
            ended = conversation.state != State.RESOLVED and not await queries.resolved_by_client_id(
                tx.session, conversation.id, client_id
            )
            if ended:
                now = runtime.clock.now()
                # Nobody is offered a conversation that is over.
                await assignment.do_withdraw_offers(tx, conversation, now, "resolved")
                await actions.do_resolve(tx, "customer", conversation, now=now, client_id=client_id)
            state = conversation.state
            await tx.commit()
    except MadoguchiError as exc:
        log.info("chat.end_refused", code=exc.code, conversation_id=conversation_id)
        return _error(exc, client_id=client_id)
    return dumps({"type": "ack", "client_id": client_id, "state": state, "duplicate": not ended})


async def _rate(
    runtime: Runtime,
    conversation_id: str,
    frame: dict[str, Any],
    client_id: str,
    anonymous_id: str | None,
    address: str | None,
) -> str:
    """The customer's rating of the resolved conversation: one per resolution, the same ack for a resend."""
    try:
        if anonymous_id is not None:
            await runtime.limits.anonymous_message(anonymous_id, address)
        async with runtime.transaction() as tx:
            conversation = await _locked(tx, conversation_id)
            recorded = await actions.do_rate(
                tx,
                conversation,
                score=frame.get("score"),
                comment=frame.get("comment"),
                via="chat",
                client_id=client_id,
            )
            await tx.commit()
    except MadoguchiError as exc:
        log.info("chat.csat_refused", code=exc.code, conversation_id=conversation_id)
        return _error(exc, client_id=client_id)
    return dumps({"type": "ack", "client_id": client_id, "duplicate": not recorded})


def _aware(value: object, field: str) -> datetime:
    """An ISO 8601 time with its UTC offset, as the page sends a window's ends."""
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidInput(
            f"時間帯を選び直してください。 `{field}` must be a time in ISO 8601 with its UTC offset, "
            "e.g. 2026-12-09T15:00:00+09:00."
        )
    return parsed


async def _take_up_offer(
    runtime: Runtime,
    conversation_id: str,
    frame: dict[str, Any],
    client_id: str,
    anonymous_id: str | None,
    address: str | None,
) -> str:
    """The waiting customer takes up the offer the status frame made: a callback in one of its windows
    (`callbacks.request_callback`, as the chat's callback endpoint) or an answer by e-mail (the chat becomes a
    mail ticket). The booking's notice reaches the chat as a system message; the ack carries what was booked."""
    kind = frame["type"]
    try:
        if anonymous_id is not None:
            await runtime.limits.anonymous_message(anonymous_id, address)
        async with runtime.transaction() as tx:
            conversation = await _locked(tx, conversation_id)
            customer = await tx.session.get(Customer, conversation.customer_id)
            if customer is None:
                raise NotFound("This conversation no longer exists: reload the page to start a new one.")
            now = runtime.clock.now()
            booked: dict[str, Any]
            if kind == "callback":
                phone = frame.get("phone")
                topic = frame.get("topic")
                row = await callbacks.request_callback(
                    tx,
                    customer_id=customer.id,
                    phone=phone if isinstance(phone, str) else "",
                    window_start=_aware(frame.get("window_start"), "window_start"),
                    window_end=_aware(frame.get("window_end"), "window_end"),
                    now=now,
                    conversation=conversation,
                    topic=topic if isinstance(topic, str) else "",
                )
                booked = {
                    "callback": {
                        "phone_display": row.phone_display,
                        "window_start": row.window_start.isoformat(),
                        "window_end": row.window_end.isoformat(),
                    }
                }
            else:
                ticket = await tickets.do_answer_by_email(
                    tx, runtime.settings, conversation, customer, frame.get("email"), now
                )
                booked = {"email": {"address": ticket.customer_address, "ticket": ticket.number}}
            await tx.commit()
    except MadoguchiError as exc:
        log.info("chat.offer_refused", code=exc.code, kind=kind, conversation_id=conversation_id)
        return _error(exc, client_id=client_id)
    return dumps({"type": "ack", "client_id": client_id, **booked})
