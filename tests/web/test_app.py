"""The application's surface: health, pages, headers, and the generated API document."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from madoguchi.settings import Settings
from madoguchi.web.app import create_app
from tests.conftest import running_server

DOCS = Path(__file__).resolve().parents[2] / "docs"


async def test_healthz_answers_ok(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        answer = await http.get("/healthz")
        assert answer.status_code == 200
        assert answer.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/", "/chat", "/console", "/widget.js", "/static/chat.js", "/static/console.js"])
async def test_pages_are_served_with_a_policy_that_forbids_inline_script(server: str, path: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        answer = await http.get(path)
        assert answer.status_code == 200
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert answer.headers["x-content-type-options"] == "nosniff"


async def test_only_the_chat_page_may_be_framed_and_only_by_the_widget_sites(settings: Settings) -> None:
    settings = settings.model_copy(update={"widget_origins": "https://shop.example.jp https://www.example.com"})
    async with running_server(settings) as server, httpx.AsyncClient(base_url=server) as http:
        chat_policy = (await http.get("/chat")).headers["content-security-policy"]
        assert "frame-ancestors 'self' https://shop.example.jp https://www.example.com" in chat_policy
        assert "frame-ancestors 'self'" in (await http.get("/console")).headers["content-security-policy"]


def test_widget_sites_must_be_origins() -> None:
    with pytest.raises(ValueError, match="not an origin"):
        Settings(widget_origins="javascript:alert(1)")


async def test_openapi_is_served(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        document = (await http.get("/openapi.json")).json()
        assert "/api/v1/console/conversations/{conversation_id}/take" in document["paths"]


def test_docs_openapi_json_is_the_generated_document() -> None:
    generated = create_app(Settings(environment="development", demo=True)).openapi()
    written = json.loads((DOCS / "openapi.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(generated)), "run `.venv/bin/madoguchi openapi > docs/openapi.json`"


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValueError, match="MADOGUCHI_SECRET_KEY"):
        Settings(environment="production", demo=False)
    with pytest.raises(ValueError, match="MADOGUCHI_DEMO"):
        Settings(environment="production", secret_key="x" * 40)
    assert Settings(environment="production", demo=False, secret_key="x" * 40).environment == "production"


async def test_unknown_demo_customer_gets_a_clear_error(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        answer = await http.post("/api/v1/demo/identity", json={"customer_id": "c999"})
        assert answer.status_code == 404
        assert "c999" in answer.json()["message"]
