"""A production install from zero (DESIGN.md): `madoguchi db upgrade` on an empty database, the first
administrator from `madoguchi admin create-admin` (password on stdin), and a log-in; no demo data, no demo
password, ever."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import httpx
import pytest
from click.testing import CliRunner

from madoguchi.cli import main
from madoguchi.settings import Settings, get_settings
from tests.conftest import running_server

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SECRET = "p" * 48
EMAIL = "Owner@Example.jp"
PASSWORD = "correct horse battery staple"


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
        answer = await http.post("/api/v1/auth/login", json={"email": "owner@example.jp", "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        assert answer.json()["agent"]["role"] == "admin"
        assert "Secure" in answer.headers["set-cookie"]


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
