"""Every phrase a customer can read exists in Japanese, English, Chinese and Korean: the bot's wording, routing's
notices, the system's phrases and the desks' names, contacts and hours. A key added in one language only fails
here, and so does a translation that drops or renames a placeholder."""

from __future__ import annotations

import string

import pytest

from madoguchi.bot import wording as bot_wording
from madoguchi.conversations import phrases
from madoguchi.demo.seed import load_demo_data
from madoguchi.domain.languages import LANGUAGES
from madoguchi.routing import wording as routing_wording
from madoguchi.trust.directory import default_directory

CATALOGUES: dict[str, dict[str, dict[str, str]]] = {
    **bot_wording.CATALOGUES,
    "routing.wording": routing_wording.catalogue(),
    "conversations.phrases": phrases.catalogue(),
}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("name", sorted(CATALOGUES))
def test_every_key_of_every_catalogue_is_in_all_four_languages(name: str) -> None:
    missing = {
        key: [language for language in LANGUAGES if not texts.get(language, "").strip()]
        for key, texts in CATALOGUES[name].items()
    }
    assert {key: languages for key, languages in missing.items() if languages} == {}


@pytest.mark.parametrize("name", sorted(CATALOGUES))
def test_every_translation_fills_the_same_placeholders(name: str) -> None:
    different = {
        key: {language: sorted(_fields(text)) for language, text in texts.items()}
        for key, texts in CATALOGUES[name].items()
        if len({frozenset(_fields(text)) for text in texts.values()}) > 1
    }
    assert different == {}


def test_the_desks_names_contacts_and_hours_are_in_all_four_languages() -> None:
    directory = default_directory()
    missing = []
    for desk in load_demo_data().desks:
        missing += [f"{desk.id}.name_{language}" for language in LANGUAGES if not getattr(desk, f"name_{language}")]
        for index, contact in enumerate(desk.official_contacts):
            if contact.directory is not None:
                # The number's own words live with it in the official-contact directory.
                line = directory.by_line[contact.directory].line
                texts = {"label": line.label.model_dump(), "hours": line.hours.model_dump() if line.hours else {}}
            else:
                texts = {
                    field: {language: getattr(contact, f"{field}_{language}") for language in LANGUAGES}
                    for field in ("label", "hours")
                }
            for field, by_language in texts.items():
                if field == "hours" and not any(by_language.values()):
                    continue
                missing += [
                    f"{desk.id}.contact{index}.{field}_{language}"
                    for language in LANGUAGES
                    if not by_language.get(language)
                ]
    assert missing == []


def test_chinese_and_korean_wording_has_no_japanese_kana() -> None:
    kana = [
        (name, key, language)
        for name, catalogue in CATALOGUES.items()
        for key, texts in catalogue.items()
        for language in ("zh", "ko", "en")
        if any("\u3040" <= char <= "\u30ff" for char in texts.get(language, ""))
    ]
    assert kana == []
