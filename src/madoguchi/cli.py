"""`madoguchi` command line: serve, database migrations, demo data."""

from __future__ import annotations

import asyncio
import getpass
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import orjson

from madoguchi.analytics.metrics import GROUPS
from madoguchi.errors import MadoguchiError
from madoguchi.logs import configure_logging
from madoguchi.settings import Settings, get_settings
from madoguchi.trust.cli import trust

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:
        raise click.ClickException(f"configuration error: {exc}") from exc


def _run(factory: Callable[[], Awaitable[T]]) -> T:
    try:
        return asyncio.run(factory())  # type: ignore[arg-type]
    except MadoguchiError as exc:
        raise click.ClickException(exc.message) from exc


@click.group()
def main() -> None:
    """Madoguchi (窓口): the one service window for a marketplace's customers."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=64),
    default=None,
    help="Fork this many serving processes from one parent that has imported everything, and fork again at once "
    "any that dies by a signal (kill -9, out of memory). Without it this process serves itself.",
)
def serve(host: str, port: int, workers: int | None) -> None:
    """Serve the API, the chat and the console (database from MADOGUCHI_DATABASE_URL)."""
    started = time.perf_counter()
    import uvicorn

    from madoguchi.store.db import create_engine
    from madoguchi.store.migrate import check_schema
    from madoguchi.web.app import create_app

    # Most of a restart: logged with server.started (docs/operations.md, benchmarks/restart.py).
    imports_s = round(time.perf_counter() - started, 3)

    settings = _settings()
    configure_logging(settings.log_level)
    if workers is not None and workers > 1 and settings.smtp_listen:
        raise click.UsageError(
            "--workers above 1 cannot share the inbound SMTP port: set MADOGUCHI_SMTP_LISTEN= (empty) here and "
            "receive mail in one other process, or use --workers 1."
        )

    async def _check() -> None:
        engine = create_engine(settings.database_url)
        try:
            await check_schema(engine)
        finally:
            await engine.dispose()

    _run(_check)
    startup_s = {"imports": imports_s}
    app = create_app(settings, startup_s=startup_s)
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_config": None,
        "access_log": False,
        # The application believes forwarded headers from MADOGUCHI_TRUSTED_PROXIES only; uvicorn's own default
        # would believe any local peer (and FORWARDED_ALLOW_IPS) besides.
        "proxy_headers": False,
        "ws_max_size": 64 * 1024,
        # Compression state costs about 40 KiB per open chat, half of its memory; chat frames are small.
        "ws_per_message_deflate": False,
        "ws_ping_interval": 30,
        "ws_ping_timeout": 30,
        "timeout_graceful_shutdown": 5,
    }
    if workers is None:
        uvicorn.run(app, **options)
        return
    from madoguchi.web.supervisor import supervise

    sys.exit(supervise(uvicorn.Config(app, **options), workers, startup_s))


@main.group()
def db() -> None:
    """Database schema."""


@db.command()
def upgrade() -> None:
    """Create or upgrade the database schema to this version."""
    from madoguchi.store.db import create_engine
    from madoguchi.store.migrate import current_revision, head_revision
    from madoguchi.store.migrate import upgrade as run_upgrade

    settings = _settings()

    from madoguchi.conversations import facts
    from madoguchi.store.db import session_factory

    async def _upgrade() -> tuple[str | None, str | None, int]:
        engine = create_engine(settings.database_url)
        try:
            before = await current_revision(engine)
            await run_upgrade(engine)
            # Conversations stored before reports existed get their facts from their event logs.
            async with session_factory(engine)() as session:
                folded = await facts.rebuild(session, missing_only=True)
                await session.commit()
            return before, await current_revision(engine), folded
        finally:
            await engine.dispose()

    before, after, folded = _run(_upgrade)
    if before == after:
        click.echo(f"database already at revision {after} (head {head_revision()})")
    else:
        click.echo(f"database upgraded from {before or 'empty'} to {after}")
    if folded:
        click.echo(f"report facts folded from the event log for {folded} conversations")


@db.command()
def current() -> None:
    """Print the schema revision of the database and of this code."""
    from madoguchi.store.db import create_engine
    from madoguchi.store.migrate import current_revision, head_revision

    settings = _settings()

    async def _current() -> str | None:
        engine = create_engine(settings.database_url)
        try:
            return await current_revision(engine)
        finally:
            await engine.dispose()

    click.echo(orjson.dumps({"database": _run(_current), "code": head_revision()}).decode())


@main.command()
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds the demo.")
@click.option(
    "--history/--no-history",
    default=True,
    show_default=True,
    help="Play the demo's recent past (real conversations, routed and answered) into a database without any.",
)
@click.option(
    "--history-days",
    default=30,
    show_default=True,
    type=click.IntRange(min=1, max=90),
    help="How many days of history, ending now.",
)
def seed(if_empty: bool, history: bool, history_days: int) -> None:
    """Load the demo marketplace (shops, customers, orders, desks, operators, articles) and, on a database without
    conversations, a month of its history (docs/operations.md, "The demo's history")."""
    from madoguchi.demo.history import has_conversations, seed_history
    from madoguchi.demo.seed import is_seeded, refuse_in_production
    from madoguchi.demo.seed import seed as run_seed
    from madoguchi.store.db import create_engine, session_factory
    from madoguchi.store.migrate import check_schema

    settings = _settings()
    try:
        refuse_in_production(settings)
    except MadoguchiError as exc:
        raise click.ClickException(exc.message) from exc

    async def _seed() -> tuple[dict[str, Any] | None, str]:
        # The seeding writes alone: its statements need not leave the event loop's thread.
        engine = create_engine(settings.database_url, batch=True)
        sessions = session_factory(engine)
        try:
            await check_schema(engine)
            async with sessions() as session:
                if if_empty and await is_seeded(session):
                    return None, ""
                counts = await run_seed(session, settings=settings)
                await session.commit()
                if not history:
                    return counts, ""
                if await has_conversations(session):
                    return counts, "demo history skipped: the database already has conversations"
            past = await seed_history(sessions, days=history_days, settings=settings)
            return counts, (
                f"demo history played: {past.conversations} conversations over {history_days} days "
                f"({past.handed_over} handed over, {past.bot_resolved} resolved by the bot; {past.events} events) "
                f"in {past.seconds} s"
            )
        finally:
            await engine.dispose()

    counts, said = _run(_seed)
    click.echo("demo data already present" if counts is None else f"demo data loaded: {counts}")
    if said:
        click.echo(said)


@main.group()
def admin() -> None:
    """An installation's owner's work: the first administrator, customers' data requests."""


def _cli_actor() -> str:
    return f"cli:{getpass.getuser()}"


@admin.command("create-admin")
@click.option("--email", required=True, help="The administrator's e-mail address (their log-in).")
@click.option("--name", required=True, help="Their name as colleagues see it.")
def create_admin(email: str, name: str) -> None:
    """Create an administrator; the password is read from stdin (one line, at least 12 characters)."""
    from madoguchi.agents import audit
    from madoguchi.agents.accounts import do_create_admin
    from madoguchi.store.db import create_engine, session_factory
    from madoguchi.store.migrate import check_schema

    settings = _settings()
    password = sys.stdin.readline().rstrip("\r\n")

    async def _create() -> int:
        engine = create_engine(settings.database_url)
        try:
            await check_schema(engine)
            async with session_factory(engine)() as session:
                agent = await do_create_admin(session, email=email, name=name, password=password)
                audit.record(session, None, "admin.created", target=str(agent.id), actor=_cli_actor())
                await session.commit()
                return agent.id
        finally:
            await engine.dispose()

    agent_id = _run(_create)
    click.echo(f"administrator {email.strip().lower()} created (id {agent_id}): log in at /console")


@admin.command("export-customer")
@click.argument("customer_id")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file (default: stdout).")
def export_customer(customer_id: str, out: Path | None) -> None:
    """Everything held about a customer, as JSON with files in base64 (a data access request)."""
    from madoguchi.agents import audit
    from madoguchi.conversations.data_requests import export_customer as export
    from madoguchi.store.db import create_engine, session_factory
    from madoguchi.store.migrate import check_schema

    settings = _settings()

    async def _export() -> dict[str, Any]:
        engine = create_engine(settings.database_url)
        try:
            await check_schema(engine)
            async with session_factory(engine)() as session:
                document = await export(session, customer_id)
                audit.record(session, None, "customer.exported", target=customer_id, actor=_cli_actor())
                await session.commit()
                return document
        finally:
            await engine.dispose()

    data = orjson.dumps(_run(_export), option=orjson.OPT_INDENT_2)
    if out is None:
        sys.stdout.buffer.write(data + b"\n")
    else:
        out.write_bytes(data + b"\n")
        click.echo(f"exported customer {customer_id} to {out}", err=True)


@admin.command("erase-customer")
@click.argument("customer_id")
@click.option("--yes", is_flag=True, help="Confirm: the erasure cannot be undone.")
def erase_customer(customer_id: str, yes: bool) -> None:
    """Erase a customer's personal data (names, contacts, what they wrote, files); reports keep their numbers."""
    from madoguchi.agents import audit
    from madoguchi.conversations.data_requests import do_erase_customer
    from madoguchi.store.db import create_engine, session_factory
    from madoguchi.store.migrate import check_schema

    if not yes:
        raise click.UsageError("Erasing cannot be undone: add --yes to confirm (export the customer first if needed).")
    settings = _settings()

    async def _erase() -> dict[str, Any]:
        engine = create_engine(settings.database_url)
        try:
            await check_schema(engine)
            async with session_factory(engine)() as session:
                erasure = await do_erase_customer(session, customer_id)
                audit.record(
                    session, None, "customer.erased", target=customer_id, details=erasure.counts(), actor=_cli_actor()
                )
                await session.commit()
                return erasure.counts()
        finally:
            await engine.dispose()

    click.echo(orjson.dumps(_run(_erase)).decode())


@main.group(invoke_without_command=True)
@click.option("--from", "first", metavar="YYYY-MM-DD", help="First day (default: 29 days before --to).")
@click.option("--to", "last", metavar="YYYY-MM-DD", help="Last day, included (default: today).")
@click.option("--group-by", type=click.Choice(GROUPS), default=None, help="One row per value; totals only without.")
@click.option("--tz", default="Asia/Tokyo", show_default=True, help="Time zone the days are read in.")
@click.option("--shop", default=None, help="Only this shop's conversations.")
@click.option("--json", "as_json", is_flag=True, help="JSON (the default).")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a byte order mark, as Excel in Japan reads it.")
@click.pass_context
def report(
    ctx: click.Context,
    first: str | None,
    last: str | None,
    group_by: str | None,
    tz: str,
    shop: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Managers' numbers of the conversations created in a period (see docs/reports.md)."""
    if ctx.invoked_subcommand is not None:
        return
    if as_json and as_csv:
        raise click.UsageError("Choose one of --json and --csv.")
    from datetime import date, timedelta
    from zoneinfo import ZoneInfo

    from madoguchi.agents import audit
    from madoguchi.analytics import reports
    from madoguchi.analytics.metrics import Filters, Period
    from madoguchi.domain.clock import utcnow
    from madoguchi.store.db import create_engine, session_factory
    from madoguchi.store.migrate import check_schema

    settings = _settings()

    async def _report() -> dict[str, Any]:
        try:
            today = utcnow().astimezone(ZoneInfo(tz)).date()
        except (KeyError, ValueError):
            today = utcnow().date()  # Period.parse says what is wrong with the zone
        to = last or today.isoformat()
        try:
            start = first or (date.fromisoformat(to) - timedelta(days=29)).isoformat()
        except ValueError:
            start = to  # Period.parse says what is wrong with the date
        period = Period.parse(start, to, tz)
        engine = create_engine(settings.database_url)
        try:
            await check_schema(engine)
            async with session_factory(engine)() as session:
                result = await reports.summary(session, period, group_by, Filters(shop_id=shop))
                audit.record(
                    session,
                    None,
                    f"report.summary.{'csv' if as_csv else 'json'}",
                    details={"from": start, "to": to, "group_by": group_by, "tz": tz, "shop": shop},
                    actor=f"cli:{getpass.getuser()}",
                )
                await session.commit()
                return result
        finally:
            await engine.dispose()

    result = _run(_report)
    if as_csv:
        sys.stdout.write(reports.as_csv(result))
    else:
        click.echo(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())


@report.command("staffing")
@click.option("--weeks", type=int, default=4, show_default=True, help="Whole weeks of history to plan from (1-12).")
@click.option("--week", metavar="YYYY-MM-DD", default=None, help="The plan week's Monday (default: next Monday).")
@click.option("--desk", default=None, help="Only this desk.")
@click.option("--shop", default=None, help="Only this shop's inbox (its arrivals and its own hours).")
@click.option("--tz", default="Asia/Tokyo", show_default=True, help="Time zone the weeks and hours are read in.")
@click.option("--service-level", type=float, default=0.8, show_default=True, help="Share to answer in time.")
@click.option("--within", "within_s", type=float, default=60.0, show_default=True, help="Seconds to answer within.")
@click.option("--json", "as_json", is_flag=True, help="JSON, as GET /api/v1/reports/staffing answers.")
def report_staffing(
    weeks: int,
    week: str | None,
    desk: str | None,
    shop: str | None,
    tz: str,
    service_level: float,
    within_s: float,
    as_json: bool,
) -> None:
    """Operators each desk needs in each hour of a week, by Erlang C on its busiest quarters of an hour."""
    from madoguchi.agents import audit
    from madoguchi.analytics import staffing
    from madoguchi.domain.clock import utcnow
    from madoguchi.store.db import create_engine, session_factory
    from madoguchi.store.migrate import check_schema

    settings = _settings()

    async def _plan() -> dict[str, Any]:
        target = staffing.Target(service_level, within_s)
        engine = create_engine(settings.database_url)
        try:
            await check_schema(engine)
            async with session_factory(engine)() as session:
                result = await staffing.plan(
                    session, utcnow(), weeks=weeks, week=week, tz=tz, desk=desk, shop_id=shop, target=target
                )
                audit.record(
                    session,
                    None,
                    f"report.staffing.{'json' if as_json else 'table'}",
                    details={
                        "weeks": weeks,
                        "week": week,
                        "desk": desk,
                        "shop": shop,
                        "tz": tz,
                        "service_level": service_level,
                        "within_s": within_s,
                    },
                    actor=f"cli:{getpass.getuser()}",
                )
                await session.commit()
                return result
        finally:
            await engine.dispose()

    result = _run(_plan)
    click.echo(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() if as_json else _staffing_table(result))


def _staffing_table(plan: dict[str, Any]) -> str:
    """The plan as text: per desk, a line per day with the agents needed in each hour (`·` closed)."""
    target = plan["target"]
    history = plan["history"]
    lines = [
        f"Operators needed to answer {target['service_level']:.0%} within {target['within_s']} s, week of"
        f" {plan['week_of']} ({plan['tz']}), from {plan['weeks_of_history']} weeks of history"
        f" ({history['from']} to {history['to']}); · = closed",
    ]
    header = " " * len("Mon 12-14") + "".join(f"{hour:>4}" for hour in range(24))
    for entry in plan["desks"]:
        name = entry["desk"] + (f" ({entry['shop']['id']})" if entry["shop"] else "")
        lines += [
            "",
            f"{name}: {entry['arrivals_per_week']} arrivals a week, handle time {entry['handle_s']} s"
            f" ({entry['handled']} handled), at most {entry['peak_agents']} at once",
            header,
        ]
        for start in range(0, len(entry["hours"]), 24):
            day = entry["hours"][start : start + 24]
            cells = "".join(f"{hour['agents'] if hour['open'] else '·':>4}" for hour in day)
            lines.append(f"{day[0]['weekday'].capitalize()} {day[0]['date'][5:]}{cells}")
    return "\n".join(lines)


@report.command("check")
def report_check() -> None:
    """Fold every conversation's facts from its events again and compare with the facts kept (exit 1 if any
    differ)."""
    from madoguchi.conversations import facts
    from madoguchi.store.db import create_engine, session_factory

    settings = _settings()

    async def _check() -> list[str]:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                return await facts.disagreements(session)
        finally:
            await engine.dispose()

    found = _run(_check)
    for line in found[:100]:
        click.echo(line)
    if found:
        raise click.ClickException(
            f"{len(found)} kept facts differ from the event log: run `madoguchi report rebuild`."
        )
    click.echo("the kept facts agree with the event log")


@report.command("rebuild")
def report_rebuild() -> None:
    """Fold every conversation's facts from its event log anew."""
    from madoguchi.conversations import facts
    from madoguchi.store.db import create_engine, session_factory

    settings = _settings()

    async def _rebuild() -> int:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                done = await facts.rebuild(session)
                await session.commit()
                return done
        finally:
            await engine.dispose()

    click.echo(f"facts folded from the event log for {_run(_rebuild)} conversations")


@main.group()
def nlu() -> None:
    """Language understanding: train the intent model, classify texts."""


@nlu.command("train")
@click.option("--pipeline", "pipeline_name", default=None, help="Component set (see `madoguchi nlu pipelines`).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Model file to write.")
@click.option("--if-missing", is_flag=True, help="Do nothing when the model file already exists.")
def nlu_train(pipeline_name: str | None, out: Path | None, if_missing: bool) -> None:
    """Build the intent model from the training data (the team's examples and Bitext's training split)."""
    from madoguchi.nlu.data import training_examples
    from madoguchi.nlu.intent import DEFAULT_PIPELINE, PIPELINES, train

    settings = _settings()
    target = out or settings.nlu_model
    if if_missing and target.exists():
        click.echo(f"intent model already at {target}")
        return
    name = pipeline_name or DEFAULT_PIPELINE
    if name not in PIPELINES:
        raise click.ClickException(f"unknown pipeline {name!r}: choose one of {', '.join(PIPELINES)}")
    try:
        examples, sources = training_examples()
    except MadoguchiError as exc:
        raise click.ClickException(exc.message) from exc
    if "shared/eval/bitext/train.tsv" not in sources:
        click.echo(
            "note: shared/eval/bitext/train.tsv not found beside the project; training on our data only", err=True
        )
    model = train(examples, name, sources, progress=lambda message: click.echo(message, err=True))
    model.save(target)
    click.echo(
        f"intent model {name} written to {target}: {len(examples)} examples, {len(model.labels)} labels, "
        f"out-of-scope threshold {model.threshold}, {model.trained_on['seconds']} s"
    )


@nlu.command("pipelines")
def nlu_pipelines() -> None:
    """List the component sets the classifier can be built from."""
    from madoguchi.nlu.intent import DEFAULT_PIPELINE, PIPELINES

    for name, spec in PIPELINES.items():
        click.echo(f"{name}{' (default)' if name == DEFAULT_PIPELINE else ''}: {spec.description}")


@nlu.command("classify")
def nlu_classify() -> None:
    """Read one text per line on standard input; write one JSON object per line."""
    from madoguchi.nlu.intent import ModelMissing
    from madoguchi.nlu.pipeline import load_pipeline

    settings = _settings()
    try:
        pipeline = load_pipeline(settings.nlu_model)
    except ModelMissing as exc:
        raise click.ClickException(str(exc)) from exc
    out = sys.stdout
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        line = raw.rstrip(b"\r\n")
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            # One bad line gets an answer of its own; the lines after it are still classified.
            problem = {
                "code": "invalid_input",
                "message": f"line {number} is not valid UTF-8 (byte {exc.start}): save the input as UTF-8.",
            }
            out.write(orjson.dumps({"text": None, "error": problem}).decode() + "\n")
            out.flush()
            continue
        out.write(orjson.dumps(pipeline.understand(text).contract()).decode() + "\n")
        out.flush()


@main.command()
def openapi() -> None:
    """Print the OpenAPI document of the REST API (docs/openapi.json is this output)."""
    from madoguchi.settings import Settings
    from madoguchi.web.app import create_app

    document = create_app(Settings(environment="development", demo=True)).openapi()
    click.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode())


@main.group()
def bench() -> None:
    """Benchmarks that run inside this process (the server benchmarks are in benchmarks/)."""


@bench.command("routing")
@click.option("--inquiries", default=300_000, show_default=True, type=click.IntRange(min=1), help="Inquiries a day.")
@click.option("--seed", default=1, show_default=True, type=click.IntRange(min=0), help="The same seed, the same day.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def bench_routing(inquiries: int, seed: int, as_json: bool) -> None:
    """Replay one day of inquiries through the routing engine: share answered within 60 s per desk against
    Erlang C, waits, and the engine's decisions per second."""
    from madoguchi.routing.simulation import SimulationConfig, simulate, table

    result = simulate(SimulationConfig(inquiries=inquiries, seed=seed))
    click.echo(orjson.dumps(result.contract()).decode() if as_json else table(result))


main.add_command(trust)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
