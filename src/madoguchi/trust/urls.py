"""Is this web address or domain one of a brand's own, an imitation, or neither?"""

from __future__ import annotations

import base64
import re
import unicodedata
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, unquote, unquote_plus, urlsplit

from madoguchi.trust.hosts import (
    CREDENTIAL_WORDS,
    FREE_HOSTING,
    RISKY_TLDS,
    URL_SHORTENERS,
    Host,
    HostError,
    brand_in_words,
    imitations,
    is_user_content,
    parse_host,
)
from madoguchi.trust.verdicts import CheckResult, Finding, Kind, Verdict, brand_values

if TYPE_CHECKING:
    from madoguchi.trust.directory import Brand, Directory
    from madoguchi.trust.lookalikes import Lookalikes

MAX_URL_CHARS = 8192
# Relays inside relays are followed this deep; a link nested deeper cannot be official.
MAX_RELAY_DEPTH = 5
# Addresses carried by one link that are checked; a link carrying more cannot be official.
MAX_CARRIED = 16
_MAX_PIECES = 200
_MAX_DECODINGS = 10

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_NOT_LETTERS = re.compile(r"[^a-z]+")

# What a carried address may look like: with a scheme however many slashes follow it (browsers read
# `https:evil.cn`, `https:/evil.cn` and backslashes as `https://evil.cn`), a scheme-relative `//host`, a bare
# `host.tld/...`, or base64 of any of these (`aHR0c` is the start of `http`).
_LEADING_SCHEME = re.compile(r"^(https?):/*", re.IGNORECASE)
_URL_INSIDE = re.compile(r"(https?):/+([^\s\"'<>|,;`{}\[\]]+)", re.IGNORECASE)
_NOT_WEB = re.compile(r"^(?:javascript|data|vbscript|file|blob):", re.IGNORECASE)
_BARE_HOST = re.compile(
    r"^(?:[\w-]+\.)+[^\W\d_][\w-]*\.?(?::\d{1,5})?(?:[/?#].*)?$",
)
_HOST_END = re.compile(r"[:/?#]")
_BASE64_URL = re.compile(r"^aHR0c[A-Za-z0-9+/_-]{4,}={0,2}$")
# Characters a browser drops from an address before reading it, and wrapping around pasted values.
_BROWSER_DROPS = dict.fromkeys(map(ord, "\t\n\r"))
_EDGE_JUNK = " \x00\x0b\x0c\"'<>"

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
    result = _check_site(raw, kind, parts, host, directory, lookalikes)
    if result.verdict == "suspicious" and result.brand is not None and not _brand_from_words(result):
        # Nothing a carried address says could make it better, or name the brand better.
        return result
    carried = carried_addresses(parts.query, parts.fragment)
    proxied = proxied_address(host, parts.path)
    if proxied is not None:
        carried.insert(0, proxied)
    if not carried:
        return result
    return _with_carried(result, host, carried, directory, lookalikes, depth)


# Google's translation proxy serves any site under a name of its own: www-eki--net-com.translate.goog is
# www.eki-net.com (a hyphen for each dot, two for a hyphen).
_PROXY_SUFFIX = "translate.goog"


def proxied_address(host: Host, path: str) -> str | None:
    """The address a proxy host serves, when the host is one that names its target in its own name."""
    # The public suffix list counts translate.goog as a suffix of its own, so the site is the label before it.
    encoded = host.ascii.removesuffix(f".{_PROXY_SUFFIX}")
    if encoded == host.ascii or not encoded or "." in encoded:
        return None
    target = encoded.replace("--", "\x00").replace("-", ".").replace("\x00", "-")
    return f"https://{target}{path}"


def _check_site(
    raw: str, kind: Kind, parts: SplitResult, host: Host, directory: Directory, lookalikes: Lookalikes
) -> CheckResult:
    """The verdict on the site the address names, before anything it carries is followed."""
    findings: list[Finding] = []
    brand: Brand | None = None
    reported = lookalikes.of_host(host.ascii) or lookalikes.of_host(host.registrable)
    if reported is not None:
        brand = directory.brands.get(reported) if reported else None
        values = {"value": host.unicode}
        return directory.result(raw, kind, "suspicious", brand, [Finding("reported_lookalike", values)])
    official = directory.by_domain.get(host.registrable)
    if official is not None and not parts.username:
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
    path_domain = _domain_in_path(parts.path, directory)
    if path_domain is not None and brand is None:
        # `https://random.example/eki-net.com/`: the genuine name where a reader looks for it, the site elsewhere.
        brand = path_domain[1]
        values = {"official": path_domain[0], "domain": host.registrable, **brand_values(brand.ref)}
        findings.append(Finding("official_domain_in_path", values))
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


_RANK: dict[Verdict, int] = {"official": 0, "unknown": 1, "suspicious": 2}


def _with_carried(
    site: CheckResult,
    host: Host,
    carried: list[str],
    directory: Directory,
    lookalikes: Lookalikes,
    depth: int,
) -> CheckResult:
    """The worst of the site and of every address it carries: a link is only as good as where it can lead."""
    limit: Finding | None = None
    worst: CheckResult | None = None
    target = ""
    if depth >= MAX_RELAY_DEPTH:
        # Not followed further: where these lead is not known, so neither is where the link leads.
        limit = Finding("relay_limit", {"limit": str(MAX_RELAY_DEPTH), "domain": host.registrable})
    else:
        if len(carried) > MAX_CARRIED:
            limit = Finding("relay_limit", {"limit": str(MAX_CARRIED), "domain": host.registrable})
        for address in carried[:MAX_CARRIED]:
            if _NOT_WEB.match(address):
                inner = _unreadable(address, "url", "not a web address")
            else:
                inner = check_url(address, directory, lookalikes, depth=depth + 1)
            if worst is None or _RANK[inner.verdict] > _RANK[worst.verdict]:
                worst, target = inner, _host_text(address)
            if inner.verdict == "suspicious" and inner.brand is not None:
                break
    verdict = site.verdict
    brand = directory.brands.get(site.brand.id) if site.brand else None
    findings = list(site.findings)
    if worst is not None and worst.verdict != "official":
        if verdict == "official":
            # The genuine site only carries the other; what the customer gets is the other's.
            verdict = worst.verdict
            brand = directory.brands.get(worst.brand.id) if worst.brand else None
            findings = [Finding("embedded_url", {"domain": host.registrable, "target": target}), *worst.findings]
        elif worst.verdict == "suspicious" and (
            verdict == "unknown" or (worst.brand is not None and (brand is None or _brand_from_words(site)))
        ):
            verdict = "suspicious"
            brand = directory.brands.get(worst.brand.id) if worst.brand else brand
            relayed = Finding("relayed_url", {"domain": host.registrable, "target": target})
            findings = [relayed, *worst.findings, *findings]
    if limit is not None:
        if verdict == "official":
            verdict, brand, findings = "unknown", None, []
        findings.append(limit)
    if verdict == site.verdict and findings == list(site.findings):
        return site
    return directory.result(site.input, site.kind, verdict, brand, findings)


def reachable_hosts(url: str) -> tuple[list[str], bool]:
    """The host names a link can lead to, its own first, then those of the addresses it carries, followed
    as deep as `check_url` follows them; True as well when a limit stopped the following."""
    hosts: dict[str, None] = {}
    cut = False
    seen = {url}
    pending = [(url, 0)]
    while pending:
        address, depth = pending.pop(0)
        try:
            parts = urlsplit(address if _SCHEME.match(address) else f"http://{address}")
            name = parts.hostname
        except ValueError:
            continue
        if name:
            hosts.setdefault(name)
        carried = carried_addresses(parts.query, parts.fragment)
        try:
            proxied = proxied_address(parse_host(name), parts.path) if name else None
        except HostError:
            proxied = None
        if proxied is not None:
            carried.insert(0, proxied)
        if not carried:
            continue
        if depth >= MAX_RELAY_DEPTH or len(carried) > MAX_CARRIED:
            cut = True
        if depth < MAX_RELAY_DEPTH:
            fresh = [item for item in carried[:MAX_CARRIED] if item not in seen and not _NOT_WEB.match(item)]
            seen.update(fresh)
            pending.extend((item, depth + 1) for item in fresh)
    return list(hosts), cut


def _domain_in_path(path: str, directory: Directory) -> tuple[str, Brand] | None:
    """A brand's official domain as the first segment of the path, where a proxy or a fake puts the name."""
    first = unquote(path).lstrip("/").split("/", 1)[0].lower()
    if "." not in first:
        return None
    try:
        shown = parse_host(first)
    except HostError:
        return None
    brand = directory.by_domain.get(shown.registrable)
    return (shown.registrable, brand) if brand is not None else None


def _brand_from_words(result: CheckResult) -> bool:
    """The brand was only read in the path or the query, where a carried address's host names it better."""
    return any(finding.code == "brand_in_path" for finding in result.findings)


def _host_text(address: str) -> str:
    try:
        return urlsplit(address).hostname or address[:100]
    except ValueError:
        return address[:100]


def carried_addresses(query: str, fragment: str) -> list[str]:
    """Every address a query parameter or the fragment carries, with or without a scheme, percent-encoded
    or not, with backslashes for slashes: what a redirector or a relay may lead to."""
    found: dict[str, None] = {}
    for text, is_fragment in ((query, False), (fragment, True)):
        if not text:
            continue
        pieces = text.split("&")
        if is_fragment and len(pieces) > 1:
            # Scripts that redirect read the whole fragment as often as a parameter of it.
            pieces.append(text)
        for piece in pieces[:_MAX_PIECES]:
            key, _, value = piece.partition("=")
            for candidate in (value, key) if value else (key,):
                for address in _addresses_in(_decoded(candidate)):
                    found.setdefault(address)
    return list(found)


def _decoded(text: str) -> str:
    """As a browser or a redirector reads it: percent-decoded (layer after layer), tabs and newlines gone."""
    # Each relay in a chain decodes once more; every layer shortens the text, so the bound costs little.
    for _ in range(_MAX_DECODINGS):
        if "%" not in text and "+" not in text:
            break
        decoded = unquote_plus(text)
        if decoded == text:
            break
        text = decoded
    text = text.translate(_BROWSER_DROPS).strip(_EDGE_JUNK)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.replace("\\", "/")


def _addresses_in(text: str) -> list[str]:
    if len(text) < 4:
        return []
    if _BASE64_URL.match(text):
        text = _from_base64(text) or text
    addresses: list[str] = []
    start = 0
    leading = _LEADING_SCHEME.match(text)
    if leading is not None:
        # `https:/host`, `https:\\host` and `https:host` all reach the host in a browser.
        addresses.append(f"{leading.group(1).lower()}://{text[leading.end() :]}")
        start = 1
    elif text.startswith("//"):
        addresses.append(f"http:{text}")
        start = 1
    elif _NOT_WEB.match(text):
        # `javascript:` or `data:` as a destination: nothing a directory can vouch for.
        addresses.append(text[:200])
        start = 1
    elif _BARE_HOST.match(text) and _has_public_suffix(text):
        addresses.append(f"http://{text}")
        start = 1
    for match in _URL_INSIDE.finditer(text, start):
        addresses.append(f"{match.group(1).lower()}://{match.group(2)}")
    return addresses


def _from_base64(text: str) -> str | None:
    try:
        decoded = base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4))
        value = decoded.decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    return value if value.isprintable() else None


def _has_public_suffix(text: str) -> bool:
    name = _HOST_END.split(text, maxsplit=1)[0]
    try:
        host = parse_host(name)
    except HostError:
        return False
    return bool(host.suffix) and host.registrable != host.suffix


def _unreadable(raw: str, kind: Kind, problem: str) -> CheckResult:
    what = ("URL", "a web address") if kind == "url" else ("ドメイン", "a domain")
    values = {"value": raw.strip()[:200], "what": what[0], "what_en": what[1], "problem": problem}
    return CheckResult(raw, kind, "unknown", None, (Finding("unparsable", values),), details={"error": problem})
