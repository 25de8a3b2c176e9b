"""Reading the customer's answer to "shall I go ahead?" in Japanese, English, Chinese and Korean.

People rarely answer a bare yes or no: 「お願いします」「やっぱりやめておきます」, "yes please", "actually never
mind", 「好的」「不用了」, 「네, 진행해 주세요」「괜찮아요」. A no anywhere in the answer wins over a yes — nothing
that moves money or an address is done on a half-hearted answer — except in the affirmative phrases built on a
negative word ("no problem", 「没问题」, 「문제없어요」). 「大丈夫です」 answers 「よろしいですか」 with a yes; the
Korean 「괜찮아요」 after an offer is the polite no.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Answer = Literal["yes", "no"]

# Yes said with a negative word in it: read as yes before the negatives are looked for.
_YES_WITH_NEGATIVE = re.compile(
    r"\bno (?:problem|worries)\b|\bnot a problem\b|\bwhy not\b|没问题|没关系|문제\s?없|問題(?:ない|ありません)",
    re.IGNORECASE,
)
_NO = re.compile(
    # Japanese
    r"いいえ|いえ[、,。\s]|^いえ$|^いや|やめ|止め|やっぱ(?:り)?[、,\s]?(?:いい|いら|結構|なし|大丈夫)|"
    r"結構です|けっこうです|遠慮|しない|しません|いらない|要らない|不要です|まだいい|待って|まって|"
    r"ちょっと待|違います|ちがいます|だめ|ダメ|無理|キャンセルしない|取りやめ|"
    # English
    r"\bno\b|\bnope\b|\bnah\b|\bdon'?t\b|\bdo not\b|\bstop\b|never ?mind|\bnot\b|\bwait\b|\bhold on\b|"
    r"changed my mind|\bforget it\b|\bleave it\b|rather not|\bpass\b|\bcancel that\b|\bskip\b|"
    # Chinese
    r"不|否|算了|别|先等|等一下|等等|取消吧|"
    # Korean
    r"아니|아뇨|괜찮아요|괜찮습니다|괜찮아|됐어요|됐습니다|됐어|안\s?할|안\s?해|하지\s?마|그만|필요\s?없|잠깐|나중에|취소하지",
    re.IGNORECASE,
)
_YES = re.compile(
    # Japanese
    r"はい|はーい|ええ|うん|お願い|おねがい|よろしく|大丈夫|それで|進めて|構いません|かまいません|了解|"
    r"オッケー|おっけー|確定|もちろん|ぜひ|頼み|頼む|そうです|いいですよ|承知|"
    # English
    r"\bok\b|\bokay\b|\byes\b|\byeah\b|\byep\b|\byup\b|\bsure\b|\bplease\b|go ahead|\bdo it\b|\bconfirm|"
    r"\bcorrect\b|that'?s right|sounds good|\bfine\b|\ball ?right\b|\babsolutely\b|of course|\bproceed\b|"
    # Chinese
    r"是|好|可以|确认|确定|行|对|嗯|麻烦|同意|没问题|"
    # Korean
    r"네|예|응|그래요|그래|좋아요|좋습니다|좋아|진행|부탁|맞아요|맞습니다|알겠|오케이|해\s?주세요|해주세요",
    re.IGNORECASE,
)


def read_confirmation(text: str) -> Answer | None:
    """ "yes", "no", or None when the answer is neither (the question is asked again, or a new request starts)."""
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    if not folded:
        return None
    if _YES_WITH_NEGATIVE.search(folded):
        return "yes"
    if _NO.search(folded):
        return "no"
    if _YES.search(folded):
        return "yes"
    return None
