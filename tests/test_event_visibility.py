"""Who sees an event, and where it is listed: one rule (Event.is_listed and permissions.can_view_event), the same
on every page, in SQL and in Python."""

import itertools

import pytest
from conftest import csrf_token
from sqlalchemy import select

from eventmgr.events import services
from eventmgr.events.models import VISIBILITIES, Event
from eventmgr.events.permissions import can_find_event, can_view_event

STATUSES = ("draft", "published", "cancelled")


def signed_in(app, user):
    """A client of its own, logged in as `user`."""
    client = app.test_client()
    client.post(
        "/login",
        data={"email": user.email, "password": "a long test password", "csrf_token": csrf_token(client, "/login")},
    )
    return client


def rename(event, slug: str) -> str:
    """Give the event a new slug; return the old one."""
    old = event.slug
    services.update_event(event, {"slug": slug}, event.roles[0].user, expected_version=event.version)
    return old


def test_listed_and_visible_mean_the_same_in_python_and_in_sql(db, make_event, make_user):
    organiser = make_user()
    events = {
        (visibility, status): make_event(
            organiser=organiser, visibility=visibility, status=status, title=f"{visibility} {status}"
        )
        for visibility, status in itertools.product(VISIBILITIES, STATUSES)
    }
    listed_in_sql = set(db.session.execute(select(Event.id).where(Event.is_listed)).scalars())
    for (visibility, status), event in events.items():
        listed = visibility == "public" and status != "draft"
        assert event.is_listed is listed, (visibility, status)
        assert (event.id in listed_in_sql) is listed, (visibility, status)
        # Anyone, signed in or not, may open a published or cancelled event that is not private.
        assert can_view_event(None, event) is (visibility != "private" and status != "draft"), (visibility, status)
        assert can_view_event(organiser, event) and can_find_event(organiser, event)
        assert can_find_event(None, event) is listed


def test_the_series_page_lists_the_editions_the_reader_may_find(app, db, make_event, make_user):
    organiser, secretary, outsider = make_user(), make_user(), make_user()
    series = services.create_series("Issyk-Kul Initiative", "", organiser)
    db.session.commit()
    titles = {}
    for edition, (visibility, status) in enumerate(
        [("public", "published"), ("unlisted", "published"), ("private", "published"), ("public", "draft")], start=1
    ):
        titles[visibility, status] = f"Edition {visibility} {status}"
        event = make_event(
            organiser=organiser,
            title=titles[visibility, status],
            visibility=visibility,
            status=status,
            series_id=series.id,
            edition=edition,
        )
        if visibility == "private":
            services.grant_role(event, secretary, "secretariat", organiser)
    db.session.commit()

    def shown(client) -> set:
        page = client.get(f"/series/{series.slug}").text
        return {key for key, title in titles.items() if title in page}

    everyone = {("public", "published")}
    assert shown(app.test_client()) == everyone
    assert shown(signed_in(app, outsider)) == everyone
    assert shown(signed_in(app, organiser)) == set(titles)
    # The copy on the series page hid a private edition from its own secretariat, who may open its page.
    assert shown(signed_in(app, secretary)) == everyone | {("private", "published")}


def test_a_cancelled_public_event_is_indexed_and_an_unlisted_one_is_not(client, make_event):
    cancelled = make_event(status="cancelled", title="Cancelled one")
    unlisted = make_event(visibility="unlisted", title="Unlisted one")
    assert 'content="noindex"' not in client.get(f"/events/{cancelled.slug}").text
    assert 'content="noindex"' in client.get(f"/events/{unlisted.slug}").text


def test_a_persons_page_and_feed_name_only_listed_events(client, db, make_event, make_user):
    from eventmgr.agenda import services as agenda
    from eventmgr.people.services import create_person

    organiser = make_user()
    person = create_person({"full_name": "Aida Nurlanovna"}, organiser)
    for visibility, status in (("public", "published"), ("public", "cancelled"), ("unlisted", "published")):
        event = make_event(
            organiser=organiser, visibility=visibility, status=status, title=f"Conference {visibility} {status}"
        )
        session = agenda.create_session(
            event,
            {
                "kind": "panel",
                "title": f"Panel {visibility} {status}",
                "start_at": event.start_at,
                "end_at": event.end_at,
            },
            organiser,
        )
        agenda.add_participant(session, person, "speaker", user=organiser)
    db.session.commit()
    page = client.get(f"/people/{person.id}-{person.slug}").text
    feed = client.get(f"/people/{person.id}/calendar.ics").text
    for text in (page, feed):
        assert "Panel public published" in text and "Panel public cancelled" in text
        assert "Panel unlisted published" not in text


@pytest.fixture
def document(db, make_event, make_user):
    """A published document of an unlisted event."""
    from eventmgr.documents import services as documents

    organiser = make_user()
    event = make_event(organiser=organiser, visibility="unlisted", title="Unlisted conference")
    document = documents.create_document(event, {"kind": "recommendations", "title": "Recommendations"}, organiser)
    documents.import_text(document, "## 1. Introduction\n\n(1) The delegations met.\n", organiser)
    documents.publish(document, organiser)
    db.session.commit()
    return document


def test_a_documents_pdf_may_sit_in_shared_caches_only_while_anyone_may_read_it(app, client, db, document):
    event = document.event
    pdf = f"/events/{event.slug}/documents/{document.slug}.pdf"
    assert client.get(pdf).headers["Cache-Control"].startswith("public,")
    event.visibility = "private"
    db.session.commit()
    organiser = event.roles[0].user
    assert signed_in(app, organiser).get(pdf).headers["Cache-Control"].startswith("private,")


def test_the_old_address_of_a_document_keeps_its_query(client, db, document):
    old = rename(document.event, "renamed-conference")
    db.session.commit()
    moved = client.get(f"/events/{old}/documents/{document.slug}/changes?from=1&to=1")
    assert moved.status_code == 301
    assert moved.location.endswith(f"/events/renamed-conference/documents/{document.slug}/changes?from=1&to=1")
    # The query named the URL's own parts: the copy of the redirect passed them on twice, and failed.
    odd = client.get(f"/events/{old}/documents/{document.slug}/changes?slug=x&doc=y")
    assert odd.status_code == 301 and odd.location.endswith("?slug=x&doc=y")
    assert client.get(f"/events/renamed-conference/documents/{document.slug}/changes?slug=x").status_code == 200
    pdf = client.get(f"/events/{old}/documents/{document.slug}.pdf?download=1")
    assert pdf.status_code == 301 and pdf.location.endswith(f"{document.slug}.pdf?download=1")


def test_the_registration_form_follows_a_renamed_event(client, db, make_event):
    event = make_event(title="Border Webinar")
    old = rename(event, "border-webinar-2027")
    db.session.commit()
    # An invitation mailed before the rename: the copy on the registration form answered 404.
    moved = client.get(f"/events/{old}/register?invitation=abc")
    assert moved.status_code == 301 and moved.location.endswith("/events/border-webinar-2027/register?invitation=abc")
    assert client.get(f"/events/{old}/register/link").status_code == 301
    assert client.get("/events/border-webinar-2027/register").status_code == 200
    assert client.get("/events/never-was/register").status_code == 404
