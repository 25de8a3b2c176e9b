"""Language on short texts, PII masking before storage, urgency and anger scores."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.nlu.intent import _sudachi
from madoguchi.nlu.language import detect_language
from madoguchi.nlu.normalize import normalize
from madoguchi.nlu.pii import redact
from madoguchi.nlu.urgency import score_urgency


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("オペレーター", "ja"),
        ("ｵﾍﾟﾚｰﾀｰ", "ja"),
        ("返品", "ja"),
        ("注文番号", "ja"),
        ("領収書", "ja"),
        ("荷物", "ja"),
        ("届かない", "ja"),
        ("至急", "ja"),
        ("ok", "en"),
        ("thanks!", "en"),
        ("Where is my parcel?", "en"),
        ("退货", "zh"),
        ("快递到了吗", "zh"),
        ("我的包裹在哪里", "zh"),
        ("人工客服", "zh"),
        ("退款申请", "zh"),
        ("배송", "ko"),
        ("환불해 주세요", "ko"),
        ("MD-12345678", "en"),
        ("😡", "ja"),
        ("", "ja"),
    ],
)
def test_language_of_short_texts(text: str, language: str) -> None:
    assert detect_language(normalize(text).text, _sudachi()) == language


@pytest.mark.parametrize(
    ("text", "masked", "removed"),
    [
        ("カード番号は4111-1111-1111-1111です", "カード番号は［カード番号・非表示］です", ("card_number",)),
        ("カード番号は４１１１ １１１１ １１１１ １１１１", "カード番号は［カード番号・非表示］", ("card_number",)),
        ("パスワードは abc12345 です", "パスワードは ［パスワード・非表示］ です", ("password",)),
        ("password: hunter22", "password: ［パスワード・非表示］", ("password",)),
        ("セキュリティコードは123", "セキュリティコードは［セキュリティコード・非表示］", ("security_code",)),
        ("マイナンバー 1234 5678 9018", "マイナンバー ［マイナンバー・非表示］", ("my_number",)),
        ("注文MD-12345678の件、追跡432156789012", "注文MD-12345678の件、追跡432156789012", ()),
    ],
)
def test_secrets_are_masked_with_a_marker(text: str, masked: str, removed: tuple[str, ...]) -> None:
    redaction = redact(text)
    assert redaction.text == masked
    assert redaction.removed == removed


@pytest.mark.parametrize(
    "text", ["https://example.top/?u=window.__pwned=1", "spinning top 3 pieces", "shipping 1234", "opinion: great"]
)
def test_words_that_only_contain_pin_or_pw_are_not_taken_for_passwords(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("パスワードはP@ssw0rdです", "パスワードは［パスワード・非表示］です"),
        ("パスワード：「さくらもち」です", "パスワード：「［パスワード・非表示］」です"),
        ("ＰＡＳＳＷＯＲＤ：ａｂｃ１２３４", "ＰＡＳＳＷＯＲＤ：［パスワード・非表示］"),
        ("暗証番号は1234です", "暗証番号は［パスワード・非表示］です"),
        ("My password is hunter2.", "My password is ［パスワード・非表示］."),
        ("password=Secret123, still refused", "password=［パスワード・非表示］, still refused"),
        ("I typed passcode tOpSecret twice", "I typed passcode ［パスワード・非表示］ twice"),
        ("PIN code 4321", "PIN code ［パスワード・非表示］"),
    ],
)
def test_a_value_typed_after_the_word_password_is_masked(text: str, masked: str) -> None:
    redaction = redact(text)
    assert redaction.text == masked
    assert redaction.removed == ("password",)


@pytest.mark.parametrize(
    "text",
    [
        "パスワードを忘れました",
        "パスワードが違うと表示されます",
        "パスワードは何文字以上ですか",
        "パスワードは8文字以上ですか",
        "パスを忘れてログインできない",
        "暗証番号を変更したい",
        "パスポートの写真を送ります",
        "I forgot my password.",
        "My password is not working",
        "password reset email never arrived",
        "What is the PIN for?",
        "Password: forgotten, please help",
    ],
)
def test_everyday_sentences_about_passwords_are_kept_as_written(text: str) -> None:
    redaction = redact(text)
    assert redaction.text == text
    assert redaction.removed == ()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_masking_never_crashes_and_keeps_text_without_secrets(text: str) -> None:
    redaction = redact(text)
    if not redaction.removed:
        assert redaction.text == text


def test_anger_and_urgency_in_japanese_and_english() -> None:
    calm = score_urgency("ありがとうございます")
    assert calm.anger == 0
    assert calm.urgency == 0
    angry = score_urgency(normalize("いい加減にしてください！！三回目の問い合わせです").text)
    assert angry.anger >= 0.8
    assert angry.repeat_contact
    assert score_urgency("至急確認をお願いします").urgency >= 0.4
    english = score_urgency("This is RIDICULOUS!! Third time asking")
    assert english.anger >= 0.8
    assert english.repeat_contact
