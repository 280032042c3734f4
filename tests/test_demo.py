"""The demo data: `flask demo load` and `flask demo load-if-empty`."""

import html
import re
import stat
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pycountry
import pytest
from conftest import PASSWORD
from helpers import attempt_login, count
from markupsafe import escape
from sqlalchemy import func, select

from eventmgr.agenda.models import EventSession, FeaturedPresenter, SessionParticipant
from eventmgr.auth.models import User
from eventmgr.demo import ACCOUNTS_FILE, load_demo
from eventmgr.events.models import Event, EventRole, Series
from eventmgr.organisations.models import Organisation
from eventmgr.people.models import Person

UPCOMING_CONFERENCE = "issyk-kul-initiative-4th-conference"
UPCOMING_WEBINAR = "joint-risk-analysis-central-asia-webinar"
UPCOMING_WORKSHOP = "joint-risk-analysis-workshop-almaty"
#: Paid, with bank transfer details and a partner code; and a course running on the day of loading.
PAID_COURSE = "document-security-course-bishkek"
TODAY_COURSE = "joint-border-patrols-course-dushanbe"

#: Past events: zone, local start, local end, and the start in UTC (pins the zone's offset on that day).
PAST_EVENTS = {
    "issyk-kul-initiative-2018-borovoe": (
        "Asia/Almaty",
        datetime(2018, 7, 24, 9, 30),
        datetime(2018, 7, 25, 17, 0),
        datetime(2018, 7, 24, 3, 30),
    ),
    "japan-eu-tajikistan-afghanistan-border-2010": (
        "Asia/Dushanbe",
        datetime(2010, 11, 23, 9, 0),
        datetime(2010, 11, 24, 17, 0),
        datetime(2010, 11, 23, 4, 0),
    ),
    "japan-eu-tajikistan-afghanistan-border-2012": (
        "Asia/Dushanbe",
        datetime(2012, 2, 28, 9, 0),
        datetime(2012, 2, 29, 13, 0),
        datetime(2012, 2, 28, 4, 0),
    ),
    "central-asia-border-challenges": (
        "Europe/London",
        datetime(2020, 10, 21, 13, 0),
        datetime(2020, 10, 21, 15, 30),
        datetime(2020, 10, 21, 12, 0),
    ),
    "cica-regional-security-in-asia-2021": (
        "Asia/Almaty",
        datetime(2021, 7, 14, 10, 0),
        datetime(2021, 7, 14, 13, 30),
        datetime(2021, 7, 14, 4, 0),
    ),
}
ALL_SLUGS = set(PAST_EVENTS) | {UPCOMING_CONFERENCE, UPCOMING_WEBINAR, UPCOMING_WORKSHOP, PAID_COURSE, TODAY_COURSE}
#: Events that publish outcome documents, on which the secretariat account works.
CONFERENCES = {
    "issyk-kul-initiative-2018-borovoe",
    "japan-eu-tajikistan-afghanistan-border-2010",
    "japan-eu-tajikistan-afghanistan-border-2012",
    "cica-regional-security-in-asia-2021",
    UPCOMING_CONFERENCE,
}
ACCOUNTS = {"admin@example.org", "organiser@example.org", "secretariat@example.org"}


@pytest.fixture(autouse=True)
def accounts_file(app):
    """The passwords file in the (session-wide) instance folder, absent at the start of each test."""
    path = Path(app.instance_path) / ACCOUNTS_FILE
    path.unlink(missing_ok=True)
    yield path
    path.unlink(missing_ok=True)


def run(runner, command="load"):
    result = runner.invoke(args=["demo", command])
    assert result.exit_code == 0, result.output
    return result.output


def printed_passwords(output: str) -> dict[str, str]:
    return dict(re.findall(r"account (\S+@\S+) with password: (\S+)", output))


def event(db, slug: str) -> Event:
    return db.session.execute(select(Event).where(Event.slug == slug)).scalar_one()


def test_load_creates_the_past_events_on_their_days_in_their_zones(runner, db):
    output = run(runner)
    assert "events         10 created, 0 already present" in output
    for slug, (zone, local_start, local_end, utc_start) in PAST_EVENTS.items():
        found = event(db, slug)
        assert found.timezone == zone
        assert found.local_start == local_start.replace(tzinfo=ZoneInfo(zone)), slug
        assert found.local_end == local_end.replace(tzinfo=ZoneInfo(zone)), slug
        assert found.start_at == utc_start.replace(tzinfo=UTC), slug
        assert (found.status, found.visibility, found.fee, found.languages) == (
            "published",
            "public",
            Decimal("0"),
            ["en", "ru"],
        )
        assert found.contact_email and len(found.description.split("\n\n")) >= 2


def test_conferences_have_venues_and_online_events_a_platform(runner, db):
    run(runner)
    places = {
        slug: (e.format, e.venue_city, e.venue_country, e.online_platform)
        for slug in ALL_SLUGS
        for e in [event(db, slug)]
    }
    assert places["issyk-kul-initiative-2018-borovoe"][:3] == ("in_person", "Borovoe", "KZ")
    assert places["japan-eu-tajikistan-afghanistan-border-2012"][:3] == ("in_person", "Dushanbe", "TJ")
    assert places[UPCOMING_CONFERENCE][:3] == ("in_person", "Cholpon-Ata", "KG")
    for slug in ("central-asia-border-challenges", "cica-regional-security-in-asia-2021", UPCOMING_WEBINAR):
        format_, city, country, platform = places[slug]
        assert (format_, city, country) == ("online", None, None) and platform
    # The CICA conference was an online conference: its page says so.
    assert event(db, "cica-regional-security-in-asia-2021").kind == "conference"
    assert "online conference" in event(db, "cica-regional-security-in-asia-2021").description
    assert "illustrative" in event(db, "japan-eu-tajikistan-afghanistan-border-2010").description


def test_upcoming_events_are_dated_from_the_day_of_loading(db):
    # 22:30 UTC on 10 March is already 11 March in Bishkek and Almaty: days count in the event's zone.
    now = datetime(2030, 3, 10, 22, 30, tzinfo=UTC)
    load_demo(echo=lambda _: None, now=now)
    db.session.commit()

    conference = event(db, UPCOMING_CONFERENCE)
    bishkek = ZoneInfo("Asia/Bishkek")
    assert conference.timezone == "Asia/Bishkek"
    assert conference.local_start == datetime(2030, 5, 10, 9, 0, tzinfo=bishkek)  # 11 March + 60 days
    assert conference.local_end == datetime(2030, 5, 11, 17, 0, tzinfo=bishkek)
    assert (conference.series.slug, conference.edition, conference.capacity) == ("issyk-kul-initiative", 4, 24)

    webinar = event(db, UPCOMING_WEBINAR)
    assert webinar.local_start == datetime(2030, 4, 1, 15, 0, tzinfo=ZoneInfo("Asia/Almaty"))  # + 21 days
    assert webinar.end_at - webinar.start_at == timedelta(hours=2, minutes=30)
    assert (webinar.format, webinar.capacity, webinar.online_capacity) == ("online", None, 300)

    for upcoming in (conference, webinar):
        assert (upcoming.status, upcoming.visibility) == ("published", "public")
        assert upcoming.phase(now) == "upcoming"
        assert upcoming.registration_opens_at < now
        assert upcoming.registration_closes_at <= upcoming.end_at
        assert upcoming.registration_is_open(now)


def test_organisations_have_iso_countries_and_their_roles(runner, db):
    run(runner)
    countries = dict(db.session.execute(select(Organisation.name, Organisation.country_code)).all())
    assert len(countries) == 19
    assert all(pycountry.countries.get(alpha_2=code) for code in countries.values() if code)
    assert countries["Border Service of the National Security Committee of the Republic of Kazakhstan"] == "KZ"
    assert countries["Afghan Border Police"] == "AF"
    assert countries["Border Guard Command of the Islamic Republic of Iran"] == "IR"
    assert countries["European Border and Coast Guard Agency"] == "PL"
    assert countries["Foreign Policy Research Institute"] == "KZ"

    borovoe = event(db, "issyk-kul-initiative-2018-borovoe")
    assert [o.country_code for o in borovoe.hosts] == ["KZ"]
    assert [o.acronym for o in borovoe.organisations_with_role("co_organiser")] == ["BOMCA"]
    partners = borovoe.organisations_with_role("partner")
    assert {o.country_code for o in partners if o.kind == "border_agency"} == {"KG", "TJ", "TM", "UZ", "AF", "IR"}
    assert {"BOMNAF", "Frontex"} <= {o.acronym for o in partners}
    assert "CIS Border Troops Commanders Council" in {o.name for o in partners}

    dushanbe = event(db, "japan-eu-tajikistan-afghanistan-border-2012")
    assert {o.acronym for o in dushanbe.organisations_with_role("co_organiser")} == {"BOMCA", "BOMNAF"}

    cica = event(db, "cica-regional-security-in-asia-2021")
    assert {o.name for o in cica.hosts} == {
        "Foreign Policy Research Institute",
        "Kazakhstan Institute for Strategic Studies",
        "Institute of World Economy and Politics",
    }
    assert [o.acronym for o in cica.organisations_with_role("partner")] == ["CICA"]
    assert [o.name for o in event(db, "central-asia-border-challenges").hosts] == ["Border Security Report"]


def test_series_number_their_editions(runner, db, client):
    run(runner)
    editions = {
        series.slug: [(e.edition, e.local_start.year) for e in series.events]
        for series in db.session.execute(select(Series)).scalars()
    }
    assert editions["issyk-kul-initiative"][0] == (3, 2018)
    assert [edition for edition, _ in editions["issyk-kul-initiative"]] == [3, 4]
    assert editions["japan-eu-tajikistan-afghanistan-border-conferences"] == [(1, 2010), (2, 2012)]
    page = client.get("/series/japan-eu-tajikistan-afghanistan-border-conferences")
    assert page.status_code == 200
    assert "Japan-EU Conference on Tajikistan-Afghanistan Border Management (2010)" in page.text


def test_accounts_log_in_with_the_printed_passwords(app, runner, db, accounts_file):
    output = run(runner)
    passwords = printed_passwords(output)
    assert set(passwords) == ACCOUNTS

    for email, password in passwords.items():
        client = app.test_client()
        assert attempt_login(client, email, password).status_code == 302, email
        assert client.get("/manage/").status_code == 200

    assert stat.S_IMODE(accounts_file.stat().st_mode) == 0o600
    saved = {
        line.split()[1]: line.split()[2] for line in accounts_file.read_text().splitlines() if not line.startswith("#")
    }
    assert saved == passwords


def test_accounts_get_their_roles(runner, db):
    run(runner)
    users = {u.email: u for u in db.session.execute(select(User)).scalars()}
    assert users["admin@example.org"].is_admin
    assert not users["organiser@example.org"].is_admin

    def slugs(email, role):
        return set(
            db.session.execute(
                select(Event.slug).join(EventRole).where(EventRole.user_id == users[email].id, EventRole.role == role)
            ).scalars()
        )

    assert slugs("organiser@example.org", "organiser") == ALL_SLUGS
    assert slugs("secretariat@example.org", "secretariat") == CONFERENCES
    assert slugs("secretariat@example.org", "organiser") == set()


def test_running_twice_creates_nothing_twice(runner, db, accounts_file):
    first = run(runner)
    saved = accounts_file.read_text()
    totals = {
        model: count(db, model)
        for model in (
            Event,
            Series,
            Organisation,
            User,
            EventRole,
            EventSession,
            SessionParticipant,
            FeaturedPresenter,
            Person,
        )
    }
    assert all(totals.values())

    second = run(runner)
    db.session.expire_all()
    assert {model: count(db, model) for model in totals} == totals
    assert printed_passwords(second) == {}
    assert not set(printed_passwords(first).values()) & set(second.split())
    assert "nothing to add" in second
    for line in (
        "events         0 created, 10 already present",
        "organisations  0 created, 19 already present",
        "accounts       0 created, 3 already present",
        "series         0 created, 2 already present",
    ):
        assert line in second
    assert second.count("exists already; its password was not changed") == 3
    for line in (
        "issyk-kul-initiative-2018-borovoe: 10 sessions already",
        "cica-regional-security-in-asia-2021: 5 sessions already",
        "central-asia-border-challenges: 12 featured presenters already",
    ):
        assert line in second
    assert accounts_file.read_text() == saved


def test_a_later_day_does_not_add_a_second_upcoming_edition(db):
    now = datetime.now(UTC)
    load_demo(echo=lambda _: None, now=now)
    db.session.commit()
    start = event(db, UPCOMING_CONFERENCE).start_at

    report = load_demo(echo=lambda _: None, now=now + timedelta(days=9))
    db.session.commit()
    assert "events         0 created, 10 already present" in report
    assert count(db, Event) == 10
    assert event(db, UPCOMING_CONFERENCE).start_at == start


def test_an_existing_account_keeps_its_password(runner, db, make_user, accounts_file):
    from eventmgr.auth.services import authenticate

    make_user(email="organiser@example.org", name="Olga", password=PASSWORD)
    output = run(runner)
    assert "organiser account organiser@example.org exists already; its password was not changed" in output
    assert set(printed_passwords(output)) == ACCOUNTS - {"organiser@example.org"}
    assert "organiser@example.org" not in accounts_file.read_text()
    assert authenticate("organiser@example.org", PASSWORD) is not None
    olga = db.session.execute(select(User).where(User.email == "organiser@example.org")).scalar_one()
    assert count(db, EventRole) and all(
        any(r.user_id == olga.id and r.role == "organiser" for r in event(db, slug).roles) for slug in ALL_SLUGS
    )


def test_edited_and_renamed_events_are_left_as_they_are(runner, db):
    from eventmgr.events.services import update_event

    run(runner)
    borovoe = event(db, "issyk-kul-initiative-2018-borovoe")
    update_event(borovoe, {"title": "Issyk-Kul Initiative, 3rd conference", "slug": "issyk-kul-3"}, None, None)
    db.session.commit()

    output = run(runner)
    db.session.expire_all()
    assert "events         0 created, 10 already present" in output
    assert count(db, Event) == 10
    assert event(db, "issyk-kul-3").title == "Issyk-Kul Initiative, 3rd conference"


def test_load_if_empty_loads_an_empty_database(runner, db):
    output = run(runner, "load-if-empty")
    assert "events         10 created" in output
    assert count(db, Event) == 10


def test_load_if_empty_leaves_a_database_with_data_alone(runner, db, make_user, accounts_file):
    make_user(email="someone@example.org")
    output = run(runner, "load-if-empty")
    assert "demo data not loaded" in output
    assert (count(db, Event), count(db, Organisation), count(db, User)) == (0, 0, 1)
    assert not accounts_file.exists()


def test_every_demo_event_has_a_public_page_and_the_home_page_lists_the_upcoming(runner, db, client):
    run(runner)
    titles = {slug: event(db, slug).title for slug in ALL_SLUGS}
    for slug, title in titles.items():
        page = client.get(f"/events/{slug}")
        assert page.status_code == 200, slug
        assert html.escape(title) in page.text
    assert client.get("/series/issyk-kul-initiative").status_code == 200

    home = client.get("/")
    assert home.status_code == 200
    upcoming, _, recent = home.text.partition('id="recent-heading"')
    assert titles[UPCOMING_CONFERENCE] in upcoming and titles[UPCOMING_WEBINAR] in upcoming
    for slug in PAST_EVENTS:
        assert f'/events/{slug}"' not in upcoming
        assert f'/events/{slug}"' in recent


def test_demo_registrations_fill_the_webinar_and_the_upcoming_waiting_list(runner, db, client, mailbox):
    from eventmgr.registration.services import status_counts

    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    webinar = db.session.execute(select(Event).where(Event.slug == "central-asia-border-challenges")).scalar_one()
    assert status_counts(webinar.id)["attended"] == 115
    assert "Attended (115)" in client.get("/events/central-asia-border-challenges").text
    conference = db.session.execute(select(Event).where(Event.slug == UPCOMING_CONFERENCE)).scalar_one()
    counts = status_counts(conference.id)
    assert counts["confirmed"] == conference.capacity
    assert counts["waitlisted"] > 0 and counts["pending"] > 0
    # The delegates are invented: the demo queues no mail to them.
    from eventmgr.mail.models import MailMessage

    assert db.session.execute(select(func.count()).select_from(MailMessage)).scalar_one() == 0
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0
    assert status_counts(webinar.id)["attended"] == 115


def test_demo_delegates_of_an_event_have_different_names_in_their_gender_s_form(runner, db):
    from eventmgr.demo.registrations import NAMES
    from eventmgr.registration.models import Registration

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    webinar = db.session.execute(select(Event).where(Event.slug == "central-asia-border-challenges")).scalar_one()
    names = db.session.execute(
        select(Registration.country, Registration.given_name, Registration.family_name).where(
            Registration.event_id == webinar.id
        )
    ).all()
    assert len(names) == 142 and len({(given, family) for _country, given, family in names}) == 142
    for country, given, family in names:
        women, men, families = NAMES[country]
        assert family in [pair[1] if given in women else pair[0] for pair in families], (given, family)


BOROVOE, CICA, WEBINAR = (
    "issyk-kul-initiative-2018-borovoe",
    "cica-regional-security-in-asia-2021",
    "central-asia-border-challenges",
)


def local_sessions(found: Event) -> list[tuple[str, str, datetime, datetime, EventSession]]:
    """(kind, title, local start, local end, session) of an event's programme, in order."""
    from eventmgr.agenda.services import event_sessions

    return [
        (s.kind, s.title, s.start_at.astimezone(found.tz), s.end_at.astimezone(found.tz), s)
        for s in event_sessions(found)
    ]


def roles(event_session: EventSession) -> list[tuple[str, str]]:
    return [(p.role, p.person.full_name) for p in event_session.participants]


def test_demo_programmes_follow_the_seeds_and_show_on_the_public_pages(runner, db, client):
    # One load for all the programme checks: loading the demo takes seconds.
    run(runner)
    from eventmgr.agenda.services import featured_presenters

    # Borovoe: three thematic panels over two days, with breaks, a closing, chairs and moderators.
    borovoe = event(db, BOROVOE)
    programme = local_sessions(borovoe)
    assert {start.date() for _, _, start, _, _ in programme} == {
        datetime(2018, 7, 24).date(),
        datetime(2018, 7, 25).date(),
    }
    assert all(borovoe.start_at <= s.start_at < s.end_at <= borovoe.end_at for *_, s in programme)
    panels = [(title, s) for kind, title, _, _, s in programme if kind == "panel"]
    assert [title.partition(":")[0] for title, _ in panels] == ["Panel 1", "Panel 2", "Panel 3"]
    assert "General challenges of border management in Central Asia and Afghanistan" in panels[0][0]
    assert "integrated border management" in panels[1][0]
    assert "Capacity building" in panels[2][0] and "needs and priorities" in panels[2][0]
    for _, panel in panels:
        people = roles(panel)
        assert people[0][0] in ("chair", "moderator") and sum(role == "speaker" for role, _ in people) >= 4
        assert panel.description
    kinds = [kind for kind, *_ in programme]
    assert kinds[0] == "opening" and kinds[-1] == "closing" and kinds.count("break") == 4
    speakers = {p.person for *_, s in programme for p in s.participants}
    assert {person.country for person in speakers} >= {"KZ", "KG", "TJ", "TM", "UZ", "AF", "IR"}
    assert {
        "Expert of Frontex, European Union",
        "Expert of the BOMNAF programme",
        "Representative of the CIS Border Troops Commanders Council",
    } <= {p.full_name for p in speakers}

    # CICA: welcoming remarks by the Secretariat's Executive Director, then the two panels and their themes.
    cica = event(db, CICA)
    programme = local_sessions(cica)
    assert [kind for kind, *_ in programme] == ["opening", "panel", "break", "panel", "closing"]
    assert programme[0][2] == datetime(2021, 7, 14, 10, 0, tzinfo=ZoneInfo("Asia/Almaty"))
    assert programme[-1][3] == cica.local_end
    opening = programme[0][4]
    sarybay = opening.participants[1].person
    assert (sarybay.display_name, sarybay.position, sarybay.organisation.acronym) == (
        "Ambassador Kairat Sarybay",
        "Executive Director",
        "CICA",
    )
    assert ("speaker", "Bolat Nurgaliyev") in roles(opening)
    assert "New Challenges and Threats to Regional Security in the CICA Space" in programme[1][1]
    assert "Prospects for the Development of Cooperation Within CICA to Ensure Regional Security" in programme[3][1]
    panel_people = [p.person for i in (1, 3) for p in programme[i][4].participants]
    assert {person.country for person in panel_people} >= {"KR", "CN", "TJ", "IQ", "PK", "TR"}
    assert "Expert of the Asan Institute for Policy Studies, Republic of Korea" in {p.full_name for p in panel_people}
    # Unnamed speakers are labels, not invented people: only the two ambassadors the seed names have names.
    assert all(p.full_name.startswith("Expert of ") for p in panel_people)

    # The webinar: twelve featured presenters, each a webinar hosting presenter with a position and a bio.
    webinar = event(db, WEBINAR)
    featured = featured_presenters(webinar)
    assert len(featured) == 12 and {f.role_label for f in featured} == {"Webinar hosting presenter"}
    assert all(f.person.position and f.person.bio for f in featured)
    by_name = {f.person.full_name: f.person for f in featured}
    yakubova, chief = by_name["Albina Yakubova"], by_name["Ulrik P. Ahnfeldt-Mollerup"]
    assert (yakubova.position, chief.organisation.acronym) == (
        "Programme Manager, Transnational Threats Department",
        "UNOCT",
    )
    assert "Chief, Countering Terrorism Section" in chief.position
    assert "2013" in yakubova.bio and "Fletcher School" in chief.bio
    # The bios are our own words, not the webinar page's.
    assert "has been working for the OSCE Secretariat" not in yakubova.bio
    assert "Prior to joining UNCCT in 2013" not in chief.bio
    assert any("Head of the Border Security and Management Unit" in p.position for p in by_name.values())

    # Every demo event's agenda and presenters pages show what it has; no private address is on any public page.
    from eventmgr.people.services import event_people

    emails = set(db.session.execute(select(Person.email).where(Person.email.is_not(None))).scalars())
    assert len(emails) == count(db, Person) >= 35
    public_pages = []
    for slug in sorted(ALL_SLUGS):
        found = event(db, slug)
        agenda, presenters = client.get(f"/events/{slug}/agenda"), client.get(f"/events/{slug}/presenters")
        assert (agenda.status_code, presenters.status_code) == (200, 200), slug
        for *_, event_session in local_sessions(found):
            assert str(escape(event_session.title)) in agenda.text, (slug, event_session.title)
        people = event_people(found)
        for person in people:
            assert str(escape(person.display_name)) in presenters.text, (slug, person.full_name)
            profile = client.get(f"/people/{person.id}-{person.slug}")
            assert profile.status_code == 200
            public_pages.append(profile.text)
        public_pages += [
            agenda.text,
            presenters.text,
            client.get(f"/events/{slug}").text,
            client.get(f"/events/{slug}/calendar.ics").text,
        ]
    webinar_page = client.get(f"/events/{WEBINAR}")
    assert "Webinar hosting presenter" in webinar_page.text and "Albina Yakubova" in webinar_page.text
    assert "Ambassador Kairat Sarybay" in client.get(f"/events/{CICA}/agenda").text
    leaked = {email for email in emails for page in public_pages if email in page}
    assert not leaked
    assert not any("presenters.example.org" in page for page in public_pages)


def test_the_hybrid_workshop_has_delegates_in_both_modes_and_on_both_waiting_lists(runner, db):
    from eventmgr.registration.services import counts_by_mode

    run(runner)
    workshop = event(db, UPCOMING_WORKSHOP)
    assert (workshop.kind, workshop.format, workshop.modes) == ("workshop", "hybrid", ("in_person", "online"))
    counts = counts_by_mode(workshop.id)
    assert (counts["in_person"]["confirmed"], counts["in_person"]["waitlisted"]) == (8, 3)
    assert (counts["online"]["confirmed"], counts["online"]["waitlisted"]) == (20, 3)


def test_borovoe_had_ten_delegations_and_the_fourth_conference_takes_them(runner, db):
    from eventmgr.registration.delegations import delegations_of

    run(runner)
    borovoe = delegations_of(event(db, "issyk-kul-initiative-2018-borovoe"))
    names = [delegation.name for delegation, _counts in borovoe]
    assert len(names) == 10 and {"Kazakhstan", "Iran", "CIS Border Troops Commanders Council"} <= set(names)
    assert all(delegation.head is not None and len(delegation.active_members) == 3 for delegation, _ in borovoe)
    fourth = event(db, UPCOMING_CONFERENCE)
    assert fourth.delegations_enabled and fourth.delegation_max_size == 4
    assert {d.name for d, _ in delegations_of(fourth)} == {
        "Kyrgyzstan",
        "European Border and Coast Guard Agency (Frontex)",
    }


def test_the_demo_lets_a_newcomer_try_paying_a_waiting_list_and_the_check_in_desk(runner, db, client):
    from eventmgr.registration import payments, services
    from eventmgr.registration.models import Invoice, OfferCode, Payment, PaymentSettings, Registration

    run(runner)
    # A paid course: bank transfer details, a partner code some delegates used, payments and an invoice.
    paid = event(db, PAID_COURSE)
    assert paid.fee == Decimal("60.00") and not paid.is_free
    settings = db.session.execute(select(PaymentSettings).where(PaymentSettings.event_id == paid.id)).scalar_one()
    assert payments.iban_is_valid(settings.account) and settings.legal_name and settings.days_to_pay
    code = db.session.execute(select(OfferCode).where(OfferCode.event_id == paid.id)).scalar_one()
    delegates = db.session.execute(select(Registration).where(Registration.event_id == paid.id)).scalars().all()
    with_code = [r for r in delegates if r.offer_code_id == code.id]
    assert with_code and code.uses == len(with_code) and {r.amount_due for r in with_code} == {Decimal("30.00")}
    paid_amounts = sorted(
        p.amount for p in db.session.execute(select(Payment)).scalars() if p.registration in delegates
    )
    assert len(paid_amounts) == 2
    assert db.session.execute(select(func.count()).where(Invoice.event_id == paid.id)).scalar_one() == 1
    assert "Apply the code" in client.get(f"/events/{PAID_COURSE}/register").get_data(as_text=True)
    # A full event: its page offers the waiting list, not seats.
    assert "Full: join the waiting list" in client.get(f"/events/{UPCOMING_WORKSHOP}").get_data(as_text=True)
    # A course running today: the desk checks in now, and some delegates are yet to come.
    today = event(db, TODAY_COURSE)
    assert today.start_at < datetime.now(UTC) < today.end_at
    assert services.check_in_window_refusal(today) is None
    waiting_at_desk = [
        r
        for r in db.session.execute(select(Registration).where(Registration.event_id == today.id)).scalars()
        if r.status == "confirmed" and not r.checked_in_at
    ]
    assert len(waiting_at_desk) == 7
