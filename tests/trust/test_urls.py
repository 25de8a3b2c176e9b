"""URL and domain checks: each reason a lookalike gives, and the brand's own sites left alone."""

from __future__ import annotations

import base64
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from madoguchi.trust.checker import TrustChecker, kind_of
from madoguchi.trust.urls import MAX_CARRIED, MAX_RELAY_DEPTH


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


def _nested(target: str, relays: list[str]) -> str:
    """`target` carried by each relay in turn, each layer percent-encoding the one inside it."""
    for relay in relays:
        target = relay + quote(target, safe="")
    return target


# Genuine sites that lead on to whatever address they carry, in the shapes they carry it.
RELAYED_FAKES = [
    "https://translate.google.com/translate?sl=auto&tl=ja&u=qzvkrb.cc",
    "https://translate.google.com/translate?u=qzvkrb.cc/jp/login&hl=ja",
    "https://www.google.com/url?q=//qzvkrb.example.net/",
    "https://www.google.com/url?q=/\\qzvkrb.example.net/",
    "https://www.google.com/url?q=https:\\\\qzvkrb.example.net/",
    "https://www.google.com/url?q=https:/qzvkrb.example.net/",
    "https://www.google.com/url?q=https:qzvkrb.example.net",
    "https://www.google.com/url?q=HTTPS%3A%2F%2Fqzvkrb.example.net%2F",
    "https://www.google.com/url?q=https%253A%252F%252Fqzvkrb.example.net%252F",
    "https://www.google.com/url?q=" + quote(quote(quote(quote("https://qzvkrb.example.net/", safe=""), safe=""))),
    "https://www.google.com/url?q=https%3A%09%2F%2Fqzvkrb.example.net%2F",
    "https://www.google.com/url?https://qzvkrb.example.net/",
    "https://www.google.com/url?sa=t&url=https://www.amazon.co.jp/&q=https://qzvkrb.example.net/",
    "https://www.google.com/url?q=https://www.rakuten.co.jp/&q=qzvkrb.example.net",
    "https://www.google.com/#/redirect?to=https://qzvkrb.example.net/",
    "https://www.google.com/#qzvkrb.example.net",
    "https://www.google.com/url?data=%7B%22next%22%3A%22https%3A%2F%2Fqzvkrb.example.net%2F%22%7D",
    "https://www.google.com/url?q=" + base64.urlsafe_b64encode(b"https://qzvkrb.example.net/").decode(),
    "https://www.google.com/url?q=ｑｚｖｋｒｂ．ｅｘａｍｐｌｅ．ｎｅｔ",
    "https://www.google.com/url?q=https://203.0.113.7/",
    "https://www.google.com/url?q=javascript:alert(document.cookie)",
    _nested(
        "https://qzvkrb.example.net/",
        [
            "https://www.google.com/url?q=",
            "https://translate.google.com/translate?sl=auto&u=",
            "https://www.google.com/url?sa=t&q=",
        ],
    ),
    _nested("qzvkrb.cc", ["https://www.google.com/url?q=", "https://www.yahoo.co.jp/r?u="]),
]


@pytest.mark.parametrize("item", RELAYED_FAKES)
def test_a_genuine_site_carrying_another_host_is_never_official(checker: TrustChecker, item: str) -> None:
    result = checker.check(item).contract("en")
    assert result["verdict"] != "official", result
    assert "official_domain" not in result["reason_codes"], result
    assert "embedded_url" in result["reason_codes"], result


@pytest.mark.parametrize(
    "item",
    [
        "https://translate.google.com/translate?u=qzvkrb.cc",
        "https://www.google.com/url?q=//qzvkrb.top/",
        "https://www.google.com/url?q=https:\\\\qzvkrb.top/",
        "https://www.google.com/url?a=https://www.amazon.co.jp/&q=https://qzvkrb.top/",
        _nested("qzvkrb.top", ["https://www.google.com/url?q=", "https://translate.google.com/translate?u="]),
    ],
)
def test_a_relay_to_a_throwaway_site_is_suspicious(checker: TrustChecker, item: str) -> None:
    result = checker.check(item).contract("en")
    assert result["verdict"] == "suspicious", result
    assert "risky_tld" in result["reason_codes"], result


def test_a_relay_names_the_brand_its_target_imitates(checker: TrustChecker) -> None:
    item = _nested("amazon-co-jp.qzvkrb.top/signin", ["https://www.google.com/url?q=", "https://www.google.com/url?q="])
    result = checker.check(item).contract("en")
    assert (result["verdict"], result["brand"]) == ("suspicious", "amazon"), result


@pytest.mark.parametrize(
    ("item", "brand"),
    [
        ("https://www.google.com/url?q=https://www.amazon.co.jp/gp/css/order-history", "google"),
        ("https://www.google.com/url?q=https%3A%2F%2Fjp.mercari.com%2F&sa=D&ust=1700000000", "google"),
        ("https://www.amazon.co.jp/ap/signin?openid.return_to=https%3A%2F%2Fwww.amazon.co.jp%2F", "amazon"),
        ("https://www.amazon.co.jp/dp/B0C1234567?ref_=nav_signin&th=1&psc=1&tag=abc-22", "amazon"),
        ("https://www.rakuten.co.jp/?scid=af_pc_etc&sc2id=123.456#top", "rakuten"),
    ],
)
def test_a_link_is_official_when_every_host_it_can_lead_to_is_official(
    checker: TrustChecker, item: str, brand: str
) -> None:
    result = checker.check(item).contract("en")
    assert (result["verdict"], result["brand"]) == ("official", brand), result


def test_a_genuine_relay_to_a_site_not_in_the_directory_is_unknown(checker: TrustChecker) -> None:
    result = checker.check("https://www.google.com/url?q=https://www.city.kyoto.lg.jp/").contract("en")
    assert (result["verdict"], result["brand"]) == ("unknown", None), result
    assert result["reason_codes"][0] == "embedded_url"


def test_any_site_relaying_a_fake_is_suspicious_with_the_fakes_brand(checker: TrustChecker) -> None:
    result = checker.check("https://news.example.org/out?to=https%3A%2F%2Frakuten-card.qzvkrb.net%2F").contract("en")
    assert (result["verdict"], result["brand"]) == ("suspicious", "rakuten_card"), result
    assert result["reason_codes"][0] == "relayed_url"


def test_relays_nested_past_the_limit_are_not_official(checker: TrustChecker) -> None:
    item = _nested("https://www.amazon.co.jp/", ["https://www.google.com/url?q="] * (MAX_RELAY_DEPTH + 1))
    result = checker.check(item).contract("en")
    assert result["verdict"] == "unknown", result
    assert result["reason_codes"][-1] == "relay_limit"
    assert str(MAX_RELAY_DEPTH) in result["reasons"][-1]
    within = _nested("https://www.amazon.co.jp/", ["https://www.google.com/url?q="] * (MAX_RELAY_DEPTH - 1))
    assert checker.check(within).verdict == "official"


def test_a_link_carrying_more_addresses_than_the_limit_is_not_official(checker: TrustChecker) -> None:
    carried = "&".join(f"u{number}=https://www.amazon.co.jp/{number}" for number in range(MAX_CARRIED + 1))
    result = checker.check(f"https://www.google.com/url?{carried}").contract("en")
    assert result["verdict"] == "unknown", result
    assert "relay_limit" in result["reason_codes"]


@given(
    relay=st.sampled_from(
        [
            "https://www.google.com/url?q=",
            "https://translate.google.com/translate?sl=auto&tl=ja&u=",
            "https://www.amazon.co.jp/gp/redirect.html?location=",
            "https://www.yahoo.co.jp/r?to=",
        ]
    ),
    label=st.from_regex(r"[a-z][a-z0-9]{3,12}", fullmatch=True),
    suffix=st.sampled_from(["cc", "top", "example.net", "co", "shop", "com.cn", "info"]),
    prefix=st.sampled_from(["", "//", "/\\", "https://", "https:\\\\", "http:/", "HTTPS://", "https:"]),
    layers=st.integers(min_value=0, max_value=2),
    decoy=st.booleans(),
)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_relay_of_a_host_outside_the_directory_is_official(
    checker: TrustChecker, relay: str, label: str, suffix: str, prefix: str, layers: int, decoy: bool
) -> None:
    target = f"{prefix}{label}.{suffix}/login"
    for _ in range(layers):
        target = quote(target, safe="")
    item = relay + target
    if decoy:
        item = item.replace("?", "?next=https%3A%2F%2Fwww.amazon.co.jp%2F&", 1)
    assert checker.check(item).verdict != "official", item


# Addresses whose shape itself deceives: the genuine name is shown where a reader looks for the site, and the
# site is elsewhere. The examples first, then lookalikes of other brands made up for this test.
@pytest.mark.parametrize(
    ("item", "brand", "code"),
    [
        # A domain name glued to more by a hyphen: the real domain starts after `co.jp-`, `com-`, `jp-`.
        ("https://www.aeon.co.jp-auth-login.com/", "aeon_card", "glued_domain"),
        ("https://jcbverify.co.jp-index.top/", "jcb", "glued_domain"),
        ("https://www.smbc.co.jp-secure-update.com/", "smbc", "glued_domain"),
        ("http://mercari.jp-torihiki.net/", "mercari", "glued_domain"),
        ("https://www.kuronekoyamato.co.jp-redelivery.info/", "yamato", "glued_domain"),
        ("https://apple.com-verify.info/", "apple", "glued_domain"),
        ("https://www.nta.go.jp-etax.help/", "nta", "glued_domain"),
        # The name glued on is no brand's; the brand is read from the rest of the host.
        ("https://account.details.jp-mercari-login.com/", "mercari", "glued_domain"),
        # A domain spelt with hyphens for dots, around a name that alone would be an ordinary word.
        ("https://apple-com.jp/", "apple", "spelt_domain"),
        ("https://www-apple-jp.com/", "apple", "spelt_domain"),
        ("https://www-yahoo-co-jp.net/", "yahoo_japan", "spelt_domain"),
        ("https://www-visa-co-jp.com/", "visa", "spelt_domain"),
        # A short brand name run together with a log-in word.
        ("https://jcblogin.com/", "jcb", "brand_in_domain"),
        ("https://securityapple.com/", "apple", "brand_in_domain"),
        # A genuine domain as the path of a proxy or another site.
        ("https://qwe-rty-workers-dev.translate.goog/eki-net.com/", "eki_net", "official_domain_in_path"),
        ("https://abc.example.net/www.mercari.com/login", "mercari", "official_domain_in_path"),
    ],
)
def test_an_address_whose_shape_deceives_is_suspicious_with_the_brand_it_shows(
    checker: TrustChecker, item: str, brand: str, code: str
) -> None:
    result = checker.check(item).contract("en")
    assert (result["verdict"], result["brand"]) == ("suspicious", brand), result
    assert code in result["reason_codes"], result


@pytest.mark.parametrize(
    ("item", "brand"),
    [
        ("https://www.amazon.co.uk/", "amazon"),
        ("https://amazon.jobs/en/", "amazon"),
        ("https://www.amazon.de/gp/help/customer/display.html", "amazon"),
        ("https://www.amazon.com.au/", "amazon"),
        ("https://www.paypay-card.co.jp/", "paypay"),
        ("https://monexgroup.jp/", "monex"),
        ("https://www.rakuten-sonpo.co.jp/", "rakuten"),
    ],
)
def test_the_sites_of_a_brands_own_family_are_official(checker: TrustChecker, item: str, brand: str) -> None:
    result = checker.check(item).contract("en")
    assert (result["verdict"], result["brand"]) == ("official", brand), result


@pytest.mark.parametrize(
    "item",
    [
        "https://blog.my-company.com/",  # `my` is a country's domain, but `blog.my-` shows no domain name
        "https://www.jp-bank.example.com/",
        "https://apple-farm-aomori.jp/",
        "https://my-job-co-jp.example.com/",  # spelt like a domain, but `myjob` is no brand (nor `myjcb`)
        "https://www-example-com.translate.goog/",  # a proxy of a site that imitates nobody
    ],
)
def test_hyphens_and_proxies_alone_are_no_sign_of_a_fake(checker: TrustChecker, item: str) -> None:
    result = checker.check(item).contract("en")
    assert (result["verdict"], result["brand"]) == ("unknown", None), result


def test_a_translation_proxy_is_judged_by_the_site_it_serves(checker: TrustChecker) -> None:
    # xyz--abc-duckdns-org.translate.goog serves xyz-abc.duckdns.org, a free dynamic-DNS name.
    result = checker.check("https://xyz--abc-duckdns-org.translate.goog/login").contract("en")
    assert result["verdict"] == "suspicious", result
    assert {"relayed_url", "free_hosting"} <= set(result["reason_codes"]), result
