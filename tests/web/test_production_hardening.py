"""Production refuses what is only safe on a developer's machine: weak identity secrets, cookies without
`Secure`, and documentation pages that load third-party scripts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from madoguchi.settings import Settings
from madoguchi.web.app import create_app

SECRET = "s" * 48


def _production(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "production",
        "demo": False,
        "secret_key": SECRET,
        "database_url": "sqlite+aiosqlite:///:memory:",
        "smtp_listen": "",
    }
    return Settings(**(values | overrides))


def test_production_refuses_a_short_identity_secret_and_says_how_to_make_one() -> None:
    with pytest.raises(ValueError, match="MADOGUCHI_IDENTITY_SECRET must be a random value of at least 32") as refused:
        _production(identity_secret="a")
    assert "secrets.token_urlsafe" in str(refused.value)


def test_production_refuses_an_identity_secret_equal_to_the_secret_key() -> None:
    with pytest.raises(ValueError, match="must differ from MADOGUCHI_SECRET_KEY"):
        _production(identity_secret=SECRET)


def test_production_takes_a_long_distinct_identity_secret_or_none() -> None:
    assert _production(identity_secret="i" * 40).identity_key == "i" * 40
    assert _production().identity_key == SECRET


def test_development_keeps_accepting_any_identity_secret() -> None:
    assert Settings(environment="development", identity_secret="a").identity_key == "a"


def test_production_cookies_are_always_secure(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _production().cookie_secure is True
    assert _production(cookie_secure=True).cookie_secure is True
    with pytest.raises(ValueError, match="MADOGUCHI_COOKIE_SECURE=false is refused in production"):
        _production(cookie_secure=False)
    # The same when it comes from the environment, as in a deployment.
    monkeypatch.setenv("MADOGUCHI_COOKIE_SECURE", "false")
    with pytest.raises(ValueError, match="MADOGUCHI_COOKIE_SECURE=false"):
        _production()
    assert Settings(environment="development").cookie_secure is False


async def _get(settings: Settings, path: str) -> httpx.Response:
    # Neither the documentation pages nor their absence need the database: no lifespan is run.
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://madoguchi.test") as http:
        return await http.get(path)


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_production_serves_no_documentation_pages_with_third_party_scripts(path: str) -> None:
    assert (await _get(_production(), path)).status_code == 404
    development = await _get(Settings(environment="development", database_url="sqlite+aiosqlite:///:memory:"), path)
    assert development.status_code == 200


async def test_production_still_serves_the_openapi_document() -> None:
    answer = await _get(_production(), "/openapi.json")
    assert answer.status_code == 200
    assert answer.json()["info"]["title"] == "Madoguchi"
