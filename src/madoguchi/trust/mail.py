"""Is this whole mail from the brand it names? The check of `madoguchi trust check-email FILE.eml`.

A mail is judged on what it claims (the brand in its sender's name, subject and text) against what it is
(the sender's domain, the authentication results its receiving server recorded, where its links lead, what
it carries). A mail is `official` only when the brand it claims sent it, authenticated, and nothing in it
points elsewhere; the mail of an impersonator gets `suspicious` with the reasons, a mail that claims no
brand and shows few signs gets `unknown`.

Hostile input gets a clear refusal rather than a crash or a hang: size is capped before parsing, the MIME
tree is walked with limits on depth and parts, text is cut before it is searched, and archives are never
unpacked (only their file lists are read).
"""

from __future__ import annotations

import contextlib
import email.errors
import io
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import authres
from bs4 import BeautifulSoup

from madoguchi.domain.charsets import decode_text
from madoguchi.trust.addresses import FREEMAIL, sender_brand
from madoguchi.trust.hosts import HostError, imitations, parse_host
from madoguchi.trust.urls import MAX_CARRIED, MAX_RELAY_DEPTH, reachable_hosts
from madoguchi.trust.verdicts import CheckResult, Finding, brand_values

if TYPE_CHECKING:
    from madoguchi.trust.directory import Brand, Directory
    from madoguchi.trust.hosts import Host
    from madoguchi.trust.lookalikes import Lookalikes

MAX_MAIL_BYTES = 25 * 1024 * 1024
MAX_PARTS = 200
MAX_DEPTH = 12
MAX_TEXT_CHARS = 200_000
MAX_LINKS = 300
MAX_ZIP_ENTRIES = 100
MAX_HEADER_BYTES = 256 * 1024
MAX_HEADER_CHARS = 16_384
# Boundary lines (`--boundary`) allowed before parsing: a few per part, with room for signatures ("-- ").
MAX_BOUNDARY_LINES = 4 * MAX_PARTS + 100

URGENCY_WORDS = (
    "至急",
    "緊急",
    "重要なお知らせ",
    "24時間以内",
    "48時間以内",
    "本日中",
    "期限",
    "停止",
    "利用制限",
    "凍結",
    "ロック",
    "失効",
    "差し押さえ",
    "法的措置",
    "最終通知",
    "urgent",
    "immediately",
    "within 24 hours",
    "suspended",
    "locked",
    "final notice",
    "unusual activity",
)

CREDENTIAL_WORDS = (
    "本人確認",
    "パスワード",
    "暗証番号",
    "ログイン",
    "サインイン",
    "カード情報",
    "カード番号",
    "セキュリティコード",
    "有効期限",
    "口座番号",
    "認証",
    "お客様情報",
    "アカウント情報",
    "再設定",
    "更新手続き",
    "verify your",
    "confirm your",
    "password",
    "sign in",
    "log in",
    "card number",
    "security code",
    "update your",
)

DANGEROUS_EXTENSIONS = frozenset(
    [
        "exe",
        "scr",
        "com",
        "pif",
        "bat",
        "cmd",
        "vbs",
        "vbe",
        "js",
        "jse",
        "wsf",
        "wsh",
        "hta",
        "msi",
        "msp",
        "lnk",
        "iso",
        "img",
        "vhd",
        "vhdx",
        "jar",
        "ps1",
        "psm1",
        "reg",
        "cpl",
        "dll",
        "docm",
        "xlsm",
        "pptm",
        "xlam",
        "one",
        "appx",
        "appxbundle",
        "msix",
        "html",
        "htm",
        "shtml",
        "svg",
        "chm",
    ]
)

_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'「」『』（）()、。]+", re.IGNORECASE)
_DOMAIN_LIKE = re.compile(r"^(?:https?://)?(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/\S*)?$", re.IGNORECASE)


class MailRefused(ValueError):
    """The mail cannot be checked (too large, too deeply nested, not a mail)."""

    def __init__(self, problem: str, problem_ja: str = "") -> None:
        super().__init__(problem)
        self.problem_ja = problem_ja or problem


# Header fields of which a mail has at least one; a text with none of them is not a mail.
_MAIL_HEADERS = frozenset(
    [
        "from",
        "sender",
        "to",
        "cc",
        "subject",
        "date",
        "message-id",
        "received",
        "return-path",
        "reply-to",
        "delivered-to",
        "mime-version",
        "content-type",
        "authentication-results",
        "dkim-signature",
    ]
)

# What stops the reading, and how a reason names it: (Japanese, English) for what and for the limit.
_LIMITS: dict[str, tuple[str, str, str, str]] = {
    "text": ("本文の長さ", "The text", f"{MAX_TEXT_CHARS:,}文字", f"{MAX_TEXT_CHARS:,} characters"),
    "links": ("リンクの数", "The number of links", f"{MAX_LINKS}件", f"{MAX_LINKS} links"),
    "zip": (
        "zip ファイルの中のファイル数",
        "The number of files in a zip attachment",
        f"{MAX_ZIP_ENTRIES}件",
        f"{MAX_ZIP_ENTRIES} files",
    ),
    "relay": (
        "リンクが運ぶ別のアドレス",
        "The addresses carried inside a link",
        f"入れ子{MAX_RELAY_DEPTH}段・{MAX_CARRIED}件",
        f"{MAX_RELAY_DEPTH} levels deep or {MAX_CARRIED} addresses",
    ),
}


@dataclass
class _Mail:
    subject: str = ""
    display_name: str = ""
    address: str = ""
    reply_to: str = ""
    return_path: str = ""
    authentication: list[tuple[str, str, str]] = field(default_factory=list)  # (method, result, domain)
    text: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (shown text, target)
    attachments: list[str] = field(default_factory=list)
    parts: int = 0
    # The limits that stopped the reading: what lies past them was not seen.
    limits: set[str] = field(default_factory=set)


def check_mail(data: bytes, directory: Directory, lookalikes: Lookalikes, *, name: str = "") -> CheckResult:
    label = name or "mail"
    try:
        mail = read_mail(data)
    except MailRefused as exc:
        values = {"problem": exc.problem_ja, "problem_en": str(exc)}
        return CheckResult(
            label, "mail", "unknown", None, (Finding("mail_unreadable", values),), details={"error": str(exc)}
        )
    return _judge(label, mail, directory, lookalikes)


def read_mail(data: bytes) -> _Mail:
    if len(data) > MAX_MAIL_BYTES:
        raise MailRefused(f"larger than {MAX_MAIL_BYTES // (1024 * 1024)} MB")
    if not data.strip():
        raise MailRefused("empty")
    # Cheap looks before the parser, which would take minutes over some hostile shapes.
    header_end = min((at for at in (data.find(b"\r\n\r\n"), data.find(b"\n\n")) if at >= 0), default=len(data))
    if header_end > MAX_HEADER_BYTES:
        raise MailRefused(f"headers larger than {MAX_HEADER_BYTES // 1024} KB")
    if data.count(b"\n--") > MAX_BOUNDARY_LINES:
        raise MailRefused(f"too many MIME parts, or parts nested too deeply (more than {MAX_PARTS} parts)")
    try:
        message: Message = BytesParser(policy=policy.default).parsebytes(data)
    except RecursionError as exc:
        raise MailRefused("MIME parts nested too deeply") from exc
    if not any(key.lower() in _MAIL_HEADERS for key in message):
        raise MailRefused(
            "not a mail: it has none of the header fields a mail starts with (From, To, Subject, Date, …)",
            "メールではありません。メールの先頭にある項目（From、To、Subject、Date など）がひとつもありません",
        )
    mail = _Mail()
    # A mail forwarded as an attachment is what the customer asks about; the envelope is theirs.
    inner = _forwarded(message)
    if inner is not None:
        message = inner
    mail.subject = _header(message, "Subject")
    display, address = _first_address(_header(message, "From"))
    mail.display_name, mail.address = display, address
    mail.reply_to = _first_address(_header(message, "Reply-To"))[1]
    mail.return_path = _first_address(_header(message, "Return-Path"))[1]
    mail.authentication = _authentication(message)
    try:
        _walk(message, mail, depth=0)
    except RecursionError as exc:
        raise MailRefused("MIME parts nested too deeply") from exc
    return mail


def _forwarded(message: Message) -> Message | None:
    """The mail inside, when this one only carries another (a forward as attachment)."""
    candidates: list[object] = [message]
    if message.is_multipart():
        payload = message.get_payload()
        candidates = list(payload[:MAX_PARTS]) if isinstance(payload, list) else []
    for part in candidates:
        if isinstance(part, Message) and part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return inner[0]
    return None


def _raw_headers(message: Message, name: str) -> list[str]:
    # The raw values, not the policy's parsed objects: parsing a hostile 1 MB header takes seconds.
    return [str(value) for key, value in message.raw_items() if key.lower() == name.lower()]


def _header(message: Message, name: str) -> str:
    values = _raw_headers(message, name)
    if not values:
        return ""
    text = values[0][:MAX_HEADER_CHARS]
    if any("\udc80" <= character <= "\udcff" for character in text):
        # Raw 8-bit bytes (bulk mailers write display names in Shift_JIS without encoding them).
        text = decode_text(text.encode("ascii", "surrogateescape"), None)[0]
    if "=?" in text:
        with contextlib.suppress(UnicodeError, LookupError, ValueError, email.errors.HeaderParseError):
            text = "".join(
                decode_text(part, charset)[0] if isinstance(part, bytes) else part
                for part, charset in decode_header(text)
            )
    return " ".join(text.split())[:2000]


def _first_address(value: str) -> tuple[str, str]:
    if not value:
        return "", ""
    pairs = getaddresses([value])
    if not pairs:
        return "", ""
    display, address = pairs[0]
    return display.strip(), address.strip().strip("<>").lower()


def _authentication(message: Message) -> list[tuple[str, str, str]]:
    """SPF, DKIM and DMARC results from the topmost Authentication-Results (the receiving server's own)."""
    results: list[tuple[str, str, str]] = []
    headers = _raw_headers(message, "Authentication-Results")
    if not headers:
        return results
    try:
        parsed = authres.AuthenticationResultsHeader.parse(
            "Authentication-Results: " + " ".join(headers[0][:MAX_HEADER_CHARS].split())
        )
    except Exception:
        return results
    for result in parsed.results:
        domain = ""
        for prop in result.properties:
            if prop.name in {"from", "d", "mailfrom"}:
                domain = str(prop.value).rpartition("@")[2].lower()
        results.append((str(result.method).lower(), str(result.result).lower(), domain))
    return results


def _walk(part: Message, mail: _Mail, depth: int) -> None:
    mail.parts += 1
    if mail.parts > MAX_PARTS:
        raise MailRefused(f"too many MIME parts, or parts nested too deeply (more than {MAX_PARTS} parts)")
    if depth > MAX_DEPTH:
        raise MailRefused("MIME parts nested too deeply")
    if part.is_multipart():
        payload = part.get_payload()
        for child in payload if isinstance(payload, list) else []:
            if isinstance(child, Message):
                _walk(child, mail, depth + 1)
        return
    filename = part.get_filename() or ""
    content_type = part.get_content_type()
    disposition = part.get_content_disposition()
    if filename or disposition == "attachment":
        mail.attachments.append(filename or content_type)
        if filename.lower().endswith(".zip"):
            mail.attachments.extend(_zip_names(part, mail))
        return
    if content_type not in {"text/plain", "text/html"}:
        return
    text = _text_of(part)
    if len(text) > MAX_TEXT_CHARS:
        mail.limits.add("text")
        text = text[:MAX_TEXT_CHARS]
    if content_type == "text/html":
        soup = BeautifulSoup(text, "html.parser")
        anchors = soup.find_all("a", href=True, limit=MAX_LINKS + 1)
        if len(anchors) > MAX_LINKS:
            mail.limits.add("links")
        for anchor in anchors[:MAX_LINKS]:
            mail.links.append((anchor.get_text(" ", strip=True), str(anchor["href"]).strip()))
        for hidden in soup(["script", "style"]):
            hidden.decompose()
        text = soup.get_text("\n", strip=True)
    mail.text.append(text)
    for number, match in enumerate(_URL_IN_TEXT.finditer(text)):
        if number == MAX_LINKS:
            mail.limits.add("links")
            break
        mail.links.append(("", match.group().rstrip(".,)")))


def _text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_text(payload, part.get_content_charset())[0]


def _zip_names(part: Message, mail: _Mail) -> list[str]:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return []
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            # The central directory only: nothing is decompressed, so a zip bomb costs nothing here.
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return []
    if len(entries) > MAX_ZIP_ENTRIES:
        mail.limits.add("zip")
    return [info.filename for info in entries[:MAX_ZIP_ENTRIES]]


def _host_of(value: str) -> Host | None:
    try:
        return parse_host(value)
    except HostError:
        return None


def _link_hosts(target: str, mail: _Mail) -> list[Host]:
    """The link's own host and every host it carries (a redirector's or a relay's target)."""
    if not target.lower().startswith(("http://", "https://")):
        return []
    names, cut = reachable_hosts(target)
    if cut:
        mail.limits.add("relay")
    hosts = [_host_of(name) for name in names]
    return [host for host in hosts if host is not None]


def _link_host(target: str) -> Host | None:
    if not target.lower().startswith(("http://", "https://")):
        return None
    try:
        hostname = urlsplit(target).hostname
    except ValueError:
        return None
    return _host_of(hostname) if hostname else None


def _found_words(text: str, words: tuple[str, ...]) -> list[str]:
    folded = text.casefold()
    return [word for word in words if word.casefold() in folded]


def _judge(label: str, mail: _Mail, directory: Directory, lookalikes: Lookalikes) -> CheckResult:
    findings: list[Finding] = []
    strong = 0
    body = unicodedata.normalize("NFKC", "\n".join(mail.text))
    if len(body) > MAX_TEXT_CHARS:
        mail.limits.add("text")
        body = body[:MAX_TEXT_CHARS]
    sender_host = _host_of(mail.address.rpartition("@")[2]) if "@" in mail.address else None
    sender = sender_brand(sender_host, directory) if sender_host is not None else None

    # Which brand does the mail claim to be? Its sender's name says most, then the subject, then the text.
    claims: Counter[str] = Counter()
    for weight, text in ((4, mail.display_name), (3, mail.subject)):
        for brand in directory.mentions(text):
            claims[brand.id] += weight
    for brand_id, count in Counter(brand.id for brand in directory.mentions(body)).items():
        claims[brand_id] += min(count, 3)
    lookalike_brand: Brand | None = None
    if sender_host is not None and sender is None:
        reported = lookalikes.of_address(mail.address) or lookalikes.of_host(sender_host.registrable)
        if reported is not None:
            findings.append(Finding("reported_lookalike", {"value": mail.address}))
            strong += 1
            lookalike_brand = directory.brands.get(reported)
        for imitation in imitations(sender_host, directory):
            findings.append(imitation.finding)
            strong += 1
            lookalike_brand = lookalike_brand or imitation.brand
    if lookalike_brand is not None:
        claims[lookalike_brand.id] += 5
    claimed = directory.brands[claims.most_common(1)[0][0]] if claims else None

    sender_domain = sender_host.registrable if sender_host is not None else ""
    if not mail.address:
        findings.append(Finding("no_sender"))
    if claimed is not None and (sender is None or sender.id != claimed.id) and lookalike_brand is None:
        named = {"domain": sender_domain or "（なし）", "domain_en": sender_domain or "(none)"}
        findings.append(Finding("mail_claims_brand", {**named, **brand_values(claimed.ref)}))
        strong += 1
    if mail.display_name and sender_host is not None:
        shown = re.search(r"[a-z0-9._%+-]+@([a-z0-9.-]+\.[a-z]{2,})", mail.display_name.lower())
        shown_host = _host_of(shown.group(1)) if shown else None
        if shown_host is not None and shown_host.registrable != sender_host.registrable:
            findings.append(Finding("display_name_spoof", {"display": mail.display_name, "address": mail.address}))
            strong += 1
    for other, code, key in (
        (mail.reply_to, "reply_to_mismatch", "reply_to"),
        (mail.return_path, "return_path_mismatch", "return_path"),
    ):
        other_host = _host_of(other.rpartition("@")[2]) if "@" in other else None
        # A list server or a mail provider may send on a company's behalf; a free-mail address may not, and
        # replies to someone other than the brand the mail claims to be are a classic of phishing.
        if other_host is None or sender_host is None or other_host.registrable == sender_host.registrable:
            continue
        freemail = other_host.registrable in FREEMAIL
        if key == "reply_to" or freemail:
            findings.append(Finding(code, {key: other, "sender": mail.address}))
            brands_own = claimed is not None and (
                other_host.registrable in claimed.domains or other_host.registrable in claimed.email_domains
            )
            if freemail or (claimed is not None and not brands_own):
                strong += 1

    dmarc_pass = False
    for method, result, domain in mail.authentication:
        if method in {"spf", "dkim", "dmarc"} and result in {"fail", "softfail", "permerror"}:
            findings.append(Finding("auth_failed", {"method": method.upper(), "result": result}))
            strong += 1
        if method == "dmarc" and result == "pass" and sender_host is not None:
            dmarc_pass = domain in {"", sender_host.registrable} or domain.endswith("." + sender_host.registrable)

    link_hosts: list[Host] = []
    mismatched = False
    for shown_text, target in mail.links:
        reached = _link_hosts(target, mail)
        if not reached:
            continue
        host = reached[0]
        link_hosts.extend(reached)
        if not mismatched and _DOMAIN_LIKE.match(shown_text.strip()):
            shown_host = _link_host(shown_text if "://" in shown_text else f"http://{shown_text.strip()}")
            if shown_host is not None and shown_host.registrable != host.registrable:
                findings.append(
                    Finding("link_text_mismatch", {"shown": shown_text.strip()[:100], "target": host.registrable})
                )
                strong += 1
                mismatched = True
    if claimed is not None:
        foreign = [
            host
            for host in link_hosts
            if host.registrable not in claimed.domains
            and host.registrable not in claimed.email_domains
            and host.registrable not in directory.by_domain
        ]
        if foreign:
            findings.append(
                Finding("link_not_official", {"domain": foreign[0].registrable, **brand_values(claimed.ref)})
            )
            strong += 1
    for host in link_hosts:
        if directory.by_domain.get(host.registrable) is None:
            found = imitations(host, directory)
            if found:
                findings.append(found[0].finding)
                strong += 1
                claimed = claimed or found[0].brand
                break

    weak = 0
    text_all = f"{mail.subject}\n{body}"
    urgency = _found_words(text_all, URGENCY_WORDS)
    if urgency:
        findings.append(Finding("urgency_words", {"words": "」「".join(urgency[:3])}))
        weak += 1
    credentials = _found_words(text_all, CREDENTIAL_WORDS)
    if credentials:
        findings.append(Finding("credential_request", {"words": "」「".join(credentials[:3])}))
        weak += 1
    for attachment in mail.attachments:
        if attachment.rpartition(".")[2].lower() in DANGEROUS_EXTENSIONS:
            findings.append(Finding("dangerous_attachment", {"name": attachment[:100]}))
            strong += 1
            break
    if not dmarc_pass and claimed is not None and sender is not None and sender.id == claimed.id:
        findings.append(Finding("auth_missing"))
        weak += 1

    # Past a limit the mail was not read: whatever is there could be what makes it a fake.
    for limit in sorted(mail.limits):
        what, what_en, amount, amount_en = _LIMITS[limit]
        values = {"what": what, "what_en": what_en, "limit": amount, "limit_en": amount_en}
        findings.append(Finding("mail_limit", values))
    official_candidate = sender is not None and (claimed is None or claimed.id == sender.id)
    if official_candidate and dmarc_pass and strong == 0 and sender is not None and not mail.limits:
        passed = [
            Finding("auth_passed", {"domain": sender_domain}),
            Finding("official_email_domain", {"domain": sender_domain, **brand_values(sender.ref)}),
        ]
        return directory.result(label, "mail", "official", sender, passed)
    if strong or weak >= 2:
        return directory.result(label, "mail", "suspicious", claimed, findings)
    if not findings:
        findings.append(Finding("not_in_directory", {"value": mail.address}))
    return directory.result(label, "mail", "unknown", claimed if claimed and sender is None else sender, findings)
