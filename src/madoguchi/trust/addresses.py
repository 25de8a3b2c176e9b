"""Is this e-mail address one a brand writes from?

Only the domain can be vouched for, and only so far: a sender can be forged, which is why a whole mail
(`trust.mail`) is checked with its authentication results. Free-mail addresses are people's own, never a
company's, even when the provider is itself a brand in the directory (an address at yahoo.co.jp is not
Yahoo! JAPAN writing).
"""

from __future__ import annotations

import re
from email.utils import parseaddr
from typing import TYPE_CHECKING

from madoguchi.trust.hosts import RISKY_TLDS, HostError, brand_in_words, imitations, parse_host
from madoguchi.trust.urls import tidy
from madoguchi.trust.verdicts import CheckResult, Finding, brand_values

if TYPE_CHECKING:
    from madoguchi.trust.directory import Brand, Directory
    from madoguchi.trust.hosts import Host
    from madoguchi.trust.lookalikes import Lookalikes

FREEMAIL = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.co.jp",
        "ymail.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "outlook.com",
        "outlook.jp",
        "hotmail.com",
        "hotmail.co.jp",
        "live.jp",
        "live.com",
        "msn.com",
        "aol.com",
        "docomo.ne.jp",
        "ezweb.ne.jp",
        "au.com",
        "softbank.ne.jp",
        "i.softbank.jp",
        "ymobile.ne.jp",
        "rakuten.jp",
        "nifty.com",
        "biglobe.ne.jp",
        "so-net.ne.jp",
        "ocn.ne.jp",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.net",
        "mail.com",
        "qq.com",
        "163.com",
        "126.com",
        "sina.com",
        "naver.com",
        "daum.net",
        "hanmail.net",
        "mail.ru",
        "yandex.ru",
        "yandex.com",
        "zoho.com",
        "tutanota.com",
    ]
)

_ADDRESS = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,253}$")


def sender_brand(host: Host, directory: Directory) -> Brand | None:
    """The brand whose mail comes from this host; free-mail hosts count only for the brand's own sub-hosts."""
    if host.registrable in FREEMAIL:
        for brand in directory.brands.values():
            if host.ascii != host.registrable and host.ascii in brand.email_domains:
                return brand
        return None
    return directory.by_email_domain.get(host.registrable)


def check_address(raw: str, directory: Directory, lookalikes: Lookalikes) -> CheckResult:
    text = tidy(raw)
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    display, address = parseaddr(text)
    if not _ADDRESS.match(address):
        return _unreadable(raw, "not an e-mail address")
    local, _, domain = address.rpartition("@")
    try:
        host = parse_host(domain)
    except HostError as exc:
        return _unreadable(raw, str(exc))
    address = f"{local}@{host.ascii}"
    reported = lookalikes.of_address(address)
    if reported is None:
        reported = lookalikes.of_host(host.ascii) or lookalikes.of_host(host.registrable)
    if reported is not None:
        brand = directory.brands.get(reported) if reported else None
        return directory.result(raw, "email", "suspicious", brand, [Finding("reported_lookalike", {"value": address})])
    if host.registrable in FREEMAIL:
        official = sender_brand(host, directory)
        if official is not None:
            finding = Finding("official_email_domain", {"domain": host.ascii, **brand_values(official.ref)})
            return directory.result(raw, "email", "official", official, [finding])
        words = [word for word in re.split(r"[^a-z0-9]+", f"{local} {display}".lower()) if word]
        named = brand_in_words(words, directory) or next(
            ((brand, brand.name.ja) for brand in directory.mentions(display)), None
        )
        if named is not None:
            brand = named[0]
            values = {"domain": host.registrable, **brand_values(brand.ref)}
            return directory.result(raw, "email", "suspicious", brand, [Finding("freemail_brand", values)])
        return directory.result(raw, "email", "unknown", None, [Finding("freemail", {"domain": host.registrable})])
    official = directory.by_email_domain.get(host.registrable)
    if official is not None:
        finding = Finding("official_email_domain", {"domain": host.registrable, **brand_values(official.ref)})
        return directory.result(raw, "email", "official", official, [finding])
    found = imitations(host, directory)
    findings = [imitation.finding for imitation in found]
    brand = found[0].brand if found else None
    if not host.is_ip and host.tld in RISKY_TLDS:
        findings.append(Finding("risky_tld", {"tld": host.tld}))
    if findings:
        return directory.result(raw, "email", "suspicious", brand, findings)
    return directory.result(raw, "email", "unknown", None, [Finding("not_in_directory", {"value": address})])


def _unreadable(raw: str, problem: str) -> CheckResult:
    values = {"value": raw.strip()[:200], "what": "メールアドレス", "what_en": "an e-mail address"}
    return CheckResult(raw, "email", "unknown", None, (Finding("unparsable", values),), details={"error": problem})
