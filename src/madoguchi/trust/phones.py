"""Is this phone number one of a brand's official lines?

A number is `official` only when the directory lists it; a number that is not there is `unknown`, never
`official`, because nobody can vouch for it. Premium-rate numbers, and numbers abroad presented to Japanese
customers, are `suspicious` on their own.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

import phonenumbers
from phonenumbers import PhoneNumberType

from madoguchi.trust.verdicts import CheckResult, Finding, brand_values

if TYPE_CHECKING:
    from madoguchi.trust.directory import Brand, Directory
    from madoguchi.trust.lookalikes import Lookalikes


def check_phone(raw: str, directory: Directory, lookalikes: Lookalikes, *, claimed: Brand | None = None) -> CheckResult:
    """Check a number; `claimed` is the brand the caller said it was (from the chat), when known."""
    text = unicodedata.normalize("NFKC", raw).strip()
    try:
        parsed = phonenumbers.parse(text, "JP")
    except phonenumbers.NumberParseException as exc:
        return _unreadable(raw, str(exc))
    if not phonenumbers.is_possible_number(parsed):
        return _unreadable(raw, "not a possible phone number")
    number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    shown = _shown(parsed)
    reported = lookalikes.of_phone(number)
    if reported is not None:
        brand = directory.brands.get(reported) if reported else None
        return directory.result(raw, "phone", "suspicious", brand, [Finding("reported_lookalike", {"value": shown})])
    official = directory.by_phone.get(number)
    if official is not None and (claimed is None or claimed.id == official.brand.id):
        line = official.line
        values = {
            # As the brand prints it (0120-01-9625), which customers recognise, not as the library groups it.
            "number": line.number,
            "label": line.label.ja,
            "label_en": line.label.en,
            "hours": line.hours.ja if line.hours else "受付時間は公式サイトでご確認ください",
            "hours_en": line.hours.en if line.hours else "see the official site for the hours",
            **brand_values(official.brand.ref),
        }
        return directory.result(raw, "phone", "official", official.brand, [Finding("official_phone", values)])
    findings: list[Finding] = []
    number_type = phonenumbers.number_type(parsed)
    if number_type == PhoneNumberType.PREMIUM_RATE:
        findings.append(Finding("phone_premium", {"number": shown}))
    if parsed.country_code != 81:
        # Imported here: its place-name tables take most of a second to load, and only foreign numbers need them.
        from phonenumbers import geocoder

        region = geocoder.country_name_for_number(parsed, "ja") or f"+{parsed.country_code}"
        findings.append(Finding("phone_international", {"number": shown, "region": region}))
    if claimed is not None:
        if claimed.no_phone_support:
            findings.append(Finding("brand_has_no_phone", brand_values(claimed.ref)))
        else:
            official_numbers = "、".join(line.number for line in claimed.phones) or "—"
            values = {"number": shown, "official": official_numbers, **brand_values(claimed.ref)}
            findings.append(Finding("phone_not_brands", values))
    if findings:
        return directory.result(raw, "phone", "suspicious", claimed, findings)
    unknown = [Finding("not_in_directory", {"value": shown})]
    if number_type == PhoneNumberType.VOIP:
        unknown.append(Finding("phone_ip", {"number": shown}))
    return directory.result(raw, "phone", "unknown", None, unknown)


def _shown(parsed: phonenumbers.PhoneNumber) -> str:
    if parsed.country_code == 81:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _unreadable(raw: str, problem: str) -> CheckResult:
    values = {"value": raw.strip()[:200], "what": "電話番号", "what_en": "a phone number"}
    return CheckResult(raw, "phone", "unknown", None, (Finding("unparsable", values),), details={"error": problem})
