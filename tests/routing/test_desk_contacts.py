"""Desks' official contacts come from the official-contact directory: one place for every number and page, so
the referral never gives as official what the trust check would not call official."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from madoguchi.demo.seed import load_demo_data
from madoguchi.routing.desks import official_contacts, referral_of
from madoguchi.store.models import Desk
from madoguchi.trust.checker import TrustChecker
from madoguchi.trust.directory import Brand, Directory, default_directory, shipped_brands

DATA = load_demo_data()


def _desk(desk_id: str, contacts: list[dict[str, Any]] | None = None) -> Desk:
    spec = next(desk for desk in DATA.desks if desk.id == desk_id)
    stored = [contact.model_dump(exclude_none=True) for contact in spec.official_contacts]
    return Desk(
        id=spec.id, name_ja=spec.name_ja, name_en=spec.name_en, kind=spec.kind, official_contacts=contacts or stored
    )


def _directory_without(brand_id: str, **change: Any) -> Directory:
    brands = [brand.model_copy(update=change) if brand.id == brand_id else brand for brand in shipped_brands()]
    return Directory(brands)


def test_every_number_page_and_address_a_desk_gives_is_official_in_the_trust_check() -> None:
    checker = TrustChecker()
    given = 0
    for spec in DATA.desks:
        for contact in official_contacts(_desk(spec.id), checker.directory):
            for key in ("phone", "url", "email"):
                if contact.get(key):
                    result = checker.check(str(contact[key]))
                    assert result.verdict == "official", (spec.id, contact[key], result.contract("en")["reasons"])
                    if contact.get("brand"):
                        assert result.brand is not None
                        assert result.brand.id == contact["brand"]
                    given += 1
    assert given >= 10


@pytest.mark.parametrize(
    ("number", "carrier"),
    [("0570-01-0082", "sagawa"), ("0800-0800-111", "japanpost"), ("0120-23-28-86", "japanpost")],
)
def test_the_carriers_lines_the_bot_gives_are_official_numbers_of_that_carrier(number: str, carrier: str) -> None:
    contacts = official_contacts(_desk("carrier"), default_directory())
    assert any(contact["phone"] == number and contact["carrier"] == carrier for contact in contacts)
    result = TrustChecker().check(number)
    assert (result.verdict, result.brand.id if result.brand else None) == ("official", carrier)


def test_each_contact_says_where_its_number_was_checked() -> None:
    for contact in official_contacts(_desk("carrier"), default_directory()):
        assert contact["source"]
        assert contact["hours_ja"]
        assert contact["hours_en"]
        assert contact["url"].startswith("https://")


def test_a_line_the_directory_no_longer_holds_is_not_given() -> None:
    directory = _directory_without("sagawa", phones=[])
    contacts = official_contacts(_desk("carrier"), directory)
    assert "sagawa" not in {contact["carrier"] for contact in contacts}
    referral = referral_of(_desk("carrier"), "ja", directory)
    assert referral is not None
    assert "0570-01-0082" not in referral.text("ja", carrier="sagawa")


def test_an_edited_line_is_given_as_the_directory_now_has_it() -> None:
    sagawa = next(brand for brand in shipped_brands() if brand.id == "sagawa")
    line = sagawa.phones[0].model_copy(
        update={"hours": sagawa.phones[0].hours.model_copy(update={"ja": "9:00〜18:00"})}
    )  # type: ignore[union-attr]
    directory = _directory_without("sagawa", phones=[line])
    referral = referral_of(_desk("carrier"), "ja", directory)
    assert referral is not None
    assert "9:00〜18:00" in referral.text("ja", carrier="sagawa")


def test_a_desk_stored_with_numbers_of_its_own_gives_only_what_the_directory_holds() -> None:
    # Rows seeded before the numbers moved to the directory: a number it knows comes with the directory's page
    # and hours, one it does not know is not given at all, nor is an address on a domain it does not know.
    stored = [
        {"label_ja": "佐川急便", "label_en": "Sagawa", "phone": "0570-01-0082", "url": "https://sagawa.example.top/"},
        {"label_ja": "偽の窓口", "label_en": "A fake desk", "phone": "0570-99-9999"},
        {"label_ja": "窓口", "label_en": "Desk", "email": "help@madoguchi-support.example.top"},
        {"label_ja": "まどぐちモール", "label_en": "Madoguchi Mall", "email": "support@madoguchi.localhost"},
    ]
    contacts = official_contacts(_desk("carrier", stored), default_directory())
    assert [contact.get("phone") for contact in contacts] == ["0570-01-0082", None, None]
    assert contacts[0]["url"].startswith("https://k2k.sagawa-exp.co.jp/")
    assert "email" not in contacts[1]
    assert contacts[2]["email"] == "support@madoguchi.localhost"


def test_a_line_s_page_must_be_on_the_brand_s_own_domains() -> None:
    sagawa = next(brand for brand in shipped_brands() if brand.id == "sagawa").model_dump()
    sagawa["phones"][0]["url"] = "https://sagawa-redelivery.example.top/"
    with pytest.raises(ValidationError, match="not on one of its domains"):
        Brand.model_validate(sagawa)
    sagawa["phones"][0]["url"] = "https://k2k.sagawa-exp.co.jp/"
    sagawa["phones"].append({**sagawa["phones"][0], "number": "0120-000-000"})
    with pytest.raises(ValidationError, match="share an id"):
        Brand.model_validate(sagawa)


def test_a_number_is_written_once_in_the_directory() -> None:
    sagawa = next(brand for brand in shipped_brands() if brand.id == "sagawa")
    copy = sagawa.phones[0].model_copy(update={"id": "again"})
    with pytest.raises(ValueError, match="0570-01-0082 is listed twice"):
        _directory_without("sagawa", phones=[*sagawa.phones, copy])
