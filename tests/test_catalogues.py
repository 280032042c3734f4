"""Every interface language's catalogue is complete, valid and compiled: no string a person reads is left in
English, no translation loses a placeholder, and what the app loads (the .mo) is what the .po says."""

import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from helpers import extract_messages

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "eventmgr" / "translations"
LANGUAGES = sorted(path.name for path in TRANSLATIONS.iterdir() if (path / "LC_MESSAGES" / "messages.po").exists())
#: Every placeholder a string may hold: %(name)s, %(n)d, %s, {title}, and HTML tags.
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdfr]|%[sdfr]|\{[a-z_0-9]*\}|</?[a-z][a-z0-9]*\b")


def _catalogue(language):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as file:
        return read_po(file, locale=language)


def _strings(message) -> tuple:
    return tuple(message.string) if isinstance(message.string, tuple | list) else (message.string,)


def _sources(message) -> tuple:
    return tuple(message.id) if isinstance(message.id, tuple | list) else (message.id,)


@pytest.fixture(scope="module")
def template_ids(tmp_path_factory):
    """The msgids the sources hold now, extracted as `make messages` does."""
    pot = tmp_path_factory.mktemp("catalogue") / "messages.pot"
    extract_messages(pot)
    with open(pot, "rb") as file:
        return {(message.context, message.id) for message in read_po(file) if message.id}


def test_there_is_a_russian_catalogue():
    assert "ru" in LANGUAGES


def test_the_template_holds_every_string_the_sources_mark(template_ids):
    with open(TRANSLATIONS / "messages.pot", "rb") as file:
        committed = {(message.context, message.id) for message in read_po(file) if message.id}
    missing = template_ids - committed
    assert not missing, (
        f"run `make messages`: {len(missing)} strings are not in messages.pot, e.g. {sorted(map(str, missing))[:5]}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(language, template_ids):
    catalogue = _catalogue(language)
    translated = {(message.context, message.id) for message in catalogue if message.id and all(_strings(message))}
    fuzzy = sorted(str(message.id) for message in catalogue if message.id and message.fuzzy)
    untranslated = sorted(str(msgid) for _context, msgid in template_ids - translated)
    assert not fuzzy, f"{len(fuzzy)} fuzzy translations in {language}, e.g. {fuzzy[:5]}"
    assert not untranslated, f"{len(untranslated)} strings lack a {language} translation, e.g. {untranslated[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_plural_has_the_languages_forms(language):
    catalogue = _catalogue(language)
    for message in catalogue:
        if message.id and message.pluralizable:
            assert len(message.string) == catalogue.num_plurals, message.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_of_their_source(language):
    wrong = []
    for message in _catalogue(language):
        if not message.id:
            continue
        expected = sorted(PLACEHOLDER.findall(_sources(message)[-1]))
        for index, translation in enumerate(_strings(message)):
            found = sorted(PLACEHOLDER.findall(translation))
            # Russian's form for one may say "one" in words where English's singular has no number either.
            if found != expected and not (index == 0 and set(found) <= set(expected) and message.pluralizable):
                wrong.append((message.id, translation))
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("language", LANGUAGES)
def test_msgfmt_checks_the_catalogue(language):
    """GNU gettext's own check (the Makefile installs it): plural forms, format strings, the header."""
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"],  # noqa: S607
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_the_current_one(language):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo", "rb") as file:
        compiled = {(message.context, _sources(message)): _strings(message) for message in read_mo(file) if message.id}
    catalogue = _catalogue(language)
    written = {
        (message.context, _sources(message)): _strings(message)
        for message in catalogue
        if message.id and all(_strings(message))
    }
    assert compiled == written, "run `make messages` to compile the catalogue"
