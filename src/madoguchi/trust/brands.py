"""Administrators' edits of the official-contact directory: stored per brand, laid over the shipped file,
validated as a whole (no domain under two brands) before they take effect, and audited."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import select

from madoguchi.agents import audit
from madoguchi.domain.clock import utcnow
from madoguchi.errors import InvalidInput, NotFound
from madoguchi.store.models import BrandEntry
from madoguchi.trust.directory import Brand, Directory, shipped_brands

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.store.models import Agent


def _merge(shipped: list[Brand], entries: list[BrandEntry]) -> list[Brand]:
    brands = {brand.id: brand for brand in shipped}
    for entry in entries:
        if entry.removed:
            brands.pop(entry.id, None)
        elif entry.data is not None:
            brands[entry.id] = Brand.model_validate(entry.data)
    return list(brands.values())


async def load_directory(session: AsyncSession) -> Directory:
    entries = list(await session.scalars(select(BrandEntry)))
    return Directory(_merge(list(shipped_brands()), entries))


async def do_save_brand(session: AsyncSession, agent: Agent, data: dict[str, Any]) -> Brand:
    try:
        brand = Brand.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise InvalidInput(f"The brand is not valid: {problems}") from exc
    entries = {entry.id: entry for entry in await session.scalars(select(BrandEntry).with_for_update())}
    entry = entries.get(brand.id) or BrandEntry(id=brand.id)
    before = entry.data
    entry.data = brand.model_dump(mode="json")
    entry.removed = False
    entries[brand.id] = entry
    try:
        Directory(_merge(list(shipped_brands()), list(entries.values())))
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    entry.updated_by = agent.id
    entry.updated_at = utcnow()
    session.add(entry)
    audit.record(session, agent, "trust.brand.saved", target=brand.id, details={"before": before, "after": entry.data})
    return brand


async def do_remove_brand(session: AsyncSession, agent: Agent, brand_id: str) -> None:
    directory = await load_directory(session)
    if brand_id not in directory.brands:
        raise NotFound(f"No brand {brand_id} in the directory.")
    entry = await session.get(BrandEntry, brand_id) or BrandEntry(id=brand_id)
    entry.removed = True
    entry.data = None
    entry.updated_by = agent.id
    entry.updated_at = utcnow()
    session.add(entry)
    audit.record(session, agent, "trust.brand.removed", target=brand_id)
