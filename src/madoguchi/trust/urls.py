"""Is this web address or domain one of a brand's own, an imitation, or neither?"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlsplit

from madoguchi.trust.hosts import (
    CREDENTIAL_WORDS,
    FREE_HOSTING,
    RISKY_TLDS,
    URL_SHORTENERS,
    HostError,
    brand_in_words,
    imitations,
    is_user_content,
    parse_host,
)
from madoguchi.trust.verdicts import CheckResult, Finding, Kind, brand_values

if TYPE_CHECKING:
    from madoguchi.trust.directory import Brand, Directory
    from madoguchi.trust.lookalikes import Lookalikes

MAX_URL_CHARS = 8192

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_NOT_LETTERS = re.compile(r"[^a-z]+")

# Addresses as people paste them: defanged by security mailing lists, in Japanese quotes, full-width.
_DEFANG = (("hxxps", "https"), ("hxxp", "http"), ("[.]", "."), ("(.)", "."), ("[dot]", "."), ("[:]", ":"))
_WRAPPING = "<>\"'「」『』（）()【】[]、。 \t"


def tidy(text: str) -> str:
    cleaned = unicodedata.normalize("NFKC", text).strip().strip(_WRAPPING)
    for fake, real in _DEFANG:
        cleaned = cleaned.replace(fake, real)
    return cleaned


def check_url(
    raw: str, directory: Directory, lookalikes: Lookalikes, *, kind: Kind = "url", depth: int = 0
) -> CheckResult:
    text = tidy(raw)
    if len(text) > MAX_URL_CHARS:
        return _unreadable(raw, kind, "too long")
    candidate = text if _SCHEME.match(text) else f"http://{text}"
    try:
        parts = urlsplit(candidate)
        host_text = parts.hostname or ""
        host = parse_host(host_text)
    except (ValueError, HostError) as exc:
        return _unreadable(raw, kind, str(exc))
    if parts.scheme.lower() not in {"http", "https"}:
        return _unreadable(raw, kind, f"the scheme {parts.scheme}: is not a web address")
    findings: list[Finding] = []
    brand: Brand | None = None
    reported = lookalikes.of_host(host.ascii) or lookalikes.of_host(host.registrable)
    if reported is not None:
        brand = directory.brands.get(reported) if reported else None
        values = {"value": host.unicode}
        return directory.result(raw, kind, "suspicious", brand, [Finding("reported_lookalike", values)])
    official = directory.by_domain.get(host.registrable)
    if official is not None and not parts.username:
        # A genuine site can still lead elsewhere: a translation proxy or redirect carrying another address.
        embedded = _embedded_url(parts.query) if depth < 2 else None
        if embedded is not None:
            inner = check_url(embedded, directory, lookalikes, depth=depth + 1)
            if inner.verdict != "official":
                target = urlsplit(embedded).hostname or embedded
                carried = Finding("embedded_url", {"domain": host.registrable, "target": target})
                relayed = directory.brands.get(inner.brand.id) if inner.brand else None
                return directory.result(raw, kind, inner.verdict, relayed, [carried, *inner.findings])
        if is_user_content(host):
            values = {"host": host.ascii, **brand_values(official.ref)}
            return directory.result(raw, kind, "unknown", official, [Finding("user_content", values)])
        finding = Finding("official_domain", {"domain": host.registrable, **brand_values(official.ref)})
        return directory.result(raw, kind, "official", official, [finding])
    if parts.username:
        # `https://www.amazon.co.jp@example.top/`: everything before @ is a user name; the site is after it.
        findings.append(Finding("userinfo_trick", {"shown": parts.username, "domain": host.registrable}))
        try:
            shown = parse_host(parts.username)
        except HostError:
            pass
        else:
            brand = directory.by_domain.get(shown.registrable) or next(
                (imitation.brand for imitation in imitations(shown, directory)), None
            )
    for imitation in imitations(host, directory):
        findings.append(imitation.finding)
        brand = brand or imitation.brand
    # Worth saying, but no sign of a fake by itself: Japanese domain names (日本語.jp) are legitimate.
    notes = []
    if host.ascii != host.unicode:
        notes.append(Finding("punycode", {"ascii": host.ascii, "unicode": host.unicode}))
    if host.is_ip:
        findings.append(Finding("ip_host", {"host": host.ascii}))
    words = [word for word in _NOT_WORD.split(unquote(f"{parts.path} {parts.query}").lower()) if word]
    if brand is None:
        in_path = brand_in_words(words, directory)
        if in_path is not None:
            brand = in_path[0]
            values = {"token": in_path[1], "domain": host.registrable, **brand_values(brand.ref)}
            findings.append(Finding("brand_in_path", values))
    if host.suffix in FREE_HOSTING:
        findings.append(Finding("free_hosting", {"domain": host.suffix}))
    if host.registrable in URL_SHORTENERS:
        findings.append(Finding("shortener", {"domain": host.registrable}))
    if not host.is_ip and host.tld in RISKY_TLDS:
        findings.append(Finding("risky_tld", {"tld": host.tld}))
    host_words = _NOT_LETTERS.split(host.ascii)
    bait = [word for word in CREDENTIAL_WORDS if word in host_words or word in words]
    if bait and (brand is not None or findings):
        findings.append(Finding("credential_words", {"words": "、".join(bait[:3])}))
    if findings:
        return directory.result(raw, kind, "suspicious", brand, [*findings, *notes])
    unknown = Finding("not_in_directory", {"value": host.unicode})
    return directory.result(raw, kind, "unknown", None, [unknown, *notes])


def _embedded_url(query: str) -> str | None:
    for _, value in parse_qsl(query, keep_blank_values=False):
        if re.match(r"^https?://", value, re.IGNORECASE):
            return value
    return None


def _unreadable(raw: str, kind: Kind, problem: str) -> CheckResult:
    what = ("URL", "a web address") if kind == "url" else ("ドメイン", "a domain")
    values = {"value": raw.strip()[:200], "what": what[0], "what_en": what[1], "problem": problem}
    return CheckResult(raw, kind, "unknown", None, (Finding("unparsable", values),), details={"error": problem})
