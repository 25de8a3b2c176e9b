"""Only `conversations/` writes the event log and the state (DESIGN.md, "One event log, one state machine").

The static checks read the syntax trees of src/madoguchi; the import contracts are in pyproject.toml
(`lint-imports`). At run time the guard of tests/conftest.py watches every test of the suite; the last tests
here show that it catches a write from outside.
"""

from __future__ import annotations

import ast
from collections import Counter
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from madoguchi.bus.base import MemoryBus
from madoguchi.conversations import actions, events
from madoguchi.domain.conversation import State
from madoguchi.domain.routing_map import DeskId
from madoguchi.store.models import Conversation, ConversationEvent
from madoguchi.store.tx import Tx

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.conftest import ConversationWriteGuard

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "madoguchi"
CONVERSATIONS = SRC / "conversations"
EVENT_RECORDER = CONVERSATIONS / "events.py"
INTAKE = SRC / "intake.py"
ROUTING_MAP = SRC / "domain" / "routing_map.py"

DESK_IDS = frozenset(desk.value for desk in DeskId)

# The in-memory routing engine keeps its own `_Conversation` with routing's states (queued, offered, assigned,
# gone), not a stored conversation. That stays true only while it imports neither the store nor conversations,
# which is checked below.
IN_MEMORY_CONVERSATIONS = frozenset({SRC / "routing" / "engine.py"})

# Desk ids written as string literals where a desk is meant, outside domain/routing_map.py, counted per file:
# code names `DeskId` instead. None is left; an entry here would be a known exception, never a new one.
KNOWN_DESK_LITERALS: Counter[tuple[str, str]] = Counter()


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _where(path: Path, node: ast.expr | ast.stmt) -> str:
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return f"{shown}:{node.lineno}: {ast.unparse(node)[:120]}"


def _name(node: ast.expr) -> str | None:
    """The name an expression ends with: `conversation` for both `conversation` and `self.conversation`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _imports(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def _aliases(tree: ast.Module, model: str) -> set[str]:
    """The local names a module binds to a model (`from madoguchi.store.models import X as Y`)."""
    names = {model}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names.update(alias.asname for alias in node.names if alias.name == model and alias.asname)
    return names


def _is_sql(node: ast.AST, statement: str, *words: str) -> bool:
    """A string literal holding SQL that begins `statement` (any case and spacing) and names all `words`."""
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return False
    sql = " ".join(node.value.lower().split())
    return statement in sql and all(word in sql for word in words)


# --- event rows ------------------------------------------------------------------------------------------------


def _creates_event_row(node: ast.expr, names: set[str]) -> bool:
    if isinstance(node, ast.Call):
        called = _name(node.func)
        # A bulk insert writes rows without constructing them.
        return called in names or (called == "insert" and any(_name(arg) in names for arg in node.args))
    if isinstance(node, ast.Attribute):
        return node.attr == "__table__" and _name(node.value) in names
    return _is_sql(node, "insert into conversation_events")


def _event_row_writes(path: Path) -> Iterator[str]:
    tree = _tree(path)
    names = _aliases(tree, "ConversationEvent")
    for node in ast.walk(tree):
        if isinstance(node, ast.expr) and _creates_event_row(node, names):
            yield _where(path, node)


def test_only_the_recorder_creates_conversation_events() -> None:
    found = [write for path in _sources() if path != EVENT_RECORDER for write in _event_row_writes(path)]
    assert not found, "a ConversationEvent row is written outside conversations.events.record():\n" + "\n".join(found)


def test_the_event_check_sees_a_row_being_created(tmp_path: Path) -> None:
    offending = tmp_path / "offending.py"
    offending.write_text(
        "from madoguchi.store.models import ConversationEvent as Row\n"
        "from sqlalchemy import insert\n"
        "row = Row(conversation_id='c', type='x', actor='y', data={})\n"
        "stmt = insert(Row)\n"
        "sql = 'INSERT INTO  conversation_events (type) VALUES (1)'\n",
        encoding="utf-8",
    )
    assert len(list(_event_row_writes(offending))) == 3


# --- conversation states ---------------------------------------------------------------------------------------


def _is_conversation(node: ast.expr) -> bool:
    name = _name(node)
    return name is not None and "conversation" in name.lower()


def _state_targets(node: ast.AST) -> Iterator[ast.Attribute]:
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        targets = [node.target]
    while targets:
        target = targets.pop()
        if isinstance(target, ast.Tuple | ast.List):
            targets.extend(target.elts)
        elif isinstance(target, ast.Starred):
            targets.append(target.value)
        elif isinstance(target, ast.Attribute) and target.attr == "state" and _is_conversation(target.value):
            yield target


def _writes_state(call: ast.Call) -> bool:
    """`.values(state=...)`, `.values({"state": ...})` or `.values({Conversation.state: ...})`."""
    if any(keyword.arg == "state" for keyword in call.keywords):
        return True
    for arg in call.args:
        if isinstance(arg, ast.Dict):
            for key in arg.keys:
                if (isinstance(key, ast.Constant) and key.value == "state") or (
                    isinstance(key, ast.Attribute) and key.attr == "state"
                ):
                    return True
    return False


def _bulk_update_of_conversations(call: ast.Call, names: set[str]) -> bool:
    node: ast.expr = call.func
    while isinstance(node, ast.Attribute | ast.Call):
        if isinstance(node, ast.Call):
            if _name(node.func) == "update" and any(_name(arg) in names for arg in node.args):
                return True
            node = node.func
        else:
            node = node.value
    return False


def _sets_state(node: ast.expr, conversations: set[str]) -> bool:
    if isinstance(node, ast.Call):
        if _name(node.func) == "setattr":
            return (
                len(node.args) >= 2
                and _is_conversation(node.args[0])
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value == "state"
            )
        # An UPDATE statement changes the state without the ORM's events, the state machine or an event row.
        return (
            _name(node.func) == "values" and _writes_state(node) and _bulk_update_of_conversations(node, conversations)
        )
    return _is_sql(node, "update conversations set", "state")


def _state_writes(path: Path) -> Iterator[str]:
    tree = _tree(path)
    conversations = _aliases(tree, "Conversation")
    for node in ast.walk(tree):
        for target in _state_targets(node):
            yield _where(path, target)
        if isinstance(node, ast.expr) and _sets_state(node, conversations):
            yield _where(path, node)


def _holds_no_stored_conversation(path: Path) -> bool:
    return not any(
        module.startswith(("madoguchi.store", "madoguchi.conversations")) for module in _imports(_tree(path))
    )


def test_only_conversations_set_a_conversation_state() -> None:
    found = [
        write
        for path in _sources()
        if not path.is_relative_to(CONVERSATIONS)
        and not (path in IN_MEMORY_CONVERSATIONS and _holds_no_stored_conversation(path))
        for write in _state_writes(path)
    ]
    assert not found, "a conversation's state is set outside conversations/ (use its actions):\n" + "\n".join(found)


def test_the_state_check_sees_a_state_being_set(tmp_path: Path) -> None:
    offending = tmp_path / "offending.py"
    offending.write_text(
        "from sqlalchemy import update\n"
        "from madoguchi.store.models import Conversation\n"
        "conversation.state = 'queued'\n"
        "self.conversation.state, other = 'resolved', 1\n"
        "setattr(conversation, 'state', 'bot')\n"
        "update(Conversation).where(Conversation.id == 'c').values(state='queued')\n"
        "offer.state = 'accepted'\n"
        "update(Conversation).values(last_activity_at=None)\n",
        encoding="utf-8",
    )
    assert len(list(_state_writes(offending))) == 4


def test_the_in_memory_engine_is_exempt_only_while_it_holds_no_stored_conversation() -> None:
    for path in IN_MEMORY_CONVERSATIONS:
        assert _holds_no_stored_conversation(path), f"{path.relative_to(ROOT)} now reads the store"


# --- one intake ------------------------------------------------------------------------------------------------


def test_only_the_intake_stores_a_customer_message() -> None:
    # "A customer wrote" is handled in one place; the import contracts cannot see which function is called.
    found = [
        _where(path, node)
        for path in _sources()
        if path != INTAKE and not path.is_relative_to(CONVERSATIONS)
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.Call) and _name(node.func) == "do_receive_customer_message"
    ]
    assert not found, "a customer's message is stored without the intake:\n" + "\n".join(found)


# --- desk ids --------------------------------------------------------------------------------------------------


def _names_a_desk(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute) and node.attr == "id":
        return _names_a_desk(node.value)
    name = _name(node)
    return name is not None and "desk" in name.lower()


def _desk_ids_in(node: ast.expr | None) -> Iterator[ast.Constant]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in DESK_IDS:
        yield node
    elif isinstance(node, ast.Tuple | ast.List | ast.Set):
        for element in node.elts:
            yield from _desk_ids_in(element)


def _desk_literals(tree: ast.Module) -> Iterator[ast.Constant]:
    """Desk ids written as strings where a desk is meant.

    A desk is meant when the string is compared with, assigned to, passed as or returned for something named
    after a desk (`desk`, `target_desk`, `Callback.desk`, `Desk.id`, `def _desk()`), stored under a `desk` key,
    or looked up as a `Desk` (`session.get(Desk, ...)`). Other uses of the same words are not desks: message
    authors (`bot`), wording keys (`_say("carrier")`), a desk's kind (`desk.kind == "shop"`), a table keyed by
    desk (the simulation's handle times).
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_names_a_desk(operand) for operand in operands):
                for operand in operands:
                    yield from _desk_ids_in(operand)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(_names_a_desk(target) for target in targets):
                yield from _desk_ids_in(node.value)
        elif isinstance(node, ast.keyword):
            if node.arg is not None and "desk" in node.arg.lower():
                yield from _desk_ids_in(node.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str) and "desk" in key.value.lower():
                    yield from _desk_ids_in(value)
        elif isinstance(node, ast.Call):
            if any(_name(arg) == "Desk" for arg in node.args):
                for arg in node.args:
                    yield from _desk_ids_in(arg)
        elif isinstance(node, ast.Subscript):
            if _names_a_desk(node.value):
                yield from _desk_ids_in(node.slice)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = node.args
            positional = [*arguments.posonlyargs, *arguments.args]
            defaults = zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults, strict=True)
            keyword_defaults = zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
            for argument, default in [*defaults, *keyword_defaults]:
                if "desk" in argument.arg.lower():
                    yield from _desk_ids_in(default)
            if "desk" in node.name.lower():
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Return):
                        yield from _desk_ids_in(inner.value)


def test_desk_ids_are_named_by_the_routing_map() -> None:
    found: Counter[tuple[str, str]] = Counter()
    places: dict[tuple[str, str], list[str]] = {}
    for path in _sources():
        if path == ROUTING_MAP:
            continue
        for constant in _desk_literals(_tree(path)):
            key = (path.relative_to(SRC).as_posix(), str(constant.value))
            found[key] += 1
            places.setdefault(key, []).append(_where(path, constant))
    new = [place for key, count in found.items() if count > KNOWN_DESK_LITERALS[key] for place in places[key]]
    assert not new, "a desk id is written as a string; name it with madoguchi.domain.routing_map.DeskId:\n" + (
        "\n".join(new)
    )


def test_the_desk_check_sees_desks_and_only_desks(tmp_path: Path) -> None:
    offending = tmp_path / "offending.py"
    offending.write_text(
        "if desk == 'shop' or decision.desk in ('platform_cs', 'carrier'):\n"
        "    DEFAULT_DESK = 'platform_cs'\n"
        "place(conversation, desk='member_support')\n"
        "payload = {'desk': 'card_issuer'}\n"
        "contact = session.get(Desk, 'carrier')\n"
        "def _fallback_desk(target_desk: str = 'payments') -> str:\n"
        "    return 'trust_safety'\n"
        "ok = desk.kind == 'shop' or author == 'bot' or say('carrier') or HANDLE_S['platform_cs']\n",
        encoding="utf-8",
    )
    assert sorted(str(constant.value) for constant in _desk_literals(_tree(offending))) == [
        "card_issuer",
        "carrier",
        "carrier",
        "member_support",
        "payments",
        "platform_cs",
        "platform_cs",
        "shop",
        "trust_safety",
    ]


# --- the run-time guard ----------------------------------------------------------------------------------------


def _stored_conversation(state: State) -> Conversation:
    """A conversation as the store hands it out: its state loaded, not set."""
    conversation = Conversation(id="c-layering")
    set_committed_value(conversation, "state", state.value)
    return conversation


def test_the_guard_catches_a_state_set_outside_conversations(conversation_write_guard: ConversationWriteGuard) -> None:
    conversation = _stored_conversation(State.BOT)
    conversation.state = State.RESOLVED.value
    violations = conversation_write_guard.take()
    assert len(violations) == 1
    assert "Conversation.state" in violations[0]
    assert "tests/test_layering.py" in violations[0]


def test_the_guard_catches_an_event_row_created_outside_conversations(
    conversation_write_guard: ConversationWriteGuard,
) -> None:
    ConversationEvent(conversation_id="c-layering", type="conversation.resolved", actor="test", data={})
    violations = conversation_write_guard.take()
    assert len(violations) == 1
    assert "ConversationEvent" in violations[0]
    assert "tests/test_layering.py" in violations[0]


def test_the_guard_lets_the_state_machine_and_the_recorder_write(
    conversation_write_guard: ConversationWriteGuard,
) -> None:
    conversation = _stored_conversation(State.BOT)
    actions._move(conversation, State.QUEUED)
    tx = Tx(AsyncSession(), MemoryBus())
    row = events.record(tx, conversation.id, "test", events.ConversationQueued(state="queued", desk=None))
    assert conversation.state == State.QUEUED.value
    assert row in tx.session.new
    assert conversation_write_guard.take() == []
