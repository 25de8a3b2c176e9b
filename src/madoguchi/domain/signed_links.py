"""Signed download links: a receipt, a transcript or a photo is served to whoever holds an unexpired link
signed for the customer it was given to, and to nobody else.

The signature is an HMAC over the kind, the subject's id, the customer and the expiry, so a link cannot be
turned into another kind, another subject, another customer or a later expiry.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
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
