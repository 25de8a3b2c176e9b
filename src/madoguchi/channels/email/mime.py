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


def parse_mail(raw: bytes, *, max_attachment_bytes: int, max_attachments: int) -> ParsedMail:
    """Read `raw`; never raises for a malformed mail (what cannot be read is listed in `warnings`)."""
    warnings: list[str] = []
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
    except Exception as exc:  # the parser is lenient; this is the last guard for what it still rejects
        return _unreadable(raw, f"the mail could not be parsed as MIME ({type(exc).__name__}: {exc})")
    headers = _Headers(message, warnings)
    from_name, from_address = headers.address("from")
    _, reply_to = headers.address("reply-to")
    full_text, attachments = _Walker(max_attachment_bytes, max_attachments, warnings).read(message)
    _collect_defects(message, warnings)
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
    )


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

    def __init__(self, max_attachment_bytes: int, max_attachments: int, warnings: list[str]) -> None:
        self.max_attachment_bytes = max_attachment_bytes
        self.max_attachments = max_attachments
        self.warnings = warnings
        self.attachments: list[Attachment] = []
        self.skipped = 0

    def read(self, message: Message) -> tuple[str, list[Attachment]]:
        body = self._body(message)
        self._visit(message, body)
        if self.skipped:
            self.warnings.append(
                f"{self.skipped} attachment(s) beyond the first {self.max_attachments} were not stored separately; "
                "they remain in the raw mail"
            )
        return self._text_of(body) if body is not None else "", self.attachments

    def _body(self, message: Message) -> Message | None:
        get_body = getattr(message, "get_body", None)
        try:
            body: Message | None = get_body(preferencelist=("plain", "html")) if get_body else None
        except Exception:
            body = None
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

    def _visit(self, part: Message, body: Message | None) -> None:
        if part is body:
            return
        content_type = part.get_content_type()
        if content_type in ("message/rfc822", "message/global"):
            self._add(part, self._attached_mail(part), is_mail=True)
            return
        if part.is_multipart():
            children = part.get_payload()
            for child in children if isinstance(children, list) else ():
                if isinstance(child, email.message.Message):
                    self._visit(child, body)
            return
        if part.get_content_maintype() == "text" and not part.get_filename() and _disposition(part) != "attachment":
            # An alternative rendering of the body (the HTML beside the plain text), not a file.
            return
        if content_type in ("message/delivery-status", "text/rfc822-headers", "message/rfc822-headers"):
            return
        self._add(part, self._payload(part), is_mail=False)

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


def _collect_defects(message: Message, warnings: list[str]) -> None:
    names: dict[str, None] = {}
    for part in message.walk():
        for defect in getattr(part, "defects", ()):
            names.setdefault(type(defect).__name__, None)
    if names:
        warnings.append(f"malformed MIME: {', '.join(names)}; the mail is kept raw as it arrived")
