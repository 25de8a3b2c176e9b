"""Customer identity tokens signed by the shop's backend (HMAC-SHA256), and anonymous visitor tokens.

Format: ``base64url(JSON payload) + "." + base64url(HMAC-SHA256(key, first part))``, the payload holding
``sub`` (the customer id in the shop's system), ``exp`` (Unix seconds) and ``typ`` (``customer`` or
``visitor``). docs/identity.md shows how a shop backend makes one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Literal

import orjson

from madoguchi.domain.clock import utcnow
from madoguchi.errors import NotAuthenticated

TokenType = Literal["customer", "visitor"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_token(key: str, subject: str, typ: TokenType, ttl_seconds: int, now: float | None = None) -> str:
    issued = utcnow().timestamp() if now is None else now
    payload = _b64(orjson.dumps({"sub": subject, "typ": typ, "exp": int(issued + ttl_seconds)}))
    signature = hmac.new(key.encode(), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(signature)}"


def verify_token(key: str, token: str, typ: TokenType, now: float | None = None) -> str:
    """The subject of a valid, unexpired token of the given type; `NotAuthenticated` otherwise."""
    try:
        payload_part, signature_part = token.split(".")
        expected = hmac.new(key.encode(), payload_part.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature_part)):
            raise ValueError("bad signature")
        payload = orjson.loads(_unb64(payload_part))
        subject, kind, expiry = payload["sub"], payload["typ"], payload["exp"]
    except (ValueError, KeyError, TypeError) as exc:
        raise NotAuthenticated("The identity token is not valid: sign in on the shop again.") from exc
    if kind != typ or not isinstance(subject, str) or not isinstance(expiry, int):
        raise NotAuthenticated("The identity token is not valid: sign in on the shop again.")
    if expiry < (utcnow().timestamp() if now is None else now):
        raise NotAuthenticated("The identity token has expired: sign in on the shop again.")
    return subject
