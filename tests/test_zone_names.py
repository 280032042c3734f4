"""Time zones are offered by country and city in the reader's language (Babel's names), with their IANA names."""

import re

from babel import Locale

from eventmgr import locales


def test_every_zone_is_offered_by_country_and_city_in_the_readers_language():
    english, russian = (dict(locales.timezone_choices(Locale.parse(name))) for name in ("en_GB", "ru"))
    assert set(english) == set(russian) == set(locales.timezone_names())
    assert english["Asia/Almaty"] == "Kazakhstan (Almaty) · Asia/Almaty"
    assert russian["Asia/Almaty"] == "Казахстан (Алматы) · Asia/Almaty"
    assert english["America/Indiana/Knox"] == "United States (Knox, Indiana) · America/Indiana/Knox"
    assert russian["Europe/Brussels"] == "Бельгия (Брюссель) · Europe/Brussels"
    # A station of the world at large: no country to name.
    assert english["Antarctica/Troll"] == "Troll Station · Antarctica/Troll"
    # Babel's whole location names say "Time" ("летнее время", summer time, in Russian even where there is none).
    assert not any(label.endswith(" Time") or "время" in label for label in (*english.values(), *russian.values()))


def test_the_choices_come_sorted_by_country(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        labels = [label for _name, label in locales.timezone_choices()]
    assert labels == sorted(labels) and labels[0].startswith("Afghanistan (Kabul)")


def test_the_agenda_offers_the_zones_by_name(client, make_event):
    event = make_event()
    page = client.get(f"/events/{event.slug}/agenda", headers={"Accept-Language": "ru"}).text
    assert re.search(r'<option value="Europe/Brussels"[^>]*>Бельгия \(Брюссель\) · Europe/Brussels</option>', page)
