"""Values a person can type into any address or body: characters beyond ASCII, integers wider than the database's,
times without their UTC offset. Each is refused with a sentence (4xx), never a server error."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from madoguchi.settings import Settings
from madoguchi.web.app import create_app
from tests.helpers import ChatClient, Console

ADMIN = ("admin@madoguchi.localhost", "demo-admin-madoguchi")
HUGE = 10**40
NOT_ASCII = "署名ｼｸﾞﾈﾁｬ"
NAIVE = "2026-12-10T10:00:00"


def _refused_with_a_sentence(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    problem: dict[str, Any] = answer.json()
    assert problem["code"] in ("invalid_input", "forbidden", "not_found")
    assert problem["message"].endswith(".")
    return problem


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/downloads/receipt/R-0001",
        "/api/v1/downloads/transcript/00000000-0000-0000-0000-000000000000",
        "/api/v1/downloads/photo/00000000-0000-0000-0000-000000000000",
    ],
)
async def test_a_download_link_with_a_signature_beyond_ascii_is_refused(server: str, path: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        answer = await http.get(path, params={"customer": "c001", "expires": "9999999999", "signature": NOT_ASCII})
    problem = _refused_with_a_sentence(answer, 403)
    assert problem["message"] == "This download link is not valid: ask for a new one in the chat."


async def test_ids_wider_than_the_database_are_refused_with_a_sentence(server: str) -> None:
    chat = ChatClient(server)
    await chat.__aenter__()
    await chat.say("荷物が届きません")
    conversation = chat.hello["conversation_id"]
    try:
        async with Console(server, *ADMIN) as admin:
            answers = {
                "offer_id": await admin.post(f"/api/v1/routing/offers/{HUGE}/accept"),
                "offer_id ": await admin.post(f"/api/v1/routing/offers/{HUGE}/decline"),
                "agent_id": await admin.get(f"/api/v1/auth/audit?agent_id={HUGE}"),
                "agent_id  ": await admin.post(
                    f"/api/v1/console/conversations/{conversation}/reassign", {"agent_id": HUGE}
                ),
                "agent_id   ": await admin.post(
                    f"/api/v1/console/conversations/{conversation}/transfer", {"agent_id": HUGE, "note": ""}
                ),
            }
            for field, answer in answers.items():
                problem = _refused_with_a_sentence(answer, 422)
                assert problem["message"] == f"The request is not valid: check {field.strip()}."
                assert "2147483647" in problem["errors"][0]["problem"]
            # Ids within range that name nothing are still "not found".
            _refused_with_a_sentence(await admin.post("/api/v1/routing/offers/2147483647/accept"), 404)
    finally:
        await chat.__aexit__()


async def test_a_callback_window_without_its_utc_offset_is_refused(server: str) -> None:
    chat = ChatClient(server)
    await chat.__aenter__()
    try:
        async with httpx.AsyncClient(base_url=server) as http:
            answer = await http.post(
                f"/api/v1/chat/{chat.hello['conversation_id']}/callback",
                json={
                    "phone": "090-1234-5678",
                    "window_start": NAIVE,
                    "window_end": "2026-12-10T12:00:00+09:00",
                    "visitor": chat.hello["visitor_token"],
                },
            )
    finally:
        await chat.__aexit__()
    problem = _refused_with_a_sentence(answer, 422)
    assert problem["message"] == "The request is not valid: check window_start."
    assert "timezone" in problem["errors"][0]["problem"]


# --- every operation of the document, with each kind of hostile value where its schema takes one ------------------

DOCUMENT = create_app(
    Settings(environment="test", database_url="sqlite+aiosqlite:///:memory:", smtp_listen="")
).openapi()
# Ends the session every other call uses.
SKIPPED = {("post", "/api/v1/auth/logout")}


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    resolved: dict[str, Any] = DOCUMENT
    for part in ref.removeprefix("#/").split("/"):
        resolved = resolved[part]
    return resolved


def _kinds(schema: dict[str, Any]) -> set[str]:
    schema = _resolve(schema)
    options = schema.get("anyOf", [schema])
    return {f"{option.get('type')}:{option.get('format', '')}" for option in map(_resolve, options)}


def _plain(schema: dict[str, Any]) -> Any:
    """A harmless value of the schema's type, for the fields not under test."""
    kinds = _kinds(schema)
    for kind, value in (
        ("string:date-time", "2026-12-10T10:00:00+09:00"),
        ("string:", "x"),
        ("integer:", 1),
        ("boolean:", True),
        ("array:", []),
        ("object:", {}),
    ):
        if kind in kinds:
            return value
    enum = _resolve(schema).get("enum")
    return enum[0] if enum else None


def _hostile(schema: dict[str, Any]) -> Any:
    kinds = _kinds(schema)
    if "integer:" in kinds:
        return HUGE
    if "string:date-time" in kinds:
        return NAIVE
    if "string:" in kinds:
        return NOT_ASCII
    return None


def _calls() -> list[tuple[str, str, str, dict[str, Any], dict[str, Any], dict[str, Any] | None]]:
    """(method, path, what is hostile, path values, query, JSON body) for every hostile value a schema takes."""
    calls = []
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            if (method, path) in SKIPPED:
                continue
            parameters = [p for p in operation.get("parameters", []) if p["in"] in ("path", "query")]
            base_path = {p["name"]: _plain(p["schema"]) for p in parameters if p["in"] == "path"}
            base_query = {p["name"]: _plain(p["schema"]) for p in parameters if p["in"] == "query" and p["required"]}
            body_schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            body = _resolve(body_schema) if body_schema else {}
            body_fields = body.get("properties", {})
            required = body.get("required", [])
            base_body = (
                {name: _plain(field) for name, field in body_fields.items() if name in required}
                if body_schema
                else None
            )
            for parameter in parameters:
                value = _hostile(parameter["schema"])
                if value is None:
                    continue
                values = {**base_path}
                query = {**base_query}
                (values if parameter["in"] == "path" else query)[parameter["name"]] = value
                calls.append((method, path, f"{parameter['in']} {parameter['name']}", values, query, base_body))
            for name, field in body_fields.items():
                value = _hostile(field)
                if value is not None and base_body is not None:
                    calls.append((method, path, f"body {name}", base_path, base_query, {**base_body, name: value}))
    return calls


CALLS = _calls()


def test_the_hostile_values_reach_every_kind_of_parameter() -> None:
    hostile = {what for _method, _path, what, *_ in CALLS}
    assert {"path offer_id", "query agent_id", "body agent_id", "body window_start", "query signature"} <= hostile


@pytest.mark.timeout(300)
async def test_no_operation_answers_a_hostile_value_with_a_server_error(server: str) -> None:
    failures = []
    async with Console(server, *ADMIN) as admin:
        for method, path, what, values, query, body in CALLS:
            url = path.format(**{name: str(value) for name, value in values.items()})
            answer = await admin.http.request(
                method.upper(),
                url,
                params={name: str(value) for name, value in query.items()},
                content=None if body is None else json.dumps(body),
                headers={"X-CSRF-Token": admin.csrf, "Content-Type": "application/json"},
            )
            if answer.status_code >= 500:
                failures.append(f"{method.upper()} {path} ({what}): {answer.status_code} {answer.text[:200]}")
    assert failures == []
