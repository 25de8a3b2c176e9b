"""The directory of official contacts: brands, their domains, phone numbers and mail senders.

It is data (`trust/data/directory.yaml`, each brand with the public pages it comes from), validated on load
and indexed for the checks: registrable domain → brand, phone number (E.164) → brand and line, lookalike
keywords, and the names a brand goes by in text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import phonenumbers
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from madoguchi.trust.verdicts import BrandRef, CheckResult, Finding, Kind, Verdict

DIRECTORY_FILE = Path(__file__).parent / "data" / "directory.yaml"

BrandKind = Literal[
    "marketplace",
    "retailer",
    "card",
    "bank",
    "payment",
    "carrier",
    "transport",
    "telecom",
    "utility",
    "government",
    "securities",
    "crypto",
    "broadcaster",
    "tech",
    "airline",
]

_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$")


class Text(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    ja: str
    en: str
    # Lines the bot gives customers (the desks' contacts) also read in Chinese and Korean.
    zh: str | None = None
    ko: str | None = None


class PhoneLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    # How desks refer to the line ("brand/id" in the desks data), so its number is written only here.
    id: str | None = Field(default=None, pattern=r"^[a-z0-9_]+$")
    number: str
    label: Text
    hours: Text | None = None
    # The brand's own page for what the line is for (tracking, re-delivery); on one of the brand's domains.
    url: str | None = Field(default=None, pattern=r"^https://[a-z0-9.-]+(?:/\S*)?$")
    # Where the number was checked, when the brand's `sources` alone do not say.
    source: str | None = None

    @field_validator("number")
    @classmethod
    def _parsable(cls, value: str) -> str:
        if e164(value) is None:
            raise ValueError(f"{value!r} is not a valid phone number")
        return value


class Brand(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: Text
    kind: BrandKind
    names: list[str] = Field(min_length=1)
    keywords: list[str] = []
    # Names shared with ordinary words or other companies ("yamato", "apple"): a host carrying one is taken as
    # an imitation only when it shows another sign of a fake as well.
    weak_keywords: list[str] = []
    domains: list[str] = []
    email_domains: list[str] = []
    phones: list[PhoneLine] = []
    no_phone_support: bool = False
    sources: list[str] = Field(min_length=1)

    @field_validator("domains", "email_domains")
    @classmethod
    def _domains(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _DOMAIN.match(value):
                raise ValueError(f"{value!r} is not a lowercase domain name (no scheme, no path)")
        return values

    @field_validator("keywords", "weak_keywords")
    @classmethod
    def _keywords(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.fullmatch(r"[a-z0-9]{3,}", value):
                raise ValueError(f"keyword {value!r} must be at least 3 lowercase ASCII letters or digits")
        return values

    @model_validator(mode="after")
    def _lines(self) -> Brand:
        ids = [line.id for line in self.phones if line.id is not None]
        if len(ids) != len(set(ids)):
            raise ValueError(f"two phone lines of {self.id} share an id")
        for line in self.phones:
            if line.url is not None and not self.owns_url(line.url):
                raise ValueError(f"the page {line.url} of {self.id} is not on one of its domains")
        return self

    def owns_url(self, url: str) -> bool:
        """The address is on one of the brand's domains (or their subdomains)."""
        host = (urlsplit(url).hostname or "").lower()
        return any(host == domain or host.endswith(f".{domain}") for domain in self.domains)

    @property
    def ref(self) -> BrandRef:
        return BrandRef(self.id, self.name.ja, self.name.en)


class DirectoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    brands: list[Brand]


def e164(number: str) -> str | None:
    """The number in E.164 form, read as Japanese when it has no country code; None when it is not one."""
    try:
        parsed = phonenumbers.parse(number, "JP")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def fold(text: str) -> str:
    """The form names are compared in: full-width to ASCII, case folded."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


@dataclass(frozen=True, slots=True)
class OfficialLine:
    brand: Brand
    line: PhoneLine


class Directory:
    """The brands and their official contacts, indexed for lookups during checks."""

    def __init__(self, brands: list[Brand]) -> None:
        # The lookalike matcher's index of keywords, built on first use (trust.hosts).
        self.keyword_index: object | None = None
        self.brands = {brand.id: brand for brand in brands}
        if len(self.brands) != len(brands):
            raise ValueError("two brands share an id in the official-contact directory")
        self.by_domain: dict[str, Brand] = {}
        self.by_email_domain: dict[str, Brand] = {}
        self.by_phone: dict[str, OfficialLine] = {}
        # "brand/line" -> the line: what desks' official contacts point to.
        self.by_line: dict[str, OfficialLine] = {}
        for brand in brands:
            for domain in brand.domains:
                other = self.by_domain.setdefault(domain, brand)
                if other is not brand:
                    raise ValueError(f"{domain} is listed for both {other.id} and {brand.id}")
            for domain in [*brand.email_domains, *brand.domains]:
                self.by_email_domain.setdefault(domain, brand)
            for line in brand.phones:
                number = e164(line.number)
                if number is not None:  # always, as numbers are validated on load
                    # Each number is written once: two entries could give it two names and two sets of hours.
                    listed = self.by_phone.setdefault(number, OfficialLine(brand, line))
                    if listed.line is not line:
                        raise ValueError(f"{line.number} is listed twice ({listed.brand.id} and {brand.id})")
                if line.id is not None:
                    self.by_line[f"{brand.id}/{line.id}"] = OfficialLine(brand, line)
        # Longest first, so that "rakutencard" is recognised before "rakuten".
        self.keywords: list[tuple[str, Brand]] = sorted(
            ((keyword, brand) for brand in brands for keyword in brand.keywords), key=lambda item: -len(item[0])
        )
        unique = {(fold(name), brand.id): brand for brand in brands for name in brand.names if fold(name)}
        self.weak_keywords: list[tuple[str, Brand]] = [
            (keyword, brand) for brand in brands for keyword in brand.weak_keywords
        ]
        self.names: list[tuple[str, Brand]] = sorted(
            ((folded, brand) for (folded, _), brand in unique.items()), key=lambda item: -len(item[0])
        )

        # One pass over a text finds every brand named in it. Latin names must stand as words ("ANA" is not in
        # "BANANA"); Japanese names are matched anywhere, as Japanese has no spaces between words.
        written = [name for name, _brand in self.names]
        latin = sorted({name for name in written if name.isascii()}, key=len, reverse=True)
        japanese = sorted({name for name in written if not name.isascii()}, key=len, reverse=True)
        patterns: list[str] = []
        if latin:
            patterns.append(r"(?<![a-z0-9])(?:" + "|".join(map(re.escape, latin)) + r")(?![a-z0-9])")
        if japanese:
            patterns.append("(?:" + "|".join(map(re.escape, japanese)) + ")")
        self._names_pattern = re.compile("|".join(patterns)) if patterns else None
        self._brand_of_name: dict[str, Brand] = {}
        for name, brand in self.names:
            self._brand_of_name.setdefault(name, brand)

    def mentions(self, text: str) -> list[Brand]:
        """The brands named in a text, once per mention, in order."""
        if self._names_pattern is None:
            return []
        folded = unicodedata.normalize("NFKC", text).casefold()
        return [self._brand_of_name[match.group()] for match in self._names_pattern.finditer(folded)]

    def __len__(self) -> int:
        return len(self.brands)

    def result(
        self, raw: str, kind: Kind, verdict: Verdict, brand: Brand | None, findings: list[Finding]
    ) -> CheckResult:
        """A check's result; when something pretends to be a brand, the brand's genuine contacts come with it."""
        return CheckResult(
            raw,
            kind,
            verdict,
            brand.ref if brand is not None else None,
            tuple(findings),
            official_contacts=self.contacts_of(brand) if brand is not None and verdict != "official" else {},
        )

    def contacts_of(self, brand: Brand) -> dict[Literal["ja", "en"], tuple[str, ...]]:
        """The brand's genuine web addresses and numbers, for a customer who met a fake."""
        sites = [f"https://{domain}" for domain in brand.domains[:2]]
        contacts: dict[Literal["ja", "en"], tuple[str, ...]] = {}
        for language in ("ja", "en"):
            lines = []
            for line in brand.phones:
                label = line.label.ja if language == "ja" else line.label.en
                hours = line.hours.ja if line.hours and language == "ja" else line.hours.en if line.hours else ""
                lines.append(f"{line.number} {label}" + (f" ({hours})" if hours else ""))
            contacts[language] = (*sites, *lines)
        return contacts


def read_brands(path: Path = DIRECTORY_FILE) -> list[Brand]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read the official-contact directory {path}: {exc}") from exc
    return DirectoryFile.model_validate(raw).brands


@lru_cache(maxsize=1)
def shipped_brands() -> tuple[Brand, ...]:
    """The brands of the shipped file, read once per process (brands are immutable)."""
    return tuple(read_brands())


@lru_cache(maxsize=1)
def default_directory() -> Directory:
    return Directory(list(shipped_brands()))
