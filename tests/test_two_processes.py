"""The same conversation through two `madoguchi serve` processes sharing PostgreSQL and Redis: the customer
is connected to one, the operator to the other, and they talk in real time."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
import websockets

from madoguchi.domain.clock import utcnow
from tests.conftest import BUS_CHANNEL, REDIS_URL, _reset_postgres
from tests.helpers import AGENT_TANAKA, ChatClient, Console

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = [pytest.mark.multiprocess, pytest.mark.postgres]
MADOGUCHI = str(Path(sys.executable).with_name("madoguchi"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def serve_process(database_url: str, log: Path) -> AsyncIterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "MADOGUCHI_DATABASE_URL": database_url,
        "MADOGUCHI_REDIS_URL": REDIS_URL,
        "MADOGUCHI_BUS_CHANNEL": BUS_CHANNEL,
        # The same hour as this test process's own clock: the demo data was seeded relative to it.
        "MADOGUCHI_CLOCK_START": utcnow().isoformat(),
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            [MADOGUCHI, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=output, stderr=output
        )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                if process.poll() is not None:
                    pytest.fail(f"madoguchi serve exited with {process.returncode}: {log.read_text()}")
                try:
                    if (await http.get(f"{base}/healthz")).json() == {"status": "ok"}:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            else:
                pytest.fail(f"madoguchi serve did not answer /healthz within 30 s: {log.read_text()}")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


async def test_customer_on_one_process_and_operator_on_another_talk_in_real_time(
    postgres_database: str, tmp_path: Path
) -> None:
    await _reset_postgres(postgres_database)
    async with (
        serve_process(postgres_database, tmp_path / "a.log") as process_a,
        serve_process(postgres_database, tmp_path / "b.log") as process_b,
        Console(process_b, *AGENT_TANAKA) as console,
    ):
        async with websockets.connect(
            console.feed_url(), additional_headers={"Cookie": console.cookie_header()}
        ) as feed:
            assert json.loads(await feed.recv())["type"] == "hello"
            async with ChatClient(process_a, lang="ja") as chat:
                conversation_id = chat.hello["conversation_id"]
                await chat.say("別のプロセスの担当者さん、聞こえますか")

                # The customer's message, accepted by process A, reaches the operator's feed on process B.
                while True:
                    event = json.loads(await asyncio.wait_for(feed.recv(), 10))["event"]
                    if event["type"] == "message.created" and event["message"]["author"] == "customer":
                        assert event["message"]["text"] == "別のプロセスの担当者さん、聞こえますか"
                        break

                # The operator's reply, written through process B, reaches the customer on process A.
                await console.take(conversation_id)
                await chat.status("assigned")
                reply = await console.reply(conversation_id, "はい、聞こえております。")
                pushed = await chat.message_from("agent")
                assert pushed["id"] == reply["id"]
                assert pushed["text"] == "はい、聞こえております。"

                # And back again.
                await chat.say("ありがとうございます")
                while True:
                    event = json.loads(await asyncio.wait_for(feed.recv(), 10))["event"]
                    if event["type"] == "message.created" and event["message"]["text"] == "ありがとうございます":
                        break
