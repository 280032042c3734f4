"""Countries, languages, currencies and time zones from maintained packages, named in the reader's locale."""

from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import pycountry
from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location
from babel.numbers import list_currencies
from flask_babel import get_locale


def _locale() -> Locale:
    try:
        return get_locale() or Locale("en")
    except RuntimeError:  # outside a request
        return Locale("en")


@cache
def country_codes() -> tuple[str, ...]:
    """ISO 3166-1 alpha-2 codes of every country."""
    return tuple(country.alpha_2 for country in pycountry.countries)


def country_name(code: str | None, locale: Locale | None = None) -> str:
    """The country's name in the reader's language, or '' for no code."""
    if not code:
        return ""
    locale = locale or _locale()
    name = locale.territories.get(code)
    if name:
        return name
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


def country_choices() -> list[tuple[str, str]]:
    """(code, name) of every country, sorted by name in the reader's language."""
    return list(_sorted_countries(str(_locale())))


@cache
def _sorted_countries(locale_name: str) -> tuple[tuple[str, str], ...]:
    locale = Locale.parse(locale_name)
    return tuple(sorted(((code, country_name(code, locale)) for code in country_codes()), key=lambda c: c[1]))


@cache
def language_codes() -> tuple[str, ...]:
    """ISO 639-1 codes of the languages that have one."""
    return tuple(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


def language_name(code: str, locale: Locale | None = None) -> str:
    locale = locale or _locale()
    name = locale.languages.get(code)
    if name:
        return name[:1].upper() + name[1:]
    lang = pycountry.languages.get(alpha_2=code)
    return lang.name if lang else code


# Offered first: the six UN languages, then those of the region our events are held in.
FIRST_LANGUAGES = ("en", "fr", "ru", "zh", "ar", "es", "kk", "ky", "tg", "tk", "uz", "fa", "ps", "de", "ja", "ko", "tr")


def language_choices() -> list[tuple[str, str]]:
    """ISO 639-1 languages, the ones our events use most first, then the rest by name."""
    locale = _locale()
    first = [(code, language_name(code, locale)) for code in FIRST_LANGUAGES]
    rest = sorted(
        ((code, language_name(code, locale)) for code in language_codes() if code not in FIRST_LANGUAGES),
        key=lambda c: c[1],
    )
    return first + rest


@cache
def currency_codes() -> tuple[str, ...]:
    """ISO 4217 codes in current use."""
    return tuple(sorted(list_currencies()))


def currency_choices() -> list[tuple[str, str]]:
    locale = _locale()
    return [(code, f"{code} · {locale.currencies.get(code, code)}") for code in currency_codes()]


@cache
def timezone_names() -> tuple[str, ...]:
    """IANA time zone names (Area/City), without the legacy aliases."""
    legacy = ("Etc/", "SystemV/", "US/")
    return tuple(sorted(name for name in available_timezones() if "/" in name and not name.startswith(legacy)))


def timezone_label(name: str, locale: Locale | None = None) -> str:
    """A zone as people look for it, in the reader's language, with its IANA name: 'Kazakhstan (Almaty) ·
    Asia/Almaty', 'Казахстан (Алматы) · Asia/Almaty'."""
    locale = locale or _locale()
    city = get_timezone_location(name, locale=locale, return_city=True)
    # Babel's own location names end in "Time" (in Russian, wrongly, "summer time"): only their parts are used.
    territory = get_global("zone_territories").get(get_global("zone_aliases").get(name, name), "")
    if not (len(territory) == 2 and territory.isalpha()):  # "001", the world: Antarctic stations
        return f"{city} · {name}"
    place = locale.zone_formats["fallback"] % {"0": city, "1": country_name(territory, locale)}
    return f"{place} · {name}"


def timezone_choices(locale: Locale | None = None) -> list[tuple[str, str]]:
    """(IANA name, label) of every zone, sorted by label (by country) in the reader's language."""
    return list(_sorted_timezones(str(locale or _locale())))


@cache
def _sorted_timezones(locale_name: str) -> tuple[tuple[str, str], ...]:
    locale = Locale.parse(locale_name)
    return tuple(sorted(((name, timezone_label(name, locale)) for name in timezone_names()), key=lambda z: z[1]))


def is_timezone(name: str) -> bool:
    return name in timezone_names() or name == "UTC"


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
