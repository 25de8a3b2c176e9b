"""`POST /api/v1/trust/check`: is this URL, domain, address or number official? Open to anyone, rate limited."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request

from madoguchi.errors import InvalidInput
from madoguchi.trust.mail import MAX_MAIL_BYTES
from madoguchi.web.deps import RuntimeDep, public_rate_limit
from madoguchi.web.schemas import TrustCheckIn, TrustCheckOut

router = APIRouter(prefix="/api/v1/trust", tags=["trust"])


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
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > MAX_MAIL_BYTES:
            raise InvalidInput(f"The mail is larger than {MAX_MAIL_BYTES // (1024 * 1024)} MB.", limit=MAX_MAIL_BYTES)
    if not data:
        raise InvalidInput("Send the mail (the whole .eml file) as the request body.")
    result = runtime.trust.check_mail(bytes(data), name="mail")
    return TrustCheckOut.model_validate(result.contract(lang))
