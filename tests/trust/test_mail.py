"""Whole mails (`madoguchi trust check-email`): every reason a mail check gives, the genuine mail it lets
through, forwarded mail, and Japanese mail in each of its encodings."""

from __future__ import annotations

import base64
import io
import re
import zipfile
from email.header import Header
from email.message import EmailMessage
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.parser import BytesParser
from email.policy import SMTP
from typing import Any

import pytest

from madoguchi.trust.checker import TrustChecker
from madoguchi.trust.mail import MAX_LINKS, MAX_TEXT_CHARS, MAX_ZIP_ENTRIES
from madoguchi.trust.verdicts import known_codes

VERDICTS = {"official", "suspicious", "unknown"}
# Every reason code a whole-mail check can give of its own (the URL and address codes it borrows are tested
# in test_urls.py and test_phones_and_addresses.py).
MAIL_CODES = {
    "mail_claims_brand",
    "display_name_spoof",
    "reply_to_mismatch",
    "return_path_mismatch",
    "auth_failed",
    "auth_missing",
    "auth_passed",
    "link_text_mismatch",
    "link_not_official",
    "urgency_words",
    "credential_request",
    "dangerous_attachment",
    "mail_unreadable",
    "mail_limit",
    "no_sender",
}
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

AMAZON_PASS = (
    "mx.example.jp; spf=pass smtp.mailfrom=amazon.co.jp; dkim=pass header.d=amazon.co.jp; "
    "dmarc=pass header.from=amazon.co.jp"
)
AMAZON_FAIL = (
    "mx.example.jp; spf=fail smtp.mailfrom=bounce.example-sender.top; dkim=fail header.d=example-sender.top; "
    "dmarc=fail header.from=amazon.co.jp"
)
AMAZON = "Amazon.co.jp <no-reply@amazon.co.jp>"
ORDER_TEXT = "Amazon.co.jp をご利用いただきありがとうございます。ご注文の商品を発送しました。"


@pytest.fixture(scope="module")
def checker() -> TrustChecker:
    return TrustChecker()


def mail(
    sender: str,
    subject: str,
    text: str,
    *,
    html: str | None = None,
    headers: tuple[tuple[str, str], ...] = (),
    attachments: tuple[tuple[str, bytes, str], ...] = (),
) -> bytes:
    """A mail as a mail program writes it: headers, a text part, an HTML alternative, attachments."""
    message = EmailMessage()
    for name, value in headers:
        message[name] = value
    message["From"] = sender
    message["To"] = "customer@example.jp"
    message["Subject"] = subject
    message["Message-ID"] = "<20261123.1234@mail.example.jp>"
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for name, data, media_type in attachments:
        maintype, subtype = media_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes(policy=SMTP)


def zip_of(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(name, b"MZ" + bytes(64))
    return buffer.getvalue()


def forwarded(inner: bytes) -> bytes:
    """What a customer sends when forwarding a mail as an attachment."""
    outer = MIMEMultipart()
    outer["From"] = "Sato Hanako <hanako.sato@gmail.com>"
    outer["To"] = "report@madoguchi.localhost"
    outer["Subject"] = Header("Fwd: このメールは本物ですか？", "utf-8").encode()
    outer.attach(MIMEText("このメールが届きました。本物でしょうか。", "plain", "utf-8"))
    outer.attach(MIMEMessage(BytesParser().parsebytes(inner)))
    return outer.as_bytes()


def encoded_mail(charset: str, codec: str, display: str, address: str, subject: str, text: str, cte: str) -> bytes:
    """A Japanese mail: MIME encoded-word display name and subject, the body in `codec` under `charset`."""

    def word(value: str) -> str:
        return f"=?{charset}?B?{base64.b64encode(value.encode(codec)).decode('ascii')}?="

    body = text.encode(codec)
    if cte == "base64":
        body = base64.encodebytes(body)
    head = (
        f"From: {word(display)} <{address}>\r\n"
        "To: customer@example.jp\r\n"
        f"Subject: {word(subject)}\r\n"
        "Date: Mon, 23 Nov 2026 09:00:00 +0900\r\n"
        "MIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset={charset}\r\n"
        f"Content-Transfer-Encoding: {cte}\r\n\r\n"
    )
    return head.encode("ascii") + body


# (mail, a reason code it must give, verdict, brand)
CASES = [
    pytest.param(
        mail('"Amazon.co.jp" <info@account-notice.example.net>', "Amazon.co.jp ご注文の確認", ORDER_TEXT),
        "mail_claims_brand",
        "suspicious",
        "amazon",
        id="mail_claims_brand",
    ),
    pytest.param(
        mail('"support@amazon.co.jp" <info@example.net>', "お知らせ", "いつもご利用ありがとうございます。"),
        "display_name_spoof",
        "suspicious",
        "amazon",
        id="display_name_spoof",
    ),
    pytest.param(
        mail(AMAZON, "ご注文の確認", ORDER_TEXT, headers=(("Reply-To", "amazon.help.center@gmail.com"),)),
        "reply_to_mismatch",
        "suspicious",
        "amazon",
        id="reply_to_mismatch",
    ),
    pytest.param(
        mail(AMAZON, "ご注文の確認", ORDER_TEXT, headers=(("Return-Path", "<amazon.bounce.jp@gmail.com>"),)),
        "return_path_mismatch",
        "suspicious",
        "amazon",
        id="return_path_mismatch",
    ),
    pytest.param(
        mail(AMAZON, "ご注文の確認", ORDER_TEXT, headers=(("Authentication-Results", AMAZON_FAIL),)),
        "auth_failed",
        "suspicious",
        "amazon",
        id="auth_failed",
    ),
    pytest.param(
        mail(AMAZON, "ご注文の確認", ORDER_TEXT),
        "auth_missing",
        "unknown",
        "amazon",
        id="auth_missing",
    ),
    pytest.param(
        mail(
            AMAZON,
            "ご注文の発送",
            ORDER_TEXT + "\n注文履歴: https://www.amazon.co.jp/gp/your-account/order-history",
            html=(
                "<p>ご注文の商品を発送しました。</p>"
                '<p><a href="https://www.amazon.co.jp/gp/your-account/order-history">注文履歴</a></p>'
            ),
            headers=(("Authentication-Results", AMAZON_PASS),),
        ),
        "auth_passed",
        "official",
        "amazon",
        id="auth_passed",
    ),
    pytest.param(
        mail(
            AMAZON,
            "アカウントの確認",
            "お客様のアカウントを確認しています。",
            html='<p>こちらから確認できます: <a href="https://account-check.example.top/ap/signin">https://www.amazon.co.jp/</a></p>',
        ),
        "link_text_mismatch",
        "suspicious",
        "amazon",
        id="link_text_mismatch",
    ),
    pytest.param(
        mail(AMAZON, "お支払い方法の更新", ORDER_TEXT + "\nお手続き: https://pay-update.example.net/jp/"),
        "link_not_official",
        "suspicious",
        "amazon",
        id="link_not_official",
    ),
    pytest.param(
        mail(
            "Taro <taro@example.net>",
            "【至急】本日中にご対応ください",
            "24時間以内にご連絡がない場合は最終通知となります。",
        ),
        "urgency_words",
        "unknown",
        None,
        id="urgency_words",
    ),
    pytest.param(
        mail("Taro <taro@example.net>", "ご確認", "お手数ですが、カード番号とセキュリティコードを返信してください。"),
        "credential_request",
        "unknown",
        None,
        id="credential_request",
    ),
    pytest.param(
        mail(
            "Taro <taro@example.net>",
            "【緊急】アカウント停止のお知らせ",
            "24時間以内にログインしてパスワードを再設定してください。",
        ),
        "credential_request",
        "suspicious",
        None,
        id="urgency_and_credential_request",
    ),
    pytest.param(
        mail(
            "Taro <taro@example.net>",
            "請求書",
            "請求書を添付します。",
            attachments=(("請求書.pdf.exe", b"MZ\x90\x00" + bytes(60), "application/octet-stream"),),
        ),
        "dangerous_attachment",
        "suspicious",
        None,
        id="dangerous_attachment_exe",
    ),
    pytest.param(
        mail(
            "Taro <taro@example.net>",
            "ご確認",
            "添付のページを開いてください。",
            attachments=(("login.html", b"<form action='https://example.top/'></form>", "text/html"),),
        ),
        "dangerous_attachment",
        "suspicious",
        None,
        id="dangerous_attachment_html",
    ),
    pytest.param(
        mail(
            "Taro <taro@example.net>",
            "写真",
            "写真を送ります。",
            attachments=(("photos.zip", zip_of("IMG_0001.jpg", "IMG_0002.scr"), "application/zip"),),
        ),
        "dangerous_attachment",
        "suspicious",
        None,
        id="dangerous_attachment_in_zip",
    ),
    pytest.param(b"", "mail_unreadable", "unknown", None, id="mail_unreadable"),
    pytest.param(
        b"To: customer@example.jp\r\nSubject: hello\r\n\r\nhello\r\n", "no_sender", "unknown", None, id="no_sender"
    ),
    pytest.param(
        mail(
            AMAZON,
            "Amazon.co.jp ご注文の発送",
            ORDER_TEXT,
            html="".join(f'<a href="https://www.amazon.co.jp/dp/{n}">{n}</a>' for n in range(MAX_LINKS + 1)),
            headers=(("Authentication-Results", AMAZON_PASS),),
        ),
        "mail_limit",
        "unknown",
        "amazon",
        id="mail_limit",
    ),
]


def _codes(result: dict[str, Any]) -> list[str]:
    codes: list[str] = result["reason_codes"]
    return codes


def why(result: dict[str, Any]) -> str:
    return f"{result['verdict']} {result['brand']} {result['reason_codes']} {result.get('error')}: {result['reasons']}"


def assert_bilingual(checker: TrustChecker, data: bytes) -> None:
    """Reasons exist in Japanese and in English, one sentence per reason, with every value filled in."""
    japanese = checker.check_mail(data).contract("ja")
    english = checker.check_mail(data).contract("en")
    assert japanese["reasons"], japanese
    assert len(japanese["reasons"]) == len(english["reasons"]) == len(japanese["reason_codes"])
    for sentence in [*japanese["reasons"], *english["reasons"]]:
        assert isinstance(sentence, str)
        assert sentence.strip()
        assert "{" not in sentence, sentence
    assert all(JAPANESE.search(sentence) for sentence in japanese["reasons"]), japanese["reasons"]
    assert japanese["reasons"] != english["reasons"]
    assert english["verdict"] == japanese["verdict"]
    assert english["brand"] == japanese["brand"]


def test_the_table_covers_every_mail_reason(checker: TrustChecker) -> None:
    assert known_codes() >= MAIL_CODES
    covered = {param.values[1] for param in CASES}
    assert covered >= MAIL_CODES, MAIL_CODES - covered


@pytest.mark.parametrize(("data", "code", "verdict", "brand"), CASES)
def test_each_mail_reason(checker: TrustChecker, data: bytes, code: str, verdict: str, brand: str | None) -> None:
    result = checker.check_mail(data).contract("en")
    assert code in _codes(result), why(result)
    assert (result["verdict"], result["brand"]) == (verdict, brand), why(result)
    assert result["kind"] == "mail"
    assert_bilingual(checker, data)


def test_a_genuine_mail_is_official_with_the_brands_name(checker: TrustChecker) -> None:
    data = mail(
        AMAZON,
        "Amazon.co.jp ご注文の発送",
        ORDER_TEXT + "\nhttps://www.amazon.co.jp/gp/css/order-history",
        html='<a href="https://www.amazon.co.jp/gp/css/order-history">https://www.amazon.co.jp/gp/css/order-history</a>',
        headers=(("Authentication-Results", AMAZON_PASS),),
    )
    japanese = checker.check_mail(data).contract("ja")
    english = checker.check_mail(data).contract("en")
    assert (japanese["verdict"], japanese["brand"]) == ("official", "amazon")
    assert japanese["reason_codes"][:1] == ["auth_passed"]
    assert "amazon.co.jp" in japanese["reasons"][0]
    assert english["brand_name"] == "Amazon Japan"
    assert "DMARC" in english["reasons"][0]


PHISHING = [pytest.param(param.values[0], id=param.id) for param in CASES if param.values[2] == "suspicious"] + [
    pytest.param(
        mail(
            AMAZON,
            "ご注文の確認",
            ORDER_TEXT,
            headers=(("Authentication-Results", AMAZON_PASS), ("Reply-To", "amazon.help.center@gmail.com")),
        ),
        id="authenticated_but_replies_go_to_free_mail",
    ),
    pytest.param(
        mail(
            AMAZON,
            "ご注文の確認",
            ORDER_TEXT,
            headers=(("Return-Path", "<amazon.bounce.jp@gmail.com>"), ("Authentication-Results", AMAZON_PASS)),
        ),
        id="authenticated_but_bounces_go_to_free_mail",
    ),
    pytest.param(
        # The receiving server's verdict is the topmost; a "pass" the sender wrote further down counts for nothing.
        mail(
            AMAZON,
            "ご注文の確認",
            ORDER_TEXT,
            headers=(("Authentication-Results", AMAZON_FAIL), ("Authentication-Results", AMAZON_PASS)),
        ),
        id="forged_pass_below_the_receivers_fail",
    ),
    pytest.param(
        mail(
            "Amazon.co.jp <no-reply@amazon-co-jp.example.top>",
            "ご注文の確認",
            ORDER_TEXT,
            headers=(
                (
                    "Authentication-Results",
                    "mx.example.jp; spf=pass smtp.mailfrom=amazon-co-jp.example.top; "
                    "dkim=pass header.d=amazon-co-jp.example.top; dmarc=pass header.from=amazon-co-jp.example.top",
                ),
            ),
        ),
        id="lookalike_domain_that_passes_its_own_dmarc",
    ),
    pytest.param(
        mail(
            "Amazon.co.jp <no-reply@amazon.co.jp.example.top>",
            "ご注文の確認",
            ORDER_TEXT,
            headers=(("Authentication-Results", "mx.example.jp; dmarc=pass header.from=example.top"),),
        ),
        id="official_domain_as_a_subdomain",
    ),
    pytest.param(
        mail(
            "楽天カード <no-reply@amazon.co.jp>",
            "【楽天カード】ご利用確認",
            "楽天カードのご利用内容をご確認ください。",
            headers=(("Authentication-Results", AMAZON_PASS),),
        ),
        id="authenticated_sender_claims_another_brand",
    ),
    pytest.param(
        mail(
            AMAZON,
            "ご注文の確認",
            ORDER_TEXT + "\nhttps://amaz0n-jp.com/signin",
            headers=(("Authentication-Results", AMAZON_PASS),),
        ),
        id="authenticated_but_links_to_a_lookalike",
    ),
    pytest.param(
        mail(
            AMAZON,
            "ご注文の確認",
            ORDER_TEXT,
            headers=(("Authentication-Results", AMAZON_PASS),),
            attachments=(("領収書.scr", b"MZ" + bytes(62), "application/octet-stream"),),
        ),
        id="authenticated_but_carries_an_executable",
    ),
    pytest.param(
        mail("Amazon.co.jp <amazon.jp.support@gmail.com>", "ご注文の確認", ORDER_TEXT),
        id="brand_name_on_free_mail",
    ),
    pytest.param(
        mail(
            AMAZON,
            "【重要】アカウントの停止",
            "24時間以内にログインしてパスワードを再設定してください。 https://www.amazon.co.jp/",
        ),
        id="unauthenticated_with_urgency_and_credentials",
    ),
]


@pytest.mark.parametrize("data", PHISHING)
def test_no_phishing_looking_mail_is_ever_official(checker: TrustChecker, data: bytes) -> None:
    result = checker.check_mail(data).contract("en")
    assert result["verdict"] != "official", why(result)
    assert result["brand"] in {None, "amazon", "rakuten_card"}, why(result)
    assert_bilingual(checker, data)


def test_a_forwarded_mail_is_judged_on_the_mail_inside(checker: TrustChecker) -> None:
    inner = mail(
        '"Amazon.co.jp" <account-update@amazon-security.example.top>',
        "Amazon アカウントの確認",
        "お客様のアカウントはロックされました。"
        "24時間以内に https://amazon-security.example.top/ap/signin からログインしてください。",
    )
    data = forwarded(inner)
    result = checker.check_mail(data).contract("en")
    assert (result["verdict"], result["brand"]) == ("suspicious", "amazon"), why(result)
    reasons = " ".join(result["reasons"])
    assert "example.top" in reasons
    # The customer who forwarded it is neither the sender judged nor a reason.
    assert "gmail.com" not in reasons
    assert "hanako" not in reasons
    assert_bilingual(checker, data)


def test_a_forwarded_genuine_mail_is_judged_on_the_mail_inside(checker: TrustChecker) -> None:
    inner = mail(
        AMAZON,
        "ご注文の発送",
        ORDER_TEXT + "\nhttps://www.amazon.co.jp/gp/css/order-history",
        headers=(("Authentication-Results", AMAZON_PASS),),
    )
    result = checker.check_mail(forwarded(inner)).contract("en")
    assert (result["verdict"], result["brand"]) == ("official", "amazon"), why(result)


JAPANESE_MAILS = [
    pytest.param(
        "ISO-2022-JP",
        "iso2022_jp",
        "7bit",
        "【楽天カード】ご利用確認のお願い",
        "rakuten_card",
        id="iso-2022-jp-rakuten-card",
    ),
    pytest.param(
        "Shift_JIS",
        "cp932",
        "8bit",
        "【ヤマト運輸】お荷物お届けのお知らせ①",
        "yamato",
        id="shift_jis-yamato",
    ),
    pytest.param(
        "UTF-8",
        "utf-8",
        "base64",
        "【えきねっと】自動退会処理のお知らせ",
        "eki_net",
        id="utf-8-eki-net",
    ),
]


@pytest.mark.parametrize(("charset", "codec", "cte", "subject", "brand"), JAPANESE_MAILS)
def test_japanese_mail_in_each_encoding_names_the_brand(
    checker: TrustChecker, charset: str, codec: str, cte: str, subject: str, brand: str
) -> None:
    # Only the encoded subject names the brand; the body (in the mail's own charset) has the pressure.
    text = (
        "いつもご利用いただきありがとうございます。\r\n"
        "お客様のアカウントに不審なログインがありました。24時間以内に下記より本人確認を行ってください。\r\n"
        "ご対応いただけない場合、ご利用を停止いたします。\r\n"
        "https://secure-notice.example.top/login\r\n"
    )
    if codec == "cp932":
        text += "㈱ お客様サポート窓口 ①\r\n"  # vendor characters Japanese mail programs write under Shift_JIS
    data = encoded_mail(charset, codec, "お客様サポート", "info@secure-notice.example.top", subject, text, cte)
    result = checker.check_mail(data).contract("en")
    assert (result["verdict"], result["brand"]) == ("suspicious", brand), why(result)
    assert {"mail_claims_brand", "urgency_words", "credential_request"} <= set(_codes(result)), why(result)
    assert_bilingual(checker, data)


def test_iso_2022_jp_mail_with_windows_characters_is_still_read(checker: TrustChecker) -> None:
    # Mail programs on Windows write ISO-2022-JP with NEC's special characters (①, ㈱, №) inside ESC $ B;
    # one such character must not make the whole body unreadable.
    body = (
        "楽天カードをご利用いただきありがとうございます。\r\n".encode("iso2022_jp")
        + b"\x1b$B-!\x1b(B"  # ① (NEC row 13)
        + "下記よりログインして本人確認を行ってください。24時間以内にご対応がない場合、ご利用を停止します。\r\n".encode(
            "iso2022_jp"
        )
        + b"https://card-security.example.top/\r\n"
    )
    data = (
        b"From: info@card-security.example.top\r\nTo: customer@example.jp\r\nSubject: notice\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
    ) + body
    result = checker.check_mail(data).contract("en")
    assert (result["verdict"], result["brand"]) == ("suspicious", "rakuten_card"), why(result)
    assert {"urgency_words", "credential_request"} <= set(_codes(result)), why(result)


def test_a_from_header_in_raw_shift_jis_keeps_its_address(checker: TrustChecker) -> None:
    # Bulk mailers often put the display name in raw Shift_JIS, without MIME encoding; the address itself is
    # plain ASCII and must still be read.
    data = (
        b"From: " + "アマゾン".encode("cp932") + b" <support@amazon.co.jp.example.top>\r\n"
        b"To: customer@example.jp\r\nSubject: order\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + "ご注文を確認してください。".encode()
    )
    result = checker.check_mail(data).contract("en")
    assert (result["verdict"], result["brand"]) == ("suspicious", "amazon"), why(result)
    assert "official_domain_in_subdomain" in _codes(result), why(result)


PHISHING_LINK = "https://amazon-co-jp.qzvkrb.top/ap/signin"
PADDING = "ご利用ありがとうございます。" * (300 * 1024 // 14)


def genuine(text: str, *, html: str | None = None, attachments: tuple[tuple[str, bytes, str], ...] = ()) -> bytes:
    """A mail that passes everything the check asks of a genuine Amazon mail, apart from what it carries."""
    return mail(
        AMAZON,
        "Amazon.co.jp ご注文の発送",
        text,
        html=html,
        headers=(("Authentication-Results", AMAZON_PASS),),
        attachments=attachments,
    )


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(genuine(ORDER_TEXT + PADDING + PHISHING_LINK), id="text"),
        pytest.param(genuine(ORDER_TEXT, html=f"<p>{PADDING}</p><a href='{PHISHING_LINK}'>注文</a>"), id="html"),
        pytest.param(
            genuine(
                ORDER_TEXT
                + "\n".join(f"https://www.amazon.co.jp/dp/{n}" for n in range(MAX_LINKS))
                + "\n"
                + PHISHING_LINK
            ),
            id="links-in-text",
        ),
        pytest.param(
            genuine(
                ORDER_TEXT,
                html="".join(f'<a href="https://www.amazon.co.jp/dp/{n}">{n}</a>' for n in range(MAX_LINKS))
                + f'<a href="{PHISHING_LINK}">注文</a>',
            ),
            id="links-in-html",
        ),
        pytest.param(
            genuine(
                ORDER_TEXT,
                attachments=(
                    (
                        "receipt.zip",
                        zip_of(*(f"page{n}.pdf" for n in range(MAX_ZIP_ENTRIES)), "receipt.exe"),
                        "application/zip",
                    ),
                ),
            ),
            id="zip",
        ),
    ],
)
def test_what_lies_past_a_reading_limit_keeps_a_mail_from_being_official(checker: TrustChecker, data: bytes) -> None:
    result = checker.check_mail(data).contract("en")
    assert result["verdict"] == "unknown", why(result)
    assert "mail_limit" in _codes(result), why(result)
    named = f"{MAX_TEXT_CHARS:,} characters", f"{MAX_LINKS} links", f"{MAX_ZIP_ENTRIES} files"
    assert any(limit in reason for reason in result["reasons"] for limit in named), result["reasons"]
    assert_bilingual(checker, data)


def test_a_limit_leaves_a_suspicious_mail_suspicious(checker: TrustChecker) -> None:
    data = mail(
        "Amazon.co.jp <info@amazon-co-jp.qzvkrb.top>",
        "【至急】アカウントの確認",
        "24時間以内にログインしてください。" + PADDING,
    )
    result = checker.check_mail(data).contract("en")
    assert (result["verdict"], result["brand"]) == ("suspicious", "amazon"), why(result)
    assert "mail_limit" in _codes(result)


def test_a_mail_within_the_limits_is_still_official(checker: TrustChecker) -> None:
    links = "\n".join(f"https://www.amazon.co.jp/dp/{n}" for n in range(MAX_LINKS - 1))
    zipped = zip_of(*(f"page{n}.pdf" for n in range(MAX_ZIP_ENTRIES)))
    data = genuine(ORDER_TEXT + links, attachments=(("receipt.zip", zipped, "application/zip"),))
    result = checker.check_mail(data).contract("en")
    assert result["verdict"] == "official", why(result)


@pytest.mark.parametrize(
    "link",
    [
        "https://www.google.com/url?q=https://amazon-co-jp.qzvkrb.top/",
        "https://translate.google.com/translate?sl=auto&u=qzvkrb.cc",
        "https://www.google.com/url?q=//qzvkrb.example.net/",
    ],
)
def test_a_link_relayed_by_a_genuine_site_is_judged_by_where_it_leads(checker: TrustChecker, link: str) -> None:
    data = genuine(ORDER_TEXT, html=f'<a href="{link}">ご注文を確認</a>')
    result = checker.check_mail(data).contract("en")
    assert result["verdict"] == "suspicious", why(result)
    assert "link_not_official" in _codes(result), why(result)


def test_a_text_that_is_not_a_mail_is_refused_with_a_reason(checker: TrustChecker) -> None:
    data = "このメールは本物ですか？\nhttps://www.amazon.co.jp/ から連絡がありました。\n".encode()
    japanese = checker.check_mail(data).contract("ja")
    english = checker.check_mail(data).contract("en")
    assert (english["verdict"], english["brand"], english["reason_codes"]) == ("unknown", None, ["mail_unreadable"])
    assert isinstance(english["error"], str)
    assert "not a mail" in english["reasons"][0]
    assert "メールではありません" in japanese["reasons"][0]
    assert not any("?" in reason for reason in [*japanese["reasons"], *english["reasons"]])
