"""The public endpoints against their own OpenAPI document (schemathesis): no server error, and every answer is
what the document says it is (status, content type, body, headers)."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
from typing import TYPE_CHECKING

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from madoguchi.settings import Settings
from madoguchi.web.app import create_app

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from schemathesis import Case

PUBLIC = ["/healthz", "/api/v1/triage", "/api/v1/trust/check", "/api/v1/trust/check-email"]

# A mail (`POST /api/v1/trust/check-email`) is sent as it is: its bytes are the body.
schemathesis.serializer.alias("message/rfc822", "application/octet-stream")


class ThreadServer:
    """The app on a real port, served from its own thread and event loop, so that the synchronous calls of the
    fuzzer can reach it (lifespan included: the runtime starts as in `madoguchi serve`)."""

    def __init__(self, app_settings: Settings) -> None:
        config = uvicorn.Config(
            create_app(app_settings), host="127.0.0.1", port=0, log_config=None, lifespan="on", ws_max_size=64 * 1024
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve()), daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        for _ in range(1000):
            if self.server.started or not self.thread.is_alive():
                break
            threading.Event().wait(0.01)
        if not self.server.started:
            raise RuntimeError("the server did not start")
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture(scope="module")
def live_server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("openapi") / "madoguchi.db"
    shutil.copy(sqlite_template, path)
    app_settings = Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{path}",
        smtp_listen="",
        # The fuzzer's many calls must meet the endpoints, not the rate limit (tested in tests/trust).
        rate_limit_public="100000/minute",
    )
    with ThreadServer(app_settings) as base_url:
        yield base_url


# The document the app serves at /openapi.json; building it needs no database and no running server, so the
# operations are known when the tests are collected.
DOCUMENT = create_app(
    Settings(environment="test", database_url="sqlite+aiosqlite:///:memory:", smtp_listen="")
).openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT).include(path=PUBLIC)


def test_the_document_is_the_one_served(live_server: str) -> None:
    assert httpx.get(f"{live_server}/openapi.json", timeout=30).json() == json.loads(json.dumps(DOCUMENT))


def test_the_public_endpoints_are_in_the_document() -> None:
    operations = {result.ok().path for result in schema.get_all_operations()}
    assert operations == set(PUBLIC)


@pytest.mark.timeout(120)
@schema.parametrize()
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_public_endpoints_keep_to_their_document(case: Case, live_server: str) -> None:
    # The fuzzer sends an empty body for a binary `message/rfc822` whatever its minLength says; an empty mail
    # is rightly refused (422), which that one check would count as "valid data rejected".
    excluded = [positive_data_acceptance] if case.operation.path == "/api/v1/trust/check-email" else []
    case.call_and_validate(base_url=live_server, timeout=30, excluded_checks=excluded)
