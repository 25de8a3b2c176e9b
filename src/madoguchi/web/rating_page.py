"""The page a resolved e-mail ticket's mail links to: rate the answer 1–5, with an optional comment.

`GET /rate/{token}` shows the form in the ticket's language (Japanese or English); `POST /rate/{token}` stores the
rating (`csat.submitted`, via `email`). The token is the credential (madoguchi.domain.signed_links): it names one
conversation and one resolution and expires; one rating per resolution. An invalid, expired or used link, or a
form that cannot be read, gets a page that says so (never a 500); the page runs no script.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from madoguchi.conversations import actions, queries
from madoguchi.conversations.actions import MAX_COMMENT_CHARS
from madoguchi.domain.signed_links import RatingLink, read_rating_token
from madoguchi.errors import Conflict, Forbidden, InvalidInput, RateLimited
from madoguchi.logs import get_logger
from madoguchi.store.models import Conversation, Ticket
from madoguchi.web.deps import RuntimeDep

if TYPE_CHECKING:
    from madoguchi.runtime import Runtime
    from madoguchi.store.tx import Tx

router = APIRouter(include_in_schema=False)
log = get_logger(__name__)

_TEXTS: dict[str, dict[str, str]] = {
    "ja": {
        "title": "お問い合わせの評価",
        "heading": "お問い合わせ {ticket} の評価",
        "question": "今回の対応はいかがでしたか？",
        "1": "とても不満",
        "2": "不満",
        "3": "ふつう",
        "4": "満足",
        "5": "とても満足",
        "comment": f"ご意見・ご感想（任意、{MAX_COMMENT_CHARS}文字まで）",
        "hint": "カード番号やパスワードは書かないでください。",
        "send": "評価を送信する",
        "thanks": "ご評価ありがとうございました。いただいたご意見はサービスの改善に役立てます。",
        "used": "このお問い合わせには、すでにご評価をいただいています。ありがとうございました。",
        "pick": "1〜5のいずれかを選んでください。",
    },
    "en": {
        "title": "Rate our answer",
        "heading": "Rate our answer to {ticket}",
        "question": "How did we do?",
        "1": "Very dissatisfied",
        "2": "Dissatisfied",
        "3": "Neutral",
        "4": "Satisfied",
        "5": "Very satisfied",
        "comment": f"Comment (optional, up to {MAX_COMMENT_CHARS} characters)",
        "hint": "Please do not write card numbers or passwords.",
        "send": "Send my rating",
        "thanks": "Thank you for your rating. Your comments help us improve.",
        "used": "This inquiry has already been rated. Thank you.",
        "pick": "Please choose a score from 1 to 5.",
    },
}
_NOT_FOUND = (
    "This rating link names no inquiry we know: open it from the mail exactly as it was sent. "
    "/ この評価用リンクに該当するお問い合わせが見つかりません。メールに記載されたリンクをそのまま開いてください。"
)
_UNREADABLE = (
    "The form could not be read: please send it again. / フォームを読み取れませんでした。もう一度送信してください。"
)


def _document(language: str, title: str, body: str, status: int) -> HTMLResponse:
    html = (
        f'<!doctype html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{escape(title)}</title>\n"
        '<link rel="stylesheet" href="/static/style.css">\n</head>\n'
        f'<body class="home rate-page">\n<main class="rate">\n{body}\n</main>\n</body>\n</html>\n'
    )
    # The token is in the address: no cache keeps the page, no referrer carries the address elsewhere.
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
    return HTMLResponse(html, status_code=status, headers=headers)


def _notice(message: str, status: int, language: str | None = None) -> HTMLResponse:
    """A page that only says something (a refused link, a rating given or already given), in the ticket's
    language, or in both when the link names no ticket."""
    title = _TEXTS[language]["title"] if language else f"{_TEXTS['ja']['title']} / {_TEXTS['en']['title']}"
    role = "status" if status < 400 else "alert"
    body = f'<h1>{escape(title)}</h1>\n<p class="notice" role="{role}">{escape(message)}</p>'
    return _document(language or "ja", title, body, status)


def _form(
    language: str, ticket: str, *, error: str | None = None, comment: str = "", status: int = 200
) -> HTMLResponse:
    words = _TEXTS[language]
    choices = "\n".join(
        f'<input type="radio" id="score-{score}" name="score" value="{score}" required>'
        f'<label for="score-{score}"><span class="score">{score}</span> {escape(words[str(score)])}</label>'
        for score in range(1, 6)
    )
    alert = f'<p class="error" role="alert">{escape(error)}</p>\n' if error else ""
    body = (
        f"<h1>{escape(words['heading'].format(ticket=ticket) if ticket else words['title'])}</h1>\n{alert}"
        '<form method="post" class="rate-form">\n'
        f'<fieldset class="csat-scale"><legend>{escape(words["question"])}</legend>\n{choices}\n</fieldset>\n'
        f'<label for="comment">{escape(words["comment"])}</label>\n'
        f'<textarea id="comment" name="comment" rows="4" maxlength="{MAX_COMMENT_CHARS}" '
        f'aria-describedby="comment-hint">{escape(comment)}</textarea>\n'
        f'<p id="comment-hint" class="hint">{escape(words["hint"])}</p>\n'
        f'<button type="submit">{escape(words["send"])}</button>\n</form>'
    )
    return _document(language, words["title"], body, status)


async def _open(tx: Tx, runtime: Runtime, token: str, *, for_update: bool) -> tuple[RatingLink, Conversation, str]:
    """The link's resolution and conversation (locked for a rating), and the ticket's language."""
    link = read_rating_token(runtime.settings.secret_key, token, runtime.clock.now())
    query = select(Conversation).where(Conversation.id == link.conversation_id)
    conversation = await tx.session.scalar(query.with_for_update() if for_update else query)
    if conversation is None:
        raise Forbidden(_NOT_FOUND, reason="not_found")
    return link, conversation, "ja" if conversation.language == "ja" else "en"


async def _ticket_tag(tx: Tx, conversation: Conversation) -> str:
    number = await tx.session.scalar(select(Ticket.number).where(Ticket.conversation_id == conversation.id))
    return f"[#{number}]" if number is not None else ""


def _refused(exc: Forbidden) -> HTMLResponse:
    reason = exc.details.get("reason")
    status = 410 if reason == "expired" else 404 if reason == "not_found" else 403
    return _notice(exc.message, status)


async def _limited(runtime: Runtime, request: Request) -> HTMLResponse | None:
    try:
        await runtime.limits.public(request.client.host if request.client else "unknown", "rate")
    except RateLimited as exc:
        refused = _notice(exc.message, 429)
        if exc.retry_after_s is not None:
            refused.headers["Retry-After"] = str(exc.retry_after_s)
        return refused
    return None


@router.get("/rate/{token}", response_class=HTMLResponse)
async def rating_form(token: str, request: Request, runtime: RuntimeDep) -> HTMLResponse:
    refused = await _limited(runtime, request)
    if refused is not None:
        return refused
    async with runtime.transaction() as tx:
        try:
            link, conversation, language = await _open(tx, runtime, token, for_update=False)
        except Forbidden as exc:
            return _refused(exc)
        if await queries.rating_of(tx.session, conversation.id, link.resolved_at) is not None:
            return _notice(_TEXTS[language]["used"], 409, language)
        return _form(language, await _ticket_tag(tx, conversation))


@router.post("/rate/{token}", response_class=HTMLResponse)
async def submit_rating(token: str, request: Request, runtime: RuntimeDep) -> HTMLResponse:
    refused = await _limited(runtime, request)
    if refused is not None:
        return refused
    try:
        form = await request.form(max_files=0, max_fields=10)
    except (HTTPException, MultiPartException, ValueError):
        log.info("rating.form_unreadable", exc_info=True)
        return _notice(_UNREADABLE, 422)
    raw_score, comment = form.get("score"), form.get("comment")
    async with runtime.transaction() as tx:
        try:
            link, conversation, language = await _open(tx, runtime, token, for_update=True)
        except Forbidden as exc:
            return _refused(exc)
        words = _TEXTS[language]
        score = (
            int(raw_score) if isinstance(raw_score, str) and raw_score.strip() in {"1", "2", "3", "4", "5"} else None
        )
        if not isinstance(comment, str):
            comment = None
        try:
            if score is None:
                raise InvalidInput(words["pick"])
            await actions.do_rate(
                tx, conversation, score=score, comment=comment, via="email", resolved_at=link.resolved_at
            )
        except InvalidInput as exc:
            tag = await _ticket_tag(tx, conversation)
            message = words["pick"] if score is None else exc.message
            return _form(language, tag, error=message, comment=comment or "", status=422)
        except Conflict:
            return _notice(words["used"], 409, language)
        await tx.commit()
    log.info("rating.submitted", conversation_id=conversation.id, via="email")
    return _notice(words["thanks"], 200, language)
