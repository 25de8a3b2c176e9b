"""The reply language of a turn: the language the customer writes in; a message too short to tell, or Han
characters Japanese and Chinese share, keep the conversation's (which starts as the profile's)."""

from __future__ import annotations

import pytest

from madoguchi.conversations.language import reply_language
from madoguchi.nlu.language import detect_language


@pytest.mark.parametrize(
    ("text", "current", "expected"),
    [
        ("I want to cancel my order", "ja", "en"),
        ("注文をキャンセルしたい", "en", "ja"),
        ("我想退货", "ja", "zh"),
        ("반품하고 싶어요", "zh", "ko"),
        ("はい", "en", "ja"),
        ("네", "ja", "ko"),
        ("退货", "ja", "zh"),
        # Too short to tell, or a number: the conversation's language stays.
        ("OK", "ja", "ja"),
        ("OK", "zh", "zh"),
        ("yes", "ko", "ko"),
        ("2", "en", "en"),
        ("MD-14192372", "zh", "zh"),
        ("090-1234-5678", "ko", "ko"),
        # Han characters both languages write: the conversation's stands between the two.
        ("便利店寄回", "zh", "zh"),
        ("可以", "zh", "zh"),
        ("返品", "ja", "ja"),
        # Chinese the detector is sure of, from a Japanese profile.
        ("我想退一件衣服", "ja", "zh"),
        # An address answering the bot's question is no change of language.
        ("鹿児島県鹿児島市中央町10-5", "ja", "ja"),
        # A single Latin word tells nothing: Japanese customers type "qwerty" and "OK" too.
        ("ｑｗｅｒｔｙ", "ja", "ja"),
        # … but not against English or Korean.
        ("yes please", "ja", "en"),
        ("thanks a lot", "ko", "en"),
        ("Can I get a receipt?", "ja", "en"),
    ],
)
def test_the_reply_language_follows_what_the_customer_writes(text: str, current: str, expected: str) -> None:
    assert reply_language(text, detect_language(text), current) == expected
