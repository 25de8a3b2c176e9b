"""A receipt (領収書) as a PDF. Japanese text uses the PDF standard's Japanese Gothic font, which every PDF
reader supplies, so no font file is shipped or embedded."""

from __future__ import annotations

import io
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

if TYPE_CHECKING:
    from madoguchi.commerce.orders import Receipt

TOKYO = ZoneInfo("Asia/Tokyo")
_FONT = "HeiseiKakuGo-W5"
_PAYMENT_JA = {
    "credit_card": "クレジットカード",
    "konbini": "コンビニ払い",
    "paypay": "PayPay",
    "bank_transfer": "銀行振込",
    "cash_on_delivery": "代金引換",
    "points": "ポイント",
}


@lru_cache(maxsize=1)
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    return _FONT


def _yen(amount: int) -> str:
    return f"¥{amount:,}"


def receipt_pdf(receipt: Receipt) -> bytes:
    font = _font()
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    page.setTitle(f"領収書 {receipt.order_number}")
    page.setAuthor(receipt.seller)
    width, height = A4
    y = height - 70
    page.setFont(font, 22)
    page.drawCentredString(width / 2, y, "領収書 / Receipt")
    y -= 50
    page.setFont(font, 14)
    page.drawString(60, y, f"{receipt.issued_to} 様")
    page.setFont(font, 10)
    page.drawRightString(width - 60, y, f"発行日 {receipt.issued_at.astimezone(TOKYO):%Y年%m月%d日}")
    y -= 40
    page.setFont(font, 18)
    page.drawCentredString(width / 2, y, f"金額 {_yen(receipt.total_yen)}（税込）")
    y -= 24
    page.setFont(font, 10)
    page.drawCentredString(width / 2, y, "但し、お品代として上記正に領収いたしました。")
    y -= 36
    page.drawString(60, y, f"ご注文番号 {receipt.order_number}")
    page.drawRightString(width - 60, y, f"ご注文日 {receipt.ordered_at.astimezone(TOKYO):%Y年%m月%d日}")
    y -= 16
    page.drawString(60, y, f"お支払い方法 {_PAYMENT_JA.get(receipt.payment_method, receipt.payment_method)}")
    y -= 28
    page.line(60, y + 8, width - 60, y + 8)
    for item in receipt.items:
        page.drawString(60, y - 6, item.name[:40])
        page.drawRightString(width - 160, y - 6, f"{item.quantity} × {_yen(item.unit_price_yen)}")
        page.drawRightString(width - 60, y - 6, _yen(item.quantity * item.unit_price_yen))
        y -= 18
    page.drawString(60, y - 6, "送料")
    page.drawRightString(width - 60, y - 6, _yen(receipt.shipping_fee_yen))
    y -= 18
    page.line(60, y, width - 60, y)
    page.drawString(60, y - 16, "合計（税込）")
    page.drawRightString(width - 60, y - 16, _yen(receipt.total_yen))
    y -= 60
    for note in receipt.notes:
        page.drawString(60, y, note[:60])
        y -= 14
    page.setFont(font, 11)
    page.drawRightString(width - 60, 90, receipt.seller)
    page.showPage()
    page.save()
    return buffer.getvalue()
