"""Photos in chats: sent from the console and from the chat page, checked by their bytes, scoped like the chat."""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx

from madoguchi.domain.clock import utcnow
from madoguchi.domain.signed_links import signed_url
from tests.conftest import running_server
from tests.helpers import AGENT_TANAKA, SHOP_AGENT_KOBAYASHI, SHOP_AGENT_YAMADA, ChatClient, Console

if TYPE_CHECKING:
    from madoguchi.settings import Settings


def _png() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PNG = _png()
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


async def _console_upload(console: Console, conversation_id: str, name: str, content: bytes) -> httpx.Response:
    return await console.http.post(
        f"/api/v1/console/conversations/{conversation_id}/photos",
        files={"file": (name, content, "image/jpeg")},
        headers={"X-CSRF-Token": console.csrf},
    )


async def _chat_upload(
    server: str, conversation_id: str, name: str, content: bytes, **credential: str
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server) as http:
        return await http.post(
            f"/api/v1/chat/{conversation_id}/photos", files={"file": (name, content, "image/png")}, data=credential
        )


async def _shop_chat(server: str, shop: str = "kyoto-kotonoha") -> ChatClient:
    chat = ChatClient(server, shop=shop)
    await chat.__aenter__()
    await chat.say("届いた商品が割れていました")
    return chat


def _is_image_download(answer: httpx.Response, content_type: str) -> None:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == content_type
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-disposition"].startswith("attachment;")


async def test_a_shop_agents_photo_reaches_the_customer_as_a_png_whatever_its_name(
    server: str, settings: Settings
) -> None:
    chat = await _shop_chat(server)
    conversation_id = chat.hello["conversation_id"]
    async with Console(server, *SHOP_AGENT_YAMADA) as yamada:
        answer = await _console_upload(yamada, conversation_id, "見本.exe", PNG)
        assert answer.status_code == 201, answer.text
        attachment = answer.json()["attachment"]
        assert attachment["content_type"] == "image/png"
        assert attachment["filename"] == "見本.exe"
        assert attachment["size"] == len(PNG)
        detail = (await yamada.get(f"/api/v1/console/conversations/{conversation_id}")).json()
        assert detail["messages"][-1]["attachment"]["id"] == attachment["id"]
    message = await chat.message_from("agent")
    assert message["attachment"]["id"] == attachment["id"]
    url = message["attachment"]["url"]
    async with httpx.AsyncClient(base_url=server) as http:
        photo = await http.get(url)
        _is_image_download(photo, "image/png")
        assert photo.content == PNG
        # The link is the customer's alone: without its signature, or for someone else, it opens nothing.
        unsigned = await http.get(url.split("&signature=")[0])
        assert unsigned.status_code == 422
        forged = await http.get(url.replace(f"customer={chat.hello['customer']['id']}", "customer=c001"))
        assert forged.status_code == 403
        customer_id = chat.hello["customer"]["id"]
        old = signed_url(settings.secret_key, "photo", attachment["id"], customer_id, utcnow() - timedelta(hours=25))
        expired = await http.get(old)
        assert expired.status_code == 403
        assert "expired" in expired.json()["message"]
    # A resumed chat shows the photo again, with a fresh link.
    async with ChatClient(server, shop="kyoto-kotonoha", visitor=chat.hello["visitor_token"]) as again:
        (shown,) = [item for item in again.hello["history"] if item.get("attachment")]
        assert shown["attachment"]["id"] == attachment["id"]
        assert shown["attachment"]["url"].startswith("/api/v1/downloads/photo/")
    await chat.__aexit__()


async def test_a_customers_photo_is_seen_by_the_shop_and_by_platform_operators_only(server: str) -> None:
    chat = await _shop_chat(server)
    conversation_id = chat.hello["conversation_id"]
    answer = await _chat_upload(server, conversation_id, "parcel.png", PNG, visitor=chat.hello["visitor_token"])
    assert answer.status_code == 201, answer.text
    message: dict[str, Any] = answer.json()
    assert message["author"] == "customer"
    photo_id = message["attachment"]["id"]
    path = f"/api/v1/console/conversations/{conversation_id}/photos/{photo_id}"
    for persona in (SHOP_AGENT_YAMADA, AGENT_TANAKA):
        async with Console(server, *persona) as console:
            detail = (await console.get(f"/api/v1/console/conversations/{conversation_id}")).json()
            assert any((item.get("attachment") or {}).get("id") == photo_id for item in detail["messages"])
            download = await console.get(path)
            _is_image_download(download, "image/png")
            assert download.content == PNG
    async with Console(server, *SHOP_AGENT_KOBAYASHI) as kobayashi:
        assert (await kobayashi.get(path)).status_code == 404
        denied = await _console_upload(kobayashi, conversation_id, "x.png", PNG)
        assert denied.status_code == 404
        assert denied.json()["code"] == "not_found"
    await chat.__aexit__()


async def test_only_the_customer_of_a_chat_may_send_a_photo_into_it(server: str) -> None:
    chat = await _shop_chat(server)
    other = await _shop_chat(server)
    conversation_id = chat.hello["conversation_id"]
    stranger = await _chat_upload(server, conversation_id, "x.png", PNG, visitor=other.hello["visitor_token"])
    assert stranger.status_code == 404
    nobody = await _chat_upload(server, conversation_id, "x.png", PNG)
    assert nobody.status_code == 401
    forged = await _chat_upload(server, conversation_id, "x.png", PNG, visitor="not.a-token")
    assert forged.status_code == 401
    await chat.__aexit__()
    await other.__aexit__()


async def test_a_file_that_is_not_a_photo_is_refused_whatever_its_name(server: str) -> None:
    chat = await _shop_chat(server)
    conversation_id = chat.hello["conversation_id"]
    refused = await _chat_upload(server, conversation_id, "photo.jpg", HTML, visitor=chat.hello["visitor_token"])
    assert refused.status_code == 422
    assert "写真" in refused.json()["message"]
    assert "Only photos" in refused.json()["message"]
    async with Console(server, *SHOP_AGENT_YAMADA) as yamada:
        answer = await _console_upload(yamada, conversation_id, "photo.jpg", HTML)
        assert answer.status_code == 422
        detail = (await yamada.get(f"/api/v1/console/conversations/{conversation_id}")).json()
        assert not any(item.get("attachment") for item in detail["messages"])
    await chat.__aexit__()


async def test_an_oversized_photo_is_refused_with_the_limit(settings: Settings) -> None:
    limit = 1000
    async with running_server(settings.model_copy(update={"photo_max_bytes": limit})) as server:
        chat = await _shop_chat(server)
        big = PNG + b"\x00" * limit
        refused = await _chat_upload(
            server, chat.hello["conversation_id"], "big.png", big, visitor=chat.hello["visitor_token"]
        )
        assert refused.status_code == 413
        assert refused.json()["max_bytes"] == limit
        assert str(limit) in refused.json()["message"]
        async with Console(server, *SHOP_AGENT_YAMADA) as yamada:
            answer = await _console_upload(yamada, chat.hello["conversation_id"], "big.png", big)
            assert answer.status_code == 413
        await chat.__aexit__()
