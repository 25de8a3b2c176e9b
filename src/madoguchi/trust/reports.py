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
        # What confirming the case could list: the sender, and the sites its links lead to that are not official,
        # each with its own verdict, since the mail's verdict says nothing of whether a given link is a fake.
        link_checks = {target: checker.check(target) for _, target in mail.links}
        analysis["sender"] = mail.address
        analysis["link_hosts"] = sorted(
            target for target, checked in link_checks.items() if checked.verdict != "official"
        )[:MAX_ITEMS]
        judged = [(mail.address, checker.check(mail.address))] if mail.address else []
        judged += [(target, link_checks[target]) for target in analysis["link_hosts"]]
        analysis["items"] = [
            {"input": item, "verdict": checked.verdict, "brand": checked.brand.id if checked.brand else None}
            for item, checked in judged
        ]
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


@dataclass(frozen=True)
class CaseItem:
    """An item of a case that confirming it could list, with the verdict the checks gave that item alone."""

    input: str
    verdict: str
    brand: str | None

    @property
    def listed_by_default(self) -> bool:
        return self.verdict == "suspicious"


def case_items(report: TrustReport) -> list[CaseItem]:
    found: dict[str, CaseItem] = {}
    for entry in report.analysis:
        if entry.get("kind") != "mail":
            item = CaseItem(str(entry["input"]), str(entry.get("verdict", "unknown")), entry.get("brand"))
            found.setdefault(item.input, item)
            continue
        if entry.get("items") is not None:
            for judged in entry["items"]:
                item = CaseItem(str(judged["input"]), str(judged["verdict"]), judged.get("brand"))
                found.setdefault(item.input, item)
            continue
        # A case reported before items were judged one by one: nothing is known of each alone, so nothing of it
        # is listed unless the handler names it.
        for listed in ([entry["sender"]] if entry.get("sender") else []) + list(entry.get("link_hosts", [])):
            found.setdefault(str(listed), CaseItem(str(listed), "unknown", None))
    return list(found.values())


def _form(item: str) -> tuple[str, str] | None:
    try:
        listed = lookalike_of(item, None)
    except InvalidInput:
        return None
    return listed.kind, listed.value


def _chosen(report: TrustReport, items: list[str] | None) -> list[CaseItem]:
    """The items to list: those named (each must be one of the case's), by default those found suspicious."""
    offered = case_items(report)
    if items is None:
        return [item for item in offered if item.listed_by_default]
    by_form = {form: item for item in offered if (form := _form(item.input)) is not None}
    chosen: list[CaseItem] = []
    for named in items:
        match = next((item for item in offered if item.input == named), None)
        if match is None and (form := _form(named)) is not None:
            match = by_form.get(form)
        if match is None:
            # A case lists only what it is evidence of: anything else would be listed on nobody's report.
            raise InvalidInput(f"{named} is not an item of this case.")
        if match not in chosen:
            chosen.append(match)
    return chosen


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
    """Close a case. Confirming lists the items named in `items` (each one of the case's), by default those the
    checks found suspicious; an item found only unknown is listed when named, never by default."""
    if report.state != "open":
        raise Conflict(f"This case was already {report.state}.")
    listed: list[Lookalike] = []
    if decision == "confirm":
        for item in _chosen(report, items):
            if checker.check(item.input).verdict == "official":
                raise InvalidInput(
                    f"{item.input} is in the official-contact directory; correct the directory instead of listing it."
                )
            # Under the brand the item itself imitates: the case's brand may be another item's.
            entry = lookalike_of(item.input, item.brand or report.brand)
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
