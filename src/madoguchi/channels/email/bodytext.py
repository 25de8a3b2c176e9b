"""The words a customer wrote: HTML turned into plain text, and the quoted earlier mail set apart."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, Tag

# Elements whose content is never text for a person: code, styling, metadata, embedded objects.
_INVISIBLE = ("script", "style", "head", "title", "template", "noscript", "iframe", "object", "embed", "svg", "meta")
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure", "footer",
        "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
        "section", "table", "tr", "ul",
    }
)  # fmt: skip
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_BLANK_RUNS = re.compile(r"\n{3,}")

# Where a client starts quoting the mail being answered. English and Japanese clients, Gmail, Outlook and
# Thunderbird: "On <date>, <name> wrote:", "<date> <name> <address>:", "… さんは書きました：".
_ATTRIBUTION = re.compile(
    r"(^On\s.+\bwrote:\s*$)"
    r"|(書きました\s*[:：]?\s*$)"
    r"|(^\d{4}\s*[年/.-]\s*\d{1,2}\s*[月/.-]\s*\d{1,2}.*<[^<>@\s]+@[^<>\s]+>\s*[:：]\s*$)",
    re.IGNORECASE,
)
# Outlook and its Japanese edition put the whole earlier mail below one of these lines.
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*(-{2,}\s*(Original Message|元のメッセージ|転送されたメッセージ|Forwarded message)\s*-{2,}"
    r"|_{20,})\s*$",
    re.IGNORECASE,
)
_HEADER_LINE = re.compile(r"^\s*(From|差出人|送信者)\s*[:：]", re.IGNORECASE)


def html_to_text(html: str) -> str:
    """Readable text of an HTML mail: scripts, styles and markup dropped, one line per block, quotes as `>`."""
    soup = BeautifulSoup(html, "html.parser")
    for comment in soup.find_all(string=lambda node: isinstance(node, Comment)):
        comment.extract()
    for name in _INVISIBLE:
        for element in soup.find_all(name):
            element.decompose()
    for element in soup.find_all("br"):
        element.replace_with("\n")
    for element in soup.find_all(_BLOCKS):
        if isinstance(element, Tag):
            element.insert_before("\n")
            element.insert_after("\n")
    # Quoted earlier mail (Gmail's and Outlook's <blockquote>) becomes "> " lines, as plain-text clients write
    # it, so that the same trimming applies to both kinds of mail.
    for quote in reversed(soup.find_all("blockquote")):
        if isinstance(quote, Tag):
            quoted = _tidy(quote.get_text())
            quote.replace_with("\n" + "\n".join(f"> {line}" if line else ">" for line in quoted.split("\n")) + "\n")
    return _tidy(soup.get_text())


def _tidy(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def trim_quoted(text: str) -> str:
    """The new part of a reply: quoted lines, their attribution lines and Outlook's quoted original removed.

    Answers written between quoted lines are kept. When nothing would be left (a mail that is only a quote),
    the text is returned whole rather than lose what the customer sent.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _ORIGINAL_MESSAGE.match(line) or (_HEADER_LINE.match(line) and _looks_like_header_block(lines, index)):
            break
        if line.lstrip().startswith(">"):
            index += 1
            continue
        attribution = _attribution_length(lines, index)
        if attribution and _quote_follows(lines, index + attribution):
            index += attribution
            continue
        kept.append(line)
        index += 1
    trimmed = _BLANK_RUNS.sub("\n\n", "\n".join(kept)).strip()
    return trimmed or text.strip()


def _attribution_length(lines: list[str], index: int) -> int:
    """1 or 2 when an attribution line (clients wrap long ones onto a second line) starts here, else 0."""
    if _ATTRIBUTION.search(lines[index].strip()):
        return 1
    if index + 1 < len(lines) and _ATTRIBUTION.search(f"{lines[index].strip()} {lines[index + 1].strip()}"):
        return 2
    return 0


def _quote_follows(lines: list[str], index: int) -> bool:
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index >= len(lines) or lines[index].lstrip().startswith(">")


def _looks_like_header_block(lines: list[str], index: int) -> bool:
    """Outlook's quoted header: "From:" followed within four lines by "Sent:"/"送信日時:" or "Subject:"/"件名:"."""
    following = " ".join(lines[index + 1 : index + 5])
    return bool(re.search(r"(Sent|Date|送信日時|日時|Subject|件名)\s*[:：]", following, re.IGNORECASE))
