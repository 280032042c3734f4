"""Every text search (public events, organisations, people, the registration desk) finds what contains the words,
in any case and any script, and takes %, _, \\ and / as themselves, on SQLite and PostgreSQL alike."""

import pytest

NAMES = [
    "Trade at 100% capacity",
    "Border_crossings compared",
    "Back\\slash notes",
    "Customs/Border posts",
    "Пограничная безопасность",
    "Plain title",
]

SEARCHES = [
    ("%", ["Trade at 100% capacity"]),
    ("_", ["Border_crossings compared"]),
    ("r_c", ["Border_crossings compared"]),
    ("\\", ["Back\\slash notes"]),
    ("/", ["Customs/Border posts"]),
    ("s/b", ["Customs/Border posts"]),
    ("BORDER", ["Border_crossings compared", "Customs/Border posts"]),
    ("ПОГРАНИЧНАЯ", ["Пограничная безопасность"]),
    ("  plain  ", ["Plain title"]),
    ("nothing like it", []),
]


@pytest.fixture
def catalogue(db, make_event, make_organisation, make_user):
    """An event, an organisation, a person and a registration named after each of NAMES; and an admin."""
    from eventmgr.people.services import create_person
    from eventmgr.registration.services import register

    admin = make_user(is_admin=True)
    desk_event = make_event(organiser=admin, title="The desk's event", description="")
    for number, name in enumerate(NAMES):
        make_event(organiser=admin, title=name, description="")
        make_organisation(name=name)
        create_person({"full_name": name}, admin)
        register(
            desk_event,
            {"given_name": name, "family_name": "Delegate", "email": f"d{number}@example.org", "country": "KZ"},
        )
    db.session.commit()
    return admin, desk_event


def found_by_every_search(catalogue, text) -> dict[str, list[str]]:
    from eventmgr.events.services import search_public_events
    from eventmgr.extensions import db
    from eventmgr.organisations.services import search
    from eventmgr.people.services import search_people
    from eventmgr.registration.desk import filtered_query

    admin, desk_event = catalogue
    rows, _answer = filtered_query(desk_event, {"q": text})
    return {
        "events": sorted(e.title for e in search_public_events(text=text, when="all").items),
        "organisations": sorted(o.name for o in search(text, admin, page=1).items),
        "people": sorted(p.full_name for p in search_people(text, admin)),
        "registrations": sorted(r.given_name for r in db.session.execute(rows).scalars()),
    }


@pytest.mark.parametrize("text, expected", SEARCHES)
def test_every_search_finds_the_text_as_written(catalogue, text, expected):
    found = found_by_every_search(catalogue, text)
    assert found == dict.fromkeys(found, sorted(expected))
