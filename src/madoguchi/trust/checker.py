"""One entry point for every trust check: it tells what an item is and runs the check for that kind."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from madoguchi.trust.addresses import check_address
from madoguchi.trust.directory import Directory, default_directory
from madoguchi.trust.lookalikes import Lookalikes
from madoguchi.trust.mail import check_mail
from madoguchi.trust.phones import check_phone
from madoguchi.trust.urls import MAX_URL_CHARS, check_url, tidy
from madoguchi.trust.verdicts import CheckResult, Finding, Kind

_PHONE = re.compile(r"^(?:tel:)?\+?[\d()\-‐－ー―−–—\s.]{6,24}$")
_DOMAIN = re.compile(r"^(?:[^\s./:@]+\.)+[^\s./:@]{2,}$")


def kind_of(item: str) -> Kind:
    text = tidy(item)
    if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE) or text.lower().startswith("www."):
        return "url"
    if "@" in text and "/" not in text:
        return "email"
    if _PHONE.match(text) and sum(character.isdigit() for character in text) >= 6:
        return "phone"
    if "/" in text or "?" in text:
        return "url"
    if _DOMAIN.match(text):
        return "domain"
    return "text"


@dataclass
class TrustChecker:
    directory: Directory = field(default_factory=default_directory)
    lookalikes: Lookalikes = field(default_factory=Lookalikes)

    def check(self, item: str) -> CheckResult:
        """Check one URL, domain, e-mail address or phone number."""
        if not item.strip():
            empty = (Finding("empty_input"),)
            return CheckResult(item, "text", "unknown", None, empty, details={"error": "the line is empty"})
        if len(item) > MAX_URL_CHARS:
            return _unreadable(item[:200], "longer than a URL, an address or a number can be")
        kind = kind_of(item)
        if kind == "email":
            return check_address(item, self.directory, self.lookalikes)
        if kind == "phone":
            return check_phone(
                unicodedata.normalize("NFKC", tidy(item)).removeprefix("tel:"), self.directory, self.lookalikes
            )
        if kind in {"url", "domain"}:
            return check_url(item, self.directory, self.lookalikes, kind=kind)
        return _unreadable(item, "not a URL, a domain, an e-mail address or a phone number")

    def check_mail(self, data: bytes, *, name: str = "") -> CheckResult:
        """Check a whole mail (the bytes of an .eml file)."""
        return check_mail(data, self.directory, self.lookalikes, name=name)


def not_utf8(line: bytes, number: int, error: UnicodeDecodeError) -> CheckResult:
    """The answer for an input line that is not UTF-8, in the shape of every other answer."""
    values = {"line": str(number), "byte": str(error.start)}
    problem = f"line {number} is not valid UTF-8 (byte {error.start})"
    text = line.decode("utf-8", errors="replace")
    return CheckResult(text, "text", "unknown", None, (Finding("not_utf8", values),), details={"error": problem})


def _unreadable(item: str, problem: str) -> CheckResult:
    values = {
        "value": item.strip()[:200],
        "what": "URL・ドメイン・メールアドレス・電話番号",
        "what_en": "a URL, a domain, an e-mail address or a phone number",
    }
    return CheckResult(item, "text", "unknown", None, (Finding("unparsable", values),), details={"error": problem})
