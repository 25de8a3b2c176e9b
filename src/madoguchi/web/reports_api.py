"""Managers' numbers over HTTP: the summary (JSON or CSV), the distribution of a duration, the customers'
ratings and the staffing plan. Who may see what and every definition live in madoguchi.analytics; this module
only translates, and writes each read to the audit log (reports are exports of the marketplace's data)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from madoguchi.agents import audit
from madoguchi.analytics import reports, staffing
from madoguchi.analytics.metrics import Filters as ReportFilters
from madoguchi.analytics.metrics import GroupBy, Period
from madoguchi.web.deps import CurrentReader, Reader, RuntimeDep
from madoguchi.web.schemas import RowId

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

Duration = Literal["wait_s", "first_response_s", "handle_s", "resolution_s"]


class PeriodQuery(BaseModel):
    """The conversations created between two calendar dates (both included) in a time zone, and filters."""

    # A misspelt parameter (group-by, form) is an error, not a silently different report.
    model_config = ConfigDict(extra="forbid")
    from_: date = Field(alias="from", description="first day, YYYY-MM-DD")
    to: date = Field(description="last day, YYYY-MM-DD (included)")
    tz: str = Field(default="Asia/Tokyo", max_length=64, description="IANA time zone the days are read in")
    desk: str | None = Field(default=None, max_length=40)
    channel: str | None = Field(default=None, max_length=20)
    language: str | None = Field(default=None, max_length=8)
    intent: str | None = Field(default=None, max_length=60)
    shop: str | None = Field(default=None, max_length=40, description="a shop's id; a shop's staff get their own")
    agent_id: RowId | None = None

    def period(self) -> Period:
        return Period.parse(self.from_.isoformat(), self.to.isoformat(), self.tz)

    def filters(self) -> ReportFilters:
        return ReportFilters(
            shop_id=self.shop,
            desk=self.desk,
            channel=self.channel,
            language=self.language,
            intent=self.intent,
            agent_id=self.agent_id,
        )


class SummaryQuery(PeriodQuery):
    group_by: GroupBy | None = None
    format: Literal["json", "csv"] = "json"


class DistributionQuery(PeriodQuery):
    metric: Duration


class RatingsQuery(PeriodQuery):
    max_score: int | None = Field(default=None, ge=1, le=5, description="only ratings up to this score")
    limit: int = Field(default=200, ge=1, le=1000)


class StaffingQuery(BaseModel):
    """The week to plan, the weeks of history it is planned from, and what to plan for."""

    model_config = ConfigDict(extra="forbid")
    weeks: int = Field(
        default=staffing.DEFAULT_WEEKS, ge=1, le=staffing.MAX_WEEKS, description="whole weeks of history, 1-12"
    )
    week: date | None = Field(default=None, description="the plan week's Monday, YYYY-MM-DD (default: next Monday)")
    tz: str = Field(default="Asia/Tokyo", max_length=64, description="IANA time zone the weeks and hours are read in")
    desk: str | None = Field(default=None, max_length=40)
    shop: str | None = Field(default=None, max_length=40, description="a shop's id; a shop's staff get their own")
    service_level: float = Field(default=staffing.SERVICE_LEVEL, gt=0, lt=1, description="share answered in time")
    within_s: float = Field(default=staffing.WITHIN_S, ge=0, le=3600, description="seconds to answer within")

    @field_validator("week", "desk", "shop", "tz", mode="before")
    @classmethod
    def _empty_is_absent(cls, value: Any, info: ValidationInfo) -> Any:
        # A form or a chart's URL template sends `desk=` for "every desk": an empty value is the default.
        if value == "":
            return "Asia/Tokyo" if info.field_name == "tz" else None
        return value


async def _log(runtime: RuntimeDep, reader: Reader, action: str, query: BaseModel, filters: ReportFilters) -> None:
    details: dict[str, Any] = query.model_dump(mode="json", by_alias=True, exclude_none=True)
    details["shop_scope"] = filters.shop_id
    async with runtime.transaction() as tx:
        audit.record(tx.session, reader.agent, action, details=details, address=reader.address, actor=reader.actor)
        await tx.commit()


@router.get(
    "/summary",
    responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with `format=csv`"}},
)
async def summary(query: Annotated[SummaryQuery, Query()], reader: CurrentReader, runtime: RuntimeDep) -> Any:
    """Totals and rows of the conversations created in the period (DESIGN.md, "Reports")."""
    filters = reports.scope(reader.agent, query.filters())
    period = query.period()
    report = await reports.summary(reader.session, period, query.group_by, filters)
    await _log(runtime, reader, f"report.summary.{query.format}", query, filters)
    if query.format == "csv":
        name = f"madoguchi-report-{period.first}-{period.last}-{query.group_by or 'total'}.csv"
        return Response(
            reports.as_csv(report).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return report


class OverviewQuery(PeriodQuery):
    group_by: str = Field(
        default="day,intent,agent,shop,desk",
        max_length=200,
        description="groupings separated by commas, each as for the summary",
    )


@router.get("/overview")
async def overview(
    query: Annotated[OverviewQuery, Query()], reader: CurrentReader, runtime: RuntimeDep
) -> dict[str, Any]:
    """The totals and the rows of several groupings in one answer (the reports page asks this once), counted in
    one pass where the database can: `{"from", "to", "tz", "totals", "groups": {G: rows}}`."""
    filters = reports.scope(reader.agent, query.filters())
    group_bys = [name.strip() for name in query.group_by.split(",") if name.strip()]
    result = await reports.overview(reader.session, query.period(), group_bys, filters)
    await _log(runtime, reader, "report.overview", query, filters)
    return result


@router.get("/distribution")
async def distribution(
    query: Annotated[DistributionQuery, Query()], reader: CurrentReader, runtime: RuntimeDep
) -> dict[str, Any]:
    """How a duration is spread over the conversations of the period, in bars."""
    filters = reports.scope(reader.agent, query.filters())
    result = await reports.distribution(reader.session, query.period(), query.metric, filters)
    await _log(runtime, reader, "report.distribution", query, filters)
    return result


@router.get("/ratings")
async def ratings(
    query: Annotated[RatingsQuery, Query()], reader: CurrentReader, runtime: RuntimeDep
) -> dict[str, Any]:
    """The customers' ratings given in the period, newest first, with their comments."""
    filters = reports.scope(reader.agent, query.filters())
    found = await reports.ratings(reader.session, query.period(), filters, at_most=query.max_score, limit=query.limit)
    await _log(runtime, reader, "report.ratings", query, filters)
    return {"ratings": found}


@router.get("/staffing")
async def staffing_plan(
    query: Annotated[StaffingQuery, Query()], reader: CurrentReader, runtime: RuntimeDep
) -> dict[str, Any]:
    """The operators each desk needs in each hour of a week, by Erlang C on its busiest quarters of an hour
    (docs/reports.md, "Staffing")."""
    filters = reports.scope(reader.agent, ReportFilters(shop_id=query.shop, desk=query.desk))
    result = await staffing.plan(
        reader.session,
        runtime.clock.now(),
        weeks=query.weeks,
        week=query.week,
        tz=query.tz,
        desk=filters.desk,
        shop_id=filters.shop_id,
        target=staffing.Target(query.service_level, query.within_s),
    )
    await _log(runtime, reader, "report.staffing", query, filters)
    return result
