"""Help-centre articles from their Markdown source: sanitised HTML for people, plain prose for the bot.

Articles are written in Markdown (CommonMark with tables). A page shows them as HTML that markdown-it-py
renders with raw HTML switched off and nh3 (the ammonia sanitiser) then cleans to a short list of tags,
so an article edited by an operator can carry neither script nor styling into the customer's page. The bot
quotes them from the same parse: only prose blocks (paragraphs, list items, table rows that read as a
sentence), never a heading or a table's header row, cut at sentence boundaries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

import nh3
from markdown_it import MarkdownIt

if TYPE_CHECKING:
    from markdown_it.token import Token

_TAGS = frozenset(
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "code", "pre",
        "blockquote", "hr", "br", "a", "table", "thead", "tbody", "tr", "th", "td", "del",
    }
)  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "th": {"style"}, "td": {"style"}, "ol": {"start"}}
# Table alignment is the one style markdown-it writes; nothing else may style a page.
_STYLE_PROPERTIES = frozenset({"text-align"})
_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
# A sentence ends on Japanese or Chinese full stops, on ! and ? of any width, and on a Latin full stop
# followed by a space (so "3.5" or "example.com" do not end one).
_SENTENCE_END = re.compile(r"(?<=[。！？!?])(?![」』）)\]])|(?<=[.!?][」』)\]\"'])|(?<=\.)(?=\s)")
_CLAUSE_END = re.compile(r"(?<=[、，,；;：:])")
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]")

BlockKind = Literal["paragraph", "list_item", "table_row"]


@dataclass(frozen=True, slots=True)
class Block:
    """One piece of an article's prose, as plain text."""

    kind: BlockKind
    text: str


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def to_html(markdown: str) -> str:
    """The article's body as sanitised HTML (its title is the page's own <h1>)."""
    rendered = _parser().render(markdown)
    return nh3.clean(
        rendered,
        tags=set(_TAGS),
        attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
        url_schemes=set(_URL_SCHEMES),
        filter_style_properties=set(_STYLE_PROPERTIES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def _inline_text(token: Token) -> str:
    """The words of one inline token, without its markup; a soft line break is a space between Latin words
    and nothing between Japanese ones."""
    pieces: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            pieces.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            before = pieces[-1][-1:] if pieces and pieces[-1] else ""
            pieces.append("" if _CJK.match(before) else " ")
        elif child.type == "image":
            pieces.append(child.content)
    return re.sub(r"\s+", " ", "".join(pieces)).strip()


def ends_a_sentence(text: str) -> bool:
    return bool(re.search(r"[。！？.!?][」』）)\]\"']?$", text))


def _joined(fragments: list[str]) -> str:
    """List items that are not sentences (「送料が無料」「ポイントが2倍」) read as one: joined and closed."""
    if _CJK.search(fragments[-1]):
        return "、".join(fragments) + "。"
    separator = "; " if any("," in fragment for fragment in fragments) else ", "
    return separator.join(fragment.rstrip(";,") for fragment in fragments) + "."


def prose_blocks(markdown: str) -> tuple[Block, ...]:
    """The article's prose in reading order: paragraphs, list items, and table body rows that end in a full
    stop (as 「コンビニ払い：…ください。」). Headings and header rows are left out: they are labels, not
    answers. A list's items that are not sentences are read as one sentence, after the line that introduces
    them when it ends on a colon (「特典：」)."""
    tokens = _parser().parse(markdown)
    blocks: list[Block] = []
    in_heading = in_head = False
    row: list[str] = []
    # One list of fragments per open list, innermost last.
    lists: list[list[str]] = []
    previous = ""
    for token in tokens:
        kind = token.type
        # A cell's words are the inline token right after its th/td.
        in_cell = previous in ("th_open", "td_open")
        previous = kind
        if kind == "heading_open":
            in_heading = True
        elif kind == "heading_close":
            in_heading = False
        elif kind == "thead_open":
            in_head = True
        elif kind == "thead_close":
            in_head = False
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close":
            cells = [cell for cell in row if cell]
            if not in_head and len(cells) >= 2 and ends_a_sentence(cells[-1]):
                colon = "：" if _CJK.search(cells[0]) else ": "
                blocks.append(Block("table_row", cells[0] + colon + " ".join(cells[1:])))
            elif not in_head and len(cells) == 1 and ends_a_sentence(cells[0]):
                blocks.append(Block("table_row", cells[0]))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            lists.append([])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            fragments = lists.pop()
            if not fragments:
                continue
            text = _joined(fragments)
            lead = blocks[-1] if blocks else None
            if lead is not None and lead.kind == "paragraph" and lead.text.endswith(("：", ":")):
                blocks[-1] = Block("paragraph", lead.text + ("" if _CJK.search(text) else " ") + text)
            else:
                blocks.append(Block("list_item", text))
        elif kind == "inline":
            text = _inline_text(token)
            if in_heading or not text:
                continue
            if in_cell:
                row.append(text)
            elif lists and not ends_a_sentence(text):
                lists[-1].append(text)
            else:
                blocks.append(Block("list_item" if lists else "paragraph", text))
    return tuple(blocks)


def sentences(text: str) -> list[str]:
    """The text's sentences, each with its closing punctuation."""
    parts = [part.strip() for part in _SENTENCE_END.split(text)]
    return [part for part in parts if part]


def cut(text: str, limit: int) -> str:
    """As many whole sentences from the start of `text` as fit in `limit` characters. A first sentence longer
    than that is cut after its last clause that fits (「、」 or a comma), or between Latin words, with an
    ellipsis."""
    if len(text) <= limit:
        return text
    taken = ""
    for sentence in sentences(text):
        joined = f"{taken} {sentence}" if taken and not _CJK.match(sentence[:1]) else taken + sentence
        if len(joined) > limit:
            break
        taken = joined
    if taken:
        return taken
    head = text[: limit - 1]
    clauses = [match.end() for match in _CLAUSE_END.finditer(head)]
    if clauses and clauses[-1] > limit // 3:
        head = head[: clauses[-1]].rstrip("、，,；;：: ")
    elif not _CJK.search(head) and " " in head[limit // 3 :]:
        # Latin text without a clause break is cut between words.
        head = head[: head.rindex(" ")]
    return head.rstrip() + "…"
