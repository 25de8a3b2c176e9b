"""Articles from Markdown: sanitised HTML for the page, whole sentences of prose for the bot's snippets."""

from __future__ import annotations

import pytest

from madoguchi.demo.seed import load_demo_data
from madoguchi.knowledge import helpcentre
from madoguchi.knowledge.helpcentre import HelpCentre
from madoguchi.knowledge.render import cut, prose_blocks, sentences, to_html
from madoguchi.store.models import Article

_PAYMENT = """# ご利用いただけるお支払い方法

| お支払い方法 | 内容 |
|---|---|
| コンビニ払い | ご注文から3日以内にお支払いください。期限を過ぎると自動でキャンセルされます。 |
| PayPay | 可 |

## 注意

- **代金引換**の手数料は330円です。
- ショップによってはご利用いただけない方法があります。
"""


def test_markdown_becomes_html_headings_emphasis_lists_and_tables() -> None:
    html = to_html(_PAYMENT)
    assert "<h1>ご利用いただけるお支払い方法</h1>" in html
    assert "<strong>代金引換</strong>" in html
    assert "<li>" in html
    assert "<th>お支払い方法</th>" in html
    assert "#" not in html
    assert "**" not in html


@pytest.mark.parametrize(
    ("markdown", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src=x onerror="alert(1)">', "<img"),
        ("[click](javascript:alert(1))", 'href="javascript'),
        ('<a href="https://evil.example" style="position:fixed">x</a>', "<a "),
        ("<iframe src='https://evil.example'></iframe>", "<iframe"),
        ('<p onclick="alert(1)">x</p>', "<p onclick"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", 'href="data:'),
    ],
)
def test_html_written_in_an_article_never_reaches_the_page_as_markup(markdown: str, forbidden: str) -> None:
    assert forbidden not in to_html(markdown)


def test_links_open_without_handing_over_the_page() -> None:
    html = to_html("[ヤマト運輸](https://www.kuronekoyamato.co.jp/)")
    assert 'href="https://www.kuronekoyamato.co.jp/"' in html
    assert "noopener" in html


def test_prose_leaves_out_headings_and_table_headers() -> None:
    texts = [block.text for block in prose_blocks(_PAYMENT)]
    assert texts == [
        "コンビニ払い：ご注文から3日以内にお支払いください。期限を過ぎると自動でキャンセルされます。",
        "代金引換の手数料は330円です。",
        "ショップによってはご利用いただけない方法があります。",
    ]


def test_list_items_that_are_not_sentences_read_as_one_after_their_lead_in() -> None:
    markdown = (
        "会員の特典：\n\n- 送料が無料\n- ポイントが2倍\n\n"
        "A scam mail may:\n\n- ask for your password, or code;\n- rush you\n"
    )
    assert [block.text for block in prose_blocks(markdown)] == [
        "会員の特典：送料が無料、ポイントが2倍。",
        "A scam mail may: ask for your password, or code; rush you.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("返品できます。送料は無料です！本当ですか？", ["返品できます。", "送料は無料です！", "本当ですか？"]),
        ("「注文履歴」を開きます。次へ進みます。", ["「注文履歴」を開きます。", "次へ進みます。"]),
        ("Refunds take 3.5 days. See example.com for more.", ["Refunds take 3.5 days.", "See example.com for more."]),
    ],
)
def test_sentences_end_on_full_stops_not_on_decimals_or_domains(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_a_cut_keeps_whole_sentences() -> None:
    text = "返品はお届けから30日以内です。未使用の商品に限ります。開封済みの食品は返品できません。"
    assert cut(text, 30) == "返品はお届けから30日以内です。未使用の商品に限ります。"
    assert cut("We refund within 2 days. Cards take a cycle. Cash is instant.", 30) == "We refund within 2 days."


def test_one_long_sentence_is_cut_after_a_clause_or_between_words() -> None:
    lead = "ショップの商品は、ショップページに記載の条件に従い、"
    japanese = lead + "注文履歴の「ショップに問い合わせる」からお申し込みください。"
    assert cut(japanese, 40) == "ショップの商品は、ショップページに記載の条件に従い…"
    english = "Items sold by Madoguchi Mall can be returned or exchanged within thirty days of delivery if unused"
    shortened = cut(english, 60)
    assert shortened.endswith("…")
    assert english.startswith(shortened[:-1])
    assert english[len(shortened) - 1] == " "


@pytest.fixture(scope="module")
def centre() -> HelpCentre:
    articles = [
        Article(slug=front.slug, language=front.language, title=front.title, body=body, intents=list(front.intents))
        for front, body in load_demo_data().articles
    ]
    return HelpCentre(articles)


@pytest.mark.parametrize(
    ("query", "language"),
    [
        ("支払い方法を教えて", "ja"),
        ("コンビニ払いの期限", "ja"),
        ("返品の送料", "ja"),
        ("配送方法", "ja"),
        ("what payment methods can I use", "en"),
        ("refund time", "en"),
    ],
)
def test_snippets_the_bot_quotes_end_a_sentence_and_carry_no_markup(
    centre: HelpCentre, query: str, language: str
) -> None:
    for hit in centre.search(query, language, limit=5):
        snippet = hit.snippet
        assert len(snippet) <= helpcentre.SNIPPET_CHARS
        assert not any(mark in snippet for mark in ("#", "**", "|", "](")), snippet
        assert snippet.endswith(("。", "！", "？", ".", "!", "?", "」", ")", "）", "…")), snippet
        assert snippet != hit.title


def test_every_page_written_for_an_intent_opens_on_prose(centre: HelpCentre) -> None:
    for front, _ in load_demo_data().articles:
        for intent in front.intents:
            hit = centre.for_intent(intent, front.language)
            assert hit is not None
            assert "  " not in hit.snippet
            assert not hit.snippet.startswith(("#", "|", "-", "*"))
