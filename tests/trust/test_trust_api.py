"""`POST /api/v1/trust/check`, `POST /api/v1/trust/check-email` and the public page, on a real server (SQLite, and
PostgreSQL + Redis): the contract, clear refusals, rate limits shared between processes, the page's policy."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.conftest import running_server

if TYPE_CHECKING:
    from madoguchi.settings import Settings

CHECK = "/api/v1/trust/check"
CHECK_EMAIL = "/api/v1/trust/check-email"
CONTRACT = {"input", "kind", "verdict", "brand", "brand_name", "reasons"}
VERDICTS = {"official", "suspicious", "unknown"}
BRAND_ID = re.compile(r"^[a-z][a-z0-9_]*$")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
RFC822 = {"Content-Type": "message/rfc822"}

PHISHING_MAIL = (
    b'From: "Amazon.co.jp" <account-update@amazon-security.example.top>\r\n'
    b"To: customer@example.jp\r\n"
    b"Subject: =?utf-8?B?44CQ6YeN6KaB44CR44Ki44Kr44Km44Oz44OI44Gu56K66KqN?=\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    + "24時間以内に https://amazon-security.example.top/ap/signin からログインしてください。\r\n".encode()
)


def assert_contract(answer: dict[str, Any]) -> None:
    assert set(answer) >= CONTRACT, answer
    assert answer["verdict"] in VERDICTS
    assert answer["brand"] is None or BRAND_ID.match(answer["brand"])
    assert (answer["brand"] is None) == (answer["brand_name"] is None)
    assert isinstance(answer["reasons"], list)
    assert answer["reasons"]
    assert all(isinstance(reason, str) and reason for reason in answer["reasons"])


async def test_check_answers_with_the_contract(settings: Settings) -> None:
    async with running_server(settings) as server, httpx.AsyncClient(base_url=server, timeout=30) as http:
        cases = [
            ({"input": "https://www.amazon.co.jp/gp/help"}, "url", "official", "amazon"),
            ({"input": "https://amaz0n-jp.com/signin", "lang": "en"}, "url", "suspicious", "amazon"),
            ({"input": "0120-01-9625", "lang": "ja"}, "phone", "official", "yamato"),
            ({"input": "support@rakuten.co.jp.example.top"}, "email", "suspicious", "rakuten"),
            ({"input": "example.com", "lang": "en"}, "domain", "unknown", None),
        ]
        for body, kind, verdict, brand in cases:
            answer = await http.post(CHECK, json=body)
            assert answer.status_code == 200, answer.text
            result = answer.json()
            assert_contract(result)
            assert (result["input"], result["kind"], result["verdict"], result["brand"]) == (
                body["input"],
                kind,
                verdict,
                brand,
            ), result
            japanese = body.get("lang", "ja") == "ja"
            assert bool(JAPANESE.search(result["reasons"][0])) == japanese, result["reasons"]
        english = (await http.post(CHECK, json={"input": "amazon.co.jp", "lang": "en"})).json()
        assert english["brand_name"] == "Amazon Japan"
        japanese = (await http.post(CHECK, json={"input": "amazon.co.jp"})).json()
        assert japanese["brand_name"] == "Amazon（アマゾン）"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"input": ""}, "input", id="empty"),
        pytest.param({"input": "   \t "}, "input", id="blank"),
        pytest.param({"input": "a" * 8193}, "input", id="oversized"),
        pytest.param({}, "input", id="missing"),
        pytest.param({"input": 12345}, "input", id="not a string"),
        pytest.param({"input": "amazon.co.jp", "lang": "fr"}, "lang", id="unknown lang"),
    ],
)
async def test_check_refuses_bad_input_with_a_clear_message(
    settings: Settings, body: dict[str, Any], field: str
) -> None:
    async with running_server(settings) as server, httpx.AsyncClient(base_url=server, timeout=30) as http:
        answer = await http.post(CHECK, json=body)
        assert answer.status_code == 422, answer.text
        problem = answer.json()
        assert problem["code"] == "invalid_input"
        assert field in problem["message"], problem


async def test_check_refuses_a_body_that_is_not_json_with_a_clear_message(settings: Settings) -> None:
    async with running_server(settings) as server, httpx.AsyncClient(base_url=server, timeout=30) as http:
        answer = await http.post(CHECK, content=b"amazon.co.jp", headers={"Content-Type": "application/json"})
        assert answer.status_code == 422, answer.text
        problem = answer.json()
        assert problem["code"] == "invalid_input"
        assert "JSON" in problem["message"], problem


async def test_check_refuses_text_that_is_not_unicode(settings: Settings) -> None:
    # JSON may carry a lone surrogate ("\ud800"), which no response can carry back.
    async with running_server(settings) as server, httpx.AsyncClient(base_url=server, timeout=30) as http:
        answer = await http.post(
            CHECK, content=b'{"input": "https://\\ud800.example.com/"}', headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["code"] == "invalid_input"


async def test_check_email_judges_a_whole_mail(settings: Settings) -> None:
    async with running_server(settings) as server, httpx.AsyncClient(base_url=server, timeout=30) as http:
        answer = await http.post(CHECK_EMAIL, content=PHISHING_MAIL, headers=RFC822)
        assert answer.status_code == 200, answer.text
        result = answer.json()
        assert_contract(result)
        assert (result["kind"], result["verdict"], result["brand"]) == ("mail", "suspicious", "amazon")
        assert JAPANESE.search(result["reasons"][0])
        english = (await http.post(CHECK_EMAIL, params={"lang": "en"}, content=PHISHING_MAIL, headers=RFC822)).json()
        assert_contract(english)
        assert english["brand_name"] == "Amazon Japan"
        assert not any(JAPANESE.search(reason) for reason in english["reasons"] if "Amazon" in reason)


async def test_check_email_refuses_an_empty_or_oversized_mail(settings: Settings) -> None:
    async with running_server(settings) as server, httpx.AsyncClient(base_url=server, timeout=60) as http:
        empty = await http.post(CHECK_EMAIL, content=b"", headers=RFC822)
        assert empty.status_code == 422, empty.text
        assert empty.json()["code"] == "invalid_input"
        assert ".eml" in empty.json()["message"]
        # Refused at the door, before it is read whole: 413 with the limit in the sentence.
        oversized = await http.post(CHECK_EMAIL, content=PHISHING_MAIL.ljust(26 * 1024 * 1024, b"a"), headers=RFC822)
        assert oversized.status_code == 413, oversized.text[:500]
        assert oversized.json()["code"] == "too_large"
        assert "25.0 MB" in oversized.json()["message"]
        unknown_language = await http.post(CHECK_EMAIL, params={"lang": "fr"}, content=PHISHING_MAIL, headers=RFC822)
        assert unknown_language.status_code == 422
        assert "lang" in unknown_language.json()["message"]


async def test_too_many_checks_from_one_address_are_refused(settings: Settings) -> None:
    limited = settings.model_copy(update={"rate_limit_public": "3/minute"})
    async with running_server(limited) as server, httpx.AsyncClient(base_url=server, timeout=30) as http:
        for _ in range(3):
            answer = await http.post(CHECK, json={"input": "amazon.co.jp"})
            assert answer.status_code == 200, answer.text
        refused = await http.post(CHECK, json={"input": "amazon.co.jp"})
        assert refused.status_code == 429, refused.text
        problem = refused.json()
        assert problem["code"] == "rate_limited"
        assert re.search(r"\b3\b", problem["message"]), problem  # says what the limit is
        # The mail check counts on its own.
        mail = await http.post(CHECK_EMAIL, content=PHISHING_MAIL, headers=RFC822)
        assert mail.status_code == 200, mail.text


@pytest.mark.postgres
@pytest.mark.parametrize("settings", ["postgresql"], indirect=True)
async def test_the_limit_is_shared_by_every_process_through_redis(settings: Settings) -> None:
    assert settings.redis_url
    limited = settings.model_copy(update={"rate_limit_public": "3/minute"})
    async with (
        running_server(limited) as first,
        running_server(limited) as second,
        httpx.AsyncClient(base_url=first, timeout=30) as one,
        httpx.AsyncClient(base_url=second, timeout=30) as other,
    ):
        assert (await one.post(CHECK, json={"input": "amazon.co.jp"})).status_code == 200
        assert (await other.post(CHECK, json={"input": "amazon.co.jp"})).status_code == 200
        assert (await one.post(CHECK, json={"input": "amazon.co.jp"})).status_code == 200
        refused = await other.post(CHECK, json={"input": "amazon.co.jp"})
        assert refused.status_code == 429, refused.text
        assert refused.json()["code"] == "rate_limited"
        assert (await one.post(CHECK, json={"input": "amazon.co.jp"})).status_code == 429


async def test_the_public_page_forbids_inline_script(settings: Settings) -> None:
    async with running_server(settings) as server, httpx.AsyncClient(base_url=server, timeout=30) as http:
        page = await http.get("/trust")
        assert page.status_code == 200
        assert "この番号・サイトは公式？" in page.text
        directives = {
            name: values
            for name, *values in (
                part.split() for part in page.headers["content-security-policy"].split(";") if part.strip()
            )
        }
        script = directives.get("script-src", directives.get("default-src"))
        assert script is not None, page.headers["content-security-policy"]
        assert "'unsafe-inline'" not in script
        assert "'unsafe-eval'" not in script
        assert "<script>" not in page.text  # no inline script the policy would have to allow
        assert page.headers["x-content-type-options"] == "nosniff"
        script_file = await http.get("/static/trust.js")
        assert script_file.status_code == 200
        assert "javascript" in script_file.headers["content-type"]
