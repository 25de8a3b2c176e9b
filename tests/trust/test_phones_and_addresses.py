"""Phone numbers and e-mail addresses against the directory."""

from __future__ import annotations

import pytest

from madoguchi.trust.checker import TrustChecker
from madoguchi.trust.directory import default_directory
from madoguchi.trust.phones import check_phone


@pytest.fixture(scope="module")
def checker() -> TrustChecker:
    return TrustChecker()


@pytest.mark.parametrize(
    ("item", "verdict", "brand", "code"),
    [
        ("0120-999-373", "official", "amazon", "official_phone"),
        ("0120999373", "official", "amazon", "official_phone"),
        ("+81 120 999 373", "official", "amazon", "official_phone"),
        ("0120-01-9625", "official", "yamato", "official_phone"),
        ("03-1234-5678", "unknown", None, "not_in_directory"),
        ("050-1234-5678", "unknown", None, "phone_ip"),
        ("0990-123-456", "suspicious", None, "phone_premium"),
        ("+44 20 7946 0958", "suspicious", None, "phone_international"),
        ("+1 415 555 0100", "suspicious", None, "phone_international"),
    ],
)
def test_phone_verdicts(checker: TrustChecker, item: str, verdict: str, brand: str | None, code: str) -> None:
    result = checker.check(item).contract("en")
    assert (result["verdict"], result["brand"]) == (verdict, brand), result
    assert code in result["reason_codes"]


def test_an_official_number_is_shown_as_the_brand_prints_it(checker: TrustChecker) -> None:
    assert "0120-01-9625" in checker.check("0120019625").contract("ja")["reasons"][0]


def test_a_number_claimed_for_a_brand_without_phone_support_is_fake() -> None:
    directory = default_directory()
    result = check_phone("03-1234-5678", directory, TrustChecker().lookalikes, claimed=directory.brands["mercari"])
    assert result.verdict == "suspicious"
    assert "brand_has_no_phone" in result.contract()["reason_codes"]


def test_a_number_of_another_brand_is_not_official_for_the_claimed_one() -> None:
    directory = default_directory()
    result = check_phone("0120-999-373", directory, TrustChecker().lookalikes, claimed=directory.brands["rakuten_card"])
    assert result.verdict == "suspicious"
    assert "phone_not_brands" in result.contract()["reason_codes"]


@pytest.mark.parametrize(
    ("item", "verdict", "brand", "code"),
    [
        ("no-reply@amazon.co.jp", "official", "amazon", "official_email_domain"),
        ("Amazon <auto-confirm@amazon.co.jp>", "official", "amazon", "official_email_domain"),
        ("mailto:info@mercari.jp", "official", "mercari", "official_email_domain"),
        ("taro.yamada@gmail.com", "unknown", None, "freemail"),
        ("someone@yahoo.co.jp", "unknown", None, "freemail"),
        ("amazon-support@gmail.com", "suspicious", "amazon", "freemail_brand"),
        ("security@amazon-co-jp.com", "suspicious", "amazon", "brand_in_domain"),
        ("info@rakuten.co.jp.mail-check.top", "suspicious", "rakuten", "official_domain_in_subdomain"),
        ("info@shop.example.com", "unknown", None, "not_in_directory"),
        ("not an address@", "unknown", None, "unparsable"),
    ],
)
def test_address_verdicts(checker: TrustChecker, item: str, verdict: str, brand: str | None, code: str) -> None:
    result = checker.check(item).contract("en")
    assert (result["verdict"], result["brand"]) == (verdict, brand), result
    assert code in result["reason_codes"]


def test_every_official_entry_of_the_directory_is_official(checker: TrustChecker) -> None:
    directory = checker.directory
    wrong = []
    for brand in directory.brands.values():
        items = [*brand.domains, *(f"https://www.{domain}/" for domain in brand.domains)]
        items += [line.number for line in brand.phones]
        for item in items:
            result = checker.check(item)
            if result.verdict != "official" or result.brand is None or result.brand.id != brand.id:
                wrong.append((item, result.verdict))
    assert not wrong
