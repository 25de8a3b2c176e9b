"""Help-centre search: Japanese and English queries find the page that answers them, with URL and snippet;
the index follows edits to the articles table."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from madoguchi.demo.seed import load_demo_data
from madoguchi.knowledge import helpcentre
from madoguchi.knowledge.helpcentre import HelpCentre, help_centre
from madoguchi.knowledge.tokens import search_terms
from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import Article

if TYPE_CHECKING:
    from madoguchi.settings import Settings


@pytest.fixture(scope="module")
def centre() -> HelpCentre:
    articles = [
        Article(slug=front.slug, language=front.language, title=front.title, body=body, intents=list(front.intents))
        for front, body in load_demo_data().articles
    ]
    return HelpCentre(articles)


@pytest.mark.parametrize(
    ("query", "language", "slug"),
    [
        ("返品したいです", "ja", "returns-exchanges"),
        ("領収書が欲しい", "ja", "receipts-invoices"),
        ("パスワードを忘れてしまいました", "ja", "password-reset"),
        ("ﾊﾟｽﾜｰﾄﾞ忘れた", "ja", "password-reset"),
        ("配達完了になっているのに荷物がない", "ja", "delivered-not-received"),
        ("my parcel is late", "en", "missing-or-late-parcels"),
        ("how do I return an item", "en", "returns-and-refunds"),
        ("I don't recognise a charge on my card", "en", "unrecognised-card-charges"),
    ],
)
def test_the_answering_page_comes_first(centre: HelpCentre, query: str, language: str, slug: str) -> None:
    hits = centre.search(query, language)
    assert hits, query
    assert hits[0].slug == slug
    assert hits[0].url == f"/help/{slug}"
    assert hits[0].snippet
    assert len(hits[0].snippet) <= helpcentre.SNIPPET_CHARS


def test_inflections_meet_on_the_dictionary_form() -> None:
    assert "届く" in search_terms("届かない")
    assert "届く" in search_terms("届きません")
    assert "parcel" in search_terms("Parcels")


def test_a_language_without_pages_falls_back_to_japanese(centre: HelpCentre) -> None:
    hits = centre.search("返品", "ko")
    assert hits
    assert hits[0].language == "ja"


def test_nothing_matches_nothing(centre: HelpCentre) -> None:
    assert centre.search("", "ja") == []
    assert centre.search("zzzz qqqq", "en") == []


def test_an_intent_finds_its_page_in_the_customers_language(centre: HelpCentre) -> None:
    english = centre.for_intent("track_order", "en")
    assert english is not None
    assert english.language == "en"
    japanese = centre.for_intent("get_invoice", "en")
    assert japanese is not None
    assert japanese.slug == "receipts-invoices"


async def test_the_index_follows_article_edits(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            helpcentre.invalidate()
            before = await help_centre(session)
            assert not before.search("ふるさと納税", "ja")
            article = await session.scalar(select(Article).where(Article.slug == "newsletter"))
            assert article is not None
            original = article.body
            article.body = original + "\n\nふるさと納税の返礼品のお知らせもお届けします。"
            await session.commit()
            helpcentre.invalidate()
            after = await help_centre(session)
            assert after.search("ふるさと納税", "ja")[0].slug == "newsletter"
            article.body = original
            await session.commit()
    finally:
        helpcentre.invalidate()
        await engine.dispose()


@pytest.mark.parametrize(
    ("intent", "text", "slug"),
    [
        # Return conditions are on the returns page, though the intent also covers refunds.
        ("check_refund_policy", "返品できる条件は？", "returns-exchanges"),
        ("check_refund_policy", "開封した商品でも返品できますか", "returns-exchanges"),
        ("check_refund_policy", "何日以内なら返品できますか", "returns-exchanges"),
        ("check_refund_policy", "返品の条件を教えてください", "returns-exchanges"),
        # Refund conditions stay on the refund page.
        ("check_refund_policy", "返金の条件を教えてください", "refund-policy"),
        ("check_refund_policy", "返金されるまでどのくらいかかりますか", "refund-policy"),
        ("get_refund", "返金してもらえる条件は？", "refund-policy"),
        ("get_refund", "返金の状況を知りたい", "refund-status"),
        # With no words to weigh, the page written for the intent.
        ("check_refund_policy", "", "refund-policy"),
        ("recover_password", "", "password-reset"),
        ("recover_password", "ログインできません", "password-reset"),
        ("recover_password", "パスワードを忘れてサインインできない", "password-reset"),
        # Words about a take-over move a password question to the page for it.
        ("recover_password", "第三者に不正にログインされたかもしれない", "account-compromised"),
    ],
)
def test_the_page_for_a_turn_weighs_the_intent_and_the_customers_words(
    centre: HelpCentre, intent: str, text: str, slug: str
) -> None:
    hit = centre.for_intent(intent, "ja", text=text)
    assert hit is not None
    assert hit.slug == slug


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("ログインできません", "password-reset"),
        ("ログインできなくなりました", "password-reset"),
        ("サインインできない", "password-reset"),
        ("返品の条件", "returns-exchanges"),
    ],
)
def test_words_alone_find_the_page_that_answers_them(centre: HelpCentre, text: str, slug: str) -> None:
    assert centre.search(text, "ja")[0].slug == slug


def test_a_page_that_does_not_declare_the_intent_is_never_the_intents_page(centre: HelpCentre) -> None:
    # The customer's words match the payment page, but the turn is about a return: the returns pages answer.
    hit = centre.for_intent("return_item", "ja", text="コンビニ払いで買った商品を返品したい")
    assert hit is not None
    assert "return_item" in hit.intents


# The flows the bot cites, and the intent whose page each one quotes.
_CITED_FLOWS = (
    "return_item",
    "check_refund_policy",
    "get_refund",
    "track_refund",
    "track_order",
    "delivery_problem",
    "cancel_order",
    "check_payment_methods",
    "payment_issue",
    "recover_password",
    "report_scam",
    "verify_official_contact",
    "unrecognized_charge",
    "contact_customer_service",
)


@pytest.mark.parametrize("language", ["en", "zh", "ko"])
@pytest.mark.parametrize("intent", _CITED_FLOWS)
def test_the_flows_the_bot_cites_have_a_page_in_each_language(centre: HelpCentre, intent: str, language: str) -> None:
    hit = centre.for_intent(intent, language)
    assert hit is not None
    assert hit.language == language
    assert not hit.snippet.startswith(("(", "（"))


@pytest.mark.parametrize(
    ("query", "language", "slug"),
    [
        ("我想退货", "zh", "returns-and-refunds-zh"),
        ("包裹还没到", "zh", "missing-or-late-parcels-zh"),
        ("忘记密码了，无法登录", "zh", "signing-in-and-passwords-zh"),
        ("怎么取消订单", "zh", "cancel-or-change-an-order-zh"),
        ("반품하고 싶어요", "ko", "returns-and-refunds-ko"),
        ("택배가 안 와요", "ko", "missing-or-late-parcels-ko"),
        ("비밀번호를 잊어버렸어요", "ko", "signing-in-and-passwords-ko"),
        ("주문을 취소하고 싶어요", "ko", "cancel-or-change-an-order-ko"),
        ("결제 방법", "ko", "payment-options-ko"),
        ("I cannot log in", "en", "signing-in-and-passwords"),
    ],
)
def test_chinese_and_korean_questions_find_their_page(centre: HelpCentre, query: str, language: str, slug: str) -> None:
    assert centre.search(query, language)[0].slug == slug


@pytest.mark.parametrize(
    ("language", "notice"),
    [("en", "Japanese only"), ("zh", "仅有日文版"), ("ko", "일본어로만")],
)
def test_a_japanese_only_page_says_so_in_the_customers_language(centre: HelpCentre, language: str, notice: str) -> None:
    hit = centre.for_intent("membership", language)
    assert hit is not None
    assert hit.language == "ja"
    assert notice in hit.snippet
    assert len(hit.snippet) <= helpcentre.SNIPPET_CHARS
    assert hit.url == f"/help/premium-membership?lang={language}"
    assert "日本語のみ" not in (centre.for_intent("membership", "ja") or hit).snippet
