"""Host names: their registrable domain, and whether they imitate a brand of the directory.

Fake sites rarely use the brand's exact name on a domain of their own; they put it in front of another
domain (`amazon.co.jp.example.top`), misspell it (`amazom`, `anazom`, `rakuteen`), swap look-alike letters
(`arnazon`, `rnercari`), use other scripts' letters that look Latin (`аmazon` with a Cyrillic а), or hang
words on it (`yamato-delivery`). Each of these gives a finding naming the brand and the part imitated.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import tldextract
from confusable_homoglyphs import confusables
from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from madoguchi.trust.directory import Brand, Directory
from madoguchi.trust.verdicts import Finding, brand_values

# The suffix list bundled with tldextract; never fetched, so a check works with no network.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)

# Top-level domains that cheap, throw-away registrations favour; they dominate the phishing reported in Japan.
RISKY_TLDS = frozenset(
    [
        "top",
        "xyz",
        "icu",
        "buzz",
        "cyou",
        "sbs",
        "cfd",
        "bond",
        "monster",
        "rest",
        "click",
        "link",
        "shop",
        "cn",
        "tk",
        "ml",
        "ga",
        "cf",
        "gq",
        "work",
        "vip",
        "life",
        "live",
        "online",
        "site",
        "fun",
        "club",
        "space",
        "website",
        "store",
        "best",
        "mobi",
        "asia",
        "lol",
        "quest",
        "autos",
        "boats",
        "homes",
        "beauty",
        "hair",
        "skin",
        "makeup",
        "zip",
        "mov",
        "su",
        "ru",
        "cc",
        "pw",
        "win",
        "bid",
        "loan",
        "date",
        "racing",
        "review",
        "stream",
        "download",
        "trade",
        "party",
        "science",
        "cricket",
        "accountant",
        "faith",
        "men",
        "gdn",
        "kim",
        "ren",
        "wang",
        "xin",
    ]
)

URL_SHORTENERS = frozenset(
    [
        "bit.ly",
        "bitly.com",
        "t.co",
        "tinyurl.com",
        "is.gd",
        "v.gd",
        "ow.ly",
        "buff.ly",
        "goo.gl",
        "rebrand.ly",
        "cutt.ly",
        "t.ly",
        "x.gd",
        "shorturl.at",
        "s.id",
        "rb.gy",
        "tiny.cc",
        "short.gy",
        "reurl.cc",
        "00m.in",
        "ux.nu",
        "qr.paps.jp",
        "urx.nu",
        "urx2.nu",
        "urx3.nu",
        "bit.do",
        "tr.ee",
        "clck.ru",
        "u.to",
        "shorter.me",
        "shrtco.de",
    ]
)

CREDENTIAL_WORDS = (
    "login",
    "signin",
    "sign-in",
    "logon",
    "verify",
    "verification",
    "secure",
    "security",
    "account",
    "update",
    "confirm",
    "auth",
    "unlock",
    "suspend",
    "billing",
    "payment",
    "wallet",
    "password",
    "support",
)

# Hosting where anyone gets a subdomain in minutes; brands do not run their customer sites there.
FREE_HOSTING = frozenset(
    [
        "workers.dev",
        "pages.dev",
        "web.app",
        "firebaseapp.com",
        "netlify.app",
        "vercel.app",
        "github.io",
        "gitlab.io",
        "glitch.me",
        "herokuapp.com",
        "onrender.com",
        "repl.co",
        "replit.app",
        "000webhostapp.com",
        "weebly.com",
        "wixsite.com",
        "square.site",
        "blogspot.com",
        "wordpress.com",
        "godaddysites.com",
        "webflow.io",
        "framer.app",
        "carrd.co",
        "ngrok.io",
        "ngrok-free.app",
        "duckdns.org",
        "ddns.net",
        "serveirc.com",
        "hopto.org",
        "zapto.org",
        "no-ip.org",
        "myftp.org",
        "sytes.net",
        "servehttp.com",
        "azurewebsites.net",
        "cloudfront.net",
        "amplifyapp.com",
        "r2.dev",
        "appspot.com",
        "backblazeb2.com",
    ]
)

# Hosts under a brand's own domain where anyone can publish (forms, documents, sites, answers): the brand's
# domain vouches for nothing there.
USER_CONTENT_HOSTS = frozenset(
    [
        "sites.google.com",
        "docs.google.com",
        "drive.google.com",
        "forms.google.com",
        "groups.google.com",
        "script.google.com",
        "chiebukuro.yahoo.co.jp",
        "detail.chiebukuro.yahoo.co.jp",
    ]
)


def is_user_content(host: Host) -> bool:
    labels = host.ascii.split(".")
    return any(".".join(labels[start:]) in USER_CONTENT_HOSTS for start in range(len(labels) - 1))


# Letters that pass for others at a glance, applied to ASCII host names.
_LOOKALIKE_LETTERS = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("0", "o"), ("1", "l"), ("3", "e"), ("5", "s"))

_QWERTY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, frozenset[str]]:
    position = {key: (row, column) for row, keys in enumerate(_QWERTY_ROWS) for column, key in enumerate(keys)}
    neighbours: dict[str, frozenset[str]] = {}
    for key, (row, column) in position.items():
        # Side by side in a row, or in the row above or below within one column (the rows are staggered).
        neighbours[key] = frozenset(
            other
            for other, (other_row, other_column) in position.items()
            if other != key and abs(row - other_row) <= 1 and abs(column - other_column) <= 1
        )
    return neighbours


_NEIGHBOURS = _keyboard_neighbours()


@dataclass(frozen=True, slots=True)
class Host:
    ascii: str
    unicode: str
    registrable: str
    subdomain: str
    suffix: str
    is_ip: bool

    @property
    def tld(self) -> str:
        return self.ascii.rsplit(".", 1)[-1]

    @property
    def own_labels(self) -> list[str]:
        """The labels left of the public suffix: the subdomain's and the registrable domain's own."""
        if self.is_ip:
            return []
        own = self.ascii[: -len(self.suffix) - 1] if self.suffix else self.ascii
        return [label for label in own.split(".") if label]


class HostError(ValueError):
    """The text is not a host name."""


_HOST_CHARS = re.compile(r"^[a-z0-9._-]+$")
_IP_CHARS = re.compile(r"^[0-9a-f.:]+$")
_NUMERIC_HOST = re.compile(r"0x[0-9a-f]+|\d+")
_NOT_LETTERS = re.compile(r"[^a-z]+")


@lru_cache(maxsize=65536)
def parse_host(raw: str) -> Host:
    text = raw.strip().rstrip(".").lower()
    if not text or len(text) > 253:
        raise HostError("empty or too long")
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if _IP_CHARS.match(text):
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            pass
        else:
            return Host(str(address), str(address), str(address), "", "", True)
    # Browsers read a host of digits alone (http://3232235777/) or in hex as an IPv4 address.
    if _NUMERIC_HOST.fullmatch(text):
        return Host(text, text, text, "", "", True)
    try:
        ascii_host = text if text.isascii() else text.encode("idna").decode("ascii")
    except UnicodeError as exc:
        # Python's codec knows IDNA 2003 only; some valid names (and every emoji domain) need a per-label try.
        try:
            ascii_host = ".".join(
                label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
                for label in text.split(".")
            )
        except UnicodeError:
            raise HostError(f"not a valid internationalised name ({exc})") from exc
    if not _HOST_CHARS.match(ascii_host) or ".." in ascii_host or any(len(part) > 63 for part in ascii_host.split(".")):
        raise HostError("contains characters a host name cannot have")
    try:
        unicode_host = ".".join(
            label.encode("ascii").decode("idna") if label.startswith("xn--") else label
            for label in ascii_host.split(".")
        )
    except UnicodeError:
        unicode_host = ascii_host
    parts = _EXTRACT(ascii_host)
    if parts.suffix:
        registrable = f"{parts.domain}.{parts.suffix}" if parts.domain else ascii_host
    else:
        # Not under a public suffix (an intranet name, `.localhost`): the last two labels stand for it.
        labels = ascii_host.split(".")
        registrable = ".".join(labels[-2:])
    subdomain = ascii_host[: -len(registrable) - 1] if ascii_host != registrable else ""
    return Host(ascii_host, unicode_host, registrable, subdomain, parts.suffix, False)


def _tokens(label: str) -> dict[str, bool]:
    """The label without hyphens, and its runs of letters; True for the runs, the only tokens in which
    a misspelt brand is looked for inside longer words (joined runs would make `amazing-deals` an `amazin`)."""
    # Hyphens joined up: `rakuten-card` is read as `rakutencard`, the card company, not as `rakuten`.
    tokens = dict.fromkeys((label.replace("-", ""),), False)
    tokens.update(dict.fromkeys((part for part in _NOT_LETTERS.split(label) if part), True))
    return {token: runs for token, runs in tokens.items() if len(token) >= 3}


def _unlookalike(token: str) -> str:
    for fake, real in _LOOKALIKE_LETTERS:
        token = token.replace(fake, real)
    return token


def _is_keyboard_slip(token: str, keyword: str) -> bool:
    if len(token) != len(keyword):
        return False
    differences = [(a, b) for a, b in zip(token, keyword, strict=True) if a != b]
    return len(differences) == 1 and differences[0][0] in _NEIGHBOURS.get(differences[0][1], frozenset())


def _same_letters(token: str, keyword: str) -> bool:
    """Scrambled or with one letter more or less (`anazom`, `amzanao`): the same bag of letters."""
    if len(keyword) < 6 or token[0] != keyword[0] or abs(len(token) - len(keyword)) > 1:
        return False
    if len(token) == len(keyword):
        # One letter more and one less would be two differences: equal lengths must be an anagram.
        return sorted(token) == sorted(keyword)
    difference = Counter(token)
    difference.subtract(Counter(keyword))
    return sum(abs(count) for count in difference.values()) <= 1


def _loose(text: str) -> str:
    """A coarser form for near misses: m and n, l and i, o and 0 are taken as one (`anazno`, `rukatem`)."""
    return _unlookalike(text).replace("m", "n").replace("l", "i").replace("1", "i")


def _near(token: str, keyword: str) -> bool:
    if _same_letters(token, keyword):
        return True
    # Scrambled (`anazno`, `rukatem`) or with a letter swapped and one added (`amzone`).
    loose_token, loose_keyword = _loose(token), _loose(keyword)
    return _same_letters(loose_token, loose_keyword) or Indel.normalized_similarity(loose_token, loose_keyword) >= 0.8


def _allowed_edits(keyword: str) -> int:
    if len(keyword) >= 8:
        return 2
    if len(keyword) >= 5:
        return 1
    return 0


@dataclass(frozen=True, slots=True)
class Imitation:
    # None when the shape of the host deceives but the name it shows is no brand's of the directory.
    brand: Brand | None
    finding: Finding


def _match_token(token: str, directory: Directory, *, inside_words: bool = True) -> tuple[str, Brand, str] | None:
    """(how, brand, keyword) when the token is or imitates one of the brands' keywords."""
    index = _keyword_index(directory)
    # Host names repeat their parts (www, co, jp, login, secure); each is matched once.
    key = (token, inside_words)
    if key in index.seen:
        return index.seen[key]
    match = _match_new_token(token, index, inside_words)
    if len(index.seen) >= 100_000:
        index.seen.clear()
    index.seen[key] = match
    return match


def _match_new_token(token: str, index: _KeywordIndex, inside_words: bool) -> tuple[str, Brand, str] | None:
    found = index.exact.get(token)
    if found is not None:
        return "exact", found, token
    match = index.inside.search(token) if index.inside else None
    if match is not None:
        return "exact", index.brand_of[match.group()], match.group()
    cleaned = _unlookalike(token)
    if cleaned != token:
        found = index.exact.get(cleaned)
        match = index.inside.search(cleaned) if index.inside and found is None else None
        if found is not None or match is not None:
            keyword = cleaned if found is not None else match.group()  # type: ignore[union-attr]
            return "letters", index.brand_of[keyword], keyword
    for word in CREDENTIAL_WORDS:
        # A brand's name run together with a log-in word (`jcbverify`, `loginapple`), however short the name.
        rest = token.removesuffix(word) if token.endswith(word) else token.removeprefix(word)
        if rest != token and len(rest) >= 3:
            found = index.exact.get(rest) or index.weak_exact.get(rest)
            if found is not None:
                return "exact", found, rest
    for keyword, brand in index.weak:
        if token == keyword or keyword in token:
            return "weak", brand, keyword
    if len(token) < 5:
        return None
    # Close spellings first, measured in C over every keyword at once; then the slower shapes, only against
    # keywords that start with the same letter, as imitations keep the first letter.
    close = process.extractOne(token, index.fuzzy, scorer=OSA.distance, score_cutoff=2)
    if close is not None and close[1] <= _allowed_edits(close[0]):
        keyword = close[0]
        return "keyboard" if _is_keyboard_slip(token, keyword) else "typo", index.brand_of[keyword], keyword
    for keyword in index.by_initial.get(token[0], ()):
        if abs(len(token) - len(keyword)) <= 2 and _near(token, keyword):
            return "typo", index.brand_of[keyword], keyword
    if inside_words and len(token) >= 9:
        # A misspelt brand run together with another word (`rakutenncard`, `securityamazom`); the other
        # word must be a word (3+ letters), or every `amazing` would be an `amazon`.
        for keyword in index.by_initial.get(token[0], ()):
            for width in (len(keyword) - 1, len(keyword), len(keyword) + 1):
                if len(token) - width >= 3 and OSA.distance(token[:width], keyword, score_cutoff=1) <= 1:
                    return "typo", index.brand_of[keyword], keyword
        for start in range(3, len(token) - 4):
            for keyword in index.by_initial.get(token[start], ()):
                if (
                    abs(len(token) - start - len(keyword)) <= 1
                    and OSA.distance(token[start:], keyword, score_cutoff=1) <= 1
                ):
                    return "typo", index.brand_of[keyword], keyword
    return None


@dataclass(frozen=True)
class _KeywordIndex:
    brand_of: dict[str, Brand]
    exact: dict[str, Brand]
    inside: re.Pattern[str] | None
    fuzzy: list[str]
    by_initial: dict[str, list[str]]
    long: list[str]
    weak: list[tuple[str, Brand]]
    weak_exact: dict[str, Brand]
    seen: dict[tuple[str, bool], tuple[str, Brand, str] | None]


def _keyword_index(directory: Directory) -> _KeywordIndex:
    # Kept on the directory itself, so a replaced directory takes its index (and token cache) with it.
    cached = directory.keyword_index
    if isinstance(cached, _KeywordIndex):
        return cached
    brand_of: dict[str, Brand] = {}
    for keyword, brand in directory.keywords:
        brand_of.setdefault(keyword, brand)
    longest_first = sorted(brand_of, key=len, reverse=True)
    inside = [keyword for keyword in longest_first if len(keyword) >= 5]
    by_initial: dict[str, list[str]] = {}
    for keyword in longest_first:
        if len(keyword) >= 6:
            by_initial.setdefault(keyword[0], []).append(keyword)
    index = _KeywordIndex(
        brand_of=brand_of,
        exact=dict(brand_of),
        inside=re.compile("|".join(map(re.escape, inside))) if inside else None,
        fuzzy=[keyword for keyword in longest_first if _allowed_edits(keyword)],
        by_initial=by_initial,
        long=[keyword for keyword in longest_first if len(keyword) >= 6],
        weak=sorted(directory.weak_keywords, key=lambda item: -len(item[0])),
        weak_exact=dict(directory.weak_keywords),
        seen={},
    )
    directory.keyword_index = index
    return index


def imitations(host: Host, directory: Directory) -> list[Imitation]:
    """Findings that the host imitates a brand it does not belong to (empty for the brand's own hosts)."""
    if host.is_ip or host.registrable in directory.by_domain:
        return []
    found: list[Imitation] = []
    labels = host.own_labels
    # A genuine domain written inside another (`amazon.co.jp.example.top`); the host's own ending is not it.
    all_labels = host.ascii.split(".")
    for start in range(len(all_labels) - 1):
        for end in range(start + 2, min(start + 4, len(all_labels)) + 1):
            candidate = ".".join(all_labels[start:end])
            brand = directory.by_domain.get(candidate)
            if brand is not None:
                values = {"official": candidate, "domain": host.registrable, **brand_values(brand.ref)}
                return [Imitation(brand, Finding("official_domain_in_subdomain", values))]
    glued_domain = _glued_domain(all_labels)
    glued = _glued_imitation(glued_domain, host, directory) if glued_domain is not None else None
    if glued is not None and glued.brand is not None:
        return [glued]
    # A glued name that is no brand's (`details.jp-rakuutenn-co-jp.com`) is a sign of a fake; the brand may still
    # be read from the rest of the host.
    shape = [glued] if glued is not None else []
    if host.unicode != host.ascii:
        skeleton = _latin_skeleton(host.unicode)
        for label in skeleton.split("."):
            for token, runs in _tokens(label).items():
                match = _match_token(token, directory, inside_words=runs)
                if match is not None:
                    _, brand, keyword = match
                    characters = "".join(sorted({c for c in host.unicode if not c.isascii()}))
                    values = {"domain": host.unicode, "keyword": keyword, "characters": characters}
                    return [Imitation(brand, Finding("homoglyph", {**values, **brand_values(brand.ref)})), *shape]
    registrable_label = labels[-1] if labels else ""
    for index, label in enumerate(labels):
        in_subdomain = index < len(labels) - 1
        for token, runs in sorted(_tokens(label).items(), key=lambda item: -len(item[0])):
            match = _match_token(token, directory, inside_words=runs)
            if match is None:
                continue
            how, brand, keyword = match
            if how == "weak" and not shape and not shows_risk(host):
                continue
            values = {"domain": host.registrable, "token": token, "keyword": keyword, **brand_values(brand.ref)}
            if how in {"exact", "weak"}:
                code = "brand_in_subdomain" if in_subdomain else "brand_in_domain"
            elif how == "letters":
                code = "letter_lookalike"
            elif how == "keyboard":
                code = "typosquat_keyboard"
            else:
                code = "typosquat"
            found.append(Imitation(brand, Finding(code, values)))
            break
        if found and not in_subdomain:
            break
    if not found:
        spelt = _spelt_domain(host, directory)
        return [spelt, *shape] if spelt is not None else shape
    # The registrable domain's own label says most about the site; otherwise the first brand named.
    own = [item for item in found if registrable_label and item.finding.values["token"] in _tokens(registrable_label)]
    return [(own or found)[0], *shape]


# Endings a label spells with hyphens for dots (`apple-com`, `www-amazon-co-jp`): the ones people know.
_SPELT_ENDINGS = frozenset(["com", "net", "org", "info", "jp", "co-jp", "ne-jp", "or-jp", "go-jp", "ac-jp"])
_WWW = re.compile(r"^www\d*$")
_ENDING_LAST_LABELS = frozenset(ending.rsplit("-", 1)[-1] for ending in _SPELT_ENDINGS)


def _glued_domain(labels: list[str]) -> str | None:
    """A domain name written in the host and glued to more by a hyphen (`www.aeon.co.jp-auth-login.com`,
    `jcbverify.co.jp-index.top`, `apple.com-verify.info`), so that it reads as where the address leads."""
    for end, label in enumerate(labels[:-1]):
        head, hyphen, _rest = label.partition("-")
        # Only the last label of an ending people know (`com-`, `co.jp-`) is worth parsing the run before it.
        if not hyphen or end == 0 or head not in _ENDING_LAST_LABELS:
            continue
        for start in range(end - 1, -1, -1):
            candidate = ".".join([*labels[start:end], head])
            try:
                shown = parse_host(candidate)
            except HostError:
                break
            if (
                shown.suffix.replace(".", "-") in _SPELT_ENDINGS
                and shown.registrable == candidate
                and len(candidate) - len(shown.suffix) > 3
                and not _WWW.match(candidate.split(".")[0])
            ):
                return candidate
            if shown.suffix != candidate:
                # Longer runs only add labels in front of a name that is not a public suffix.
                break
    return None


def _glued_imitation(shown: str, host: Host, directory: Directory) -> Imitation:
    """The brand a glued domain shows: its own when the directory has it, else the one its name imitates."""
    values = {"shown": shown, "domain": host.registrable}
    brand = directory.by_domain.get(shown)
    if brand is None:
        for token, runs in sorted(_tokens(shown.split(".")[0]).items(), key=lambda item: -len(item[0])):
            match = _match_token(token, directory, inside_words=runs)
            if match is not None:
                brand = match[1]
                break
    return Imitation(brand, Finding("glued_domain", {**values, **(brand_values(brand.ref) if brand else {})}))


def _spelt_domain(host: Host, directory: Directory) -> Imitation | None:
    """A label that spells a domain with hyphens for dots (`apple-com`, `www-apple-jp`, `amazon-co-jp`) around a
    brand's name: the shape is the sign of a fake, so a name shared with ordinary words counts here too."""
    for label in host.own_labels:
        parts = label.split("-")
        if len(parts) < 2:
            continue
        www = bool(_WWW.match(parts[0]))
        ending = next((size for size in (2, 1) if len(parts) > size and "-".join(parts[-size:]) in _SPELT_ENDINGS), 0)
        if not www and not ending:
            continue
        name = parts[1 if www else 0 : len(parts) - ending]
        for token in dict.fromkeys(["".join(name), *name]):
            match = _match_token(token, directory, inside_words=False) if len(token) >= 3 else None
            # A near spelling of a short name is too often another word (`myjob` is one letter from `myjcb`).
            if match is None or (match[0] in {"typo", "keyboard"} and len(match[2]) < 6):
                continue
            brand, keyword = match[1], match[2]
            values = {"domain": host.registrable, "token": label, "keyword": keyword, **brand_values(brand.ref)}
            return Imitation(brand, Finding("spelt_domain", values))
    return None


def shows_risk(host: Host) -> bool:
    """Signs of a throw-away site in the host name alone: its TLD, free hosting, log-in words."""
    if host.is_ip or host.tld in RISKY_TLDS or host.suffix in FREE_HOSTING:
        return True
    return any(word in host.ascii for word in CREDENTIAL_WORDS)


def _latin_skeleton(text: str) -> str:
    """The text with each character that passes for a Latin letter replaced by that letter."""
    out = []
    for character in text:
        if character.isascii():
            out.append(character)
            continue
        found = confusables.is_confusable(character, preferred_aliases=["latin"], greedy=True) or []
        latin = next(
            (glyph["c"] for item in found for glyph in item["homoglyphs"] if glyph["c"].isascii()),
            character,
        )
        out.append(latin.lower())
    return "".join(out)


def brand_in_words(words: list[str], directory: Directory) -> tuple[Brand, str] | None:
    """A brand keyword among the words of a path or query (`/amazon/signin`)."""
    index = _keyword_index(directory)
    for word in words:
        brand = index.exact.get(word)
        if brand is not None and len(word) >= 4:
            return brand, word
        match = index.inside.search(word) if index.inside and len(word) >= 5 else None
        if match is not None:
            return index.brand_of[match.group()], word
    return None
