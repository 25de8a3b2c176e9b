"""Customers' reports of suspicious mail, SMS, sites and numbers: each becomes a trust & safety case with the
checks' analysis attached; what the case's handler confirms goes on the lookalike list every check consults."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import func, select

from madoguchi.agents import audit
from madoguchi.domain.clock import utcnow
from madoguchi.errors import Conflict, InvalidInput, NotFound
from madoguchi.nlu.entities import extract_entities
from madoguchi.nlu.normalize import normalize
from madoguchi.nlu.pii import redact
from madoguchi.store.models import BrandEntry, Lookalike, TrustReport
from madoguchi.trust.checker import kind_of
from madoguchi.trust.directory import e164
from madoguchi.trust.hosts import HostError, parse_host
from madoguchi.trust.lookalikes import Lookalikes
from madoguchi.trust.mail import MAX_MAIL_BYTES, MailRefused, read_mail
from madoguchi.trust.urls import tidy

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.store.models import Agent
    from madoguchi.trust.checker import TrustChecker
    from madoguchi.trust.verdicts import CheckResult

MAX_REPORT_CHARS = 20_000
MAX_ITEMS = 20
Decision = Literal["confirm", "dismiss"]


def _analysis(result: CheckResult) -> dict[str, Any]:
    shaped = result.contract("ja")
    shaped["reasons_en"] = result.contract("en")["reasons"]
    return shaped


def _overall(results: list[CheckResult]) -> tuple[str, str | None]:
    suspicious = [result for result in results if result.verdict == "suspicious"]
    if suspicious:
        named = next((result.brand.id for result in suspicious if result.brand), None)
        return "suspicious", named
    if results and all(result.verdict == "official" for result in results):
        return "official", results[0].brand.id if results[0].brand else None
    return "unknown", next((result.brand.id for result in results if result.brand), None)


def items_in(text: str) -> list[str]:
    """The URLs, addresses and numbers a customer pasted (an SMS, a mail's text, or the item alone)."""
    stripped = text.strip()
    kind = kind_of(stripped)
    # The item alone (a number may be written with spaces); otherwise the items found in the text.
    if kind == "phone" or (kind != "text" and not any(character.isspace() for character in stripped)):
        return [stripped]
    found: list[str] = []
    for entity in extract_entities(normalize(text), utcnow().date()):
        if entity.type in ("url", "email", "phone") and entity.value not in found:
            found.append(entity.value)
    return found[:MAX_ITEMS]


async def do_report_text(
    session: AsyncSession,
    checker: TrustChecker,
    text: str,
    *,
    customer_id: str | None = None,
    conversation_id: str | None = None,
) -> TrustReport:
    if not text.strip():
        raise InvalidInput("Paste the suspicious message, address, URL or number.")
    if len(text) > MAX_REPORT_CHARS:
        raise InvalidInput(f"The report is longer than {MAX_REPORT_CHARS} characters; send the mail itself instead.")
    results = [checker.check(item) for item in items_in(text)]
    kinds = {result.kind for result in results}
    return _open_case(
        session,
        kind=kinds.pop() if len(kinds) == 1 else "text",
        # A pasted SMS may carry the customer's own card number or password: stored masked, like chat.
        content=redact(text).text,
        results=results,
        analysis=[_analysis(result) for result in results],
        customer_id=customer_id,
        conversation_id=conversation_id,
    )


async def do_report_mail(
    session: AsyncSession,
    checker: TrustChecker,
    data: bytes,
    *,
    customer_id: str | None = None,
    conversation_id: str | None = None,
) -> TrustReport:
    if not data.strip():
        raise InvalidInput("Send the suspicious mail (the whole .eml file).")
    if len(data) > MAX_MAIL_BYTES:
        raise InvalidInput(f"The mail is larger than {MAX_MAIL_BYTES // (1024 * 1024)} MB.")
    # Up to a second of CPU for a large mail: off the event loop, so chats on this process do not wait.
    result = await asyncio.to_thread(checker.check_mail, data, name="mail")
    analysis = _analysis(result)
    try:
        mail = await asyncio.to_thread(read_mail, data)
    except MailRefused as exc:
        summary = f"(unreadable mail: {exc})"
    else:
        summary = f"Subject: {mail.subject}\nFrom: {mail.display_name} <{mail.address}>"
        # What confirming the case would list: the sender, and the sites its links lead to that are not official.
        analysis["sender"] = mail.address
        analysis["link_hosts"] = sorted(
            {target for _, target in mail.links if checker.check(target).verdict != "official"}
        )[:MAX_ITEMS]
    return _open_case(
        session,
        kind="mail",
        content=summary,
        results=[result],
        analysis=[analysis],
        customer_id=customer_id,
        conversation_id=conversation_id,
        # The original is kept as evidence for trust & safety (and for the brand's abuse desk).
        raw_mail=data,
    )


def _open_case(
    session: AsyncSession,
    *,
    kind: str,
    content: str,
    results: list[CheckResult],
    analysis: list[dict[str, Any]],
    customer_id: str | None,
    conversation_id: str | None,
    raw_mail: bytes | None = None,
) -> TrustReport:
    verdict, brand = _overall(results)
    report = TrustReport(
        id=str(uuid.uuid4()),
        created_at=utcnow(),
        customer_id=customer_id,
        conversation_id=conversation_id,
        kind=kind,
        content=content,
        raw_mail=raw_mail,
        verdict=verdict,
        brand=brand,
        analysis=analysis,
        state="open",
        note="",
    )
    session.add(report)
    return report


@dataclass(frozen=True)
class Listed:
    kind: str
    value: str
    brand: str | None


def lookalike_of(item: str, brand: str | None) -> Listed:
    """The form an item is listed in: a host, a number in E.164, a lowercase address."""
    kind = kind_of(item)
    text = tidy(item)
    if kind == "phone":
        number = e164(text)
        if number is None:
            raise InvalidInput(f"{item!r} is not a phone number.")
        return Listed("phone", number, brand)
    if kind == "email":
        address = text.removeprefix("mailto:").lower()
        return Listed("address", address, brand)
    if kind in ("url", "domain"):
        from urllib.parse import urlsplit

        host_text = urlsplit(text if "://" in text else f"http://{text}").hostname or ""
        try:
            return Listed("host", parse_host(host_text).ascii, brand)
        except HostError as exc:
            raise InvalidInput(f"{item!r} has no host name to list ({exc}).") from exc
    raise InvalidInput(f"{item!r} is not a URL, a domain, an e-mail address or a phone number.")


def _suspects(report: TrustReport) -> list[str]:
    suspects: list[str] = []
    for entry in report.analysis:
        if entry.get("verdict") == "official":
            continue
        if entry.get("kind") == "mail":
            suspects += [entry["sender"]] if entry.get("sender") else []
            suspects += list(entry.get("link_hosts", []))
        else:
            suspects.append(entry["input"])
    return suspects


async def get_report(session: AsyncSession, report_id: str, *, for_update: bool = False) -> TrustReport:
    query = select(TrustReport).where(TrustReport.id == report_id)
    if for_update:
        query = query.with_for_update()
    report = await session.scalar(query)
    if report is None:
        raise NotFound("No such trust & safety case.")
    return report


async def do_decide(
    session: AsyncSession,
    checker: TrustChecker,
    agent: Agent,
    report: TrustReport,
    decision: Decision,
    *,
    items: list[str] | None = None,
    note: str = "",
) -> list[Lookalike]:
    """Close a case. Confirming lists its fakes (by default every item the checks did not find official)."""
    if report.state != "open":
        raise Conflict(f"This case was already {report.state}.")
    listed: list[Lookalike] = []
    if decision == "confirm":
        chosen = items if items is not None else _suspects(report)
        for item in chosen:
            if checker.check(item).verdict == "official":
                raise InvalidInput(
                    f"{item} is in the official-contact directory; correct the directory instead of listing it."
                )
            entry = lookalike_of(item, report.brand)
            exists = await session.scalar(
                select(Lookalike).where(Lookalike.kind == entry.kind, Lookalike.value == entry.value)
            )
            if exists is not None:
                continue
            row = Lookalike(
                kind=entry.kind,
                value=entry.value,
                brand=entry.brand,
                report_id=report.id,
                added_by=agent.id,
                added_at=utcnow(),
            )
            session.add(row)
            listed.append(row)
    report.state = "confirmed" if decision == "confirm" else "dismissed"
    report.decided_by = agent.id
    report.decided_at = utcnow()
    report.note = note
    audit.record(
        session,
        agent,
        f"trust.case.{report.state}",
        target=report.id,
        details={"listed": [f"{row.kind}:{row.value}" for row in listed], "note": note},
    )
    return listed


async def open_reports(session: AsyncSession, *, state: str = "open", limit: int = 100) -> list[TrustReport]:
    query = select(TrustReport).where(TrustReport.state == state).order_by(TrustReport.created_at).limit(limit)
    return list(await session.scalars(query))


async def load_lookalikes(session: AsyncSession) -> Lookalikes:
    lookalikes = Lookalikes()
    for row in await session.scalars(select(Lookalike)):
        lookalikes.add(row.kind, row.value, row.brand)
    return lookalikes


async def trust_version(session: AsyncSession) -> tuple[object, ...]:
    """Changes whenever a lookalike is listed or a brand edited (lookalikes are only ever added)."""
    listed = (await session.execute(select(func.count(Lookalike.id), func.max(Lookalike.id)))).one()
    edited = (await session.execute(select(func.count(BrandEntry.id), func.max(BrandEntry.updated_at)))).one()
    return (*listed, *edited)
