"""Reading one received mail with the standard library's `email` package (modern policy).

Nothing in a mail is trusted to be well formed: every header and part is read defensively, problems become
warnings beside the stored raw mail, and whatever can be read is read. A mail is never refused for its shape.
"""

from __future__ import annotations

import email
import email.header
import email.message
import email.utils
import hashlib
import io
import re
from dataclasses import dataclass, field
from email import policy
from email.generator import BytesGenerator
from typing import TYPE_CHECKING

import authres
import filetype  # type: ignore[import-untyped]  # the library ships no type information

from madoguchi.channels.email.bodytext import html_to_text, trim_quoted
from madoguchi.domain.charsets import decode_text

if TYPE_CHECKING:
    from email.message import Message

_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_TICKET_TAG = re.compile(r"\[#(\d{1,9})\]")
# Headers that say a mail was sent by a program, read by the loop protection (autoreply.py).
LOOP_HEADERS = ("auto-submitted", "precedence", "x-auto-response-suppress", "list-id", "list-unsubscribe")
_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f/\\]")
# The boundaries a mail declares, found without parsing it: the parser's cost grows with the number of parts.
_BOUNDARY = re.compile(rb'boundary\*?(?:0\*?)?\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))', re.IGNORECASE)
# A returned mail's Message-ID quoted in the text of a bounce that is not a structured report.
_QUOTED_MESSAGE_ID = re.compile(r"^\s*Message-ID:\s*<([^<>\s]+)>", re.IGNORECASE | re.MULTILINE)
_RETURNED_HEADERS = ("text/rfc822-headers", "message/rfc822-headers")
_RAW_COPY = policy.compat32.clone(linesep="\r\n")


@dataclass(frozen=True)
class Attachment:
    filename: str
    declared_type: str
    # From the content's own signature (filetype), None when it has none the library knows.
    detected_type: str | None
    content: bytes
    sha256: str
    # A whole mail attached (message/rfc822): what a customer forwarding a suspicious mail sends.
    is_mail: bool = False

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class ParsedMail:
    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    from_address: str | None
    from_name: str | None
    reply_to: str | None
    subject: str
    # The whole body as text (HTML converted), and the part the customer wrote in this mail.
    full_text: str
    text: str
    attachments: tuple[Attachment, ...]
    loop_headers: dict[str, str]
    # multipart/report: a delivery or read notification, never a person writing.
    is_report: bool
    warnings: tuple[str, ...] = field(default=())
    # The Message-IDs of the mail a bounce returns (its attached original or quoted headers).
    returned_ids: tuple[str, ...] = field(default=())
    # The site MTA's Authentication-Results say SPF, DKIM or DMARC passed for the From address's domain.
    sender_authenticated: bool = False

    @property
    def ticket_numbers(self) -> tuple[int, ...]:
        return tuple(int(number) for number in _TICKET_TAG.findall(self.subject))

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Message-IDs this mail answers, the most direct first."""
        seen: dict[str, None] = {}
        for message_id in (*self.in_reply_to, *reversed(self.references)):
            seen.setdefault(message_id, None)
        return tuple(seen)


def ticket_tag(number: int) -> str:
    return f"[#{number}]"


def parse_mail(
    raw: bytes,
    *,
    max_attachment_bytes: int,
    max_attachments: int,
    max_parts: int = 500,
    max_depth: int = 10,
    authserv_id: str = "",
) -> ParsedMail:
    """Read `raw`; never raises for a malformed mail (what cannot be read is listed in `warnings`).

    Only the first `max_parts` MIME parts, nested at most `max_depth` deep, are read: the rest stays in the raw
    mail, which the caller keeps, and a warning says so.
    """
    warnings: list[str] = []
    readable = _first_parts(raw, max_parts)
    if len(readable) < len(raw):
        warnings.append(
            f"the mail has more than {max_parts} MIME parts; only the first {max_parts} were read, "
            "the rest remain in the raw mail"
        )
    try:
        message = email.message_from_bytes(readable, policy=policy.default)
    except Exception as exc:  # the parser is lenient; this is the last guard for what it still rejects
        return _unreadable(raw, f"the mail could not be parsed as MIME ({type(exc).__name__}: {exc})")
    headers = _Headers(message, warnings)
    from_name, from_address = headers.address("from")
    _, reply_to = headers.address("reply-to")
    walker = _Walker(max_attachment_bytes, max_attachments, warnings, max_parts=max_parts, max_depth=max_depth)
    full_text, attachments = walker.read(message)
    _collect_defects(message, warnings, max_parts)
    returned = dict.fromkeys([*walker.returned_ids, *_QUOTED_MESSAGE_ID.findall(full_text)])
    return ParsedMail(
        message_id=next(iter(headers.message_ids("message-id")), None),
        in_reply_to=headers.message_ids("in-reply-to"),
        references=headers.message_ids("references"),
        from_address=from_address,
        from_name=from_name,
        reply_to=reply_to,
        subject=headers.text("subject"),
        full_text=full_text,
        text=trim_quoted(full_text),
        attachments=tuple(attachments),
        loop_headers={name: headers.text(name) for name in LOOP_HEADERS if headers.has(name)},
        is_report=message.get_content_type() == "multipart/report",
        warnings=tuple(warnings),
        returned_ids=tuple(returned),
        sender_authenticated=_authenticated(message, from_address, authserv_id),
    )


def _first_parts(raw: bytes, max_parts: int) -> bytes:
    """`raw` up to its part number `max_parts + 1`: the parser never sees more parts than are read."""
    declared = {match.group(1) or match.group(2) for match in _BOUNDARY.finditer(raw)}
    if not declared:
        return raw
    # Longest first, so that a boundary that begins with another one is matched whole; a closing delimiter
    # (`--boundary--`) ends a multipart and opens no part.
    names = b"|".join(re.escape(name) for name in sorted(declared, key=len, reverse=True)[: max_parts + 1])
    delimiter = re.compile(rb"^--(?:" + names + rb")(?!--)", re.MULTILINE)
    for count, match in enumerate(delimiter.finditer(raw), start=1):
        if count > max_parts:
            return raw[: match.start()]
    return raw


def _authenticated(message: Message, from_address: str | None, authserv_id: str) -> bool:
    """Whether the site MTA's own Authentication-Results (RFC 8601) show the From domain passing SPF, DKIM or
    DMARC. Results under any other authserv-id were written by someone else and prove nothing."""
    if not authserv_id or not from_address:
        return False
    domain = from_address.rpartition("@")[2].lower()
    for value in message.get_all("authentication-results", []):
        try:
            parsed = authres.AuthenticationResultsHeader.parse(
                "Authentication-Results: " + " ".join(str(value).split())
            )
        except Exception:  # noqa: S112 - a header that cannot be read proves nothing; the others may
            continue
        if str(parsed.authserv_id).lower() != authserv_id.lower():
            continue
        for result in parsed.results:
            if str(result.result).lower() != "pass":
                continue
            method = str(result.method).lower()
            for prop in result.properties:
                name = f"{prop.type}.{prop.name}".lower()
                if (method, name) in {("dmarc", "header.from"), ("dkim", "header.d"), ("spf", "smtp.mailfrom")}:
                    passed = str(prop.value).rpartition("@")[2].lower()
                    if passed and (domain == passed or domain.endswith("." + passed)):
                        return True
    return False


def _unreadable(raw: bytes, problem: str) -> ParsedMail:
    text, _ = decode_text(raw, None)
    return ParsedMail(
        message_id=None,
        in_reply_to=(),
        references=(),
        from_address=None,
        from_name=None,
        reply_to=None,
        subject="",
        full_text=text,
        text=text,
        attachments=(),
        loop_headers={},
        is_report=False,
        warnings=(problem,),
    )


class _Headers:
    """Header values decoded from the raw lines: encoded words and raw 8-bit text in Japanese charsets."""

    def __init__(self, message: Message, warnings: list[str]) -> None:
        self._raw: dict[str, str] = {}
        self._warnings = warnings
        for name, value in message.raw_items():
            self._raw.setdefault(name.lower(), str(value))

    def has(self, name: str) -> bool:
        return name in self._raw

    def text(self, name: str) -> str:
        raw = self._raw.get(name)
        if raw is None:
            return ""
        return " ".join(decode_header_value(raw, self._warnings, name).split())

    def address(self, name: str) -> tuple[str | None, str | None]:
        raw = self._raw.get(name)
        if raw is None:
            return None, None
        pairs = email.utils.getaddresses([_unfold(_as_text(raw, self._warnings, name))])
        for display, address in pairs:
            if "@" in address:
                display_name = " ".join(decode_header_value(display, self._warnings, name).split()) or None
                return display_name, address.strip().lower()
        self._warnings.append(f"the {name.title()} header has no usable address: {raw[:200]!r}")
        return None, None

    def message_ids(self, name: str) -> tuple[str, ...]:
        raw = self._raw.get(name)
        if raw is None:
            return ()
        return tuple(_MESSAGE_ID.findall(_as_text(raw, self._warnings, name)))


def decode_header_value(raw: str, warnings: list[str], name: str = "header") -> str:
    """A header's text from its raw form: MIME encoded words and raw 8-bit text both read as Japanese mail."""
    text = _as_text(raw, warnings, name)
    try:
        chunks = email.header.decode_header(_unfold(text))
    except Exception:
        warnings.append(f"the {name.title()} header has malformed encoded words; kept as written")
        return _unfold(text)
    parts: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            parts.append(chunk)
            continue
        if charset is None:
            # The text between encoded words, which `decode_header` hands back in this escaping.
            parts.append(chunk.decode("raw-unicode-escape"))
            continue
        decoded, clean = decode_text(chunk, charset)
        if not clean:
            warnings.append(
                f"the {name.title()} header is not valid {charset or 'text'}; unreadable characters replaced"
            )
        parts.append(decoded)
    return "".join(parts)


def _as_text(raw: str, warnings: list[str], name: str) -> str:
    """Raw 8-bit header bytes (against the standard, but common) decoded as Japanese mail text."""
    if raw.isascii():
        return raw
    data = raw.encode("utf-8", errors="surrogateescape")
    text, clean = decode_text(data, None)
    if not clean:
        warnings.append(f"the {name.title()} header has undecodable 8-bit text; unreadable characters replaced")
    return text


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n(?=[ \t])", "", value)


class _Walker:
    """The body text and the attachments of a message, without descending into attached mails."""

    def __init__(
        self,
        max_attachment_bytes: int,
        max_attachments: int,
        warnings: list[str],
        *,
        max_parts: int,
        max_depth: int,
    ) -> None:
        self.max_attachment_bytes = max_attachment_bytes
        self.max_attachments = max_attachments
        self.max_parts = max_parts
        self.max_depth = max_depth
        self.warnings = warnings
        self.attachments: list[Attachment] = []
        self.returned_ids: list[str] = []
        self.skipped = 0
        self.visited = 0
        self.too_deep = False

    def read(self, message: Message) -> tuple[str, list[Attachment]]:
        body = self._body(message)
        self._visit(message, body)
        if self.skipped:
            self.warnings.append(
                f"{self.skipped} attachment(s) beyond the first {self.max_attachments} were not stored separately; "
                "they remain in the raw mail"
            )
        if self.too_deep:
            self.warnings.append(
                f"MIME parts nested more than {self.max_depth} deep were not read; they remain in the raw mail"
            )
        return self._text_of(body) if body is not None else "", self.attachments

    def _body(self, message: Message) -> Message | None:
        get_body = getattr(message, "get_body", None)
        try:
            body: Message | None = get_body(preferencelist=("plain", "html")) if get_body else None
        except Exception:
            body = None
        if body is not None and _depth_of(message, body, self.max_depth) is None:
            body = None  # the body is looked for no deeper than the parts that are read
        maintype = message.get_content_maintype()
        # A multipart mail whose boundaries are missing has one undivided payload: that text is the body.
        if body is None and (maintype == "text" or (maintype == "multipart" and not message.is_multipart())):
            return message
        return body

    def _text_of(self, part: Message) -> str:
        payload = self._payload(part)
        text, clean = decode_text(payload, part.get_content_charset())
        if not clean:
            self.warnings.append(
                f"the {part.get_content_type()} body is not valid {part.get_content_charset() or 'text'}; "
                "unreadable characters replaced"
            )
        if part.get_content_subtype() == "html":
            return html_to_text(text)
        return text.replace("\r\n", "\n").strip()

    def _payload(self, part: Message) -> bytes:
        try:
            payload = part.get_payload(decode=True)
        except Exception as exc:
            self.warnings.append(f"a {part.get_content_type()} part could not be decoded ({exc}); kept raw")
            payload = None
        if isinstance(payload, bytes):
            return payload
        raw = part.get_payload()
        return raw.encode("utf-8", errors="surrogateescape") if isinstance(raw, str) else b""

    def _visit(self, part: Message, body: Message | None, depth: int = 0) -> None:
        if depth > self.max_depth:
            self.too_deep = True
            return
        self.visited += 1
        if part is body or self.visited > self.max_parts:
            return
        content_type = part.get_content_type()
        if content_type in ("message/rfc822", "message/global"):
            self._returned(part)
            self._add(part, self._attached_mail(part), is_mail=True)
            return
        if part.is_multipart():
            children = part.get_payload()
            for child in children if isinstance(children, list) else ():
                if isinstance(child, email.message.Message):
                    self._visit(child, body, depth + 1)
            return
        if content_type in _RETURNED_HEADERS:
            self._returned(part)
        if part.get_content_maintype() == "text" and not part.get_filename() and _disposition(part) != "attachment":
            # An alternative rendering of the body (the HTML beside the plain text), not a file.
            return
        if content_type in ("message/delivery-status", "text/rfc822-headers", "message/rfc822-headers"):
            return
        self._add(part, self._payload(part), is_mail=False)

    def _returned(self, part: Message) -> None:
        """The Message-ID of a mail returned in a bounce, from its attached copy or its quoted headers."""
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], email.message.Message):
            value = inner[0].get("message-id")
            text = str(value) if value is not None else ""
        else:
            text = f"\n{self._payload(part).decode('utf-8', errors='replace')}"
            found = _QUOTED_MESSAGE_ID.search(text)
            text = f"<{found.group(1)}>" if found else ""
        self.returned_ids.extend(_MESSAGE_ID.findall(text)[:1])

    def _attached_mail(self, part: Message) -> bytes:
        inner = part.get_payload()
        message = inner[0] if isinstance(inner, list) and inner else None
        if not isinstance(message, email.message.Message):
            return self._payload(part)
        buffer = io.BytesIO()
        try:
            BytesGenerator(buffer, mangle_from_=False, policy=_RAW_COPY).flatten(message)
        except Exception as exc:
            self.warnings.append(f"an attached mail could not be copied out ({exc}); it remains in the raw mail")
            return b""
        return buffer.getvalue()

    def _add(self, part: Message, content: bytes, *, is_mail: bool) -> None:
        filename = _filename(part, self.warnings) or ("forwarded.eml" if is_mail else "attachment")
        if len(self.attachments) >= self.max_attachments:
            self.skipped += 1
            return
        if len(content) > self.max_attachment_bytes:
            self.warnings.append(
                f"the attachment {filename!r} ({len(content)} bytes) is larger than the limit of "
                f"{self.max_attachment_bytes} bytes; it remains in the raw mail only"
            )
            return
        kind = filetype.guess(content) if content else None
        detected = kind.mime if kind is not None else ("message/rfc822" if is_mail else None)
        # Only ever compared and shown; escaped raw bytes in it must not reach the database.
        declared = part.get_content_type().encode("utf-8", errors="replace").decode()
        if detected and declared != detected and not is_mail and declared != "application/octet-stream":
            self.warnings.append(f"the attachment {filename!r} is declared {declared} but its content is {detected}")
        self.attachments.append(
            Attachment(
                filename=filename,
                declared_type=declared,
                detected_type=detected,
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
                is_mail=is_mail,
            )
        )


def _disposition(part: Message) -> str | None:
    value = part.get("content-disposition")
    return str(value).split(";", 1)[0].strip().lower() if value else None


def _filename(part: Message, warnings: list[str]) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        return None
    # Raw 8-bit names (common from Japanese clients) arrive as escaped bytes: decoded like header text.
    decoded = decode_header_value(name, warnings, "attachment name")
    # A name is only shown and offered for download: no directories, no control characters.
    cleaned = _UNSAFE_FILENAME.sub("_", decoded).strip(" .")
    return cleaned[:255] or None


def _depth_of(root: Message, target: Message, max_depth: int) -> int | None:
    """How deep `target` is nested in `root`, or None when it is not within `max_depth`."""
    level: list[Message] = [root]
    for depth in range(max_depth + 1):
        if any(part is target for part in level):
            return depth
        level = [child for part in level for child in _children(part)]
    return None


def _children(part: Message) -> list[Message]:
    payload = part.get_payload() if part.is_multipart() else None
    return [child for child in payload if isinstance(child, email.message.Message)] if isinstance(payload, list) else []


def _collect_defects(message: Message, warnings: list[str], max_parts: int) -> None:
    # Without recursion (`walk` recurses once per level): a deeply nested mail must not exhaust the stack.
    names: dict[str, None] = {}
    pending: list[Message] = [message]
    seen = 0
    while pending and seen <= max_parts:
        part = pending.pop()
        seen += 1
        for defect in getattr(part, "defects", ()):
            names.setdefault(type(defect).__name__, None)
        pending.extend(_children(part))
    if names:
        warnings.append(f"malformed MIME: {', '.join(names)}; the mail is kept raw as it arrived")
