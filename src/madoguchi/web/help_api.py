"""The help centre's pages and search, and the downloads the bot links to (receipts and chat transcripts)."""

from __future__ import annotations

from html import escape
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from madoguchi.agents.roles import require_role
from madoguchi.commerce.connector import connector_for
from madoguchi.commerce.receipts import receipt_pdf
from madoguchi.conversations.queries import history
from madoguchi.domain.clock import utcnow
from madoguchi.domain.signed_links import verify
from madoguchi.errors import NotFound
from madoguchi.knowledge.articles import LANGUAGES, do_save_article
from madoguchi.knowledge.helpcentre import article_url, help_centre, only_in_notice
from madoguchi.knowledge.render import to_html
from madoguchi.store.models import Article, Conversation
from madoguchi.web.deps import CurrentOperator, RuntimeDep, TxDep, public_rate_limit

router = APIRouter(tags=["help centre"])
console_router = APIRouter(prefix="/api/v1/console", tags=["help centre"])
MAX_QUERY_CHARS = 200
# The zone the bot names a chat in when it lists the customer's transcripts.
TRANSCRIPT_ZONE = ZoneInfo("Asia/Tokyo")


class HelpHit(BaseModel):
    slug: str
    language: str
    title: str
    url: str
    snippet: str
    score: float


class HelpSearchOut(BaseModel):
    query: str
    results: list[HelpHit]


@router.get("/api/v1/help/search", dependencies=[Depends(public_rate_limit("help.search"))])
async def search_help(
    tx: TxDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description="the customer's words")],
    language: Annotated[str, Query(pattern="^(ja|en|zh|ko)$")] = "ja",
    limit: Annotated[int, Query(ge=1, le=10)] = 3,
) -> HelpSearchOut:
    """Help-centre articles for a question, best first, each with its URL and a snippet."""
    centre = await help_centre(tx.session)
    hits = centre.search(q, language, limit)
    return HelpSearchOut(
        query=q,
        results=[
            HelpHit(slug=h.slug, language=h.language, title=h.title, url=h.url, snippet=h.snippet, score=h.score)
            for h in hits
        ],
    )


def _reader_language(lang: str | None, accept_language: str | None) -> str | None:
    """The reader's language: `?lang=` when it names one of ours, else the first of the browser's that does."""
    if lang in LANGUAGES:
        return lang
    for item in (accept_language or "").split(",")[:10]:
        primary = item.split(";")[0].strip().lower().split("-")[0]
        if primary in LANGUAGES:
            return primary
    return None


@router.get("/help/{slug}", response_class=HTMLResponse, include_in_schema=False)
async def help_page(
    slug: str,
    tx: TxDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    accept_language: Annotated[str | None, Header(max_length=500)] = None,
) -> HTMLResponse:
    article = await tx.session.scalar(select(Article).where(Article.slug == slug))
    if article is None:
        raise NotFound(f"There is no help page {slug!r}.")
    reader = _reader_language(lang, accept_language)
    notice = only_in_notice(article.language, reader) if reader is not None else ""
    notice_html = f'<p class="language-notice" lang="{escape(reader or "")}">{escape(notice)}</p>' if notice else ""
    # Rendered from Markdown with raw HTML off and sanitised: an article can carry no script into the page.
    body = to_html(_without_title_heading(article.body, article.title))
    page = (
        f'<!doctype html><html lang="{escape(article.language)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(article.title)}</title>"
        f'<link rel="stylesheet" href="/static/style.css"></head>'
        f'<body class="help-page"><main>{notice_html}<h1>{escape(article.title)}</h1>{body}</main></body></html>'
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})


def _without_title_heading(body: str, title: str) -> str:
    """The body without a leading `# title` line: the page already shows the title as its heading."""
    first, _, rest = body.lstrip().partition("\n")
    if first.startswith("# ") and first[2:].strip() == title.strip():
        return rest
    return body


@router.get("/api/v1/downloads/receipt/{number}", response_class=Response, tags=["downloads"])
async def download_receipt(
    number: str, customer: str, expires: int, signature: str, tx: TxDep, runtime: RuntimeDep
) -> Response:
    """A receipt (PDF) through the signed link the bot gave a signed-in customer in their chat."""
    verify(runtime.settings.secret_key, "receipt", number, customer, expires, signature, utcnow())
    receipt = await connector_for(tx.session, runtime.settings).receipt(customer, number)
    return Response(
        receipt_pdf(receipt),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="receipt-{number}.pdf"', "Cache-Control": "no-store"},
    )


@router.get("/api/v1/downloads/transcript/{conversation_id}", response_class=PlainTextResponse, tags=["downloads"])
async def download_transcript(
    conversation_id: str, customer: str, expires: int, signature: str, tx: TxDep, runtime: RuntimeDep
) -> PlainTextResponse:
    """A chat transcript (UTF-8 text) through the signed link the bot gave its customer."""
    verify(runtime.settings.secret_key, "transcript", conversation_id, customer, expires, signature, utcnow())
    conversation = await tx.session.get(Conversation, conversation_id)
    if conversation is None or conversation.customer_id != customer:
        raise NotFound("There is no such chat.")
    # One zone for the header and every line, named on each, so no line can be read in another zone.
    started = conversation.created_at.astimezone(TRANSCRIPT_ZONE)
    lines = [f"# {started:%Y-%m-%d %H:%M %Z} (UTC{started:%z})  {conversation.id}"]
    for message in await history(tx.session, conversation_id, include_private=False):
        said = message.created_at.astimezone(TRANSCRIPT_ZONE)
        lines.append(f"[{said:%Y-%m-%d %H:%M:%S %Z}] {message.author}: {message.text}")
    return PlainTextResponse(
        "\n".join(lines) + "\n",
        headers={
            "Content-Disposition": f'attachment; filename="chat-{conversation_id[:8]}.txt"',
            "Cache-Control": "no-store",
        },
    )


class ArticleIn(BaseModel):
    language: str
    title: str
    body: str
    intents: list[str] = []
    category: str = "general"


class ArticleOut(ArticleIn):
    slug: str
    url: str
    html: str = Field(description="the body rendered from Markdown and sanitised, as the help page shows it")


@console_router.get("/articles")
async def list_articles(tx: TxDep, operator: CurrentOperator) -> list[ArticleOut]:
    """Every help-centre article (admins and supervisors edit them)."""
    require_role(operator.agent, "admin", "supervisor")
    rows = await tx.session.scalars(select(Article).order_by(Article.language, Article.slug))
    return [_article_out(row) for row in rows]


@console_router.put("/articles/{slug}")
async def save_article(slug: str, body: ArticleIn, tx: TxDep, operator: CurrentOperator) -> ArticleOut:
    """Create or replace an article; the bot cites the new text from the next message on."""
    require_role(operator.agent, "admin", "supervisor")
    article = await do_save_article(
        tx.session,
        slug,
        language=body.language,
        title=body.title,
        body=body.body,
        intents=body.intents,
        category=body.category,
    )
    await tx.commit()
    return _article_out(article)


def _article_out(article: Article) -> ArticleOut:
    return ArticleOut(
        slug=article.slug,
        url=article_url(article.slug),
        language=article.language,
        title=article.title,
        body=article.body,
        html=to_html(article.body),
        intents=list(article.intents),
        category=article.category,
    )
