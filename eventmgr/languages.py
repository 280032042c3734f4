"""The interface's languages, the reader's choice among them, and content written in more than one.

`LANGUAGES` (config) lists the interface's languages: {"en": "en_GB", "ru": "ru"}. A language is offered once it is
there and its catalogue is in eventmgr/translations/<code>/ (see README, "Languages"). The reader's language is,
in order: the signed-in account's setting, the language cookie the switcher sets, the browser's preferences.

Mail, calendar files and PDFs made for someone else (a delegate, a document's readers) are made `in_language` of
theirs, whatever the language of the request or worker that makes them.

Content people write (an event's title, a session's description, a presenter's bio) is kept in its original
language in its own columns and in other languages in the model's `translations` (see `Translatable`); pages read
it through `.translated`, which gives the reader's language and falls back to the original.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from babel import Locale
from flask import current_app, has_request_context, request
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from eventmgr.errors import EventMgrError

#: The cookie the language switcher sets: the language's code, for a year.
LANGUAGE_COOKIE = "language"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def interface_languages() -> dict[str, str]:
    """{code: Babel locale} of the interface's languages, the default first."""
    return current_app.config["LANGUAGES"]


def default_language() -> str:
    return next(iter(interface_languages()))


def supported(code: str | None) -> str | None:
    """The code if the interface speaks that language ('ru', or 'ru' of 'ru-KZ'), else None."""
    if not code:
        return None
    code = code.split("-")[0].split("_")[0].lower()
    return code if code in interface_languages() else None


def language_switcher() -> list[tuple[str, str]]:
    """(code, the language's name in itself) of every interface language: 'English', 'Русский'."""
    return [(code, _autonym(locale)) for code, locale in interface_languages().items()]


def _autonym(locale_name: str) -> str:
    name = Locale.parse(locale_name).language_name or locale_name
    return name[:1].upper() + name[1:]


def autonym(code: str) -> str:
    """The language's name in itself: 'English' of 'en', 'Русский' of 'ru'."""
    return _autonym(code)


def requested_language() -> str | None:
    """The language this request asks for: the account's setting, the switcher's cookie, the browser's wish."""
    if not has_request_context():
        return None
    chosen = getattr(current_user, "language", None) if current_user else None
    chosen = supported(chosen) or supported(request.cookies.get(LANGUAGE_COOKIE))
    if chosen:
        return chosen
    return supported(request.accept_languages.best_match(list(interface_languages())))


def select_locale() -> str | None:
    """Flask-Babel's locale selector (the default language outside a request)."""
    code = requested_language()
    return interface_languages()[code] if code else None


def current_language() -> str:
    """The code of the language being written in now: 'en', 'ru'."""
    try:
        locale = get_locale()
    except RuntimeError:  # outside an application context
        locale = None
    return supported(locale.language if locale else None) or "en"


@contextmanager
def in_language(code: str | None) -> Iterator[str]:
    """Write what is made inside (a message, a calendar file, a PDF) in the language `code` (the default if the
    interface does not speak it), whatever the request's language; yields the code used."""
    code = supported(code) or default_language()
    with force_locale(interface_languages()[code]):
        yield code


def register(app) -> None:
    """Say each page's language (Content-Language), and that it depends on the cookie and the browser's wish."""

    @app.after_request
    def say_language(response):
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Language", current_language())
            response.vary.update(("Accept-Language", "Cookie"))
        return response


def cache_key_language(environ) -> str:
    """What decides a cached anonymous page's language: the switcher's cookie and the browser's wish."""
    cookies = environ.get("HTTP_COOKIE", "")
    chosen = ""
    for part in cookies.split(";"):
        name, _, value = part.strip().partition("=")
        if name == LANGUAGE_COOKIE:
            chosen = value
    return f"{chosen}|{environ.get('HTTP_ACCEPT_LANGUAGE', '')}"


class Translatable:
    """A model whose content fields (`TRANSLATED`: {field: longest length}) may be written in other languages.

    The columns hold the original, in `original_language`; `translations` holds the others:
    {"ru": {"title": "...", "description": "..."}}. `obj.translated.title` reads the reader's language.
    """

    TRANSLATED: dict[str, int] = {}

    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")

    #: The language the columns are written in (a column of the model, or a property).
    original_language: str

    def translation(self, language: str, field: str) -> str:
        """The field written in `language`: the original's if that is its language, else '' when not written."""
        if language == self.original_language:
            return getattr(self, field) or ""
        return ((self.translations or {}).get(language) or {}).get(field) or ""

    def set_translation(self, language: str, field: str, value: str | None) -> None:
        """Write (or, with an empty value, remove) the field in another language than the original."""
        if field not in self.TRANSLATED:
            raise KeyError(field)
        value = (value or "").strip()
        self.refuse_overlong(language, field, value)
        translations = {code: dict(fields) for code, fields in (self.translations or {}).items()}
        fields = translations.setdefault(language, {})
        if value:
            fields[field] = value
        else:
            fields.pop(field, None)
        # A new dict, so that the ORM sees the change (a JSON column does not track changes inside it).
        self.translations = {code: fields for code, fields in translations.items() if fields}

    def refuse_overlong(self, language: str, field: str, value: str) -> None:
        """Refuse a text longer than its field takes, at the form's field for that language ('title_ru')."""
        if len(value) > self.TRANSLATED[field]:
            raise EventMgrError(_("At most %(n)d characters.", n=self.TRANSLATED[field]), field=f"{field}_{language}")

    def language_of(self, field: str, language: str | None = None) -> str:
        """The language `field` is shown in to a reader of `language` (the current one by default)."""
        language = language or current_language()
        return language if self.translation(language, field) else self.original_language

    @property
    def translated(self) -> "_Translated":
        """The content in the reader's language, each field falling back to the original: `event.translated.title`."""
        return _Translated(self)


def lang_attribute(obj: Translatable, field: str) -> Markup:
    """' lang="en"' for an element showing `field` of `obj` in another language than the page's (the original, where
    the reader's language has no translation), so that screen readers read it right; else nothing."""
    shown = obj.language_of(field)
    if shown == current_language():
        return Markup("")
    return Markup(' lang="%s"') % shown


class _Translated:
    __slots__ = ("_obj",)

    def __init__(self, obj: Translatable):
        self._obj = obj

    def __getattr__(self, field: str) -> str:
        obj = self._obj
        if field not in obj.TRANSLATED:
            raise AttributeError(field)
        return obj.translation(current_language(), field) or getattr(obj, field) or ""


# --- Changes of content in other languages ------------------------------------------------------------------

#: How a change of a text in another language is named in `changes` dicts, the audit log and signals: "title (ru)".
TRANSLATION_KEY = "{field} ({language})"


def translation_key(field: str, language: str) -> str:
    """The name of a field's text in another language among a service's changes: 'title (ru)'."""
    return TRANSLATION_KEY.format(field=field, language=language)


def field_of(key: str) -> str:
    """The field a change is of, whatever its language: 'title' of 'title (ru)' and of 'title'."""
    return key.split(" (", 1)[0]


def translation_changes(obj: Translatable, translations: dict | None, original_language: str) -> dict:
    """What writing `translations` ({language: {field: text}}, empty text for none) on `obj` would change:
    {'title (ru)': (before, after)}. Texts in `original_language` (the columns' language) and languages the
    interface does not speak are left out; a text longer than its field takes is refused (EventMgrError at the
    form's field, 'title_ru')."""
    changes = {}
    stored = obj.translations or {}
    for language, fields in (translations or {}).items():
        if language == original_language or supported(language) != language:
            continue
        for field, value in (fields or {}).items():
            if field not in obj.TRANSLATED:
                continue
            value = (value or "").strip()
            obj.refuse_overlong(language, field, value)
            before = (stored.get(language) or {}).get(field) or ""
            if value != before:
                changes[translation_key(field, language)] = (before, value)
    return changes


def apply_translation_changes(obj: Translatable, changes: dict) -> None:
    """Write the texts `translation_changes` found changed, and drop any kept in the original's own language."""
    for key, (_before, after) in changes.items():
        field, _sep, language = key.partition(" (")
        obj.set_translation(language.rstrip(")"), field, after)
    if obj.original_language in (obj.translations or {}):
        obj.translations = {code: texts for code, texts in obj.translations.items() if code != obj.original_language}


def original_language_column() -> Mapped[str]:
    """The column of the language a model's content was written in (ISO 639-1)."""
    return mapped_column(String(8), default="en", server_default="en")
