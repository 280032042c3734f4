"""Countries, languages, currencies and time zones from maintained packages, named in the reader's locale."""

from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, available_timezones

import pycountry
from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import get_timezone_location
from babel.numbers import get_territory_currencies, list_currencies
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l


def _locale() -> Locale:
    try:
        return get_locale() or Locale("en")
    except RuntimeError:  # outside a request
        return Locale("en")


@cache
def country_codes() -> tuple[str, ...]:
    """ISO 3166-1 alpha-2 codes of every country."""
    return tuple(country.alpha_2 for country in pycountry.countries)


#: Where CLDR's short name of a country differs from the form the country itself uses officially in that language
#: (its constitution, its government's and the UN's documents in that language): {language: {code: name}}.
#: Checked for the five Central Asian states and Afghanistan in Russian and English (the CLDR data of Babel 2.19):
#: - ru KG: CLDR says "Киргизия", as Russia's own classifier (ОКСМ) does; the Kyrgyz Republic, where Russian is an
#:   official language, writes "Кыргызстан" in its Constitution and laws, and so do the CIS's and the UN's
#:   Russian texts, which our delegates read (formally "Кыргызская Республика").
#: - ru KZ "Казахстан", TJ "Таджикистан", TM "Туркменистан", UZ "Узбекистан", AF "Афганистан": CLDR's names are
#:   the official short forms already.
#: - en: CLDR's "Kazakhstan", "Kyrgyzstan", "Tajikistan", "Turkmenistan", "Uzbekistan", "Afghanistan" are the
#:   short names these states and the UN use in English; none is overridden.
OFFICIAL_COUNTRY_NAMES: dict[str, dict[str, str]] = {
    "ru": {"KG": "Кыргызстан"},
}


def country_name(code: str | None, locale: Locale | None = None) -> str:
    """The country's name in the reader's language (the official form where CLDR's differs), or '' for no code."""
    if not code:
        return ""
    locale = locale or _locale()
    name = OFFICIAL_COUNTRY_NAMES.get(locale.language, {}).get(code) or locale.territories.get(code)
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


def language_autonym(code: str) -> str:
    """The language's name in itself, as a link to a text in it reads: 'English', 'Русский', 'Қазақ тілі'."""
    try:
        name = Locale.parse(code).language_name or ""
    except (ValueError, UnknownLocaleError):
        name = ""
    name = name or language_name(code, Locale("en"))
    return name[:1].upper() + name[1:]


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
    """ISO 4217 codes of the currencies some country uses as legal tender today (no historic ones: no DEM, HRK)."""
    today = date.today()
    return tuple(
        sorted(
            {
                code
                for territory in get_global("territory_currencies")
                for code in get_territory_currencies(territory, today, tender=True, non_tender=False)
            }
        )
    )


def currency_choices(keep: str | None = None) -> list[tuple[str, str]]:
    """(code, 'EUR · Euro') of today's currencies, and of `keep` (an event's stored one) if it is no longer current."""
    locale = _locale()
    codes = currency_codes()
    if keep and keep not in codes and is_currency(keep):
        codes = (*codes, keep)
    return [(code, f"{code} · {locale.currencies.get(code, code)}") for code in codes]


def _tzdata_text(name: str) -> str:
    return (resources.files("tzdata.zoneinfo") / name).read_text(encoding="utf-8")


@cache
def timezone_names() -> tuple[str, ...]:
    """The IANA zones people choose from (Area/Location, one per region of a country, as tzdata's zone.tab lists
    them), without the backward links: no 'US/Eastern', 'Asia/Calcutta' or 'Europe/Kiev'."""
    rows = (line.split("\t") for line in _tzdata_text("zone.tab").splitlines() if line and not line.startswith("#"))
    return tuple(sorted(name for *_, name in (row[:3] for row in rows) if name in available_timezones()))


@cache
def timezone_aliases() -> dict[str, str]:
    """Old or alternative zone names (tzdata's links: 'Asia/Calcutta') -> the zone offered for them ('Asia/Kolkata').

    Browsers still report some old names, so a form preselecting the browser's zone maps them through this.
    """
    offered = set(timezone_names())
    links = (line.split()[1:3] for line in _tzdata_text("tzdata.zi").splitlines() if line.startswith("L "))
    return {alias: target for target, alias in links if target in offered}


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


def utc_offset(name: str, moment: datetime | None = None) -> str:
    """The zone's offset from UTC at `moment` (now by default): 'UTC+05:00', 'UTC−03:30', 'UTC±00:00'."""
    offset = (moment or datetime.now(UTC)).astimezone(ZoneInfo(name)).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    if not minutes:
        return "UTC±00:00"
    sign = "+" if minutes > 0 else "\u2212"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


#: The regions of the IANA names ('Asia' of 'Asia/Almaty'), for grouping zones in a list.
ZONE_REGIONS = {
    "Africa": _l("Africa"),
    "America": _l("Americas"),
    "Antarctica": _l("Antarctica"),
    "Arctic": _l("Arctic"),
    "Asia": _l("Asia"),
    "Atlantic": _l("Atlantic Ocean"),
    "Australia": _l("Australia"),
    "Europe": _l("Europe"),
    "Indian": _l("Indian Ocean"),
    "Pacific": _l("Pacific Ocean"),
}


def grouped_timezone_choices(keep: str | None = None, moment: datetime | None = None) -> dict[str, list]:
    """Zones by region for a select with option groups, each labelled with its current offset:
    {'Asia': [('Asia/Almaty', 'Kazakhstan (Almaty) · Asia/Almaty (UTC+05:00)'), ...], ...}, UTC first.

    `keep` (an event's stored zone) is offered too when it is not among them, so an old event still saves.
    """
    moment = moment or datetime.now(UTC)
    hour = moment.replace(minute=0, second=0, microsecond=0)  # offsets change on the hour at most
    return {
        str(ZONE_REGIONS.get(region, region)): list(zones) for region, zones in _grouped(str(_locale()), hour, keep)
    }


@lru_cache(maxsize=64)
def _grouped(locale_name: str, hour: datetime, keep: str | None) -> tuple:
    locale = Locale.parse(locale_name)
    names = list(timezone_names())
    if keep and keep not in names and keep != "UTC" and is_timezone(keep):
        names.append(keep)
    groups: dict[str, list[tuple[str, str]]] = {"UTC": [("UTC", f"UTC ({utc_offset('UTC', hour)})")]}
    for name, label in sorted(((n, timezone_label(n, locale)) for n in names), key=lambda z: z[1]):
        groups.setdefault(name.split("/")[0], []).append((name, f"{label} ({utc_offset(name, hour)})"))
    return tuple((region, tuple(zones)) for region, zones in groups.items())


def is_timezone(name: str) -> bool:
    """Whether the name is a zone: one offered, or an older name an event may already be stored with."""
    return name in timezone_names() or name == "UTC" or ("/" in name and name in available_timezones())


def is_currency(code: str) -> bool:
    """Whether the code is an ISO 4217 currency Babel knows, current or historic."""
    return code in list_currencies()


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
