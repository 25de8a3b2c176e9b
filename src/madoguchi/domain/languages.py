"""The languages customers are answered in, and how a piece of data written in several of them is read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

LANGUAGES = ("ja", "en", "zh", "ko")


def localized(values: Mapping[str, Any], field: str, language: str) -> str:
    """`values[field_LANGUAGE]` (a contact's `label_zh`, `hours_ko`…), else the English one, else the Japanese one,
    else empty: data entered before a language was added still reads in the language most customers share."""
    for candidate in (language, "en", "ja"):
        value = values.get(f"{field}_{candidate}")
        if value:
            return str(value)
    return ""
