"""The out-of-sample bot conversations (benchmarks/data/bot_dialogues_unseen.yaml) are well-formed.

Only the file's form is checked here, never the bot's outcomes: those are the benchmark's figure
(benchmarks/bot.py --unseen), and a test on them would invite tuning the bot to the set.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

import madoguchi.demo
from madoguchi.nlu.data import taxonomy

ROOT = Path(__file__).resolve().parents[2]
UNSEEN = ROOT / "benchmarks" / "data" / "bot_dialogues_unseen.yaml"
DEMO = Path(madoguchi.demo.__file__).resolve().parent / "data"
KEYS = {"name", "kind", "intent", "customer", "language", "turns", "expect", "desk", "action", "fresh"}
LANGUAGES = {"ja", "en", "zh", "ko"}
ORDER_NUMBER = re.compile(r"MD-\d{8}")


def _load(name: str) -> Any:
    return yaml.safe_load((DEMO / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def conversations() -> list[dict[str, Any]]:
    loaded = yaml.safe_load(UNSEEN.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    assert isinstance(loaded["conversations"], list)
    return list(loaded["conversations"])


def test_the_set_has_200_conversations_in_four_languages_mostly_japanese(
    conversations: list[dict[str, Any]],
) -> None:
    assert len(conversations) >= 200
    names = [str(conversation["name"]) for conversation in conversations]
    assert len(set(names)) == len(names), "names are unique"
    shares = Counter(name.split("-")[0] for name in names)
    assert set(shares) == LANGUAGES
    assert 0.55 <= shares["ja"] / len(names) <= 0.65
    for language in ("en", "zh", "ko"):
        assert 0.10 <= shares[language] / len(names) <= 0.18, language
    assert sum("customer" in conversation for conversation in conversations) > len(conversations) / 2
    assert any("customer" not in conversation for conversation in conversations), "guests too"


def test_every_conversation_is_well_formed(conversations: list[dict[str, Any]]) -> None:
    intents = set(taxonomy())
    desks = {str(desk["id"]) for desk in _load("desks.yaml")}
    for conversation in conversations:
        name = conversation.get("name")
        assert isinstance(name, str)
        assert name.split("-")[0] in LANGUAGES, name
        assert set(conversation) <= KEYS, (name, set(conversation) - KEYS)
        assert isinstance(conversation.get("kind"), str), name
        assert conversation["kind"], name
        assert conversation.get("intent") in intents, (name, conversation.get("intent"))
        assert conversation.get("language", "ja") in LANGUAGES, name
        turns = conversation.get("turns")
        assert isinstance(turns, list), name
        assert 2 <= len(turns) <= 5, name
        assert all(isinstance(turn, str) and turn.strip() for turn in turns), name
        if conversation["expect"] == "handover":
            assert conversation.get("desk") in desks, (name, conversation.get("desk"))
        else:
            assert conversation["expect"] == "resolved", name
            assert "desk" not in conversation, name


def test_conversations_name_only_demo_customers_and_their_own_orders(conversations: list[dict[str, Any]]) -> None:
    customers = {str(customer["id"]) for customer in _load("customers.yaml")}
    owner = {str(order["number"]): str(order["customer"]) for order in _load("orders.yaml")}
    for conversation in conversations:
        name = conversation["name"]
        customer = conversation.get("customer")
        assert customer is None or customer in customers, (name, customer)
        named = {number for turn in conversation["turns"] for number in ORDER_NUMBER.findall(turn)}
        action = conversation.get("action")
        if action is not None:
            assert set(action) == {"order", "change"}, name
            assert action["change"] in {"cancelled", "return", "address"}, name
            assert customer is not None, f"{name}: a guest's order is never changed by the bot"
            assert conversation.get("fresh") is True, f"{name}: a change needs a fresh marketplace"
            named.add(action["order"])
        for number in named:
            assert number in owner, (name, number)
            if customer is not None:
                assert owner[number] == customer, f"{name}: {number} is not {customer}'s order"


def test_orders_the_set_changes_are_in_a_state_that_allows_it() -> None:
    orders = {str(order["number"]): order for order in _load("orders.yaml")}
    loaded = yaml.safe_load(UNSEEN.read_text(encoding="utf-8"))["conversations"]
    for conversation in loaded:
        action = conversation.get("action")
        if action is None:
            continue
        order = orders[action["order"]]
        if action["change"] in {"cancelled", "address"}:
            assert order["status"] in {"pending_payment", "confirmed", "preparing"}, conversation["name"]
        else:
            # A return: delivered within the 30 days, sold by the platform, not food or digital only.
            assert order["status"] == "delivered", conversation["name"]
            assert order["delivered_days_ago"] <= 30, conversation["name"]
            assert order["seller"] == "platform", conversation["name"]
            assert any(item["category"] not in {"food", "digital"} for item in order["items"]), conversation["name"]
