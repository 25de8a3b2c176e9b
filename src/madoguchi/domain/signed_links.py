"""Signed links: a receipt, a transcript or a photo is served to whoever holds an unexpired link signed for the
customer it was given to, and to nobody else; a rating link rates the one resolution it was sent for.

The signature is an HMAC over the kind, the subject's id, the customer and the expiry, so a link cannot be
turned into another kind, another subject, another customer or a later expiry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from madoguchi.errors import Forbidden

LINK_HOURS = 24


def _signature(secret: str, kind: str, subject: str, customer_id: str, expires: int) -> str:
    # A lone surrogate cannot be UTF-8 encoded strictly; such a value never matches a link we signed.
    message = f"{kind}\n{subject}\n{customer_id}\n{expires}".encode("utf-8", "surrogatepass")
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_url(secret: str, kind: str, subject: str, customer_id: str, now: datetime) -> str:
    """The download link of `subject` for `customer_id`, valid for LINK_HOURS from `now`."""
    expires = int((now + timedelta(hours=LINK_HOURS)).timestamp())
    query = urlencode(
        {
            "customer": customer_id,
            "expires": expires,
            "signature": _signature(secret, kind, subject, customer_id, expires),
        }
    )
    return f"/api/v1/downloads/{kind}/{subject}?{query}"


def verify(secret: str, kind: str, subject: str, customer_id: str, expires: int, signature: str, now: datetime) -> None:
    """Raise Forbidden unless the link's signature matches and it has not expired at `now`."""
    expected = _signature(secret, kind, subject, customer_id, expires)
    # Compared as bytes: `compare_digest` refuses a str with characters beyond ASCII, which anyone can put in
    # the link's query, instead of simply not matching it.
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise Forbidden("This download link is not valid: ask for a new one in the chat.")
    if now.timestamp() > expires:
        raise Forbidden("This download link has expired: ask for a new one in the chat.")


# --- rating links ---------------------------------------------------------------------------------------------
# A resolved e-mail ticket's mail carries a link to rate that resolution. The token is the credential: an HMAC
# over the conversation, the resolution's instant and the expiry, so it rates only the resolution it was sent
# for, and only until it expires.

RATING_LINK_DAYS = 14
_RATING_KIND = "rating"
_MAX_TOKEN_CHARS = 200


@dataclass(frozen=True, slots=True)
class RatingLink:
    conversation_id: str
    # The instant of the resolution the link rates (aware, UTC).
    resolved_at: datetime
    expires_at: datetime


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(instant: datetime) -> int:
    delta = instant.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _rating_signature(secret: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"{_RATING_KIND}\n{body}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def rating_token(secret: str, conversation_id: str, resolved_at: datetime, now: datetime) -> str:
    """The token of the link that rates the resolution of `conversation_id` at `resolved_at`, valid for
    RATING_LINK_DAYS from `now`."""
    expires = int((now + timedelta(days=RATING_LINK_DAYS)).timestamp())
    body = f"{conversation_id}.{_micros(resolved_at)}.{expires}"
    return f"{body}.{_rating_signature(secret, body)}"


def read_rating_token(secret: str, token: str, now: datetime) -> RatingLink:
    """The resolution a rating token names; Forbidden (`reason`: `invalid` or `expired`) for anything else."""
    invalid = Forbidden(
        "This rating link is not valid: open it from the mail exactly as it was sent. "
        "/ この評価用リンクは無効です。メールに記載されたリンクをそのまま開いてください。",
        reason="invalid",
    )
    if len(token) > _MAX_TOKEN_CHARS:
        raise invalid
    parts = token.split(".")
    if len(parts) != 4:
        raise invalid
    conversation_id, resolved, expires, signature = parts
    body = f"{conversation_id}.{resolved}.{expires}"
    expected = _rating_signature(secret, body)
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise invalid
    # Signed by us, so well formed; still read defensively.
    if not (resolved.isdigit() and expires.isdigit()):
        raise invalid
    expires_at = datetime.fromtimestamp(int(expires), UTC)
    if now > expires_at:
        raise Forbidden(
            f"This rating link has expired: links are valid for {RATING_LINK_DAYS} days. "
            f"/ この評価用リンクは有効期限（{RATING_LINK_DAYS}日間）が切れています。",
            reason="expired",
        )
    return RatingLink(conversation_id, _EPOCH + timedelta(microseconds=int(resolved)), expires_at)
