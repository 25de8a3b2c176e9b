"""Entities with offsets into the original text, whatever width or form the customer typed."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.nlu.entities import extract_entities, luhn_valid
from madoguchi.nlu.normalize import fold_for_matching, normalize

TODAY = date(2026, 11, 22)  # a Sunday


def found(text: str) -> list[tuple[str, str, str]]:
    return [(entity.type, entity.value, entity.normalized) for entity in extract_entities(normalize(text), TODAY)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("注文番号MD-12345678の件です", [("order_number", "MD-12345678", "MD-12345678")]),
        ("注文番号ＭＤ－１２３４５６７８の件です", [("order_number", "ＭＤ－１２３４５６７８", "MD-12345678")]),
        ("order 250-1234567-1234567 please", [("order_number", "250-1234567-1234567", "250-1234567-1234567")]),
        ("追跡番号は4321-5678-9012です", [("tracking_number", "4321-5678-9012", "yamato:432156789012")]),
        ("お問い合わせ番号 EJ123456789JP", [("tracking_number", "EJ123456789JP", "japanpost:EJ123456789JP")]),
        ("ゆうパック 12345678901 です", [("tracking_number", "12345678901", "japanpost:12345678901")]),
        ("090-1234-5678に電話ください", [("phone", "090-1234-5678", "+819012345678")]),
        ("フリーダイヤル0120-01-9625", [("phone", "0120-01-9625", "+81120019625")]),
        ("メールはtaro.yamada@example.jpです", [("email", "taro.yamada@example.jp", "taro.yamada@example.jp")]),
        (
            "https://amaz0n-co-jp.top/login を開いた",
            [("url", "https://amaz0n-co-jp.top/login", "https://amaz0n-co-jp.top/login")],
        ),
        ("3,980円の請求", [("money", "3,980円", "3980")]),
        ("¥１２，８００引かれた", [("money", "¥１２，８００", "12800")]),
        ("1万5千円", [("money", "1万5千円", "15000")]),
        ("2.5万円返して", [("money", "2.5万円", "25000")]),
        ("明日届けて", [("date", "明日", "2026-11-23")]),
        ("来週の月曜に", [("date", "来週の月曜", "2026-11-23")]),
        ("金曜日までに", [("date", "金曜日", "2026-11-27")]),
        ("12月25日に届く予定", [("date", "12月25日", "2026-12-25")]),
        ("2026/11/30 配達", [("date", "2026/11/30", "2026-11-30")]),
        ("next monday please", [("date", "next monday", "2026-11-23")]),
        ("「宇治抹茶 100g」が届かない", [("product", "宇治抹茶 100g", "宇治抹茶 100g")]),
    ],
)
def test_entity_is_found_with_its_machine_form(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert found(text) == expected


def test_card_numbers_must_pass_the_luhn_check() -> None:
    assert found("カード 4111 1111 1111 1111 です") == [("card_number", "4111 1111 1111 1111", "4111111111111111")]
    assert all(kind != "card_number" for kind, _, _ in found("カード 4111 1111 1111 1112 です"))
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")


def test_several_entities_in_one_message_come_in_text_order() -> None:
    kinds = [kind for kind, _, _ in found("MD-12345678を明日までに090-1234-5678へ、3000円です")]
    assert kinds == ["order_number", "date", "phone", "money"]


def test_a_card_number_is_not_also_a_phone_or_tracking_number() -> None:
    assert [kind for kind, _, _ in found("4111111111111111")] == ["card_number"]


def test_normalisation_unifies_width_and_long_vowels() -> None:
    assert normalize("ｵﾍﾟﾚｰﾀｰ").text == "オペレーター"
    assert normalize("オペレ〜タ〜").text == "オペレーター"
    assert normalize("ＡＢＣ１２３").text == "ABC123"
    assert fold_for_matching(normalize("オペレーター！！！！").text) == "おぺれーたー!!"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_no_text_crashes_and_every_entity_slices_back_to_its_value(text: str) -> None:
    for entity in extract_entities(normalize(text), TODAY):
        assert text[entity.start : entity.end] == entity.value
        assert 0 <= entity.start < entity.end <= len(text)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "注文",
                "MD-12345678",
                "ＭＤ－８７６５４３２１",
                "090-1234-5678",
                "３，９８０円",
                "明日",
                "ｶｰﾄﾞ",
                "4111 1111 1111 1111",
                "\x00",
                "\u202e",
                "😡",
                "「商品」",
                "https://example.jp/x",
                "🇯🇵",
                "ｶﾞ",
                "㍻",
                " ",
            ]
        ),
        max_size=40,
    )
)
def test_mixed_scripts_and_control_characters_keep_offsets_true(parts: list[str]) -> None:
    text = "".join(parts)
    for entity in extract_entities(normalize(text), TODAY):
        assert text[entity.start : entity.end] == entity.value


def test_a_100_kb_message_is_handled() -> None:
    text = ("荷物が届きません。MD-12345678 " * 6000)[:100_000]
    entities = extract_entities(normalize(text), TODAY)
    assert entities
    assert all(text[e.start : e.end] == e.value for e in entities)


def test_empty_text() -> None:
    assert extract_entities(normalize(""), TODAY) == []
    assert normalize("").text == ""
