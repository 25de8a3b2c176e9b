"""Reading mail without a server: charsets, encoded words, HTML, quotes, attachment limits, loop signals."""

from __future__ import annotations

import pytest

from madoguchi.channels.email.autoreply import why_not_auto_reply
from madoguchi.channels.email.bodytext import html_to_text, trim_quoted
from madoguchi.channels.email.compose import base_subject, reply_time
from madoguchi.channels.email.mime import parse_mail
from madoguchi.domain.charsets import decode_text
from tests.channels.email.mailbox import PHOTO, mail_with_attachment, text_mail, windows_iso2022jp

LIMITS = {"max_attachment_bytes": 1_000_000, "max_attachments": 5}
TEXT = "①番の商品、㈱まどぐち様宛に髙橋が返品します～"


@pytest.mark.parametrize(
    ("data", "label"),
    [
        (windows_iso2022jp(TEXT), "ISO-2022-JP"),
        (TEXT.encode("cp932"), "Shift_JIS"),
        (TEXT.encode("cp932"), "windows-31j"),
        (TEXT.encode("utf-8"), "UTF-8"),
        (TEXT.encode("cp932"), None),
        (TEXT.encode("utf-8"), None),
        (TEXT.encode("cp932"), "x-unknown-charset"),
    ],
)
def test_japanese_text_is_read_whatever_the_label(data: bytes, label: str | None) -> None:
    assert decode_text(data, label) == (TEXT, True)


def test_euc_jp_is_read() -> None:
    plain = "返品の相談です。高橋"
    assert decode_text(plain.encode("euc_jis_2004"), "EUC-JP") == (plain, True)


def test_undecodable_text_is_kept_with_replacement_characters() -> None:
    text, clean = decode_text(b"\xff\xfe\xfa abc", "utf-8")
    assert not clean
    assert text.endswith("abc")


def test_encoded_word_and_raw_8bit_headers() -> None:
    raw = (
        b"From: =?ISO-2022-JP?B?GyRCOjRGIxsoQiAbJEIyVjtSGyhC?= <SATO@Example.JP>\r\n"
        b"Reply-To: sato.reply@example.jp\r\n"
        b"Subject: =?UTF-8?Q?=E8=BF=94=E5=93=81?= \x83e\x83X\x83g\r\n"
        b"Message-ID: <m1@example.jp>\r\nIn-Reply-To: <a@x>\r\nReferences: <r1@x>\r\n <r2@x>\r\n\r\nbody\r\n"
    )
    mail = parse_mail(raw, **LIMITS)
    assert (mail.from_name, mail.from_address, mail.reply_to) == (
        "佐藤 花子",
        "sato@example.jp",
        "sato.reply@example.jp",
    )
    assert mail.subject == "返品 テスト"
    assert (mail.message_id, mail.in_reply_to, mail.references) == ("m1@example.jp", ("a@x",), ("r1@x", "r2@x"))
    assert mail.thread_ids == ("a@x", "r2@x", "r1@x")


def test_ticket_numbers_in_the_subject() -> None:
    mail = parse_mail(text_mail("Re: [#123] お問い合わせ", "x"), **LIMITS)
    assert mail.ticket_numbers == (123,)
    assert base_subject("Re: RE: 転送: [#123] お問い合わせ") == "お問い合わせ"


def test_html_is_text_without_code_and_with_quotes_marked() -> None:
    html = (
        "<div>新しい返信です。<br>よろしくお願いします。</div>"
        "<div class='gmail_quote'>2026年11月22日(日) 9:00 Support &lt;support@madoguchi.localhost&gt;:"
        "<blockquote><p>前回のメール</p><script>evil()</script></blockquote></div>"
        "<style>.x{}</style><p onclick='x()'>&lt;b&gt;タグではありません&lt;/b&gt;</p>"
    )
    text = html_to_text(html)
    assert "evil" not in text
    assert "> 前回のメール" in text
    assert "<b>タグではありません</b>" in text  # an escaped tag is the customer's text, shown as text
    assert trim_quoted(text) == "新しい返信です。\nよろしくお願いします。\n\n<b>タグではありません</b>"


@pytest.mark.parametrize(
    "quoted",
    [
        "On Sun, Nov 22, 2026 at 9:00 AM Support <support@madoguchi.localhost> wrote:\n> old",
        "On Sun, Nov 22, 2026 at 9:00 AM Support <support@madoguchi.localhost>\nwrote:\n> old",
        "2026/11/22 9:00 まどぐち さんは書きました：\n> old",
        "-----Original Message-----\nFrom: Support\nSent: Sunday\nSubject: old\n\nold",
        "-----元のメッセージ-----\n差出人: Support\n送信日時: 2026年11月22日\n\nold",
        "________________________________\n差出人: Support\n送信日時: 2026年11月22日\n件名: old\n\nold",
    ],
)
def test_quoted_replies_are_trimmed(quoted: str) -> None:
    assert trim_quoted(f"届きました。ありがとうございます。\n\n{quoted}") == "届きました。ありがとうございます。"


def test_answers_between_quotes_are_kept_and_a_quote_alone_is_not_lost() -> None:
    assert trim_quoted("> 注文番号は？\n250-1234 です。\n> 住所は？\n東京都です。") == "250-1234 です。\n東京都です。"
    assert trim_quoted("> 転送します") == "> 転送します"


def test_attachments_have_a_detected_type_hash_and_limits() -> None:
    raw = mail_with_attachment(
        "写真", "添付します", charset="utf-8", codec="utf-8", filename="../../etc/photo.png", content_type="image/png",
        content=PHOTO,
    )  # fmt: skip
    mail = parse_mail(raw, **LIMITS)
    (photo,) = mail.attachments
    assert (photo.filename, photo.declared_type, photo.detected_type) == (
        "_.._etc_photo.png",
        "image/png",
        "image/jpeg",
    )
    assert any("declared image/png but its content is image/jpeg" in warning for warning in mail.warnings)
    small = parse_mail(raw, max_attachment_bytes=100, max_attachments=5)
    assert small.attachments == ()
    assert any("larger than the limit of 100 bytes" in warning for warning in small.warnings)


def test_a_mail_that_is_not_mime_at_all_is_read_as_text() -> None:
    mail = parse_mail(b"\x00\x01 garbage without headers \xff", **LIMITS)
    assert mail.from_address is None
    assert "garbage" in mail.full_text


LOOP_FREE = text_mail("質問", "こんにちは")


@pytest.mark.parametrize(
    ("extra", "sender", "expected"),
    [
        ({}, "sato@example.jp", None),
        ({"Auto_Submitted": "auto-replied"}, "sato@example.jp", "auto_submitted"),
        ({"Auto_Submitted": "no"}, "sato@example.jp", None),
        ({"Precedence": "bulk"}, "sato@example.jp", "precedence"),
        ({"Precedence": "list"}, "sato@example.jp", "precedence"),
        ({"X_Auto_Response_Suppress": "All"}, "sato@example.jp", "auto_response_suppress"),
        ({"List_Id": "<news.example.jp>"}, "sato@example.jp", "mailing_list"),
        ({}, "MAILER-DAEMON@mx.example.jp", "machine_sender"),
        ({}, "postmaster@example.jp", "machine_sender"),
        ({}, "noreply-orders@shop.example", "machine_sender"),
        ({}, "support@madoguchi.localhost", "own_address"),
    ],
)
def test_automatic_replies_go_only_to_people(extra: dict[str, str], sender: str, expected: str | None) -> None:
    mail = parse_mail(text_mail("質問", "こんにちは", **extra), **LIMITS)
    reason = why_not_auto_reply(
        mail,
        sender=sender.lower(),
        null_return_path=False,
        support_addresses={"support@madoguchi.localhost"},
        replies_last_hour=0,
        cap=5,
    )
    assert reason == expected


def test_automatic_replies_stop_at_the_cap_and_for_bounces() -> None:
    mail = parse_mail(LOOP_FREE, **LIMITS)
    common = {"sender": "sato@example.jp", "support_addresses": set(), "cap": 5}
    assert why_not_auto_reply(mail, null_return_path=False, replies_last_hour=5, **common) == "hourly_cap"  # type: ignore[arg-type]
    assert why_not_auto_reply(mail, null_return_path=True, replies_last_hour=0, **common) == "null_return_path"  # type: ignore[arg-type]


def test_reply_time_in_words() -> None:
    assert reply_time(5) == ("5分以内", "within 5 minutes")
    assert reply_time(120) == ("2時間以内", "within 2 hours")
    assert reply_time(2880) == ("2日以内", "within 2 days")
