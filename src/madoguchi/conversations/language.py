"""The reply language of a turn: the one place that decides which language the platform answers in.

Customers write in the language they read, whatever their profile says, and may switch mid-conversation:
each message that tells its language sets the conversation's language, and every reply of that turn — the
bot's sentences and buttons, the system's notices (queue, hours, hand-over, callbacks), desk and carrier
names, dates — is written in it. A message too short to tell ("OK", a number, an order number) keeps the
conversation's language, which starts as the profile's (or, for a guest, the page's): the profile only breaks
ties. Han text that Japanese writes too leaves a Chinese conversation only when the detector is sure.
Operators' skills are matched on the same language, so a customer who writes English waits for someone who
reads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from madoguchi.domain.languages import LANGUAGES
from madoguchi.nlu.language import japanese_or_chinese_alike, reads_as_chinese_sentence, tells_language
from madoguchi.nlu.normalize import normalize

if TYPE_CHECKING:
    from madoguchi.nlu.pipeline import Understanding
    from madoguchi.store.models import Conversation


def reply_language(text: str, written: str, current: str) -> str:
    """The language to answer `text` in: `written` (what the text is written in) when the text tells it, else
    the conversation's `current` language."""
    normalized = normalize(text).text
    if written == "ja" and current == "zh" and japanese_or_chinese_alike(normalized):
        # Han text both languages write is read as Japanese unless the detector is sure it is Chinese: unsure
        # is no reason to leave a Chinese conversation (「便利店寄回」「可以」).
        return current
    if written == "zh" and current == "ja" and japanese_or_chinese_alike(normalized):
        # Nouns alone (an address, 「鹿児島県鹿児島市中央町」) are no Chinese sentence; 「我想退一件衣服」 is.
        return written if reads_as_chinese_sentence(normalized) else current
    if written in LANGUAGES and tells_language(normalized):
        return written
    return current if current in LANGUAGES else "ja"


def do_follow_language(conversation: Conversation, understanding: Understanding) -> str:
    """Set the conversation's language from the customer's latest message; returns it."""
    conversation.language = reply_language(understanding.text, understanding.language, conversation.language)
    return conversation.language
