"""`POST /api/v1/triage`: the decision for one text, without creating a conversation (DESIGN.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from madoguchi.agents.auth import authenticate
from madoguchi.domain.text import clean_message_text
from madoguchi.errors import NotAuthenticated, Unavailable
from madoguchi.routing.triage import ANYONE, Asker
from madoguchi.routing.triage import triage as triage_text
from madoguchi.web.deps import SESSION_COOKIE, RuntimeDep, TxDep, chat_customer, public_rate_limit
from madoguchi.web.schemas import TriageIn, TriageOut

router = APIRouter(prefix="/api/v1", tags=["triage"])


async def _asker(request: Request, body: TriageIn, tx: TxDep, runtime: RuntimeDep) -> Asker:
    """Who asks: a signed-in customer (the shop's identity token in `token`), an operator (the console's
    session cookie), or anyone."""
    if body.token:
        # A token that does not verify is refused (401), as on the chat socket: the caller meant to sign in.
        customer = await chat_customer(tx, runtime, body.token, None)
        return Asker(customer_id=customer.id)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            agent, _ = await authenticate(tx.session, cookie)
        except NotAuthenticated:
            # An expired console session in the same browser: the answer is the one for anyone.
            return ANYONE
        return Asker(staff=True, staff_shop_id=agent.shop_id)
    return ANYONE


_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "`token` is not a valid identity token of a signed-in customer"},
    429: {"description": "too many calls from this address: `Retry-After` says when to try again"},
    503: {"description": "the intent model is not built yet"},
}


@router.post("/triage", dependencies=[Depends(public_rate_limit("triage"))], responses=_REFUSALS)
async def triage(body: TriageIn, request: Request, tx: TxDep, runtime: RuntimeDep) -> TriageOut:
    """Language, intent, entities, desk, priority, hand-over and the bot's reply for one customer text. Which shop
    sold the order in `context.order_id` is said only to its signed-in customer and to staff who may see it."""
    if runtime.nlu is None:
        raise Unavailable(
            f"The intent model is not built ({runtime.settings.nlu_model}): run `madoguchi nlu train`, "
            "then restart the server."
        )
    asker = await _asker(request, body, tx, runtime)
    text = clean_message_text(body.text, runtime.settings.max_message_chars)
    order_number = body.context.order_id if body.context else None
    result = await triage_text(tx.session, runtime.nlu, text, order_number, asker=asker)
    return TriageOut.model_validate(result.contract())
