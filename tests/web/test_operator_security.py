"""Operators: two-factor log-in, log-in throttling, roles, and the append-only audit log of their actions."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import httpx
import pyotp
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from madoguchi.store.db import create_engine
from tests.conftest import running_server
from tests.helpers import AGENT_TANAKA, SHOP_AGENT_YAMADA, Console

if TYPE_CHECKING:
    from madoguchi.settings import Settings

ADMIN = ("admin@madoguchi.localhost", "demo-admin-madoguchi")


async def _log_in(http: httpx.AsyncClient, email: str, password: str, otp: str | None = None) -> httpx.Response:
    body = {"email": email, "password": password} | ({"otp": otp} if otp else {})
    return await http.post("/api/v1/auth/login", json=body)


async def test_two_factor_log_in_asks_for_the_code_once_turned_on(server: str) -> None:
    async with Console(server, *AGENT_TANAKA) as tanaka:
        setup = (await tanaka.post("/api/v1/auth/totp/setup")).json()
        assert setup["uri"].startswith("otpauth://totp/")
        wrong = await tanaka.post("/api/v1/auth/totp/enable", {"code": "000000"})
        assert wrong.status_code == 422
        generator = pyotp.TOTP(setup["secret"])
        # A code is spent once: the previous step's turns it on and leaves the current one for the log-in.
        code = generator.at(time.time() - generator.interval)
        assert (await tanaka.post("/api/v1/auth/totp/enable", {"code": code})).status_code == 204
    async with httpx.AsyncClient(base_url=server) as http:
        asked = await _log_in(http, *AGENT_TANAKA)
        assert asked.status_code == 401
        assert asked.json()["code"] == "two_factor_required"
        assert (await _log_in(http, *AGENT_TANAKA, otp="123456")).status_code == 401
        answer = await _log_in(http, *AGENT_TANAKA, otp=pyotp.TOTP(setup["secret"]).now())
        assert answer.status_code == 200, answer.text


async def test_failed_log_ins_are_throttled_per_account(settings: Settings) -> None:
    settings = settings.model_copy(update={"login_attempts": "3/15minutes"})
    async with running_server(settings) as server, httpx.AsyncClient(base_url=server) as http:
        for _ in range(3):
            assert (await _log_in(http, AGENT_TANAKA[0], "wrong-password")).status_code == 401
        refused = await _log_in(http, *AGENT_TANAKA)
        assert refused.status_code == 429
        assert refused.json()["code"] == "rate_limited"
        # Another account is not locked by someone guessing this one's password.
        assert (await _log_in(http, *SHOP_AGENT_YAMADA)).status_code == 200


async def test_every_operator_change_is_audited_and_shown_to_supervisors_only(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        await _log_in(http, AGENT_TANAKA[0], "wrong-password")
    async with Console(server, *AGENT_TANAKA) as tanaka:
        await tanaka.post("/api/v1/auth/totp/setup")
        assert (await tanaka.get("/api/v1/auth/audit")).status_code == 403
    async with Console(server, *ADMIN) as admin:
        entries = (await admin.get("/api/v1/auth/audit")).json()
    actions = [(entry["actor"], entry["action"]) for entry in entries]
    assert (AGENT_TANAKA[0], "auth.not_authenticated") in actions
    assert (AGENT_TANAKA[0], "auth.login") in actions
    assert (AGENT_TANAKA[0], "POST /api/v1/auth/totp/setup") in actions
    assert all(entry["address"] == "127.0.0.1" for entry in entries if entry["action"] != "auth.not_authenticated")


async def test_the_audit_log_cannot_be_rewritten_even_with_sql(server: str, settings: Settings) -> None:
    async with Console(server, *AGENT_TANAKA):
        pass
    engine = create_engine(settings.database_url)
    try:
        for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
            with pytest.raises((DBAPIError, IntegrityError, OperationalError), match="append-only"):
                async with engine.begin() as connection:
                    await connection.execute(text(statement))
        async with engine.connect() as connection:
            assert (await connection.scalar(text("SELECT count(*) FROM audit_log"))) >= 1
    finally:
        await engine.dispose()


async def test_a_shop_agent_cannot_open_trust_cases_or_the_directory(server: str) -> None:
    async with Console(server, *SHOP_AGENT_YAMADA) as yamada:
        assert (await yamada.get("/api/v1/console/trust/reports")).status_code == 403
        assert (await yamada.get("/api/v1/console/trust/brands")).status_code == 403
        answer = await yamada.http.put(
            "/api/v1/console/trust/brands/evil", json={}, headers={"X-CSRF-Token": yamada.csrf}
        )
        assert answer.status_code == 403
