"""Bot benchmark: scripted customer conversations replayed through the real bot, and help-centre speed.

    .venv/bin/python benchmarks/bot.py            # a table, then the figures
    .venv/bin/python benchmarks/bot.py --json     # one JSON object
    .venv/bin/python benchmarks/bot.py --show 17  # the transcript of one conversation

Each conversation of benchmarks/data/bot_dialogues.yaml is replayed in this process on a fresh SQLite copy
of the demo marketplace, message by message, exactly as the chat socket does it (store the message,
understand it, let the bot answer and act in the same transaction). The expected outcome is either
`resolved` (the bot met the need itself: an answer with the help page, an action on the order, a referral
with the official contact) or `handover` to a named desk.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from madoguchi import intake
from madoguchi.conversations import actions
from madoguchi.customers.actions import identify_customer
from madoguchi.demo.seed import seed
from madoguchi.knowledge.helpcentre import help_centre
from madoguchi.knowledge.tokens import search_terms
from madoguchi.runtime import Runtime, start_runtime, stop_runtime
from madoguchi.settings import Settings
from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.migrate import upgrade
from madoguchi.store.models import Conversation

HERE = Path(__file__).resolve().parent
DIALOGUES = HERE / "data" / "bot_dialogues.yaml"
WARM_UP = 20
SEARCH_QUERIES = [
    "返品したい",
    "荷物が届かない",
    "領収書が欲しい",
    "パスワードを忘れた",
    "配送先を変更したい",
    "カードに身に覚えのない請求がある",
    "キャンセル料はかかりますか",
    "プレミアム会員の年会費",
    "偽物のSMSが届いた",
    "コンビニ払いの期限",
    "where is my parcel",
    "how do I return an item",
    "I don't recognise a charge on my card",
    "cancel my order",
    "is this phone number official",
]


@dataclass
class Result:
    index: int
    name: str
    expected: str
    expected_desk: str | None
    outcome: str
    desk: str | None
    decision_ms: list[float] = field(default_factory=list)
    intake_ms: list[float] = field(default_factory=list)
    transcript: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        if self.expected == "resolved":
            return self.outcome == "resolved"
        return self.outcome == "handover" and self.desk == self.expected_desk


async def _prepare(directory: Path) -> Path:
    path = directory / "bot.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session:
            await seed(session)
            await session.commit()
    finally:
        await engine.dispose()
    return path


async def _replay(runtime: Runtime, index: int, dialogue: dict[str, Any]) -> Result:
    assert runtime.nlu is not None
    customer = dialogue.get("customer")
    language = dialogue.get("language", "ja")
    async with runtime.transaction() as tx:
        if customer:
            customer_id = str(customer)
        else:
            identified = await identify_customer(
                tx.session, runtime.settings, identity_token=None, visitor_token=None, language=language
            )
            customer_id = identified.customer.id
        conversation = await actions.do_open_chat(tx, customer_id=customer_id, shop_id=None, language=language)
        conversation_id = conversation.id
        await tx.commit()
    result = Result(
        index,
        str(dialogue.get("name", index)),
        str(dialogue["expect"]),
        dialogue.get("desk"),
        "unresolved",
        None,
    )
    resolved = False
    for number, text in enumerate(dialogue["turns"]):
        async with runtime.transaction() as tx:
            conversation = await tx.session.get(Conversation, conversation_id)
            assert conversation is not None
            if conversation.state != "bot":
                break
            started = time.perf_counter()
            understood = intake.understand(runtime, str(text))
            understood_ms = (time.perf_counter() - started) * 1000
            _BOT_TURN_MS.clear()
            received = await intake.do_receive(
                tx,
                runtime,
                conversation,
                text=str(text),
                client_id=f"{index}-{number}",
                bot=True,
                understood=understood,
            )
            turn = received.turn
            assert turn is not None
            result.intake_ms.append((time.perf_counter() - started) * 1000)
            result.decision_ms.append(understood_ms + sum(_BOT_TURN_MS))
            await tx.commit()
        result.transcript.append(("customer", str(text)))
        result.transcript += [("bot", view.text) for view in turn.messages]
        resolved = turn.outcome.resolved
        if turn.outcome.handoff is not None:
            result.outcome, result.desk = "handover", turn.outcome.handoff.desk
            result.transcript.append(("system", f"→ {turn.outcome.handoff.desk} ({turn.outcome.handoff.reason})"))
            return result
    result.outcome = "resolved" if resolved else "unresolved"
    return result


async def replay_all(dialogues: list[dict[str, Any]]) -> list[Result]:
    with tempfile.TemporaryDirectory() as directory:
        template = await _prepare(Path(directory))
        results = []
        runtime: Runtime | None = None
        current = Path(directory) / "run.db"
        # A fresh copy of the demo marketplace every 20 conversations keeps orders in their seeded state
        # often enough (a cancelled order cannot be cancelled twice) without re-seeding for each one.
        for index, dialogue in enumerate(dialogues, start=1):
            if runtime is None or dialogue.get("fresh") or (index - 1) % 20 == 0:
                if runtime is not None:
                    await stop_runtime(runtime)
                shutil.copy(template, current)
                runtime = await start_runtime(
                    Settings(environment="test", database_url=f"sqlite+aiosqlite:///{current}", smtp_listen="")
                )
            results.append(await _replay(runtime, index, dialogue))
        if runtime is not None:
            await stop_runtime(runtime)
    return results


async def search_speed(seconds: float = 2.0) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as directory:
        path = await _prepare(Path(directory))
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        try:
            async with session_factory(engine)() as session:
                centre = await help_centre(session)
        finally:
            await engine.dispose()
    figures: dict[str, float] = {"articles": float(len(centre))}
    for label, cold in (("queries_per_second", True), ("queries_per_second_cached", False)):
        done = 0
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        while time.perf_counter() < deadline:
            for query in SEARCH_QUERIES:
                if cold:
                    # Every query tokenised anew, as if no customer had asked it before.
                    search_terms.cache_clear()
                centre.search(query, "en" if query.isascii() else "ja")
            done += len(SEARCH_QUERIES)
        figures[label] = done / (time.perf_counter() - started)
    return figures


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# The bot's turn inside the intake, timed on its own: the decision time is the understanding plus this, as it
# always was; the intake's time adds storing the message, its events and, on a hand-over, the placement.
_BOT_TURN_MS: list[float] = []
_bot_turn = intake.do_bot_turn


async def _timed_bot_turn(*args: Any, **kwargs: Any) -> Any:
    started = time.perf_counter()
    try:
        return await _bot_turn(*args, **kwargs)
    finally:
        _BOT_TURN_MS.append((time.perf_counter() - started) * 1000)


intake.do_bot_turn = _timed_bot_turn  # type: ignore[assignment]


def summarise(results: list[Result], search: dict[str, float]) -> dict[str, Any]:
    should_resolve = [result for result in results if result.expected == "resolved"]
    should_hand_over = [result for result in results if result.expected == "handover"]
    times = [ms for result in results for ms in result.decision_ms]
    whole = [ms for result in results for ms in result.intake_ms]
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
        "conversations": len(results),
        "turns": len(times),
        "japanese": sum(1 for result in results if result.name.startswith("ja")),
        "english": sum(1 for result in results if result.name.startswith("en")),
        "resolved_where_should": sum(r.ok for r in should_resolve) / max(1, len(should_resolve)),
        "should_resolve": len(should_resolve),
        "handed_over_where_should": sum(r.ok for r in should_hand_over) / max(1, len(should_hand_over)),
        "should_hand_over": len(should_hand_over),
        "containment": sum(r.outcome == "resolved" for r in results) / max(1, len(results)),
        "decision_ms_p50": statistics.median(times) if times else 0.0,
        "decision_ms_p99": _percentile(times, 0.99) if times else 0.0,
        "decision_ms_max": max(times) if times else 0.0,
        "intake_ms_p50": statistics.median(whole) if whole else 0.0,
        "intake_ms_p99": _percentile(whole, 0.99) if whole else 0.0,
        "help_centre": search,
        "failures": [
            {
                "n": r.index,
                "name": r.name,
                "expected": r.expected,
                "desk": r.expected_desk,
                "got": r.outcome,
                "got_desk": r.desk,
            }
            for r in results
            if not r.ok
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--show", type=int, help="print the transcript of conversation N (1-based)")
    parser.add_argument("--dialogues", type=Path, default=DIALOGUES)
    arguments = parser.parse_args()
    dialogues = yaml.safe_load(arguments.dialogues.read_text(encoding="utf-8"))["conversations"]
    if arguments.show:
        dialogues = [dialogues[arguments.show - 1]]
    else:
        # A server loads the language models, the Japanese dictionary, the trust directory and the help-centre
        # index once at start; a first pass does the same here, so the timings are those of a running server.
        asyncio.run(replay_all(dialogues[:WARM_UP]))
    results = asyncio.run(replay_all(dialogues))
    if arguments.show:
        for author, text in results[0].transcript:
            print(f"{author:>8}: {text}")
        print(
            f"expected {results[0].expected} {results[0].expected_desk or ''}; "
            f"got {results[0].outcome} {results[0].desk or ''}"
        )
        return
    summary = summarise(results, asyncio.run(search_speed()))
    if arguments.json:
        print(json.dumps(summary, ensure_ascii=False))
        return
    for failure in summary["failures"]:
        expected = f"{failure['expected']} {failure['desk'] or ''}"
        got = f"{failure['got']} {failure['got_desk'] or ''}"
        print(f"MISS #{failure['n']:>3} {failure['name']}: expected {expected}, got {got}")
    for key, value in summary.items():
        if key != "failures":
            print(f"{key:>26}: {value}")


if __name__ == "__main__":
    main()
