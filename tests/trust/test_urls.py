"""URL and domain checks: each reason a lookalike gives, and the brand's own sites left alone."""

from __future__ import annotations

import pytest

from madoguchi.trust.checker import TrustChecker, kind_of


@pytest.fixture(scope="module")
def checker() -> TrustChecker:
    return TrustChecker()


@pytest.mark.parametrize(
    ("item", "verdict", "brand", "code"),
    [
        ("https://www.amazon.co.jp/gp/help/customer/display.html", "official", "amazon", "official_domain"),
        ("amazon.co.jp", "official", "amazon", "official_domain"),
        ("WWW.RAKUTEN.CO.JP", "official", "rakuten", "official_domain"),
        ("https://jp.mercari.com/mypage", "official", "mercari", "official_domain"),
        ("https://amazon.co.jp.example.top/signin", "suspicious", "amazon", "official_domain_in_subdomain"),
        ("https://www.rakuten.co.jp.login-check.com/", "suspicious", "rakuten", "official_domain_in_subdomain"),
        ("https://mercari-jp.com/", "suspicious", "mercari", "brand_in_domain"),
        ("https://secure.amazon-account-verify.info/", "suspicious", "amazon", "brand_in_domain"),
        ("https://paypay.login.example.net/", "suspicious", "paypay", "brand_in_subdomain"),
        ("https://www.amazoon.co.jp/", "suspicious", "amazon", "typosquat"),
        ("https://rakuteen.jp/", "suspicious", "rakuten", "typosquat"),
        ("https://www.anazom.co.jp.zdhcr.shop/", "suspicious", "amazon", "typosquat"),
        ("https://amazpn.jp/", "suspicious", "amazon", "typosquat_keyboard"),
        ("https://rnercari.jp/", "suspicious", "mercari", "letter_lookalike"),
        ("https://amaz0n-jp.com/", "suspicious", "amazon", "letter_lookalike"),
        ("https://xn--mazon-3ve.com/", "suspicious", "amazon", "homoglyph"),
        ("https://аmazon.co.jp/", "suspicious", "amazon", "homoglyph"),
        ("http://192.0.2.10/amazon/signin", "suspicious", "amazon", "ip_host"),
        ("http://3232235777/login", "suspicious", None, "ip_host"),
        ("https://example.net/amazon/signin", "suspicious", "amazon", "brand_in_path"),
        ("https://www.amazon.co.jp@example.top/", "suspicious", "amazon", "userinfo_trick"),
        ("https://bit.ly/3abcdef", "suspicious", None, "shortener"),
        ("https://qwxyzpt.top/", "suspicious", None, "risky_tld"),
        ("https://lion-5brw.example123.workers.dev/", "suspicious", None, "free_hosting"),
        ("https://yamato-delivery.top/", "suspicious", "yamato", "brand_in_domain"),
        ("hxxps://amazon-co-jp[.]example[.]xyz/", "suspicious", "amazon", "brand_in_subdomain"),
        (
            "https://translate.google.com/translate?u=https://mercari-login.example.top/",
            "suspicious",
            "mercari",
            "embedded_url",
        ),
        ("https://docs.google.com/forms/d/e/abc/viewform", "unknown", "google", "user_content"),
        ("example.com", "unknown", None, "not_in_directory"),
        ("https://www.city.kyoto.lg.jp/", "unknown", None, "not_in_directory"),
    ],
)
def test_url_verdicts_name_the_brand_and_the_reason(
    checker: TrustChecker, item: str, verdict: str, brand: str | None, code: str
) -> None:
    result = checker.check(item).contract("en")
    assert (result["verdict"], result["brand"]) == (verdict, brand), result
    assert code in result["reason_codes"], result


@pytest.mark.parametrize(
    "item",
    [
        "amazing-deals.com",  # "amazing" is a word, not a misspelt Amazon
        "banana.co.jp",  # "ana" inside a word
        "jalan.net",
        "panasonic.jp",
        "yamato-hotel.co.jp",  # the name of many companies: only with another sign of a fake
        "apple-pie-recipes.com",
        "yahoo.com",
        "oricon.co.jp",
        "https://日本語.jp/",  # a Japanese domain name is no sign of a fake by itself
    ],
)
def test_ordinary_names_are_not_taken_for_lookalikes(checker: TrustChecker, item: str) -> None:
    result = checker.check(item).contract("en")
    assert result["verdict"] == "unknown", result
    assert result["brand"] is None


def test_reasons_come_in_japanese_and_english(checker: TrustChecker) -> None:
    result = checker.check("https://amazon.co.jp.example.top/")
    japanese, english = result.contract("ja"), result.contract("en")
    assert japanese["reason_codes"] == english["reason_codes"]
    assert "本物のドメイン amazon.co.jp" in japanese["reasons"][0]
    assert "The genuine domain amazon.co.jp" in english["reasons"][0]
    assert japanese["brand_name"] != english["brand_name"]
    # The customer is told where the genuine site is.
    assert "https://amazon.co.jp" in english["official_contacts"]


@pytest.mark.parametrize(
    ("item", "kind"),
    [
        ("https://example.com/", "url"),
        ("www.example.com", "url"),
        ("example.com/path", "url"),
        ("example.co.jp", "domain"),
        ("support@example.com", "email"),
        ("0120-999-373", "phone"),
        ("+81 3-1234-5678", "phone"),
        ("０１２０−９９９−３７３", "phone"),
        ("hello there", "text"),
    ],
)
def test_the_kind_of_an_item_is_recognised(item: str, kind: str) -> None:
    assert kind_of(item) == kind


@pytest.mark.parametrize("item", ["http://", "https://exa mple.com/", "ftp://example.com/", "http://[::1", "x" * 9000])
def test_unreadable_items_are_unknown_with_a_reason(checker: TrustChecker, item: str) -> None:
    result = checker.check(item).contract("ja")
    assert result["verdict"] == "unknown"
    assert result["reasons"]
