"""Events and series behind the scenes: rules, zones, slugs, locking, life cycle, log, hosts, directory, dashboard."""

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from conftest import csrf_token
from helpers import count, field_errors, flashes, logged_in, section
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from eventmgr.audit.models import AuditEntry
from eventmgr.errors import EventMgrError
from eventmgr.events import services
from eventmgr.events.models import Event, EventOrganisation, EventRole, Series
from eventmgr.organisations.models import Organisation
from eventmgr.organisations.services import create_organisation

DAY = (datetime.now(UTC) + timedelta(days=60)).strftime("%Y-%m-%d")
LATER_DAY = (datetime.now(UTC) + timedelta(days=61)).strftime("%Y-%m-%d")
EARLIER_DAY = (datetime.now(UTC) + timedelta(days=40)).strftime("%Y-%m-%d")


# --- Helpers ---------------------------------------------------------------------------------------


def event_form(**overrides) -> dict:
    """What an organiser types into the new-event form for a valid webinar, with changes."""
    data = {
        "title": "Central Asia Border Challenges",
        "kind": "webinar",
        "format": "online",
        "timezone": "Asia/Almaty",
        "start": f"{DAY}T09:00",
        "end": f"{DAY}T12:00",
        "visibility": "public",
        "registration_policy": "open",
        "currency": "EUR",
        "fee": "0",
    }
    return data | overrides


def service_data(**overrides) -> dict:
    """What a view or the CLI hands the service for a valid webinar, with changes."""
    data = {
        "title": "Central Asia Border Challenges",
        "kind": "webinar",
        "timezone": "Asia/Almaty",
        "start_at": datetime(2030, 5, 1, 9, tzinfo=UTC),
        "end_at": datetime(2030, 5, 1, 12, tzinfo=UTC),
        "visibility": "public",
        "registration_policy": "open",
        "currency": "EUR",
        "fee": Decimal("0"),
    }
    return data | overrides


class _FormReader(HTMLParser):
    """The values a browser would submit from the first form whose class contains `css_class`."""

    def __init__(self, css_class: str):
        super().__init__()
        self.css_class, self.values = css_class, []
        self.inside = self.done = False
        self.select = self.textarea = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done and self.css_class in (a.get("class") or "").split():
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.values.append((self.select, a.get("value") or ""))
        elif tag == "textarea":
            self.textarea, self.text = a.get("name"), []

    def handle_data(self, data):
        if self.textarea:
            self.text.append(data)

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            # Browsers drop the one newline that follows <textarea>.
            self.values.append((self.textarea, re.sub(r"^\r?\n", "", "".join(self.text))))
            self.textarea = None
        elif tag == "form":
            self.inside, self.done = False, True


def form_values(page_html: str, css_class: str = "event-form") -> MultiDict:
    reader = _FormReader(css_class)
    reader.feed(page_html)
    assert reader.values, f"no form .{css_class} on the page"
    return MultiDict(reader.values)


def local_time(value: str) -> datetime:
    """A datetime-local input's value, in either of the forms browsers accept."""
    return datetime.fromisoformat(value)


def replace(form: MultiDict, **values) -> MultiDict:
    """The form with these fields' values replaced, as a user would retype them."""
    for name, value in values.items():
        form.setlist(name, value if isinstance(value, list) else [value])
    return form


@pytest.fixture
def organiser(make_user, login):
    user = make_user(name="Olga Organiser")
    login(user)
    return user


# --- Validation: each broken rule is named at its field, and nothing is saved ----------------------


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"end": f"{DAY}T08:00"}, "end", "The event must end after it starts."),
        ({"end": f"{DAY}T09:00"}, "end", "The event must end after it starts."),
        ({"kind": "conference", "format": "in_person"}, "venue_name", "An event in person or hybrid needs a venue"),
        (
            {"kind": "conference", "format": "in_person", "venue_name": "Hotel Rixos", "venue_city": "Borovoe"},
            "venue_country",
            "Give the venue's country.",
        ),
        (
            {"kind": "workshop", "format": "hybrid", "venue_country": "KZ"},
            "venue_name",
            "An event in person or hybrid needs a venue",
        ),
        (
            {"kind": "conference", "venue_name": "Hotel Rixos", "venue_country": "ZZ"},
            "venue_country",
            "Choose a country from the list.",
        ),
        ({"capacity": "0"}, "capacity", "Capacity must be at least 1 seat"),
        ({"capacity": "-20"}, "capacity", "Capacity must be at least 1 seat"),
        (
            {"registration_opens": f"{EARLIER_DAY}T10:00", "registration_closes": f"{EARLIER_DAY}T09:00"},
            "registration_closes",
            "Registration must close after it opens.",
        ),
        (
            {"registration_closes": f"{DAY}T12:30"},
            "registration_closes",
            "Registration must close before the event ends.",
        ),
        (
            {"registration_opens": f"{LATER_DAY}T09:00"},
            "registration_opens",
            "Registration must open before the event ends.",
        ),
        ({"fee": "-5"}, "fee", "The fee cannot be negative; 0 means free."),
        ({"timezone": "Mars/Olympus"}, "timezone", "Choose a time zone from the list."),
        ({"currency": "XXY"}, "currency", "Choose a currency from the list."),
        ({"languages": ["en", "xx"]}, "languages", "Choose languages from the list."),
        ({"slug": "Not A Slug"}, "slug", "Use lower-case letters, digits and single hyphens"),
        ({"slug": "double--hyphen"}, "slug", "Use lower-case letters, digits and single hyphens"),
        ({"slug": "-leading-hyphen"}, "slug", "Use lower-case letters, digits and single hyphens"),
        ({"slug": "граница"}, "slug", "Use lower-case letters, digits and single hyphens"),
        ({"edition": "2"}, "edition", "An edition number needs a series."),
        ({"title": "  "}, "title", ""),
    ],
)
def test_bad_event_input_is_refused_at_its_field_and_nothing_is_saved(organiser, post, db, overrides, field, message):
    response = post("/manage/events/new", event_form(**overrides))
    assert response.status_code == 422
    errors = field_errors(response)
    assert field in errors, errors
    assert message in errors[field]
    assert "Please correct the fields marked below." in response.text
    assert count(db, Event) == count(db, AuditEntry) == count(db, EventRole) == 0


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"kind": "seminar"}, "kind", "Choose conference, webinar, meeting or workshop."),
        ({"title": "  "}, "title", "Give the event a title."),
        ({"visibility": "secret"}, "visibility", "Choose who can see the event."),
        ({"registration_policy": "lottery"}, "registration_policy", "Choose how delegates register."),
        ({"reminder_early_minutes": 0}, "reminder_early_minutes", "Between 1 minute and 14 days"),
        ({"reminder_late_minutes": 60 * 24 * 14 + 1}, "reminder_late_minutes", "Between 1 minute and 14 days"),
        ({"series_id": 999_999}, "series_id", "Choose a series from the list."),
        ({"edition": 0}, "edition", "Editions are numbered from 1."),
        ({"capacity": 0, "fee": Decimal("-1")}, "fee", "The fee cannot be negative"),
    ],
)
def test_the_event_rules_name_each_broken_one_at_its_field(db, overrides, field, message):
    assert services.event_rule_errors(service_data()) == {}
    errors = services.event_rule_errors(service_data(**overrides))
    assert message in errors[field]


def test_the_event_rules_report_every_broken_one_at_once(db):
    errors = services.event_rule_errors(
        service_data(
            kind="conference", title="", capacity=0, fee=Decimal("-1"), reminder_early_minutes=0, languages=["en", "xx"]
        )
    )
    assert set(errors) == {
        "venue_name",
        "venue_country",
        "title",
        "capacity",
        "fee",
        "reminder_early_minutes",
        "languages",
    }


def test_a_webinar_needs_no_venue_and_a_conference_with_one_is_accepted(organiser, post, db):
    assert post("/manage/events/new", event_form(title="Webinar without a venue")).status_code == 302
    conference = event_form(
        title="Regional Cooperation Conference",
        kind="conference",
        format="in_person",
        venue_name="Rixos Borovoe",
        venue_city="Borovoe",
        venue_country="KZ",
    )
    assert post("/manage/events/new", conference).status_code == 302
    stored = {e.title: e for e in db.session.execute(select(Event)).scalars()}
    assert stored["Webinar without a venue"].venue_name is None
    assert stored["Regional Cooperation Conference"].venue_country == "KZ"
    assert {e.status for e in stored.values()} == {"draft"}


def test_a_webinar_keeps_no_venue_left_over_from_a_change_of_kind(make_user, db):
    event = services.create_event(service_data(venue_name="Hotel", venue_country="KZ"), make_user())
    assert (event.venue_name, event.venue_country) == (None, None)


def test_a_slug_another_event_has_or_had_is_refused(organiser, post, make_event, db):
    taken = make_event(organiser=organiser, title="Border Security", slug="border-security")
    services.update_event(taken, {"slug": "border-security-2026"}, organiser, taken.version)
    db.session.commit()
    for slug in ("border-security-2026", "border-security"):  # its slug now, and the one it had
        response = post("/manage/events/new", event_form(slug=slug))
        assert response.status_code == 422
        assert field_errors(response)["slug"] == "Another event uses this address."
    assert count(db, Event) == 1


def test_an_edition_needs_a_series_and_is_unique_within_it(organiser, post, make_event, db):
    issyk_kul = services.create_series("Issyk-Kul Initiative", "", organiser)
    other = services.create_series("Japan-EU Conferences", "", organiser)
    db.session.commit()
    make_event(organiser=organiser, title="3rd Regional Conference", series_id=issyk_kul.id, edition=3)
    response = post("/manage/events/new", event_form(series_id=str(issyk_kul.id), edition="3"))
    assert response.status_code == 422
    assert field_errors(response)["edition"] == "Another event of this series has this edition number."
    assert count(db, Event) == 1
    assert post("/manage/events/new", event_form(series_id=str(other.id), edition="3")).status_code == 302
    assert post("/manage/events/new", event_form(series_id=str(issyk_kul.id), edition="4")).status_code == 302
    editions = db.session.execute(select(Event.series_id, Event.edition).order_by(Event.id)).all()
    assert editions == [(issyk_kul.id, 3), (other.id, 3), (issyk_kul.id, 4)]


def test_a_bad_edit_changes_nothing(organiser, client, post, make_event, db):
    event = make_event(organiser=organiser, title="Before")
    edit = f"/manage/events/{event.id}/edit"
    data = form_values(client.get(edit).text)
    replace(data, title="After", end=data["start"])
    response = post(edit, data)
    assert response.status_code == 422
    assert field_errors(response)["end"] == "The event must end after it starts."
    db.session.expire_all()
    stored = db.session.get(Event, event.id)
    assert (stored.title, stored.version) == ("Before", event.version)
    assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "event.update")).first() is None


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"end_at": datetime(2030, 5, 1, 8, tzinfo=UTC)}, "end_at"),
        ({"kind": "conference"}, "venue_name"),
        ({"kind": "conference", "venue_name": "Hotel"}, "venue_country"),
        ({"online_capacity": 0}, "online_capacity"),
        (
            {
                "registration_opens_at": datetime(2030, 4, 2, tzinfo=UTC),
                "registration_closes_at": datetime(2030, 4, 1, tzinfo=UTC),
            },
            "registration_closes_at",
        ),
        ({"registration_closes_at": datetime(2030, 5, 1, 13, tzinfo=UTC)}, "registration_closes_at"),
        ({"fee": Decimal("-0.01")}, "fee"),
        ({"timezone": "Asia/Nowhere"}, "timezone"),
        ({"currency": "ABC"}, "currency"),
        ({"languages": ["klingon"]}, "languages"),
        ({"slug": "Upper-Case"}, "slug"),
        ({"edition": 1}, "edition"),
        ({"series_id": 999999}, "series_id"),
        ({"visibility": "secret"}, "visibility"),
        ({"registration_policy": "lottery"}, "registration_policy"),
        ({"kind": "concert"}, "kind"),
    ],
)
def test_the_service_refuses_broken_rules_naming_the_field(make_user, db, overrides, field):
    data = service_data(**overrides)
    user = make_user()
    with pytest.raises(EventMgrError) as refused:
        services.create_event(data, user)
    assert refused.value.field == field
    db.session.rollback()
    assert count(db, Event) == count(db, AuditEntry) == 0


# --- Times: entered in the event's zone, stored in UTC ---------------------------------------------


def test_times_entered_in_almaty_are_stored_in_utc_and_shown_back_in_almaty(organiser, client, post, db):
    # 2021: Kazakhstan was on UTC+6 then, whatever the tz database says about later years.
    response = post(
        "/manage/events/new", event_form(timezone="Asia/Almaty", start="2021-07-14T09:00", end="2021-07-14T12:30")
    )
    assert response.status_code == 302
    event = db.session.execute(select(Event)).scalar_one()
    assert event.start_at == datetime(2021, 7, 14, 3, 0, tzinfo=UTC)
    assert event.end_at == datetime(2021, 7, 14, 6, 30, tzinfo=UTC)
    form = form_values(client.get(f"/manage/events/{event.id}/edit").text)
    assert form["timezone"] == "Asia/Almaty"
    assert local_time(form["start"]) == datetime(2021, 7, 14, 9)
    assert local_time(form["end"]) == datetime(2021, 7, 14, 12, 30)


@pytest.mark.parametrize(
    "start, end, start_utc, end_utc",
    [
        # Autumn: CEST (UTC+2) on Saturday, CET (UTC+1) from Sunday 03:00.
        (
            "2026-10-24T09:00",
            "2026-10-25T17:00",
            datetime(2026, 10, 24, 7, tzinfo=UTC),
            datetime(2026, 10, 25, 16, tzinfo=UTC),
        ),
        # Spring: CET on Saturday, CEST from Sunday 02:00.
        (
            "2027-03-27T09:00",
            "2027-03-28T17:00",
            datetime(2027, 3, 27, 8, tzinfo=UTC),
            datetime(2027, 3, 28, 15, tzinfo=UTC),
        ),
    ],
)
def test_times_in_brussels_across_a_change_of_clocks(organiser, client, post, db, start, end, start_utc, end_utc):
    response = post("/manage/events/new", event_form(timezone="Europe/Brussels", start=start, end=end))
    assert response.status_code == 302
    event = db.session.execute(select(Event)).scalar_one()
    assert (event.start_at, event.end_at) == (start_utc, end_utc)
    assert (event.end_at - event.start_at) != (datetime.fromisoformat(end) - datetime.fromisoformat(start))
    form = form_values(client.get(f"/manage/events/{event.id}/edit").text)
    assert (local_time(form["start"]), local_time(form["end"])) == (local_time(start), local_time(end))
    page = client.get(f"/events/{event.slug}").text
    assert "09:00" in page and "17:00" in page and "Europe/Brussels" in page


def test_changing_only_the_zone_moves_the_event_in_utc(organiser, client, post, make_event, db):
    event = make_event(
        organiser=organiser,
        timezone="Asia/Dushanbe",
        start_at=datetime(2030, 2, 28, 4, tzinfo=UTC),
        end_at=datetime(2030, 2, 28, 7, tzinfo=UTC),
    )
    edit = f"/manage/events/{event.id}/edit"
    data = form_values(client.get(edit).text)
    assert local_time(data["start"]) == datetime(2030, 2, 28, 9)  # Dushanbe is UTC+5
    data["timezone"] = "Europe/Brussels"
    assert post(edit, data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).start_at == datetime(2030, 2, 28, 8, tzinfo=UTC)  # 09:00 CET


# --- Slugs -----------------------------------------------------------------------------------------


def test_slugs_are_made_from_titles_transliterated_and_unique(make_user, db):
    user = make_user()
    data = service_data()
    first = services.create_event(data | {"title": "Пограничная безопасность в Центральной Азии"}, user)
    second = services.create_event(data | {"title": "Пограничная безопасность в Центральной Азии"}, user)
    third = services.create_event(data | {"title": "Пограничная безопасность в Центральной Азии"}, user)
    english = services.create_event(data | {"title": "Central Asia: Border Challenges (2030)!"}, user)
    assert first.slug == "pogranichnaia-bezopasnost-v-tsentralnoi-azii"
    assert (second.slug, third.slug) == (f"{first.slug}-2", f"{first.slug}-3")
    assert english.slug == "central-asia-border-challenges-2030"


def test_the_form_makes_the_slug_when_left_empty(organiser, post, make_event, db):
    make_event(organiser=organiser, title="Border Challenges")
    assert post("/manage/events/new", event_form(title="Border Challenges", slug="")).status_code == 302
    assert post("/manage/events/new", event_form(title="Граница", slug="")).status_code == 302
    slugs = db.session.execute(select(Event.slug).order_by(Event.id)).scalars().all()
    assert slugs == ["border-challenges", "border-challenges-2", "granitsa"]


def test_a_changed_slug_keeps_the_old_address_working(organiser, client, post, make_event, db):
    event = make_event(organiser=organiser, title="Central Asia Border Challenges")
    old = event.slug
    edit = f"/manage/events/{event.id}/edit"
    data = form_values(client.get(edit).text)
    data["slug"] = "border-challenges-2026"
    assert post(edit, data).status_code == 302

    moved = client.get(f"/events/{old}")
    assert moved.status_code == 301
    assert moved.location.endswith("/events/border-challenges-2026")
    assert client.get("/events/border-challenges-2026").status_code == 200
    assert services.slug_taken(old)  # nobody else may take the old address

    # Changed twice: both older addresses lead to the current one; the first may be taken back.
    data = form_values(client.get(edit).text)
    data["slug"] = "border-challenges"
    assert post(edit, data).status_code == 302
    assert client.get(f"/events/{old}").location.endswith("/events/border-challenges")
    assert client.get("/events/border-challenges-2026").location.endswith("/events/border-challenges")
    data = form_values(client.get(edit).text)
    data["slug"] = old
    assert post(edit, data).status_code == 302
    assert client.get(f"/events/{old}").status_code == 200
    assert client.get("/events/border-challenges").status_code == 301


# --- Optimistic locking ----------------------------------------------------------------------------


def test_the_second_of_two_concurrent_saves_is_refused_and_kept_for_review(
    app, client, login, make_user, make_event, db
):
    first_user, second_user = make_user(name="First Organiser"), make_user(name="Second Organiser")
    event = make_event(organiser=first_user, title="Original title", online_platform="Zoom")
    services.grant_role(event, second_user, "organiser", first_user)
    db.session.commit()
    edit = f"/manage/events/{event.id}/edit"
    login(first_user)
    first = client
    second = logged_in(app, second_user)
    first_form = form_values(first.get(edit).text)
    second_form = form_values(second.get(edit).text)
    assert first_form["version"] == second_form["version"]

    first_form["title"] = "Central Asia Border Challenges"
    first_form["online_platform"] = "Zoom Webinars"
    assert first.post(edit, data=first_form).status_code == 302

    second_form["title"] = "Border Challenges in Central Asia"
    second_form["description"] = "My new description, typed with care."
    refused = second.post(edit, data=second_form)
    assert refused.status_code == 409
    assert "Someone else saved this event after you opened it. Nothing of yours was saved" in refused.text
    kept = form_values(refused.text)
    assert kept["title"] == "Border Challenges in Central Asia"
    assert kept["description"] == "My new description, typed with care."
    conflict = refused.text.split('class="notice notice-conflict"')[1].split("</div>")[0]
    assert "Central Asia Border Challenges" in conflict  # the value the other organiser saved
    db.session.expire_all()
    stored = db.session.get(Event, event.id)
    assert (stored.title, stored.online_platform) == ("Central Asia Border Challenges", "Zoom Webinars")
    assert stored.description == "A webinar on border security."
    assert stored.version == int(second_form["version"]) + 1

    # Having seen the other save, the second organiser saves again, knowingly.
    assert int(kept["version"]) == stored.version
    assert second.post(edit, data=kept).status_code == 302
    db.session.expire_all()
    stored = db.session.get(Event, event.id)
    assert (stored.title, stored.description) == (
        "Border Challenges in Central Asia",
        "My new description, typed with care.",
    )


def test_the_service_refuses_a_stale_version(make_user, make_event, db):
    from eventmgr.errors import ConflictError

    organiser = make_user()
    event = make_event(organiser=organiser, title="Original")
    opened = event.version
    services.update_event(event, {"title": "First"}, organiser, opened)
    db.session.commit()
    with pytest.raises(ConflictError):
        services.update_event(event, {"title": "Second"}, organiser, opened)
    db.session.rollback()
    assert db.session.get(Event, event.id).title == "First"


# --- Life cycle ------------------------------------------------------------------------------------


def test_only_a_draft_can_be_published(organiser, client, post, make_event, db):
    event = make_event(organiser=organiser, status="draft", title="Draft to publish")
    overview = f"/manage/events/{event.id}"
    assert "Draft to publish" not in client.get("/").text
    assert post(f"{overview}/publish", token_from=overview).status_code == 302
    db.session.expire_all()
    stored = db.session.get(Event, event.id)
    assert stored.status == "published" and stored.published_at is not None
    assert "Draft to publish" in client.get("/").text

    post(f"{overview}/publish", token_from=overview)
    assert "Only a draft can be published." in flashes(client.get(overview))
    publications = db.session.execute(select(func.count()).where(AuditEntry.action == "event.publish")).scalar()
    assert publications == 1


def test_only_a_published_event_is_cancelled_and_its_page_says_why(organiser, client, post, make_event, db):
    draft = make_event(organiser=organiser, status="draft")
    post(f"/manage/events/{draft.id}/cancel", {"reason": "No"}, token_from=f"/manage/events/{draft.id}")
    assert "Only a published event can be cancelled; delete a draft instead." in flashes(
        client.get(f"/manage/events/{draft.id}")
    )
    db.session.expire_all()
    assert db.session.get(Event, draft.id).status == "draft"

    event = make_event(organiser=organiser, title="Webinar to cancel")
    overview = f"/manage/events/{event.id}"
    response = post(
        f"{overview}/cancel", {"reason": "Postponed to the spring; a new date follows."}, token_from=overview
    )
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Event, event.id)
    assert (stored.status, stored.cancellation_reason) == ("cancelled", "Postponed to the spring; a new date follows.")
    page = client.get(f"/events/{event.slug}").text
    assert "This event is cancelled." in page and "Postponed to the spring; a new date follows." in page
    assert "Register</a>" not in page

    post(f"{overview}/cancel", {"reason": "Again"}, token_from=overview)
    db.session.expire_all()
    assert db.session.get(Event, event.id).cancellation_reason == "Postponed to the spring; a new date follows."


def test_only_drafts_can_be_deleted(organiser, client, post, make_event, db):
    draft = make_event(organiser=organiser, status="draft", title="Abandoned draft")
    draft_id, draft_slug = draft.id, draft.slug
    response = post(f"/manage/events/{draft_id}/delete", token_from=f"/manage/events/{draft_id}")
    assert response.status_code == 302 and response.location.endswith("/manage/")
    db.session.expire_all()
    assert db.session.get(Event, draft_id) is None
    assert client.get(f"/events/{draft_slug}").status_code == 404
    assert (
        db.session.execute(select(AuditEntry.summary).where(AuditEntry.action == "event.delete")).scalar()
        == f"Abandoned draft ({draft_slug})"
    )

    published = make_event(organiser=organiser, title="Published event")
    overview = f"/manage/events/{published.id}"
    assert "Delete draft" not in client.get(overview).text
    post(f"{overview}/delete", token_from=overview)
    assert "Only drafts can be deleted; cancel a published event instead." in flashes(client.get(overview))
    db.session.expire_all()
    assert db.session.get(Event, published.id).status == "published"


def test_copy_as_next_edition(organiser, client, post, make_event, make_user, make_organisation, db):
    colleague, secretary = make_user(name="Colleague"), make_user(name="Secretary")
    series = services.create_series("Issyk-Kul Initiative", "", organiser)
    db.session.commit()
    event = make_event(
        organiser=organiser,
        title="3rd Regional Cooperation Conference on Border Security",
        kind="conference",
        venue_name="Rixos Borovoe",
        venue_city="Borovoe",
        venue_country="KZ",
        series_id=series.id,
        edition=3,
        start_at=datetime(2026, 7, 24, 3, tzinfo=UTC),
        end_at=datetime(2026, 7, 25, 12, tzinfo=UTC),
        registration_opens_at=datetime(2026, 6, 1, tzinfo=UTC),
        registration_closes_at=datetime(2026, 7, 20, tzinfo=UTC),
        join_url="https://meet.example.org/j/secret-room",
        capacity=60,
        fee=Decimal("25"),
        recording_url="https://video.example.org/3rd",
    )
    bomca, osce, fpri = (make_organisation(name=n) for n in ("BOMCA", "OSCE", "Foreign Policy Research Institute"))
    services.set_organisations(event, [(osce.id, "host"), (bomca.id, "host"), (fpri.id, "partner")], organiser)
    services.grant_role(event, colleague, "organiser", organiser)
    services.grant_role(event, secretary, "secretariat", organiser)
    db.session.commit()

    overview = f"/manage/events/{event.id}"
    response = post(f"{overview}/copy", token_from=overview)
    assert response.status_code == 302
    copy = db.session.execute(select(Event).where(Event.id != event.id)).scalar_one()
    assert response.location.endswith(f"/manage/events/{copy.id}/edit")
    assert copy.title == "4th Regional Cooperation Conference on Border Security"
    assert (copy.edition, copy.series_id, copy.status) == (4, series.id, "draft")
    assert copy.start_at == datetime(2027, 7, 24, 3, tzinfo=UTC)
    assert copy.end_at == datetime(2027, 7, 25, 12, tzinfo=UTC)
    assert copy.registration_opens_at == datetime(2027, 6, 1, tzinfo=UTC)
    assert copy.registration_closes_at == datetime(2027, 7, 20, tzinfo=UTC)
    assert (copy.venue_name, copy.capacity, copy.fee, copy.kind) == ("Rixos Borovoe", 60, Decimal("25"), "conference")
    assert copy.join_url is None and copy.recording_url is None
    assert copy.slug != event.slug
    assert [(link.organisation_id, link.role) for link in copy.organisation_links] == [
        (osce.id, "host"),
        (bomca.id, "host"),
        (fpri.id, "partner"),
    ]
    assert {(r.user_id, r.role) for r in copy.roles} == {
        (organiser.id, "organiser"),
        (colleague.id, "organiser"),
        (secretary.id, "secretariat"),
    }
    assert client.get(f"/events/{copy.slug}").status_code == 200  # the organiser sees the draft
    db.session.expire_all()
    assert db.session.get(Event, event.id).join_url == "https://meet.example.org/j/secret-room"

    # Copying the 3rd again numbers after the last edition, not after the 3rd.
    post(f"{overview}/copy", token_from=overview)
    fifth = db.session.execute(select(Event).where(Event.edition == 5)).scalar_one()
    assert fifth.title == "5th Regional Cooperation Conference on Border Security"


def test_an_event_outside_a_series_is_not_copied(organiser, client, post, make_event, db):
    event = make_event(organiser=organiser)
    overview = f"/manage/events/{event.id}"
    assert "Copy as next edition" not in client.get(overview).text
    post(f"{overview}/copy", token_from=overview)
    assert "Only an event in a series can be copied as its next edition." in flashes(client.get(overview))
    assert count(db, Event) == 1


# --- Audit log -------------------------------------------------------------------------------------


def test_the_log_records_who_did_what_when_and_which_fields_changed(organiser, client, post, make_user, db):
    make_user(name="Sam Secretariat", email="sam@example.org")
    before = datetime.now(UTC) - timedelta(seconds=1)
    post("/manage/events/new", event_form(title="Old title", join_url="https://zoom.example.org/j/first-secret"))
    event = db.session.execute(select(Event)).scalar_one()
    edit, overview = f"/manage/events/{event.id}/edit", f"/manage/events/{event.id}"
    data = form_values(client.get(edit).text)
    replace(data, title="New title", online_capacity="80", join_url="https://zoom.example.org/j/second-secret")
    assert post(edit, data).status_code == 302
    post(f"{overview}/publish", token_from=overview)
    post(f"{overview}/roles", {"email": "sam@example.org", "role": "secretariat"})
    post(f"{overview}/cancel", {"reason": "Speakers unavailable."}, token_from=overview)
    after = datetime.now(UTC) + timedelta(seconds=1)

    entries = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert [e.action for e in entries] == [
        "event.create",
        "event.update",
        "event.publish",
        "role.invite",
        "event.cancel",
    ]
    assert all(e.user_id == organiser.id and e.event_id == event.id for e in entries)
    assert all(before <= e.created_at <= after for e in entries)
    update = entries[1]
    assert update.changes["title"] == ["Old title", "New title"]
    assert update.changes["online_capacity"] == [None, 80]
    assert entries[3].summary == "sam@example.org: Secretariat"
    assert entries[4].changes == {"reason": [None, "Speakers unavailable."]}

    log = client.get(f"/manage/events/{event.id}/log")
    assert log.status_code == 200
    for text in (
        "event.create",
        "event.update",
        "event.publish",
        "role.invite",
        "event.cancel",
        "Olga Organiser",
        "<del>Old title</del> → <ins>New title</ins>",
        "Speakers unavailable.",
    ):
        assert text in log.text, text
    assert log.text.index("event.cancel") < log.text.index("event.create")  # newest first


def test_the_join_link_never_reaches_the_log(organiser, client, post, make_event, db):
    event = make_event(organiser=organiser, join_url="https://zoom.example.org/j/111-secret")
    edit = f"/manage/events/{event.id}/edit"
    data = form_values(client.get(edit).text)
    assert data["join_url"] == "https://zoom.example.org/j/111-secret"  # organisers do see it in the form
    data["join_url"] = "https://zoom.example.org/j/222-secret"
    assert post(edit, data).status_code == 302
    data = form_values(client.get(edit).text)
    data["join_url"] = ""
    assert post(edit, data).status_code == 302

    entries = db.session.execute(select(AuditEntry)).scalars().all()
    stored = json.dumps([[e.action, e.summary, e.changes] for e in entries])
    assert "join_url" in stored  # that it changed is recorded ...
    assert "zoom.example.org" not in stored  # ... its value never
    log = client.get(f"/manage/events/{event.id}/log").text
    assert "join_url" in log and "zoom.example.org" not in log


def test_only_organisers_see_the_log(app, client, make_user, make_event, db):
    organiser, secretary, outsider = make_user(), make_user(), make_user()
    event = make_event(organiser=organiser)
    services.grant_role(event, secretary, "secretariat", organiser)
    db.session.commit()
    url = f"/manage/events/{event.id}/log"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    assert logged_in(app, outsider).get(url).status_code == 403
    assert logged_in(app, secretary).get(url).status_code == 403
    assert logged_in(app, organiser).get(url).status_code == 200


# --- Hosts, co-organisers and partners -------------------------------------------------------------


def test_organisations_are_added_reordered_removed_and_shown_on_the_event_page(
    organiser, client, post, make_event, make_organisation, db
):
    event = make_event(organiser=organiser)
    osce = make_organisation(name="Organization for Security and Co-operation in Europe", acronym="OSCE")
    unocct = make_organisation(name="UN Counter-Terrorism Centre", acronym="UNCCT")
    bomca = make_organisation(name="Border Management Programme in Central Asia", acronym="BOMCA")
    fpri = make_organisation(name="Foreign Policy Research Institute", country_code="KZ")
    url = f"/manage/events/{event.id}/organisations"
    for org, role in ((osce, "host"), (unocct, "host"), (bomca, "co_organiser"), (fpri, "partner")):
        assert post(url, {"organisation_id": str(org.id), "role": role}).status_code == 302

    def stored():
        db.session.expire_all()
        return [(link.organisation_id, link.role) for link in db.session.get(Event, event.id).organisation_links]

    assert stored() == [(osce.id, "host"), (unocct.id, "host"), (bomca.id, "co_organiser"), (fpri.id, "partner")]
    page = client.get(f"/events/{event.slug}").text
    hosted = section(page, "orgs-host")
    assert "Hosted by" in hosted and hosted.index("Organization for Security") < hosted.index("UN Counter-Terrorism")
    assert "Border Management Programme" in section(page, "orgs-co_organiser")
    assert "Co-organised by" in section(page, "orgs-co_organiser")
    partners = section(page, "orgs-partner")
    assert "Partners" in partners and "Foreign Policy Research Institute" in partners and "Kazakhstan" in partners

    assert post(f"{url}/1/up", token_from=url).status_code == 302
    assert stored()[:2] == [(unocct.id, "host"), (osce.id, "host")]
    hosted = section(client.get(f"/events/{event.slug}").text, "orgs-host")
    assert hosted.index("UN Counter-Terrorism") < hosted.index("Organization for Security")
    post(f"{url}/0/down", token_from=url)
    assert stored()[:2] == [(osce.id, "host"), (unocct.id, "host")]

    post(f"{url}/2/remove", token_from=url)
    assert stored() == [(osce.id, "host"), (unocct.id, "host"), (fpri.id, "partner")]
    page = client.get(f"/events/{event.slug}").text
    assert "Border Management Programme" not in page and "Co-organised by" not in page
    changes = (
        db.session.execute(
            select(AuditEntry.changes).where(AuditEntry.action == "event.organisations").order_by(AuditEntry.id.desc())
        )
        .scalars()
        .first()
    )
    assert "Border Management Programme in Central Asia (Co-organiser)" in changes["organisations"][0]


def test_the_same_organisation_twice_in_one_role_is_refused(organiser, post, make_event, make_organisation, db):
    event = make_event(organiser=organiser)
    osce = make_organisation(name="OSCE")
    url = f"/manage/events/{event.id}/organisations"
    post(url, {"organisation_id": str(osce.id), "role": "host"})
    response = post(url, {"organisation_id": str(osce.id), "role": "host"})
    assert response.status_code == 422
    assert field_errors(response)["organisation_id"] == "An organisation is listed twice with the same role."
    assert post(url, {"organisation_id": str(osce.id), "role": "partner"}).status_code == 302
    assert count(db, EventOrganisation) == 2


# --- Organisations directory -----------------------------------------------------------------------


def test_organisations_are_created_and_edited_in_the_directory(organiser, client, post, db):
    response = post(
        "/manage/organisations/new",
        {
            "name": "Border Service of Kyrgyzstan",
            "acronym": "",
            "kind": "border_agency",
            "country_code": "KG",
            "website": "",
        },
    )
    assert response.status_code == 302
    org = db.session.execute(select(Organisation)).scalar_one()
    assert (org.name, org.kind, org.country_code, org.acronym) == (
        "Border Service of Kyrgyzstan",
        "border_agency",
        "KG",
        None,
    )
    listing = client.get("/manage/organisations/").text
    assert "Border Service of Kyrgyzstan" in listing and "Kyrgyzstan" in listing
    edit = f"/manage/organisations/{org.id}/edit"
    response = post(
        edit,
        {
            "name": "Border Service of Kyrgyzstan",
            "acronym": "BS KG",
            "kind": "ministry",
            "country_code": "KG",
            "website": "https://border.example.kg",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    org = db.session.get(Organisation, org.id)
    assert (org.acronym, org.kind, org.website) == ("BS KG", "ministry", "https://border.example.kg")
    assert "Border Service of Kyrgyzstan (BS KG)" in client.get("/manage/organisations/?q=bs+kg").text


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"name": "osce"}, "name", "An organisation with this name is in the directory already"),
        ({"name": "  OSCE "}, "name", "An organisation with this name is in the directory already"),
        ({"name": ""}, "name", "This field is required."),
        ({"country_code": "ZZ"}, "country_code", "Not a valid choice."),
        ({"kind": "club"}, "kind", "Not a valid choice."),
        ({"website": "not a web site"}, "website", "Invalid URL."),
    ],
)
def test_bad_organisations_are_refused_at_their_field(organiser, post, make_organisation, db, data, field, message):
    make_organisation(name="OSCE")
    form = {"name": "Ministry of Foreign Affairs of Tajikistan", "kind": "ministry", "country_code": "TJ"} | data
    response = post("/manage/organisations/new", form)
    assert response.status_code == 422
    assert message in field_errors(response)[field]
    assert count(db, Organisation) == 1


def test_an_organisation_is_changed_only_by_its_owners_and_every_change_is_logged(
    app, organiser, client, post, make_user, make_organisation, db
):
    """The attack: an account renames an organisation and sets a phishing site shown on public pages."""
    from eventmgr.audit.models import AuditEntry

    theirs = make_organisation(
        name="OSCE Programme Office", owner=make_user(name="Otto Owner"), website="https://www.osce.org"
    )
    shared = make_organisation(name="BOMCA")  # the directory's own, kept by administrators
    for org in (theirs, shared):
        assert post(
            f"/manage/organisations/{org.id}/edit",
            {"name": "Phish", "kind": "ngo", "website": "https://phish.example"},
            token_from="/manage/",
        ).status_code in (403, 404)
    listing = client.get("/manage/organisations/").text
    assert f"/manage/organisations/{shared.id}/edit" not in listing
    secretary = logged_in(app, make_user(name="Sam Secretariat", can_organise=False))
    assert secretary.get("/manage/organisations/new").status_code == 403
    db.session.expire_all()
    assert db.session.get(Organisation, theirs.id).website == "https://www.osce.org"

    response = post("/manage/organisations/new", {"name": "Border Service of Tajikistan", "kind": "border_agency"})
    assert response.status_code == 302
    mine = db.session.execute(select(Organisation).filter_by(name="Border Service of Tajikistan")).scalar_one()
    assert [owner.id for owner in mine.owners] == [organiser.id]
    assert (
        post(
            f"/manage/organisations/{mine.id}/edit",
            {"name": "Border Service of Tajikistan", "acronym": "BS TJ", "kind": "border_agency"},
        ).status_code
        == 302
    )
    entries = (
        db.session.execute(select(AuditEntry).where(AuditEntry.action.like("organisation.%")).order_by(AuditEntry.id))
        .scalars()
        .all()
    )
    assert [(e.action, e.user_id) for e in entries][-2:] == [
        ("organisation.create", organiser.id),
        ("organisation.update", organiser.id),
    ]
    assert entries[-1].changes == {"acronym": [None, "BS TJ"]}
    # An administrator sees it in the site's log, and may give the entry another owner.
    admin = logged_in(app, make_user(name="Ada Admin", is_admin=True))
    assert "Border Service of Tajikistan (BS TJ)" in admin.get("/admin/log").text
    edit = f"/manage/organisations/{theirs.id}/edit"
    assert (
        admin.post(
            f"/manage/organisations/{theirs.id}/owners",
            data={"csrf_token": csrf_token(admin, edit), "owner-user_id": organiser.id},
        ).status_code
        == 302
    )
    assert client.get(edit).status_code == 200


def test_renaming_an_organisation_to_anothers_name_is_refused(organiser, post, make_organisation, db):
    make_organisation(name="OSCE")
    unodc = make_organisation(name="UNODC", owner=organiser)
    edit = f"/manage/organisations/{unodc.id}/edit"
    response = post(edit, {"name": "Osce", "kind": "international"})
    assert response.status_code == 422
    assert field_errors(response)["name"].startswith("An organisation with this name is in the directory already")
    assert post(edit, {"name": "UNODC", "kind": "international", "country_code": "AT"}).status_code == 302


def test_the_directory_service_checks_countries_and_names(db):
    create_organisation({"name": "CICA Secretariat", "kind": "international"})
    with pytest.raises(EventMgrError) as bad_country:
        create_organisation({"name": "Somewhere", "kind": "ngo", "country_code": "XX"})
    assert bad_country.value.field == "country_code"
    with pytest.raises(EventMgrError) as taken:
        create_organisation({"name": "cica secretariat", "kind": "international"})
    assert taken.value.field == "name"


# --- Series ----------------------------------------------------------------------------------------


def test_series_are_created_with_a_valid_unique_address(organiser, client, post, db):
    assert (
        post("/manage/series/new", {"title": "Issyk-Kul Initiative", "slug": "", "description": ""}).status_code == 302
    )
    series = db.session.execute(select(Series)).scalar_one()
    assert series.slug == "issyk-kul-initiative"
    response = post("/manage/series/new", {"title": "Another", "slug": "issyk-kul-initiative"})
    assert response.status_code == 422
    assert field_errors(response)["slug"] == "Another series uses this address."
    response = post("/manage/series/new", {"title": "Another", "slug": "Bad Slug"})
    assert response.status_code == 422
    assert "Use lower-case letters" in field_errors(response)["slug"]
    assert count(db, Series) == 1
    edit = f"/manage/series/{series.id}/edit"
    assert (
        post(
            edit, {"title": "Issyk-Kul Initiative conferences", "slug": "issyk-kul", "description": "Since 2011."}
        ).status_code
        == 302
    )
    assert client.get("/series/issyk-kul").status_code == 200


def test_setting_series_id_on_ones_own_event_does_not_join_anothers_series(
    app, organiser, client, post, db, make_user, make_event, mailbox
):
    """The takeover: an organiser edits their event with another organiser's series_id. It stays outside the
    series, and its organiser gains nothing over the series (title, description, editions)."""
    from eventmgr.events.services import create_series

    owner = make_user(name="Olga Owner")
    theirs = create_series("Issyk-Kul Initiative", "Conferences since 2011.", owner, slug="issyk-kul")
    first = make_event(organiser=owner, series_id=theirs.id, edition=1, title="3rd Regional Conference")
    mine = make_event(organiser=organiser, status="draft", title="My own conference")
    edit = f"/manage/events/{mine.id}/edit"
    assert "Issyk-Kul Initiative" not in client.get(edit).text  # not offered
    data = form_values(client.get(edit).text)
    replace(data, series_id=str(theirs.id), edition="2")
    response = post(edit, data)
    assert response.status_code == 422
    assert field_errors(response)["series_id"].startswith("Choose one of your own series")
    db.session.expire_all()
    assert db.session.get(Event, mine.id).series_id is None
    assert client.get(f"/manage/series/{theirs.id}/edit").status_code == 403
    assert (
        post(
            f"/manage/series/{theirs.id}/edit", {"title": "Stolen", "slug": "issyk-kul"}, token_from="/manage/"
        ).status_code
        == 403
    )
    copy = post(f"/manage/events/{first.id}/copy", token_from="/manage/")
    assert copy.status_code in (403, 404)

    # Asking to join: the owner decides; nothing changes until then.
    data = form_values(client.get(edit).text)
    replace(data, join_series="https://events.example.org/series/issyk-kul", join_edition="4")
    assert post(edit, data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, mine.id).series_id is None
    assert "Asked to join Issyk-Kul Initiative" in client.get(f"/manage/events/{mine.id}").text
    owners = logged_in(app, owner)
    page = owners.get(f"/manage/series/{theirs.id}/edit").text
    assert "My own conference" in page and "as edition 4" in page
    request_id = re.search(r"/requests/(\d+)/accept", page).group(1)
    url = f"/manage/series/{theirs.id}/requests/{request_id}/accept"
    assert owners.post(url, data={"csrf_token": csrf_token(owners, "/manage/")}).status_code == 302
    db.session.expire_all()
    joined = db.session.get(Event, mine.id)
    assert (joined.series_id, joined.edition) == (theirs.id, 4)
    assert db.session.get(Series, theirs.id).title == "Issyk-Kul Initiative"
    # Being an edition's organiser gives no say over the series.
    assert client.get(f"/manage/series/{theirs.id}/edit").status_code == 403
    mailbox.deliver()
    assert any(m["Subject"] == "Your event joined the series: Issyk-Kul Initiative" for m in mailbox.messages)


def test_the_next_edition_of_someone_elses_series_waits_for_its_owner(app, make_user, make_event, db):
    from eventmgr.events.services import (
        copy_as_next_edition,
        create_series,
        decide_series_request,
        grant_role,
        pending_series_request,
    )

    owner, colleague = make_user(name="Olga Owner"), make_user(name="Colin Colleague")
    series = create_series("Issyk-Kul Initiative", "", owner)
    third = make_event(organiser=owner, series_id=series.id, edition=3, title="3rd Regional Conference")
    grant_role(third, colleague, "organiser", owner)
    db.session.commit()
    fourth = copy_as_next_edition(third, colleague)
    db.session.commit()
    assert (fourth.title, fourth.series_id) == ("4th Regional Conference", None)
    request = pending_series_request(fourth)
    assert (request.series_id, request.edition) == (series.id, 4)
    decide_series_request(request, False, owner)
    db.session.commit()
    assert fourth.series_id is None and pending_series_request(fourth) is None
    own_copy = copy_as_next_edition(third, owner)  # the owner's own copy joins at once
    assert (own_copy.series_id, own_copy.edition) == (series.id, 4)


# --- Dashboard -------------------------------------------------------------------------------------


def test_the_dashboard_lists_my_events_with_status_and_dates_and_nobody_elses(organiser, client, make_user, make_event):
    someone_else = make_user(name="Someone Else")
    make_event(
        organiser=organiser,
        title="My upcoming webinar",
        start_at=datetime(2030, 7, 24, 4, tzinfo=UTC),
        end_at=datetime(2030, 7, 24, 7, tzinfo=UTC),
        timezone="Asia/Dushanbe",
    )
    make_event(
        organiser=organiser,
        title="My draft conference",
        status="draft",
        kind="conference",
        venue_name="Hotel",
        venue_country="TJ",
        start_at=datetime(2030, 9, 1, 4, tzinfo=UTC),
        end_at=datetime(2030, 9, 2, 12, tzinfo=UTC),
        timezone="Asia/Dushanbe",
    )
    make_event(organiser=organiser, title="My cancelled webinar", status="cancelled")
    make_event(
        organiser=organiser,
        title="My past webinar",
        start_at=datetime(2021, 7, 14, 3, tzinfo=UTC),
        end_at=datetime(2021, 7, 14, 6, tzinfo=UTC),
    )
    make_event(organiser=someone_else, title="Their public webinar")
    make_event(organiser=someone_else, title="Their draft", status="draft")

    page = client.get("/manage/")
    assert page.status_code == 200
    rows = {m.group(1): m.group(0) for m in re.finditer(r"<tr>\s*<td><a [^>]*>([^<]+)</a>.*?</tr>", page.text, re.S)}
    assert set(rows) == {"My upcoming webinar", "My draft conference", "My cancelled webinar", "My past webinar"}
    assert "Upcoming" in rows["My upcoming webinar"] and "24 July 2030" in rows["My upcoming webinar"]
    assert "Draft" in rows["My draft conference"] and re.search(r"1–2 Sep\w* 2030", rows["My draft conference"])
    assert "Cancelled" in rows["My cancelled webinar"]
    assert "Finished" in rows["My past webinar"] and "14 July 2021" in rows["My past webinar"]
    assert "Organiser" in rows["My upcoming webinar"]
    assert "Their" not in page.text


def test_the_dashboard_counts_each_events_registrations(organiser, client, make_event, db):
    """The counts come from registration (a template global it registers): events import nothing of it."""
    from eventmgr.registration import services as registration

    event = make_event(organiser=organiser, title="My full webinar", online_capacity=1)
    first, _second = (
        registration.register(
            event,
            {"given_name": name, "family_name": "Delegate", "country": "KZ", "email": f"{name.lower()}@example.kz"},
        )
        for name in ("Aida", "Bakyt")
    )
    first.checked_in_at = datetime.now(UTC)
    db.session.commit()
    page = client.get("/manage/").text
    assert "1 confirmed" in page and "1 waiting" in page and "1 attended" in page
