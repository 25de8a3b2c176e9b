"""Trust: the public checks and reports (rate limited), and trust & safety's cases and directory in the console."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, Depends, Request, Response

from madoguchi.agents.roles import require_role, require_trust_cases
from madoguchi.errors import InvalidInput
from madoguchi.trust import brands, reports
from madoguchi.trust.mail import MAX_MAIL_BYTES
from madoguchi.web.deps import CurrentOperator, RuntimeDep, TxDep, public_rate_limit
from madoguchi.web.schemas import (
    TrustCaseItemOut,
    TrustCheckIn,
    TrustCheckOut,
    TrustDecisionIn,
    TrustReportIn,
    TrustReportOut,
)

if TYPE_CHECKING:
    from madoguchi.store.models import TrustReport

router = APIRouter(prefix="/api/v1/trust", tags=["trust"])

_RAW_MAIL: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary", "minLength": 1}}},
    }
}


async def _read_mail(request: Request) -> bytes:
    """The request body, refused as soon as it passes the size limit rather than after reading it all."""
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > MAX_MAIL_BYTES:
            raise InvalidInput(f"The mail is larger than {MAX_MAIL_BYTES // (1024 * 1024)} MB.", limit=MAX_MAIL_BYTES)
    if not data.strip():
        raise InvalidInput("Send the mail (the whole .eml file) as the request body.")
    return bytes(data)


@router.post("/check", dependencies=[Depends(public_rate_limit("trust.check"))])
async def check(body: TrustCheckIn, runtime: RuntimeDep) -> TrustCheckOut:
    """Verdict (`official`, `suspicious`, `unknown`), the brand concerned and the reasons, for one item."""
    result = runtime.trust.check(body.input)
    return TrustCheckOut.model_validate(result.contract(body.lang))


@router.post(
    "/check-email",
    dependencies=[Depends(public_rate_limit("trust.check-email"))],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def check_email(request: Request, runtime: RuntimeDep, lang: Literal["ja", "en"] = "ja") -> TrustCheckOut:
    """The same verdict for a whole mail: send the `.eml` file as the body (`Content-Type: message/rfc822`)."""
    data = await _read_mail(request)
    # Up to a second of CPU for a large mail: off the event loop, so chats on this process do not wait.
    result = await asyncio.to_thread(runtime.trust.check_mail, data, name="mail")
    return TrustCheckOut.model_validate(result.contract(lang))


@router.post("/reports", status_code=201, dependencies=[Depends(public_rate_limit("trust.report"))])
async def report(body: TrustReportIn, tx: TxDep, runtime: RuntimeDep) -> TrustReportOut:
    """Report a suspicious SMS, mail text, URL, address or number: it becomes a trust & safety case."""
    case = await reports.do_report_text(tx.session, runtime.trust, body.text)
    await tx.commit()
    return _report_out(case)


@router.post(
    "/reports/mail",
    status_code=201,
    dependencies=[Depends(public_rate_limit("trust.report"))],
    openapi_extra=_RAW_MAIL,
)
async def report_mail(request: Request, tx: TxDep, runtime: RuntimeDep) -> TrustReportOut:
    """Report a suspicious mail: send the whole `.eml` file as the body (`Content-Type: message/rfc822`)."""
    case = await reports.do_report_mail(tx.session, runtime.trust, await _read_mail(request))
    await tx.commit()
    return _report_out(case)


def _report_out(case: TrustReport, *, full: bool = False) -> TrustReportOut:
    return TrustReportOut(
        id=case.id,
        created_at=case.created_at,
        kind=case.kind,
        verdict=case.verdict,
        brand=case.brand,
        state=case.state,
        analysis=case.analysis,
        content=case.content if full else None,
        note=case.note if full else None,
        items=[
            TrustCaseItemOut(
                input=item.input, verdict=item.verdict, brand=item.brand, listed_by_default=item.listed_by_default
            )
            for item in reports.case_items(case)
        ]
        if full
        else [],
    )


console_router = APIRouter(prefix="/api/v1/console/trust", tags=["trust"])


@console_router.get("/reports")
async def list_reports(
    operator: CurrentOperator, tx: TxDep, state: Literal["open", "confirmed", "dismissed"] = "open"
) -> list[TrustReportOut]:
    """Trust & safety cases, oldest first (that desk's agents, supervisors and admins)."""
    require_trust_cases(operator.agent)
    return [_report_out(case, full=True) for case in await reports.open_reports(tx.session, state=state)]


@console_router.post("/reports/{report_id}/decision")
async def decide(
    report_id: str, body: TrustDecisionIn, operator: CurrentOperator, tx: TxDep, runtime: RuntimeDep
) -> TrustReportOut:
    """Confirm a case (the items named, by default those found suspicious, go on the lookalike list every check
    consults) or dismiss it."""
    require_trust_cases(operator.agent)
    case = await reports.get_report(tx.session, report_id, for_update=True)
    await reports.do_decide(
        tx.session, runtime.trust, operator.agent, case, body.decision, items=body.items, note=body.note
    )
    await tx.commit()
    # This process checks with the new list at once; the others within MADOGUCHI_TRUST_REFRESH_SECONDS.
    await runtime.refresh_trust()
    return _report_out(case, full=True)


@console_router.get("/brands")
async def list_brands(operator: CurrentOperator, runtime: RuntimeDep) -> list[dict[str, Any]]:
    """The official-contact directory as the checks use it."""
    require_role(operator.agent, "admin", "supervisor")
    return [brand.model_dump(mode="json") for brand in runtime.trust.directory.brands.values()]


@console_router.put("/brands/{brand_id}")
async def save_brand(
    brand_id: str, body: dict[str, Any], operator: CurrentOperator, tx: TxDep, runtime: RuntimeDep
) -> dict[str, Any]:
    """Add or correct a brand (admins); the whole directory is validated before the change is kept."""
    require_role(operator.agent, "admin")
    if body.get("id", brand_id) != brand_id:
        raise InvalidInput("The brand's id in the body differs from the one in the address.")
    saved = await brands.do_save_brand(tx.session, operator.agent, {**body, "id": brand_id})
    await tx.commit()
    await runtime.refresh_trust()
    return saved.model_dump(mode="json")


@console_router.delete("/brands/{brand_id}", status_code=204)
async def remove_brand(brand_id: str, operator: CurrentOperator, tx: TxDep, runtime: RuntimeDep) -> Response:
    require_role(operator.agent, "admin")
    await brands.do_remove_brand(tx.session, operator.agent, brand_id)
    await tx.commit()
    await runtime.refresh_trust()
    return Response(status_code=204)
