"""What the mails Madoguchi sends say, and how they are put together so that replies thread.

Every subject carries the ticket number as `[#NUMBER]`; the acknowledgement is in Japanese and English and
states when the desk replies. Mail is UTF-8 text: every current Japanese mail client and phone reads it.
"""

from __future__ import annotations

import re
import uuid
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING

from madoguchi.channels.email.autoreply import AUTOMATIC_HEADERS
from madoguchi.channels.email.mime import ticket_tag

if TYPE_CHECKING:
    from datetime import datetime

_SMTP = policy.SMTP.clone(max_line_length=998)
_REPLY_PREFIXES = re.compile(r"^\s*((re|fw|fwd|aw|sv|返信|転送)\s*[:：]\s*|\[#\d+\]\s*)+", re.IGNORECASE)
_NO_SUBJECT = "お問い合わせ / Your inquiry"
# References grows with every reply; clients use the last few ids, and long headers get mail refused.
_MAX_REFERENCES = 10


def base_subject(subject: str) -> str:
    """The subject without reply prefixes and ticket tags, for the ticket and for the replies built on it."""
    cleaned = _TAG_ANYWHERE.sub("", _REPLY_PREFIXES.sub("", subject)).strip()
    return cleaned[:200]


_TAG_ANYWHERE = re.compile(r"\s*\[#\d+\]\s*")


def reply_time(minutes: int) -> tuple[str, str]:
    """The desk's promised first response as Japanese and English words ("2時間以内", "within 2 hours")."""
    if minutes < 60:
        return f"{minutes}分以内", f"within {minutes} minute{'s' if minutes != 1 else ''}"
    if minutes < 48 * 60:
        hours = round(minutes / 60)
        return f"{hours}時間以内", f"within {hours} hour{'s' if hours != 1 else ''}"
    days = round(minutes / (24 * 60))
    return f"{days}日以内", f"within {days} days"


def acknowledgement_subject(number: int, subject: str) -> str:
    original = base_subject(subject)
    return f"{ticket_tag(number)} お問い合わせを受け付けました / We have received your inquiry" + (
        f": {original}" if original else ""
    )


def acknowledgement_text(*, number: int, customer_name: str | None, desk_ja: str, desk_en: str, minutes: int) -> str:
    tag = ticket_tag(number)
    within_ja, within_en = reply_time(minutes)
    greeting_ja = f"{customer_name} 様" if customer_name else "お客様"
    greeting_en = f"Dear {customer_name}," if customer_name else "Dear customer,"
    return (
        f"{greeting_ja}\n\n"
        f"お問い合わせありがとうございます。受付番号は {tag} です。\n"
        f"{desk_ja}より、通常{within_ja}にご返信いたします。\n"
        f"このメールに返信すると、同じお問い合わせに追記されます。件名の {tag} は消さずにお送りください。\n"
        "※このメールは自動で送信しています。\n\n"
        "----\n\n"
        f"{greeting_en}\n\n"
        f"Thank you for contacting us. Your ticket number is {tag}.\n"
        f"{desk_en} usually replies {within_en}.\n"
        f"Reply to this e-mail to add to the same inquiry; please keep {tag} in the subject.\n"
        "This message was sent automatically.\n"
    )


def resolution_subject(number: int, subject: str, language: str) -> str:
    original = base_subject(subject)
    said = "お問い合わせは完了しました" if language == "ja" else "Your inquiry has been resolved"
    return f"{ticket_tag(number)} {said}" + (f": {original}" if original else "")


def resolution_text(*, number: int, language: str, rating_url: str, days: int) -> str:
    """The mail that says the ticket is resolved, in the ticket's language, with the link to rate the answer."""
    tag = ticket_tag(number)
    if language == "ja":
        return (
            "お客様\n\n"
            f"お問い合わせ {tag} への対応を完了いたしました。ご利用ありがとうございました。\n\n"
            "今回の対応はいかがでしたか。1〜5の5段階で評価をお聞かせください（1分ほどで終わります）。\n"
            f"{rating_url}\n"
            f"※評価用のリンクは{days}日間有効です。評価は1回のみ受け付けます。\n\n"
            f"まだ解決していない場合は、件名の {tag} を消さずにこのメールにご返信ください。お問い合わせを再開します。\n"
        )
    return (
        "Dear customer,\n\n"
        f"We have resolved your inquiry {tag}. Thank you for contacting us.\n\n"
        "How did we do? Please rate our answer from 1 to 5 (it takes a minute):\n"
        f"{rating_url}\n"
        f"The link is valid for {days} days and takes one rating.\n\n"
        f"If your problem is not solved, reply to this e-mail and keep {tag} in the subject: the inquiry reopens.\n"
    )


def reply_subject(number: int, subject: str) -> str:
    original = base_subject(subject)
    return f"{ticket_tag(number)} Re: {original or _NO_SUBJECT}"


def reply_text(*, number: int, text: str) -> str:
    return f"{text}\n\n----\n受付番号 / Ticket {ticket_tag(number)}\n"


def build_mail(
    *,
    from_address: str,
    from_name: str | None,
    to_address: str,
    subject: str,
    text: str,
    in_reply_to: str | None,
    references: list[str],
    automatic: bool,
    now: datetime,
) -> tuple[str, bytes]:
    """The Message-ID (without angle brackets) and the bytes of a text mail, ready for SMTP."""
    domain = from_address.rpartition("@")[2] or "localhost"
    # Random, so that a reply citing it proves its writer received our mail (threading trusts it).
    message_id = f"{uuid.uuid4().hex}@{domain}"
    message = EmailMessage(policy=_SMTP)
    local_part, _, address_domain = from_address.rpartition("@")
    message["From"] = Address(display_name=from_name or "", username=local_part, domain=address_domain)
    message["To"] = to_address
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
    chain = [*references, *([in_reply_to] if in_reply_to else [])][-_MAX_REFERENCES:]
    if chain:
        message["References"] = " ".join(f"<{reference}>" for reference in dict.fromkeys(chain))
    if automatic:
        for name, value in AUTOMATIC_HEADERS.items():
            message[name] = value
    message.set_content(text, charset="utf-8", cte="base64")
    return message_id, message.as_bytes()
