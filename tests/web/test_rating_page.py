"""The rating page of a mailed link (`/rate/{token}`): whatever the link or the form, a page a person can read and
a 4xx, never a 500; the token is the only credential, bound to one conversation and one resolution, and expires."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import httpx
import pytest

from madoguchi.domain.signed_links import RATING_LINK_DAYS, rating_token, read_rating_token
from madoguchi.errors import Forbidden
from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import Conversation
from tests.conftest import running_server
from tests.helpers import ChatClient

if TYPE_CHECKING:
    from datetime import datetime

    from madoguchi.domain.clock import Clock
    from madoguchi.settings import Settings

INVALID = "この評価用リンクは無効です"
EXPIRED = "有効期限"


async def _resolved_chat(server: str, settings: Settings, lang: str = "ja") -> tuple[str, datetime]:
    """A chat the customer ended: its id and the instant of its resolution."""
    async with ChatClient(server, lang=lang) as chat:
        await chat.say("こんにちは")
        client_id = str(uuid.uuid4())
        await chat.send_raw(json.dumps({"type": "end", "client_id": client_id}))
        await chat.wait_for(lambda frame: frame["type"] == "ack" and frame["client_id"] == client_id)
        conversation_id = chat.hello["conversation_id"]
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            conversation = await session.get(Conversation, conversation_id)
            assert conversation is not None
            assert conversation.resolved_at is not None
            return conversation_id, conversation.resolved_at
    finally:
        await engine.dispose()


def test_a_token_names_its_resolution_and_nothing_else(clock: Clock) -> None:
    now = clock.now()
    resolved_at = now - timedelta(minutes=5, microseconds=123)
    token = rating_token("k" * 40, "conversation-1", resolved_at, now)
    link = read_rating_token("k" * 40, token, now)
    assert link.conversation_id == "conversation-1"
    assert link.resolved_at == resolved_at
    conversation, resolved, expires, signature = token.split(".")
    for forged in (
        f"conversation-2.{resolved}.{expires}.{signature}",
        f"{conversation}.{int(resolved) + 1}.{expires}.{signature}",
        f"{conversation}.{resolved}.{int(expires) + 86400}.{signature}",
    ):
        with pytest.raises(Forbidden) as refused:
            read_rating_token("k" * 40, forged, now)
        assert refused.value.details["reason"] == "invalid"
    with pytest.raises(Forbidden):
        read_rating_token("another-key" * 4, token, now)
    with pytest.raises(Forbidden) as late:
        read_rating_token("k" * 40, token, now + timedelta(days=RATING_LINK_DAYS, seconds=1))
    assert late.value.details["reason"] == "expired"


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "a.b.c.d",
        "a.1.2.%E3%81%82",
        "x" * 5000,
        "%00%ff",
        "..........",
        "ありがとう.1.2.3",
    ],
)
async def test_a_link_that_is_not_ours_gets_a_clear_page(server: str, token: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        for answer in (await http.get(f"/rate/{token}"), await http.post(f"/rate/{token}", data={"score": "5"})):
            assert answer.status_code in (403, 404), answer.text
            assert answer.headers["content-type"].startswith("text/html")
            if answer.status_code == 403:
                assert INVALID in answer.text
                assert "not valid" in answer.text
            assert "<script" not in answer.text


async def test_a_forged_or_expired_or_orphan_link_is_refused(server: str, settings: Settings, clock: Clock) -> None:
    conversation_id, resolved_at = await _resolved_chat(server, settings)
    forged = rating_token("someone-elses-key-" * 3, conversation_id, resolved_at, clock.now())
    old = rating_token(settings.secret_key, conversation_id, resolved_at, clock.now() - timedelta(days=15))
    orphan = rating_token(settings.secret_key, str(uuid.uuid4()), resolved_at, clock.now())
    async with httpx.AsyncClient(base_url=server) as http:
        refused = await http.get(f"/rate/{forged}")
        assert refused.status_code == 403
        assert INVALID in refused.text
        expired = await http.post(f"/rate/{old}", data={"score": "4"})
        assert expired.status_code == 410
        assert EXPIRED in expired.text
        assert "expired" in expired.text
        unknown = await http.get(f"/rate/{orphan}")
        assert unknown.status_code == 404
        assert "見つかりません" in unknown.text


async def test_the_link_rates_its_resolution_and_the_form_is_checked(
    server: str, settings: Settings, clock: Clock
) -> None:
    conversation_id, resolved_at = await _resolved_chat(server, settings)
    token = rating_token(settings.secret_key, conversation_id, resolved_at, clock.now())
    async with httpx.AsyncClient(base_url=server) as http:
        page = await http.get(f"/rate/{token}")
        assert page.status_code == 200
        assert page.headers["referrer-policy"] == "no-referrer"
        assert "script-src 'self'" in page.headers["content-security-policy"]
        for bad in ({"score": "0"}, {"score": "6"}, {"score": "abc"}, {"score": "4.5"}, {}, {"score": "<b>5</b>"}):
            refused = await http.post(f"/rate/{token}", data=bad)
            assert refused.status_code == 422, bad
            assert "1〜5のいずれかを選んでください" in refused.text
            assert "<b>5</b>" not in refused.text
        too_long = await http.post(f"/rate/{token}", data={"score": "3", "comment": "あ" * 1001})
        assert too_long.status_code == 422
        assert "1000文字以内" in too_long.text
        hostile = "<script>alert(1)</script>"
        echoed = await http.post(f"/rate/{token}", data={"comment": hostile})
        assert hostile not in echoed.text
        assert "&lt;script&gt;" in echoed.text
        json_body = await http.post(f"/rate/{token}", json={"score": 5})
        assert json_body.status_code == 422
        rated = await http.post(f"/rate/{token}", data={"score": "3"})
        assert rated.status_code == 200
        assert (await http.post(f"/rate/{token}", data={"score": "3"})).status_code == 409


async def test_the_page_is_rate_limited_like_every_public_page(settings: Settings, clock: Clock) -> None:
    limited = settings.model_copy(update={"rate_limit_public": "3/minute"})
    async with running_server(limited) as server, httpx.AsyncClient(base_url=server) as http:
        answers = [await http.get("/rate/nonsense") for _ in range(4)]
    assert [answer.status_code for answer in answers] == [403, 403, 403, 429]
    assert "少し時間をおいて" in answers[-1].text
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
