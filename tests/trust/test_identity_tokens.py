"""Customer identity tokens: today's two-part format and a standard HS256 JWT, judged on the runtime's clock."""

from __future__ import annotations

import base64

import jwt
import orjson
import pytest

from madoguchi.errors import NotAuthenticated
from madoguchi.trust.identity import sign_token, verify_token

KEY = "k" * 64
NOW = 1_800_000_000.0


def _jwt(claims: dict[str, object], key: str = KEY, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def test_a_jwt_signed_by_a_backend_library_names_the_customer() -> None:
    token = _jwt({"sub": "c001", "exp": int(NOW) + 600, "iat": int(NOW)})
    assert verify_token(KEY, token, "customer", now=NOW) == "c001"


def test_the_two_part_token_still_works_beside_the_jwt() -> None:
    token = sign_token(KEY, "c001", "customer", 600, now=NOW)
    assert verify_token(KEY, token, "customer", now=NOW) == "c001"


def test_a_jwt_expires_on_the_runtime_clock_not_the_wall_clock() -> None:
    # Valid by the wall clock of 2026 for centuries, expired at the runtime's `now`.
    token = _jwt({"sub": "c001", "exp": int(NOW) - 1})
    with pytest.raises(NotAuthenticated, match="expired"):
        verify_token(KEY, token, "customer", now=NOW)
    # And the reverse: long expired by the wall clock, valid at the runtime's `now`.
    early = _jwt({"sub": "c001", "exp": 1_000_000_600})
    assert verify_token(KEY, early, "customer", now=1_000_000_000.0) == "c001"


def test_a_jwt_not_yet_valid_is_refused() -> None:
    token = _jwt({"sub": "c001", "exp": int(NOW) + 600, "nbf": int(NOW) + 60})
    with pytest.raises(NotAuthenticated, match="not valid"):
        verify_token(KEY, token, "customer", now=NOW)


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(NOW) + 600},  # no subject
        {"sub": "c001"},  # no expiry
        {"sub": "", "exp": int(NOW) + 600},
        {"sub": "c001", "exp": int(NOW) + 600, "typ": "visitor"},
        {"sub": "c001", "exp": "tomorrow"},
    ],
    ids=["no-sub", "no-exp", "empty-sub", "visitor-typ", "text-exp"],
)
def test_a_jwt_without_the_claims_it_needs_is_refused(claims: dict[str, object]) -> None:
    with pytest.raises(NotAuthenticated):
        verify_token(KEY, _jwt(claims), "customer", now=NOW)


def test_a_jwt_signed_with_another_key_or_algorithm_is_refused() -> None:
    claims = {"sub": "c001", "exp": int(NOW) + 600}
    with pytest.raises(NotAuthenticated):
        verify_token(KEY, _jwt(claims, key="x" * 64), "customer", now=NOW)
    with pytest.raises(NotAuthenticated):
        verify_token(KEY, _jwt(claims, algorithm="HS512"), "customer", now=NOW)


def test_an_unsigned_jwt_is_refused() -> None:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(orjson.dumps({"alg": "none", "typ": "JWT"}))
    payload = b64(orjson.dumps({"sub": "c001", "exp": int(NOW) + 600}))
    with pytest.raises(NotAuthenticated):
        verify_token(KEY, f"{header}.{payload}.", "customer", now=NOW)


def test_a_visitor_token_is_never_read_as_a_jwt() -> None:
    # Visitor tokens are Madoguchi's own: a JWT, even one signed with the right key, is not one.
    with pytest.raises(NotAuthenticated):
        verify_token(KEY, _jwt({"sub": "v1", "exp": int(NOW) + 600, "typ": "visitor"}), "visitor", now=NOW)
