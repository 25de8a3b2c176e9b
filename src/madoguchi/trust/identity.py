"""Customer identity tokens signed by the shop's backend (HMAC-SHA256), and anonymous visitor tokens.

Format: ``base64url(JSON payload) + "." + base64url(HMAC-SHA256(key, first part))``, the payload holding
``sub`` (the customer id in the shop's system), ``exp`` (Unix seconds) and ``typ`` (``customer`` or
``visitor``). A customer token may also be a standard JWT (three parts, HS256, ``sub`` and ``exp``), so that
a backend signs it with its platform's usual library. docs/identity.md shows both.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Literal

import jwt
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


INVALID = "The identity token is not valid: sign in on the shop again."
# Only HMAC-SHA256: the algorithm is never taken from the token itself (RFC 8725, 2.1).
JWT_ALGORITHMS = ["HS256"]


def verify_token(key: str, token: str, typ: TokenType, now: float | None = None) -> str:
    """The subject of a valid, unexpired token of the given type; `NotAuthenticated` otherwise."""
    if typ == "customer" and token.count(".") == 2:
        return _verify_jwt(key, token, now)
    try:
        payload_part, signature_part = token.split(".")
        expected = hmac.new(key.encode(), payload_part.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature_part)):
            raise ValueError("bad signature")
        payload = orjson.loads(_unb64(payload_part))
        subject, kind, expiry = payload["sub"], payload["typ"], payload["exp"]
    except (ValueError, KeyError, TypeError) as exc:
        raise NotAuthenticated(INVALID) from exc
    if kind != typ or not isinstance(subject, str) or not isinstance(expiry, int):
        raise NotAuthenticated(INVALID)
    _check_expiry(expiry, now)
    return subject


def _verify_jwt(key: str, token: str, now: float | None) -> str:
    """A customer token in JWT form. The times are judged here, on the runtime's clock, not by the library
    (which reads the wall clock); a `typ` claim, when the backend sets one, must say `customer`."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=JWT_ALGORITHMS,
            options={"require": ["sub", "exp"], "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except jwt.InvalidTokenError as exc:
        raise NotAuthenticated(INVALID) from exc
    subject, expiry, kind = claims.get("sub"), claims.get("exp"), claims.get("typ", "customer")
    not_before = claims.get("nbf", 0)
    if (
        kind != "customer"
        or not isinstance(subject, str)
        or not subject
        or not isinstance(expiry, int | float)
        or not isinstance(not_before, int | float)
    ):
        raise NotAuthenticated(INVALID)
    _check_expiry(expiry, now)
    if not_before > (utcnow().timestamp() if now is None else now):
        raise NotAuthenticated(INVALID)
    return subject


def _check_expiry(expiry: float, now: float | None) -> None:
    if expiry < (utcnow().timestamp() if now is None else now):
        raise NotAuthenticated("The identity token has expired: sign in on the shop again.")
