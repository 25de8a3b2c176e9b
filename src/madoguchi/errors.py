"""One family of errors, each with a stable code, an HTTP status and a sentence a person can act on."""

from __future__ import annotations

from typing import Any


class MadoguchiError(Exception):
    code = "error"
    http_status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.details}


class InvalidInput(MadoguchiError):
    code = "invalid_input"
    http_status = 422


class NotFound(MadoguchiError):
    """Also what a caller gets for something that exists but is not theirs: its existence is not disclosed."""

    code = "not_found"
    http_status = 404


class NotAuthenticated(MadoguchiError):
    code = "not_authenticated"
    http_status = 401


class Forbidden(MadoguchiError):
    code = "forbidden"
    http_status = 403


class Conflict(MadoguchiError):
    code = "conflict"
    http_status = 409


class SchemaMismatch(MadoguchiError):
    """The database's schema is not the one this code was written for."""

    code = "schema_mismatch"
    http_status = 503


class Unavailable(MadoguchiError):
    """A component this request needs is not there (yet); the message says how to provide it."""

    code = "unavailable"
    http_status = 503


class RateLimited(MadoguchiError):
    """Over a rate limit; `retry_after_s` is when the caller may try again (the `Retry-After` header)."""

    code = "rate_limited"
    http_status = 429

    def __init__(self, message: str, *, retry_after_s: int | None = None, **details: Any) -> None:
        if retry_after_s is not None:
            details["retry_after_s"] = retry_after_s
        super().__init__(message, **details)
        self.retry_after_s = retry_after_s


class TwoFactorRequired(NotAuthenticated):
    """The password was right; the operator's one-time code is still needed."""

    code = "two_factor_required"
