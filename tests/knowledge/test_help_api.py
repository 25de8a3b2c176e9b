"""The help centre over HTTP: search, the article pages, and editing by admins and supervisors only; the bot
cites an edited article from the next message on."""

from __future__ import annotations

import httpx

from tests.bot.conftest import guest
from tests.helpers import SHOP_AGENT_YAMADA, Console

ADMIN = ("admin@madoguchi.localhost", "demo-admin-madoguchi")


async def test_search_returns_pages_with_url_and_snippet(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        answer = await http.get("/api/v1/help/search", params={"q": "返品したい", "language": "ja"})
        assert answer.status_code == 200
        first = answer.json()["results"][0]
        assert first["slug"] == "returns-exchanges"
        assert first["url"] == "/help/returns-exchanges"
        assert first["snippet"]
        page = await http.get(first["url"])
        assert page.status_code == 200
        assert "返品・交換の条件と方法" in page.text
        assert (await http.get("/help/no-such-page")).status_code == 404
        assert (await http.get("/api/v1/help/search", params={"q": ""})).status_code == 422


async def test_a_help_page_shows_its_markdown_as_html_and_never_the_marks(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        page = await http.get("/help/returns-exchanges")
        assert page.status_code == 200
        main = page.text.split("<main>", 1)[1]
        assert main.count("<h1>") == 1
        assert "<h2>" in main
        assert "<li>" in main
        assert "<strong>" in main or "<table>" in main
        assert "# " not in main
        assert "**" not in main


async def test_a_japanese_page_read_in_another_language_says_it_is_in_japanese_only(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        korean = await http.get("/help/premium-membership", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
        assert "일본어로만 제공됩니다" in korean.text
        chinese = await http.get("/help/premium-membership", params={"lang": "zh"})
        assert "仅有日文版" in chinese.text
        japanese = await http.get("/help/premium-membership", headers={"Accept-Language": "ja"})
        assert "language-notice" not in japanese.text
        own = await http.get("/help/returns-and-refunds-ko", headers={"Accept-Language": "ko"})
        assert "language-notice" not in own.text
        assert (await http.get("/help/premium-membership", params={"lang": "x" * 50})).status_code == 422


async def test_markup_typed_into_an_article_is_not_served(server: str) -> None:
    body = "# 案内\n\n<script>alert(1)</script>\n\n[押す](javascript:alert(1)) **大切**"
    async with Console(server, *ADMIN) as admin:
        saved = await admin.http.put(
            "/api/v1/console/articles/hostile-markup",
            json={"language": "ja", "title": "案内", "body": body, "intents": []},
            headers={"X-CSRF-Token": admin.csrf},
        )
        assert saved.status_code == 200, saved.text
        assert "<strong>大切</strong>" in saved.json()["html"]
    async with httpx.AsyncClient(base_url=server) as http:
        page = (await http.get("/help/hostile-markup")).text
        assert "<script>alert" not in page
        assert 'href="javascript' not in page
        assert "<strong>大切</strong>" in page


async def test_an_article_edited_by_an_admin_is_searched_and_cited(server: str) -> None:
    text = "年末年始（12月29日〜1月3日）は、ショップからの発送が1月4日以降になります。"
    async with Console(server, *ADMIN) as admin:
        answer = await admin.http.put(
            "/api/v1/console/articles/new-year-shipping",
            json={"language": "ja", "title": "年末年始の発送について", "body": text, "intents": ["delivery_period"]},
            headers={"X-CSRF-Token": admin.csrf},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["url"] == "/help/new-year-shipping"
        listed = await admin.get("/api/v1/console/articles")
        assert "new-year-shipping" in [article["slug"] for article in listed.json()]
    async with httpx.AsyncClient(base_url=server) as http:
        found = await http.get("/api/v1/help/search", params={"q": "年末年始の発送"})
        assert found.json()["results"][0]["slug"] == "new-year-shipping"
    async with guest(server) as chat:
        await chat.ask("年末年始の発送はいつになりますか")
        assert "/help/new-year-shipping" in await chat.bot("年末年始")


async def test_shop_staff_cannot_edit_articles(server: str) -> None:
    async with Console(server, *SHOP_AGENT_YAMADA) as shop:
        answer = await shop.http.put(
            "/api/v1/console/articles/returns-exchanges",
            json={"language": "ja", "title": "x", "body": "y"},
            headers={"X-CSRF-Token": shop.csrf},
        )
        assert answer.status_code == 403
        bad = await shop.http.put(
            "/api/v1/console/articles/BAD SLUG",
            json={"language": "ja", "title": "x", "body": "y"},
            headers={"X-CSRF-Token": shop.csrf},
        )
        assert bad.status_code in (403, 422)


async def test_the_bots_quote_of_a_page_is_prose_and_a_forgotten_password_is_kept_as_written(server: str) -> None:
    async with guest(server) as chat:
        await chat.ask("支払い方法を教えてください")
        answer = await chat.bot("/help/")
        assert not any(mark in answer for mark in ("|", "**", "# ", "お支払い方法  内容")), answer
        await chat.ask("パスワードを忘れました")
        echoed = await chat.message_from("customer", "パスワード")
        assert echoed["text"] == "パスワードを忘れました"
        assert "/help/password-reset" in await chat.bot("/help/")
