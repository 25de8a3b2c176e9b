"""The whole understanding of one message, or of many at once (the classifier is vectorised)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from madoguchi.domain.clock import utcnow
from madoguchi.nlu.entities import Entity, extract_entities
from madoguchi.nlu.intent import IntentModel, _sudachi, load_model
from madoguchi.nlu.language import Language, detect_language
from madoguchi.nlu.normalize import fold_for_matching, normalize
from madoguchi.nlu.pii import Redaction, redact
from madoguchi.nlu.urgency import Urgency, score_urgency

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date
    from pathlib import Path

TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True, slots=True)
class Understanding:
    text: str
    language: Language
    intent: str
    confidence: float
    entities: tuple[Entity, ...]
    urgency: Urgency
    redaction: Redaction

    def contract(self) -> dict[str, object]:
        """The fields of `madoguchi nlu classify` and of the triage API (DESIGN.md)."""
        return {
            "text": self.text,
            "language": self.language,
            "intent": self.intent,
            "confidence": self.confidence,
            "entities": [
                {"type": entity.type, "value": entity.value, "start": entity.start, "end": entity.end}
                for entity in self.entities
            ],
        }


class NluPipeline:
    def __init__(self, model: IntentModel) -> None:
        self.model = model

    def understand(self, text: str, today: date | None = None) -> Understanding:
        return self.understand_many([text], today)[0]

    def understand_many(self, texts: Sequence[str], today: date | None = None) -> list[Understanding]:
        day = today or utcnow().astimezone(TOKYO).date()
        normalized_texts = [normalize(text) for text in texts]
        intents = self.model.predict_folded([fold_for_matching(normalized.text) for normalized in normalized_texts])
        tokenizer = _sudachi()
        results = []
        for text, normalized, (intent, confidence) in zip(texts, normalized_texts, intents, strict=True):
            results.append(
                Understanding(
                    text=text,
                    language=detect_language(normalized.text, tokenizer),
                    intent=intent,
                    confidence=confidence,
                    entities=tuple(extract_entities(normalized, day)),
                    urgency=score_urgency(normalized.text),
                    redaction=redact(text, normalized),
                )
            )
        return results


@lru_cache(maxsize=4)
def load_pipeline(path: Path) -> NluPipeline:
    """The pipeline of this process: the model file is read once."""
    return NluPipeline(load_model(path))
