"""Each self-service flow end to end through the customer's chat socket, in Japanese and English (and the
main ones in Chinese and Korean), on SQLite and on PostgreSQL: what the customer reads, and what changed."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select

from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import (
    Callback,
    ConversationEvent,
    Order,
    OrderAddressChange,
    ReturnRequest,
    TrustReport,
)
from tests.bot.conftest import BotChat, guest, signed_in

TOKYO = ZoneInfo("Asia/Tokyo")

if TYPE_CHECKING:
    from collections.abc import Sequence

    from madoguchi.settings import Settings


async def _read(settings: Settings, statement: Any) -> Any:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return await session.scalar(statement)
    finally:
        await engine.dispose()


async def _events(settings: Settings, conversation_id: str, type_: str) -> Sequence[dict[str, Any]]:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.scalars(
                select(ConversationEvent)
                .where(ConversationEvent.conversation_id == conversation_id, ConversationEvent.type == type_)
                .order_by(ConversationEvent.id)
            )
            return [row.data for row in rows]
    finally:
        await engine.dispose()


async def _status(settings: Settings, number: str) -> str:
    return str(await _read(settings, select(Order.status).where(Order.number == number)))


# --- track order ---------------------------------------------------------------------------------------------


async def test_track_order_ja_lists_recent_orders_then_gives_the_carriers_official_contact(
    server: str, settings: Settings
) -> None:
    async with signed_in(server, settings, "c001") as chat:
        ack = await chat.ask("注文した荷物はどこですか")
        await chat.bot("どのご注文")
        numbers = [reply["text"] for reply in ack["suggestions"]["quick_replies"]]
        assert "MD-84499376" in numbers
        await chat.ask("MD-84499376")
        assert "配送中" in await chat.bot("MD-84499376")
        carrier = await chat.bot("追跡番号")
        assert "461405323525" in carrier
        assert "0120-01-9625" in carrier  # Yamato's official number, from the desks data
        assert "8:00〜21:00" in carrier


async def test_track_order_en(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c025", "en") as chat:
        await chat.ask("Where is my order MD-85659112?")
        assert "in transit" in await chat.bot("MD-85659112")
        assert "official contact" in await chat.bot("tracking number")


@pytest.mark.parametrize(
    ("customer", "lang", "text", "word"),
    [("c027", "zh", "我的包裹在哪里？", "运输中"), ("c027", "ko", "제 주문은 어디에 있나요?", "배송 중")],
)
async def test_track_order_zh_ko(
    server: str, settings: Settings, customer: str, lang: str, text: str, word: str
) -> None:
    async with signed_in(server, settings, customer, lang) as chat:
        await chat.ask(text)
        await chat.ask("MD-94346805")
        assert word in await chat.bot("MD-94346805")


async def test_an_anonymous_customer_gets_no_order_data(server: str) -> None:
    async with guest(server) as chat:
        ack = await chat.ask("注文した荷物の追跡番号を知りたい MD-84499376")
        text = await chat.bot("ログイン")
        assert "461405323525" not in text
        assert "/help/" in text
        assert "quick_replies" not in ack.get("suggestions", {}) or not ack["suggestions"]["quick_replies"]


# --- delivery problems ------------------------------------------------------------------------------------------


async def test_late_shop_order_goes_to_the_shops_inbox_with_its_promise(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c001") as chat:
        await chat.ask("荷物が全然届かないんですけど")
        await chat.ask("MD-61422141")
        assert "48時間以内" in await chat.bot("茶舗ことの葉")
        status = await chat.status("queued")
        assert status["desk"] == "shop"


async def test_late_platform_order_en_gets_the_carrier(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c025", "en") as chat:
        await chat.ask("My package is late")
        await chat.ask("MD-85659112")
        assert "redelivery" in await chat.bot("tracking page")


# --- cancel: only with the customer's yes ---------------------------------------------------------------------------


async def test_cancel_ja_asks_first_and_cancels_on_yes(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c001") as chat:
        await chat.ask("注文をキャンセルしたい")
        await chat.bot("どのご注文")
        ack = await chat.ask("MD-14192372")
        assert "よろしいですか" in await chat.bot("キャンセルします")
        assert [reply["text"] for reply in ack["suggestions"]["quick_replies"]] == ["はい", "いいえ"]
        assert await _status(settings, "MD-14192372") == "preparing"
        await chat.ask("はい")
        assert "キャンセルしました" in await chat.bot("MD-14192372 をキャンセル")
    assert await _status(settings, "MD-14192372") == "cancelled"


async def test_cancel_en_no_changes_nothing(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c024", "en") as chat:
        await chat.ask("I want to cancel my order")
        await chat.ask("MD-80569615")
        await chat.bot("Shall I go ahead")
        await chat.ask("no")
        await chat.bot("changed nothing")
    assert await _status(settings, "MD-80569615") == "preparing"


async def test_an_unclear_answer_to_the_confirmation_changes_nothing(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c001") as chat:
        await chat.ask("MD-19969778をキャンセルしてください")
        await chat.bot("よろしいですか")
        await chat.ask("うーん")
        await chat.bot("「はい」か「いいえ」")
        assert await _status(settings, "MD-19969778") == "confirmed"
        # Asked twice without a yes: a person takes over, and still nothing was changed.
        await chat.ask("どうしよう")
        await chat.status("queued")
    assert await _status(settings, "MD-19969778") == "confirmed"


async def test_a_shipped_order_cannot_be_cancelled(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c025", "en") as chat:
        await chat.ask("Please cancel my order MD-85659112")
        assert "can no longer be cancelled" in await chat.bot("MD-85659112")
    assert await _status(settings, "MD-85659112") == "in_transit"


async def test_a_shops_order_is_cancelled_by_the_shop(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c001") as chat:
        await chat.ask("MD-79767601をキャンセルしたい")
        await chat.bot("ショップ")
        assert (await chat.status("queued"))["desk"] == "shop"
    assert await _status(settings, "MD-79767601") == "confirmed"


# --- change address ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("answer", "changed"), [("はい", 1), ("いいえ", 0)])
async def test_change_address_ja_only_after_confirmation(
    server: str, settings: Settings, answer: str, changed: int
) -> None:
    async with signed_in(server, settings, "c022") as chat:
        await chat.ask("お届け先の住所を変更したい")
        await chat.ask("MD-97987495")
        await chat.bot("新しいお届け先")
        await chat.ask("香川県高松市番町1-2-3 番町ハイツ201")
        await chat.bot("よろしいですか")
        assert await _read(settings, select(func.count()).select_from(OrderAddressChange)) == 0
        await chat.ask(answer)
        await chat.bot("変更")
    assert await _read(settings, select(func.count()).select_from(OrderAddressChange)) == changed


async def test_change_address_en(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c024", "en") as chat:
        await chat.ask("I need to change the shipping address")
        await chat.ask("MD-80569615")
        await chat.ask("3-6-14 Minamisenba, Chuo-ku, Osaka 1105")
        await chat.bot("Shall I go ahead")
        await chat.ask("yes")
        assert "Minamisenba" in await chat.bot("delivery address of order MD-80569615 is now")


# --- return ----------------------------------------------------------------------------------------------------------


async def test_return_ja_gives_a_return_code(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c001") as chat:
        await chat.ask("返品したい")
        await chat.ask("MD-59500241")
        await chat.bot("返送方法")
        await chat.ask("コンビニから発送")
        await chat.bot("よろしいですか")
        assert await _read(settings, select(func.count()).select_from(ReturnRequest)) == 0
        await chat.ask("はい")
        text = await chat.bot("返品コード")
    code = await _read(settings, select(ReturnRequest.code).where(ReturnRequest.order_number == "MD-59500241"))
    assert code in text


async def test_return_en_explains_why_not(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c005", "en") as chat:
        await chat.ask("I want to return my order MD-25626912")
        assert "30 days" in await chat.bot("cannot be returned")


async def test_return_en_pick_up(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c025", "en") as chat:
        await chat.ask("How do I send back my book?")
        await chat.ask("MD-43079761")
        await chat.ask("pick-up please")
        await chat.ask("sure")
        assert "return code" in await chat.bot("Your return is booked")


# --- refund, receipt, history ---------------------------------------------------------------------------------------


async def test_refund_status_ja(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c001") as chat:
        await chat.ask("返金はいつされますか")
        await chat.ask("MD-80288062")
        assert "完了" in await chat.bot("返金")


@pytest.mark.parametrize(
    ("lang", "text", "word"),
    [("ja", "領収書をダウンロードしたい", "領収書"), ("en", "I need an invoice for my order", "receipt")],
)
async def test_receipt_pdf_for_a_signed_in_customer(
    server: str, settings: Settings, lang: str, text: str, word: str
) -> None:
    async with signed_in(server, settings, "c001", lang) as chat:
        await chat.ask(text)
        ack = await chat.ask("MD-59500241")
        await chat.bot("/api/v1/downloads/receipt/MD-59500241")
    url = next(link["url"] for link in ack["suggestions"]["links"] if link["kind"] == "receipt")
    async with httpx.AsyncClient(base_url=server) as http:
        answer = await http.get(url)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.content.startswith(b"%PDF-")
        forged = await http.get(url.replace("customer=c001", "customer=c002"))
        assert forged.status_code == 403


async def test_receipt_is_refused_to_an_anonymous_customer(server: str) -> None:
    async with guest(server) as chat:
        ack = await chat.ask("領収書を発行してほしい")
        await chat.bot("ログイン")
        assert not [link for link in ack.get("suggestions", {}).get("links", []) if link["kind"] == "receipt"]


async def test_chat_history_download(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c001") as chat:
        ack = await chat.ask("過去のチャット履歴を見たい")
        await chat.bot("/api/v1/downloads/transcript/")
    url = next(link["url"] for link in ack["suggestions"]["links"] if link["kind"] == "transcript")
    async with httpx.AsyncClient(base_url=server) as http:
        answer = await http.get(url)
        assert answer.status_code == 200
        assert "過去のチャット履歴を見たい" in answer.text


async def test_a_transcript_times_every_line_in_the_zone_its_header_names(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c001") as chat:
        ack = await chat.ask("過去のチャット履歴を見たい")
        await chat.bot("/api/v1/downloads/transcript/")
    url = next(link["url"] for link in ack["suggestions"]["links"] if link["kind"] == "transcript")
    async with httpx.AsyncClient(base_url=server) as http:
        header, *lines = (await http.get(url)).text.splitlines()
    # The chat began at 14:00 in Tokyo (05:00 UTC): the header and every line say Tokyo's time, and say so.
    assert re.match(r"# 2026-12-09 14:0\d JST \(UTC\+0900\) ", header), header
    assert lines
    assert all(re.match(r"\[2026-12-09 14:0\d:\d\d JST\] ", line) for line in lines), lines


# --- money, identity, trust ------------------------------------------------------------------------------------


async def test_unrecognised_charge_gets_the_card_issuers_official_number_and_recent_orders(
    server: str, settings: Settings
) -> None:
    async with signed_in(server, settings, "c001") as chat:
        await chat.ask("カードに身に覚えのない請求がある")
        assert "0120-951-736" in await chat.bot("カード会社")
        assert "MD-" in await chat.bot("最近のご注文")


async def test_scam_report_runs_the_trust_check_and_files_a_report(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c001") as chat:
        await chat.ask("Amazonを名乗るSMSが届きました https://amaz0n-security-check.xyz/login")
        assert "公式のものではありません" in await chat.bot("amaz0n-security-check.xyz")
        await chat.bot("安全対策チームに報告しました")
    assert await _read(settings, select(func.count()).select_from(TrustReport)) == 1


async def test_verify_official_number_en(server: str) -> None:
    async with guest(server, "en") as chat:
        await chat.ask("Is 0120-01-9625 really Yamato's official number?")
        assert "official" in await chat.bot("0120-01-9625")


async def test_contact_the_seller_opens_the_shops_inbox(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c001", "en") as chat:
        await chat.ask("I want to contact the seller")
        await chat.ask("MD-93034406")
        assert "48 hours" in await chat.bot("shop")
        assert (await chat.status("queued"))["desk"] == "shop"


async def test_callback_request_is_booked_with_a_valid_number(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c001") as chat:
        await chat.ask("折り返し電話してほしい")
        await chat.bot("お電話番号")
        await chat.ask("123")
        await chat.bot("電話番号として読み取れませんでした")
        await chat.ask("090-3812-4471")
        await chat.bot("時間帯")
        await chat.ask("午後")
        notice = await chat.message_from("system", "折り返しのお電話を承りました")
        assert "090-3812-4471" in notice["text"]
        events = await _events(settings, chat.hello["conversation_id"], "callback.requested")
    callback = await _read(settings, select(Callback).where(Callback.id == events[0]["callback_id"]))
    assert callback.phone_e164 == "+819038124471"
    assert callback.window_end.astimezone(TOKYO).hour == 18
    assert callback.state == "waiting"


async def _conversation_with(chat: BotChat) -> str:
    return str(chat.hello["conversation_id"])
