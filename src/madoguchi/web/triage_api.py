"""`POST /api/v1/triage`: the decision for one text, without creating a conversation (DESIGN.md)."""

from __future__ import annotations

from fastapi import APIRouter

from madoguchi.domain.text import clean_message_text
from madoguchi.errors import Unavailable
from madoguchi.routing.triage import triage as triage_text
from madoguchi.web.deps import RuntimeDep, TxDep
from madoguchi.web.schemas import TriageIn, TriageOut

router = APIRouter(prefix="/api/v1", tags=["triage"])


@router.post("/triage")
async def triage(body: TriageIn, tx: TxDep, runtime: RuntimeDep) -> TriageOut:
    """Language, intent, entities, desk, priority, hand-over and the bot's reply for one customer text."""
    if runtime.nlu is None:
        raise Unavailable(
            f"The intent model is not built ({runtime.settings.nlu_model}): run `madoguchi nlu train`, "
            "then restart the server."
        )
    text = clean_message_text(body.text, runtime.settings.max_message_chars)
    order_number = body.context.order_id if body.context else None
    result = await triage_text(tx.session, runtime.nlu, text, order_number)
    return TriageOut.model_validate(result.contract())
