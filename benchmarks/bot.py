"""Bot benchmark: scripted customer conversations replayed through the real bot, and help-centre speed.

    .venv/bin/python benchmarks/bot.py            # a table, then the figures
    .venv/bin/python benchmarks/bot.py --json     # one JSON object
    .venv/bin/python benchmarks/bot.py --show 17  # the transcript of one conversation
    .venv/bin/python benchmarks/bot.py --unseen   # the out-of-sample set: outcome rate by language and kind

With --unseen the script replays benchmarks/data/bot_dialogues_unseen.yaml, conversations written apart from
the bot and kept out of its tuning (see that file's header): it prints only the figures and the failures by
kind and language, never a conversation's text (--show N still prints one, for whoever is not tuning the bot).

Each conversation of benchmarks/data/bot_dialogues.yaml is replayed in this process on a fresh SQLite copy
of the demo marketplace, message by message, exactly as the chat socket does it (store the message,
understand it, let the bot answer and act in the same transaction). The expected outcome is either
`resolved` (the bot met the need itself: an answer with the help page, an action on the order, a referral
with the official contact) or `handover` to a named desk. Every conversation is also judged on what it did
to the orders: the one change it names in `action` (cancelled, a return started, a new address), or none at
all — nothing done that the customer did not confirm — and on the language of the bot's replies (that of the
customer's messages, the `LL-` of its name), read from the script each reply is written in.
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
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

import madoguchi.demo
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
from madoguchi.store.models import Conversation, Order, OrderAddressChange, ReturnRequest

HERE = Path(__file__).resolve().parent
DIALOGUES = HERE / "data" / "bot_dialogues.yaml"
UNSEEN = HERE / "data" / "bot_dialogues_unseen.yaml"
DEMO_DATA = Path(madoguchi.demo.__file__).resolve().parent / "data"
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
    kind: str = "-"
    language: str = "ja"
    # The change to the orders expected ("none", or "cancelled MD-…") and the changes the conversation made.
    expected_action: str = "none"
    actions: list[str] = field(default_factory=list)
    # The languages the bot's replies were written in, one per reply whose script says it.
    reply_languages: list[str] = field(default_factory=list)
    # A set that names no `action` anywhere (the in-sample one) is not judged on its changes to the orders.
    judge_actions: bool = True

    @property
    def outcome_ok(self) -> bool:
        if self.expected == "resolved":
            return self.outcome == "resolved"
        return self.outcome == "handover" and self.desk == self.expected_desk

    @property
    def action_ok(self) -> bool:
        if not self.judge_actions:
            return True
        return self.actions == ([] if self.expected_action == "none" else [self.expected_action])

    @property
    def language_ok(self) -> bool:
        return all(language == self.language for language in self.reply_languages)

    @property
    def ok(self) -> bool:
        """The right outcome: resolved or handed to the right desk, with exactly the order change confirmed."""
        return self.outcome_ok and self.action_ok

    @property
    def misses(self) -> list[str]:
        found = []
        if not self.outcome_ok:
            found.append("outcome")
        if not self.action_ok:
            found.append("order action")
        if not self.language_ok:
            found.append("reply language")
        return found


def _demo_names() -> list[str]:
    """Proper names a reply may quote in Japanese whatever its language: items, shops, customers, addresses."""
    names: set[str] = set()
    for order in yaml.safe_load((DEMO_DATA / "orders.yaml").read_text(encoding="utf-8")):
        names.update(str(item["name"]) for item in order["items"])
    for shop in yaml.safe_load((DEMO_DATA / "shops.yaml").read_text(encoding="utf-8")):
        names.add(str(shop["name"]))
    for customer in yaml.safe_load((DEMO_DATA / "customers.yaml").read_text(encoding="utf-8")):
        names.update(str(customer[key]) for key in ("name", "name_kana", "prefecture", "address"))
    # The longest first, so that a name inside a longer one does not leave the longer one's remains.
    return sorted(names, key=len, reverse=True)


_NAMES: list[str] = []
# Characters of everyday written Chinese (simplified and traditional) that Japanese does not write (的, 請,
# 該, 把 and their like are left out: 具体的, 請求, 該当, 把握).
CHINESE_ONLY = frozenset("您们們这這吗嗎请沒么麼个还给让讓该谢经")


def reply_language(text: str) -> str | None:
    """The language a reply is written in, from its script, or None when too little of it is text.

    Names the customer's language cannot change (the demo's items, shops, people and addresses), quotations
    in 「」 and 『』, links, addresses and numbers are left out first; then Hangul means Korean, any kana beyond
    a trace means Japanese, Han characters alone Chinese and Latin letters English.
    """
    if not _NAMES:
        _NAMES.extend(_demo_names())
    for name in _NAMES:
        text = text.replace(name, " ")
    kept = []
    for word in text.split():
        if "://" in word or "@" in word or word.startswith("/") or word.upper().startswith("MD-"):
            continue
        kept.append(word)
    text = " ".join(kept)
    letters: Counter[str] = Counter()
    depth = 0
    for char in text:
        if char in "「『":
            depth += 1
        elif char in "」』":
            depth = max(0, depth - 1)
        elif depth == 0:
            name = unicodedata.name(char, "")
            if name.startswith("HANGUL"):
                letters["ko"] += 1
            elif name.startswith(("HIRAGANA", "KATAKANA")) and char != "ー" and char != "・":
                letters["kana"] += 1
            elif name.startswith("CJK UNIFIED"):
                letters["han"] += 1
            elif char.isascii() and char.isalpha():
                letters["latin"] += 1
    if letters["ko"] >= 2 and letters["ko"] >= letters["kana"]:
        return "ko"
    cjk = letters["kana"] + letters["han"]
    if letters["kana"] >= 2 and letters["kana"] >= 0.1 * cjk:
        return "ja"
    # Han characters alone are Chinese only with a word Japanese does not write (a short Japanese notice such
    # as 返品受付完了 has no kana either); otherwise the reply says nothing of its language.
    if letters["han"] >= 2 and letters["han"] >= letters["latin"] / 4:
        return "zh" if any(char in CHINESE_ONLY for char in text) else None
    if letters["latin"] >= 4:
        return "en"
    return None


async def _order_state(runtime: Runtime) -> tuple[dict[str, str], set[tuple[str, str]], Counter[str]]:
    """Every order's status, every return started and the number of address changes of each order."""
    async with runtime.transaction() as tx:
        statuses = {
            number: status for number, status in (await tx.session.execute(select(Order.number, Order.status))).all()
        }
        returns = {
            (code, number)
            for code, number in (await tx.session.execute(select(ReturnRequest.code, ReturnRequest.order_number))).all()
        }
        addresses = Counter(
            number for (number,) in (await tx.session.execute(select(OrderAddressChange.order_number))).all()
        )
    return statuses, returns, addresses


def _changes(
    before: tuple[dict[str, str], set[tuple[str, str]], Counter[str]],
    after: tuple[dict[str, str], set[tuple[str, str]], Counter[str]],
) -> list[str]:
    changes = [f"{status} {number}" for number, status in sorted(after[0].items()) if before[0].get(number) != status]
    changes += sorted(f"return {number}" for _code, number in after[1] - before[1])
    changes += sorted(f"address {number}" for number in after[2] if after[2][number] > before[2][number])
    return changes


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


async def _replay(runtime: Runtime, index: int, dialogue: dict[str, Any], judge_actions: bool) -> Result:
    assert runtime.nlu is not None
    customer = dialogue.get("customer")
    language = dialogue.get("language", "ja")
    before = await _order_state(runtime)
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
        kind=str(dialogue.get("kind", "-")),
        language=str(dialogue["name"]).split("-")[0] if "name" in dialogue else language,
        judge_actions=judge_actions,
    )
    action = dialogue.get("action")
    if action:
        result.expected_action = f"{action['change']} {action['order']}"
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
        result.reply_languages += [
            found for found in (reply_language(view.text) for view in turn.messages) if found is not None
        ]
        resolved = turn.outcome.resolved
        if turn.outcome.handoff is not None:
            result.outcome, result.desk = "handover", turn.outcome.handoff.desk
            result.transcript.append(("system", f"→ {turn.outcome.handoff.desk} ({turn.outcome.handoff.reason})"))
            break
    if result.outcome != "handover":
        result.outcome = "resolved" if resolved else "unresolved"
    result.actions = _changes(before, await _order_state(runtime))
    return result


async def replay_all(dialogues: list[dict[str, Any]], judge_actions: bool | None = None) -> list[Result]:
    if judge_actions is None:
        judge_actions = any("action" in dialogue for dialogue in dialogues)
    with tempfile.TemporaryDirectory() as directory:
        template = await _prepare(Path(directory))
        results: list[Result] = []
        runtime: Runtime | None = None
        current = Path(directory) / "run.db"
        # A fresh copy of the demo marketplace every 20 conversations, and after any conversation that changed
        # an order, keeps orders in their seeded state (a cancelled order cannot be cancelled twice) without
        # re-seeding for each one.
        for index, dialogue in enumerate(dialogues, start=1):
            changed = bool(results and results[-1].actions)
            if runtime is None or changed or dialogue.get("fresh") or (index - 1) % 20 == 0:
                if runtime is not None:
                    await stop_runtime(runtime)
                shutil.copy(template, current)
                runtime = await start_runtime(
                    Settings(environment="test", database_url=f"sqlite+aiosqlite:///{current}", smtp_listen="")
                )
            results.append(await _replay(runtime, index, dialogue, judge_actions))
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


def _rates(results: list[Result], key: str) -> dict[str, dict[str, Any]]:
    """The share of right outcomes (and of replies all in the customer's language) per value of `key`."""
    groups: dict[str, list[Result]] = {}
    for result in results:
        groups.setdefault(str(getattr(result, key)), []).append(result)
    return {
        value: {
            "conversations": len(group),
            "right": sum(r.ok for r in group),
            "rate": round(sum(r.ok for r in group) / len(group), 3),
            "reply_language_right": round(sum(r.language_ok for r in group) / len(group), 3),
        }
        for value, group in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    }


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
        "resolved_where_should": sum(r.outcome_ok for r in should_resolve) / max(1, len(should_resolve)),
        "should_resolve": len(should_resolve),
        "handed_over_where_should": sum(r.outcome_ok for r in should_hand_over) / max(1, len(should_hand_over)),
        "should_hand_over": len(should_hand_over),
        "containment": sum(r.outcome == "resolved" for r in results) / max(1, len(results)),
        "right_outcome": sum(r.ok for r in results) / max(1, len(results)),
        "right_order_action": sum(r.action_ok for r in results) / max(1, len(results)),
        "replies_in_customer_language": sum(r.language_ok for r in results) / max(1, len(results)),
        "right_outcome_and_language": sum(r.ok and r.language_ok for r in results) / max(1, len(results)),
        "by_language": _rates(results, "language"),
        "by_kind": _rates(results, "kind"),
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
                "kind": r.kind,
                "language": r.language,
                "misses": r.misses,
                "expected_action": r.expected_action,
                "actions": r.actions,
                "reply_languages": sorted(set(r.reply_languages)),
            }
            for r in results
            if r.misses
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--show", type=int, help="print the transcript of conversation N (1-based)")
    parser.add_argument("--dialogues", type=Path, default=DIALOGUES)
    parser.add_argument(
        "--unseen",
        action="store_true",
        help=f"replay the out-of-sample set ({UNSEEN.relative_to(HERE.parent)}) and print rates by language and kind",
    )
    arguments = parser.parse_args()
    source = UNSEEN if arguments.unseen else arguments.dialogues
    dialogues = yaml.safe_load(source.read_text(encoding="utf-8"))["conversations"]
    judge_actions = any("action" in dialogue for dialogue in dialogues)
    if arguments.show:
        dialogues = [dialogues[arguments.show - 1]]
    else:
        # A server loads the language models, the Japanese dictionary, the trust directory and the help-centre
        # index once at start; a first pass does the same here, so the timings are those of a running server.
        asyncio.run(replay_all(dialogues[:WARM_UP], judge_actions))
    results = asyncio.run(replay_all(dialogues, judge_actions))
    if arguments.show:
        for author, text in results[0].transcript:
            print(f"{author:>8}: {text}")
        print(
            f"expected {results[0].expected} {results[0].expected_desk or ''}; "
            f"got {results[0].outcome} {results[0].desk or ''}"
        )
        print(f"order changes: expected {results[0].expected_action}, got {results[0].actions or 'none'}")
        print(f"replies: expected in {results[0].language}, got {sorted(set(results[0].reply_languages)) or '-'}")
        return
    summary = summarise(results, asyncio.run(search_speed()))
    if arguments.json:
        print(json.dumps(summary, ensure_ascii=False))
        return
    for failure in summary["failures"]:
        expected = f"{failure['expected']} {failure['desk'] or ''}"
        got = f"{failure['got']} {failure['got_desk'] or ''}"
        print(
            f"MISS #{failure['n']:>3} {failure['name']} [{failure['kind']}]: {', '.join(failure['misses'])}: "
            f"expected {expected}, action {failure['expected_action']}, replies in {failure['language']}; "
            f"got {got}, actions {failure['actions'] or 'none'}, replies in {failure['reply_languages'] or '-'}"
        )
    for key, value in summary.items():
        if key in ("by_language", "by_kind"):
            print(f"{key:>28}:")
            for group, figures in value.items():
                print(
                    f"{group:>28}  {figures['right']:>3} / {figures['conversations']:<3} {figures['rate']:.3f}"
                    f"   replies in the customer's language {figures['reply_language_right']:.3f}"
                )
        elif key != "failures":
            print(f"{key:>28}: {value}")


if __name__ == "__main__":
    main()
