"""Natural answers to "shall I go ahead?" in four languages: a no anywhere wins, nothing unclear is a yes."""

from __future__ import annotations

import pytest

from madoguchi.bot.confirmation import read_confirmation


@pytest.mark.parametrize(
    "text",
    [
        "はい",
        "はい、お願いします",
        "お願いします",
        "大丈夫です",
        "それでお願いします",
        "うん",
        "yes",
        "Yes please",
        "sure, go ahead",
        "OK",
        "no problem, do it",
        "sounds good",
        "是",
        "好的",
        "可以",
        "没问题",
        "确认",
        "네",
        "예",
        "네, 진행해 주세요",
        "좋아요",
        "문제없어요",
    ],
)
def test_natural_yes(text: str) -> None:
    assert read_confirmation(text) == "yes"


@pytest.mark.parametrize(
    "text",
    [
        "いいえ",
        "やっぱりやめておきます",
        "やっぱり大丈夫です",
        "結構です",
        "キャンセルしないでください",
        "ちょっと待ってください",
        "no",
        "No thanks",
        "actually never mind",
        "don't",
        "wait, I changed my mind",
        "否",
        "不用了",
        "不要",
        "算了",
        "아니요",
        "괜찮아요",
        "아니요, 괜찮아요",
        "됐어요",
    ],
)
def test_natural_no(text: str) -> None:
    assert read_confirmation(text) == "no"


@pytest.mark.parametrize("text", ["うーん", "どうしよう", "hmm", "what does it cost?", "", "   "])
def test_neither_yes_nor_no(text: str) -> None:
    assert read_confirmation(text) is None
