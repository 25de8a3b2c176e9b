"""`madoguchi report` prints what the API answers, as JSON or as CSV for Excel, and audits the export;
`madoguchi report check` proves the kept facts against the event log."""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson
import pytest
from click.testing import CliRunner

from madoguchi.cli import main
from madoguchi.settings import get_settings
from tests.analytics.test_report_metrics import EXPECTED_TOTALS
from tests.web.test_reports_api import history

if TYPE_CHECKING:
    from collections.abc import Iterator

    from madoguchi.settings import Settings

__all__ = ["history"]


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("MADOGUCHI_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_the_report_command_prints_the_summary_as_json_or_csv(history: None, cli: CliRunner) -> None:
    period = ["--from", "2026-12-31", "--to", "2027-01-02"]
    outcome = cli.invoke(main, ["report", *period, "--group-by", "channel", "--json"])
    assert outcome.exit_code == 0, outcome.output
    report = orjson.loads(outcome.output)
    assert report["totals"] == EXPECTED_TOTALS
    assert [row["key"] for row in report["rows"]] == ["chat"]

    outcome = cli.invoke(main, ["report", *period, "--group-by", "day", "--csv"])
    assert outcome.exit_code == 0, outcome.output
    assert outcome.output.startswith("\ufeff")
    assert len(outcome.output.splitlines()) == 5

    refused = cli.invoke(main, ["report", "--from", "2027-01-03", "--to", "2027-01-01"])
    assert refused.exit_code != 0
    assert "before it starts" in refused.output


def test_report_check_finds_kept_facts_that_differ_from_the_events(history: None, cli: CliRunner) -> None:
    assert cli.invoke(main, ["report", "check"]).exit_code == 0
    outcome = cli.invoke(main, ["report", "rebuild"])
    assert outcome.exit_code == 0
    assert "6 conversations" in outcome.output
