"""`madoguchi admin export-customer` and `erase-customer`: the same data requests as the API, from a shell."""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson
import pytest
from click.testing import CliRunner

from madoguchi.cli import main
from madoguchi.settings import get_settings
from tests.helpers import CUSTOMER_SATO

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from madoguchi.settings import Settings


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("MADOGUCHI_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_a_customer_is_exported_to_a_file_then_erased_with_confirmation(cli: CliRunner, tmp_path: Path) -> None:
    archive = tmp_path / "c001.json"
    exported = cli.invoke(main, ["admin", "export-customer", CUSTOMER_SATO, "--out", str(archive)])
    assert exported.exit_code == 0, exported.output
    assert orjson.loads(archive.read_bytes())["customer"]["name"] == "佐藤 美咲"

    unconfirmed = cli.invoke(main, ["admin", "erase-customer", CUSTOMER_SATO])
    assert unconfirmed.exit_code != 0
    assert "add --yes" in unconfirmed.output

    erased = cli.invoke(main, ["admin", "erase-customer", CUSTOMER_SATO, "--yes"])
    assert erased.exit_code == 0, erased.output
    assert orjson.loads(erased.output)["customer_id"] == CUSTOMER_SATO

    printed = cli.invoke(main, ["admin", "export-customer", CUSTOMER_SATO])
    assert printed.exit_code == 0
    assert orjson.loads(printed.output)["customer"]["name"] is None


def test_an_unknown_customer_is_named_in_the_error(cli: CliRunner) -> None:
    outcome = cli.invoke(main, ["admin", "export-customer", "nobody"])
    assert outcome.exit_code != 0
    assert "No customer 'nobody'" in outcome.output
