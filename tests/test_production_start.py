"""A production install from zero (DESIGN.md): `madoguchi db upgrade` on an empty database, the first
administrator from `madoguchi admin create-admin` (password on stdin), and a log-in; no demo data, no demo
password, ever."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from click.testing import CliRunner

from madoguchi.cli import main
from madoguchi.settings import Settings, get_settings
from tests.conftest import running_server
from tests.helpers import ChatClient

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SECRET = "p" * 48
EMAIL = "Owner@Example.jp"
PASSWORD = "correct horse battery staple"
PLATFORM_CS = {
    "id": "platform_cs",
    "name_ja": "カスタマーサービス",
    "name_en": "Customer service",
    "hours": dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday"), "00:00-24:00"),
    "languages": ["ja", "en"],
    "channels": ["chat", "email"],
    "first_response_minutes": 5,
    "resolution_hours": 24,
}
OPERATOR = {
    "email": "agent@example.jp",
    "name": "窓口 花子",
    "role": "agent",
    "desks": ["platform_cs"],
    "languages": ["ja"],
    "password": "agent-password-1234",
}
SHOP = {
    "id": "sakura-tea",
    "name": "さくら茶房",
    "name_en": "Sakura Tea",
    "hours": {"mon": "10:00-18:00"},
    "languages": ["ja"],
    "contact_email": "info@sakura-tea.example.jp",
}
SHOP_STAFF = {
    "email": "staff@sakura-tea.example.jp",
    "name": "桜 一郎",
    "role": "shop_agent",
    "shop_id": "sakura-tea",
    "password": "shop-password-1234",
}


@pytest.fixture
def production(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'production.db'}"
    for name, value in {
        "MADOGUCHI_ENVIRONMENT": "production",
        "MADOGUCHI_SECRET_KEY": SECRET,
        "MADOGUCHI_DEMO": "false",
        "MADOGUCHI_DATABASE_URL": url,
        "MADOGUCHI_SMTP_LISTEN": "",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _cli(*args: str, stdin: str | None = None) -> tuple[int, str]:
    outcome = CliRunner().invoke(main, list(args), input=stdin)
    return outcome.exit_code, outcome.output


async def test_a_production_install_starts_empty_and_its_first_admin_logs_in(production: str) -> None:
    # The commands run their own event loop: off this test's.
    assert (await asyncio.to_thread(_cli, "db", "upgrade"))[0] == 0
    code, said = await asyncio.to_thread(
        _cli, "admin", "create-admin", "--email", EMAIL, "--name", "店長 太郎", stdin=PASSWORD + "\n"
    )
    assert code == 0, said
    assert "administrator owner@example.jp created" in said
    # The demo stays out of production.
    code, said = await asyncio.to_thread(_cli, "seed")
    assert code != 0
    assert "never loaded with MADOGUCHI_ENVIRONMENT=production" in said

    settings = Settings(
        environment="production", secret_key=SECRET, demo=False, database_url=production, smtp_listen=""
    )
    async with running_server(settings) as base_url, httpx.AsyncClient(base_url=base_url) as http:
        demo = await http.post(
            "/api/v1/auth/login", json={"email": "admin@madoguchi.localhost", "password": "demo-admin-madoguchi"}
        )
        assert demo.status_code == 401
        admin = await _session(http, "owner@example.jp", PASSWORD)
        assert admin.agent["role"] == "admin"
        # The routing map's first desk, an operator for it, and a shop with its staff, all from the API.
        desk = await admin.post("/api/v1/admin/desks", PLATFORM_CS)
        assert desk.status_code == 201, desk.text
        operator = await admin.post("/api/v1/admin/operators", OPERATOR)
        assert operator.status_code == 201, operator.text
        shop = await admin.post("/api/v1/admin/shops", SHOP)
        assert shop.status_code == 201, shop.text
        staff = await admin.post("/api/v1/admin/operators", SHOP_STAFF)
        assert staff.status_code == 201, staff.text

        # A customer chats and asks for a person; the new operator answers.
        async with ChatClient(base_url, lang="ja") as chat:
            await chat.say("オペレーターと話したいです")
            assert (await chat.status("queued"))["desk"] == "platform_cs"
            agent = await _session(http, OPERATOR["email"], OPERATOR["password"])
            conversation_id = chat.hello["conversation_id"]
            taken = await agent.post(f"/api/v1/console/conversations/{conversation_id}/take")
            assert taken.status_code == 200, taken.text
            reply = await agent.post(
                f"/api/v1/console/conversations/{conversation_id}/messages", {"text": "承ります。"}
            )
            assert reply.status_code == 201, reply.text
            await chat.message_from("agent", "承ります")
        # The shop's staff see their shop's inbox, empty, and not the platform's conversation.
        shop_staff = await _session(http, SHOP_STAFF["email"], SHOP_STAFF["password"])
        lists = (await shop_staff.get("/api/v1/console/conversations")).json()
        assert lists["queue"] == []
        assert lists["mine"] == []


class _Session:
    """An operator's session over plain HTTP in a test: production cookies are `Secure`, so the cookie is sent
    by hand, as a browser would over HTTPS."""

    def __init__(self, http: httpx.AsyncClient, cookie: str, csrf: str, agent: dict[str, Any]) -> None:
        self.http, self.cookie, self.csrf, self.agent = http, cookie, csrf, agent

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(path, headers={"Cookie": self.cookie})

    async def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.http.post(path, json=body, headers={"Cookie": self.cookie, "X-CSRF-Token": self.csrf})


async def _session(http: httpx.AsyncClient, email: str, password: str) -> _Session:
    answer = await http.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    set_cookie = answer.headers["set-cookie"]
    assert "Secure" in set_cookie
    http.cookies.clear()
    return _Session(http, set_cookie.split(";", 1)[0], answer.json()["csrf_token"], answer.json()["agent"])


@pytest.mark.parametrize(
    ("args", "stdin", "reason"),
    [
        (["--email", "owner@example.jp", "--name", "店長"], "short\n", "12 to 1024 characters"),
        (["--email", "owner@example.jp", "--name", "店長"], "\n", "12 to 1024 characters"),
        (["--email", "not-an-address", "--name", "店長"], PASSWORD + "\n", "is not an e-mail address"),
        (["--email", "owner@example.jp", "--name", "  "], PASSWORD + "\n", "1 to 200 characters"),
    ],
    ids=["short-password", "no-password", "bad-email", "blank-name"],
)
def test_create_admin_refuses_bad_input_with_a_reason(
    production: str, args: list[str], stdin: str, reason: str
) -> None:
    assert _cli("db", "upgrade")[0] == 0
    code, said = _cli("admin", "create-admin", *args, stdin=stdin)
    assert code != 0
    assert reason in said


def test_create_admin_refuses_an_address_taken_already(production: str) -> None:
    assert _cli("db", "upgrade")[0] == 0
    assert _cli("admin", "create-admin", "--email", EMAIL, "--name", "一人目", stdin=PASSWORD + "\n")[0] == 0
    code, said = _cli("admin", "create-admin", "--email", EMAIL.lower(), "--name", "二人目", stdin=PASSWORD + "\n")
    assert code != 0
    assert "exists already" in said


def test_create_admin_on_a_database_without_its_schema_says_to_upgrade(production: str) -> None:
    code, said = _cli("admin", "create-admin", "--email", EMAIL, "--name", "店長", stdin=PASSWORD + "\n")
    assert code != 0
    assert "db upgrade" in said
