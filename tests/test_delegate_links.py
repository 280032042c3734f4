"""A delegate's private link (/events/<slug>/registration/<token>/...) keeps working after the organisers rename
the event: every page behind it finds the registration by the old slug too (registration_for_link)."""

from datetime import UTC, datetime, timedelta

import pytest

from eventmgr.events.services import update_event
from eventmgr.registration import services as registration

#: One page of each feature behind the private link: the registration itself, the personal calendar feed, the
#: personal agenda and the certificate of attendance.
LINK_PAGES = {
    "registration": ("", "text/html"),
    "calendar": ("/calendar.ics", "text/calendar"),
    "agenda": ("/agenda", "text/html"),
    "certificate": ("/certificate.pdf", "application/pdf"),
}


@pytest.fixture
def delegate(db, make_event, make_user):
    """A checked-in delegate of an event with a programme, renamed twice since they registered; (registration,
    the three slugs)."""
    from eventmgr.agenda.services import create_session

    organiser = make_user()
    # Last week's: its certificates of attendance are issued.
    event = make_event(
        organiser=organiser,
        title="Border Management Webinar",
        start_at=datetime.now(UTC).replace(microsecond=0) - timedelta(days=7),
    )
    create_session(
        event,
        {"kind": "panel", "title": "Data sharing at the border", "start_at": event.start_at, "end_at": event.end_at},
        organiser,
    )
    found = registration.register(
        event,
        {"given_name": "Dana", "family_name": "Sultanova", "email": "dana@example.kz", "country": "KZ"},
        now=event.start_at - timedelta(days=3),
    )
    registration.check_in(found, organiser, now=event.start_at)
    db.session.commit()
    slugs = [event.slug]
    for slug in ("border-management-2027", "border-management-webinar-2027"):
        update_event(event, {"slug": slug}, organiser, expected_version=event.version)
        db.session.commit()
        slugs.append(slug)
    return found, slugs


@pytest.mark.parametrize("part", LINK_PAGES)
def test_a_private_link_works_under_every_slug_the_event_had(client, delegate, part):
    found, slugs = delegate
    path, mimetype = LINK_PAGES[part]
    for slug in slugs:
        response = client.get(f"/events/{slug}/registration/{found.access_token}{path}")
        assert response.status_code == 200, (part, slug)
        assert response.mimetype == mimetype


@pytest.mark.parametrize("part", LINK_PAGES)
def test_a_private_link_needs_its_own_events_token(client, db, delegate, make_event, part):
    found, slugs = delegate
    path, _mimetype = LINK_PAGES[part]
    other = make_event(title="Another webinar")
    for url in (
        f"/events/{slugs[0]}/registration/{'x' * 43}{path}",  # a token nobody has
        f"/events/{other.slug}/registration/{found.access_token}{path}",  # another event's slug
        f"/events/never-was/registration/{found.access_token}{path}",
    ):
        assert client.get(url).status_code == 404, (part, url)


def test_the_personal_agenda_saved_under_an_old_slug_returns_to_the_current_one(client, delegate):
    from conftest import csrf_token

    found, slugs = delegate
    old = f"/events/{slugs[0]}/registration/{found.access_token}/agenda"
    response = client.post(old, data={"csrf_token": csrf_token(client, old)})
    assert response.status_code == 302
    assert response.location.endswith(f"/events/{slugs[-1]}/registration/{found.access_token}/agenda")


def test_registration_for_link_follows_old_slugs_and_checks_the_token(delegate):
    found, slugs = delegate
    assert {registration.registration_for_link(slug, found.access_token) for slug in slugs} == {found}
    assert registration.registration_for_link(slugs[0], "") is None
    assert registration.registration_for_link(slugs[0], "y" * 200) is None
    assert registration.registration_for_link("never-was", found.access_token) is None
