"""Training data and the intent taxonomy.

The taxonomy (`data/intents.yaml`) is the project's copy of `shared/taxonomy/intents.yaml`; a test keeps
the two identical. Training data: the team's own examples in `data/train/{ja,en,zh,ko}.tsv`, plus the
training split of the Bitext customer-support corpus when `shared/` is beside the project.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from madoguchi.errors import InvalidInput

DATA = Path(__file__).with_name("data")
TRAIN = DATA / "train"


@dataclass(frozen=True)
class IntentInfo:
    name: str
    desk: str
    money_or_identity: bool
    about: str


@lru_cache(maxsize=1)
def taxonomy() -> dict[str, IntentInfo]:
    raw = yaml.safe_load((DATA / "intents.yaml").read_text(encoding="utf-8"))
    return {item["name"]: IntentInfo(**item) for item in raw["intents"]}


def shared_dir() -> Path | None:
    """`shared/` beside the project checkout (or MADOGUCHI_SHARED_DIR), if it is there."""
    configured = os.environ.get("MADOGUCHI_SHARED_DIR")
    candidates = [Path(configured)] if configured else []
    candidates.append(Path(__file__).resolve().parents[4] / "shared")
    candidates.append(Path.cwd().parent / "shared")
    return next((path for path in candidates if (path / "taxonomy" / "intents.yaml").exists()), None)


def read_tsv(path: Path, text_column: str = "text", intent_column: str = "intent") -> list[tuple[str, str]]:
    """(intent, text) pairs of a TSV file with a header line; an unknown intent is an error naming the line."""
    labels = taxonomy()
    pairs: list[tuple[str, str]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        for line, row in enumerate(reader, start=2):
            intent, text = (row.get(intent_column) or "").strip(), (row.get(text_column) or "").strip()
            if not text:
                continue
            if intent not in labels:
                raise InvalidInput(f"{path}:{line}: unknown intent {intent!r}; the labels are in intents.yaml.")
            pairs.append((intent, text))
    return pairs


def training_examples(include_bitext: bool = True) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """All training pairs and where they came from (file → count)."""
    examples: list[tuple[str, str]] = []
    sources: dict[str, str] = {}
    for path in sorted(TRAIN.glob("*.tsv")):
        pairs = read_tsv(path)
        examples += pairs
        sources[f"madoguchi/nlu/data/train/{path.name}"] = str(len(pairs))
    shared = shared_dir()
    if include_bitext and shared is not None and (shared / "eval" / "bitext" / "train.tsv").exists():
        pairs = read_tsv(shared / "eval" / "bitext" / "train.tsv")
        examples += pairs
        sources["shared/eval/bitext/train.tsv"] = str(len(pairs))
    if not examples:
        raise InvalidInput(f"No training data found under {TRAIN}.")
    return examples, sources
