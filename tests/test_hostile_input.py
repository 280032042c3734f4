"""Hostile input at every route: huge ids, bad query values and hostile form fields never make a 500.

The walk reuses the permission walk's world (tests/test_permissions.py): an event with a programme, people,
registrations, a published document, a series and an organisation. It asks every route with numbers too large
for any id, every query parameter the app reads with values that break naive parsing, and every form the app
shows (as an admin and as a visitor) with fields set to values that break naive validation; then it reads
every page again, to show that whatever was stored renders. The app runs with TESTING on, so an exception in
a view reaches the test instead of becoming a 500: both count as a failure.
"""

import io
import re
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urlsplit

import pytest
from conftest import csrf_token
from helpers import count
from helpers import logged_in as log_in
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_permissions import all_rules, fill
from test_permissions import build_world as build_world  # a fixture, used by hostile_world
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from eventmgr.limits import MAX_ID

#: Numbers no id can be: past PostgreSQL's INTEGER, BIGINT and an unsigned 64-bit word.
HUGE_NUMBERS = (MAX_ID + 1, 2**63, 2**64, 10**20)

#: Values that break naive parsing: numbers out of range or not finite, years at the calendar's ends, header
#: injection, control characters (not allowed in XML, so in .docx), very long text, formulas, paths, markup.
HOSTILE = (
    "9223372036854775808",
    "-9223372036854775809",
    "1e30",
    "NaN",
    "Infinity",
    "-Infinity",
    "-1",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "line\r\nBcc: victim@example.com",
    "nul\x00 bell\x07 escape\x1b vtab\x0b",
    "x" * 5000,
    "",
    '=HYPERLINK("http://evil.example")',
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "\u202eevil\U0001f600",
)

#: The values asked of files (PDFs, .docx, .ics): they read few parameters and take long to make.
FILE_QUERY_VALUES = ("9223372036854775808", "-1", "NaN", "", "0001-01-01")

#: Query parameters the app reads somewhere.
QUERY_NAMES = (
    "page",
    "q",
    "from",
    "to",
    "tz",
    "kind",
    "country",
    "next",
    "position",
    "invitation",
    "email",
    "layout",
    "status",
    "organisation_id",
    "question",
    "slug",
    "doc",
    "sort",
    "ticket",
)

#: Forms the walk leaves alone because they end what it walks on (the session, the event, the admin's rights);
#: their routes are still asked with hostile ids and values above.
DESTRUCTIVE = re.compile(r"/(logout|delete|cancel|withdraw|merge|make-admin|remove-admin|leave)(/|$)|/admin/users/")


class Forms(HTMLParser):
    """The POST forms of a page: their action and fields with the values the page filled in."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._form = {
                "action": attrs.get("action") or "",
                "fields": {},
                "kinds": {},
                "files": [],
                "multipart": attrs.get("enctype") == "multipart/form-data",
            }
            self.forms.append(self._form)
        if self._form is None or not attrs.get("name"):
            return
        name, kind = attrs["name"], (attrs.get("type") or "text").lower()
        if tag == "input":
            if kind == "file":
                self._form["files"].append(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in attrs or (kind == "radio" and name not in self._form["fields"]):
                    self._form["fields"][name] = attrs.get("value", "on")
                    self._form["kinds"][name] = kind
            elif kind not in ("submit", "button", "image", "reset"):
                self._form["fields"][name] = attrs.get("value", "")
                self._form["kinds"][name] = kind
        elif tag == "button" and kind == "submit" and name not in self._form["fields"]:
            self._form["fields"][name] = attrs.get("value", "")
            self._form["kinds"][name] = "button"
        elif tag == "select":
            self._select = name
            self._form["kinds"][name] = "select"
        elif tag == "option" and self._select is not None:
            if "selected" in attrs or self._select not in self._form["fields"]:
                self._form["fields"][self._select] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self._form["fields"][name] = ""
            self._form["kinds"][name] = "textarea"

    def handle_data(self, data):
        if self._textarea is not None and self._form is not None:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(html: str, page_url: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    for form in parser.forms:
        form["action"] = urlsplit(form["action"] or page_url)._replace(scheme="", netloc="").geturl()
    return parser.forms


#: The fields a hostile value goes into: what a person types or the page carries, not the CSRF token.
def editable(form) -> list[str]:
    return [
        name
        for name, kind in form["kinds"].items()
        if kind not in ("checkbox", "radio", "button") and name != "csrf_token"
    ]


class Walk:
    """Requests that record what broke instead of stopping at the first."""

    def __init__(self):
        self.failures: list[str] = []
        self.requests = 0

    def __call__(self, client, method, url, **kwargs):
        self.requests += 1
        try:
            response = getattr(client, method)(url, **kwargs)
        except Exception as error:  # noqa: BLE001 - every crash is a finding, reported together
            self.failures.append(f"{method.upper()} {url:.300} {kwargs.get('data', '')!r:.300}: {error!r:.300}")
            return None
        if response.status_code >= 500:
            self.failures.append(f"{method.upper()} {url:.300} {kwargs.get('data', '')!r:.300}: {response.status_code}")
        return response

    def check(self):
        assert not self.failures, f"{len(self.failures)} of {self.requests} requests failed:\n" + "\n".join(
            self.failures[:40]
        )


@pytest.fixture
def hostile_world(app, build_world, make_user, monkeypatch):
    """The permission walk's world with a published document, an admin and a visitor, and rate limits off
    (they would answer 429 before the code under test runs)."""
    from eventmgr.extensions import limiter
    from eventmgr.jobs.services import run_due_jobs

    monkeypatch.setattr(limiter, "enabled", False)
    world = build_world(publish_document=True)
    run_due_jobs()  # the worker makes the archival PDF, to be fetched
    admin = make_user(name="Ada Admin", is_admin=True)
    world["clients"] = {"admin": log_in(app, admin), "anonymous": app.test_client()}
    return world


def get_urls(app, world) -> list[str]:
    return [fill(rule, world["values"], world["overrides"]) for rule in all_rules(app) if "GET" in rule.methods]


def harvest(app, world, walk) -> list[tuple[str, dict]]:
    """Every POST form on every page, as (who, form) for the admin and for a visitor."""
    found, seen = [], set()
    for who, client in world["clients"].items():
        for url in get_urls(app, world):
            response = walk(client, "get", url)
            if response is None or response.status_code != 200 or "html" not in response.content_type:
                continue
            for form in forms_of(response.text, url):
                key = (who, form["action"], tuple(sorted(form["fields"])))
                if key not in seen and not DESTRUCTIVE.search(form["action"]):
                    seen.add(key)
                    found.append((who, form))
    return found


def submit(walk, client, form, hostile: dict[str, str]):
    """POST the form with its page's values, some replaced by hostile ones (files get a broken .docx)."""
    data = form["fields"] | hostile
    if form["multipart"]:
        data = data | {name: (io.BytesIO(b"PK\x03\x04 not really a zip"), "broken.docx") for name in form["files"]}
    return walk(
        client, "post", form["action"], data=data, content_type="multipart/form-data" if form["multipart"] else None
    )


def test_huge_ids_are_not_found(app, hostile_world):
    """An id past any database integer names nothing: 404 from the router, before any query is made."""
    walk = Walk()
    admin = hostile_world["clients"]["admin"]
    for rule in all_rules(app):
        numbers = [name for name, converter in rule._converters.items() if type(converter).__name__ == "IdConverter"]
        for name in numbers:
            for huge in HUGE_NUMBERS:
                # The huge id wins over a rule's own values (the certificate's event and registration, say).
                overrides = hostile_world["overrides"] | {rule.rule: {name: huge}}
                url = fill(rule, hostile_world["values"] | {name: huge}, overrides)
                for method in [method.lower() for method in rule.methods & {"GET", "POST"}]:
                    response = walk(admin, method, url)
                    if response is not None:
                        assert response.status_code == 404, (method, url, response.status_code)
    walk.check()
    assert walk.requests > 100


def test_hostile_path_words_never_make_a_500(app, hostile_world):
    """Slugs, tokens and file names in the path with a NUL, a dot-dot, markup, a very long word."""
    walk = Walk()
    for rule in all_rules(app):
        words = [name for name, converter in rule._converters.items() if type(converter).__name__ == "UnicodeConverter"]
        for name in words:
            for word in ("\x00", "..", "x" * 5000, "<b>", "%", "\u202e", "nul\x00.pdf"):
                url = fill(rule, hostile_world["values"] | {name: quote(word, safe="")}, hostile_world["overrides"])
                for method in [method.lower() for method in rule.methods & {"GET", "POST"}]:
                    walk(hostile_world["clients"]["admin"], method, url)
    walk.check()
    assert walk.requests > 50


def test_hostile_query_values_never_make_a_500(app, hostile_world):
    walk = Walk()
    for client in hostile_world["clients"].values():
        for url in get_urls(app, hostile_world):
            plain = walk(client, "get", url)
            values = HOSTILE if plain is None or "html" in plain.content_type else FILE_QUERY_VALUES
            for value in values:
                walk(client, "get", url + "?" + urlencode(dict.fromkeys(QUERY_NAMES, value)))
    walk.check()


def test_hostile_forms_never_make_a_500_and_what_they_store_renders(app, hostile_world):
    """Each form with every field it shows set to each hostile value in turn; then every page again."""
    walk = Walk()
    forms = harvest(app, hostile_world, walk)
    actions = {form["action"] for _who, form in forms}
    # The walk reaches the forms that matter: registration, the event, the agenda, people, documents, the desk.
    for expected in (
        "/register",
        "/manage/events/",
        "/agenda/",
        "/people/",
        "/documents/",
        "/registration-settings",
        "/login",
        "/organisations/",
    ):
        assert any(expected in action for action in actions), (expected, sorted(actions))
    for who, form in forms:
        client = hostile_world["clients"][who]
        for value in HOSTILE:
            # A prefixed form names its token "<prefix>-csrf_token"; a page for visitors may have no other form.
            token = next((v for k, v in form["fields"].items() if k.endswith("csrf_token") and v), None)
            form["fields"]["csrf_token"] = token or csrf_token(client, "/")
            submit(walk, client, form, dict.fromkeys(editable(form), value))
    for client in hostile_world["clients"].values():
        for url in get_urls(app, hostile_world):
            walk(client, "get", url)
    walk.check()
    assert len(forms) > 40, len(forms)


def test_random_hostile_fields_never_make_a_500(app, hostile_world):
    """Hypothesis picks a form, some of its fields and a hostile or random value for each."""
    walk = Walk()
    forms = harvest(app, hostile_world, walk)

    @settings(
        max_examples=150,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.data())
    def post_hostile_fields(data):
        who, form = data.draw(st.sampled_from(forms))
        fields = editable(form)
        if not fields:
            return
        chosen = data.draw(st.lists(st.sampled_from(fields), min_size=1, max_size=4, unique=True))
        values = st.one_of(
            st.sampled_from(HOSTILE),
            st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
            st.integers().map(str),
            st.floats().map(str),
            st.dates().map(str),
            st.datetimes().map(lambda d: d.isoformat()),
        )
        submit(walk, hostile_world["clients"][who], form, {name: data.draw(values) for name in chosen})

    post_hostile_fields()
    walk.check()


# --- Request size ---------------------------------------------------------------------------------------


class Unreadable(io.BytesIO):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body of a request over the limit was read")

    readline = readinto = read


def test_a_huge_anonymous_post_is_refused_before_it_is_read(app, client, make_event):
    """300 MB announced: 413 from the Content-Length alone, before CSRF, the form or the disk see a byte."""
    event = make_event()
    for url in ("/login", f"/events/{event.slug}/register", "/password/forgot", "/manage/events/new"):
        response = client.post(
            url,
            input_stream=Unreadable(),
            content_type="application/x-www-form-urlencoded",
            environ_overrides={"CONTENT_LENGTH": str(300 * 2**20)},
        )
        assert response.status_code == 413, url
        assert "413 Too large" in response.text  # the site's own error page


def test_forms_take_up_to_the_configured_size_and_uploads_their_own(app, client, make_event, make_user, db):
    """MAX_CONTENT_LENGTH bounds every form; a view that takes a file (a photo, a Word file, a CSV of
    invitees) allows its own larger size, and only that view."""
    from eventmgr.agenda.manage_views import edit_person
    from eventmgr.documents.manage_views import import_text
    from eventmgr.registration.desk_views import settings as registration_settings

    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == 2 * 2**20
    event = make_event()
    just_over = b"x=" + b"y" * limit
    assert (
        client.post(
            f"/events/{event.slug}/register", data=just_over, content_type="application/x-www-form-urlencoded"
        ).status_code
        == 413
    )
    for view in (edit_person, import_text, registration_settings):
        assert view.request_size_limit > limit, view
    # A 3 MB photo reaches the photo check (and is refused there, as a field error), not the size limit.
    organiser = event.roles[0].user
    client = log_in(app, organiser)
    from eventmgr.agenda.services import add_featured
    from eventmgr.people.services import create_person

    person = create_person({"full_name": "Kairat Sarybay"}, organiser, event=event)
    add_featured(event, person, "Moderator", organiser)
    db.session.commit()
    url = f"/manage/events/{event.id}/people/{person.id}"
    # Encoded in memory: for a large body, werkzeug's test client would leave a temporary file open.
    boundary, body = encode_multipart(
        {
            "csrf_token": csrf_token(client, url),
            "full_name": "Kairat Sarybay",
            "photo": FileStorage(io.BytesIO(b"\x00" * (3 * 2**20)), "big.jpg"),
        }
    )
    response = client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 422, response.status_code
    # The same bytes as an ordinary form elsewhere are refused up front.
    response = client.post(
        f"/manage/events/{event.id}/edit",
        data={"csrf_token": csrf_token(client, url), "description": "x" * (3 * 2**20)},
    )
    assert response.status_code == 413


# --- Each bad input the attack found, with the answer it now gets -------------------------------------


@pytest.fixture
def desk(app, make_event, make_user, make_document, make_registration, db):
    """An event with its organiser logged in, a document with one paragraph, and a registration."""
    organiser = make_user(name="Olga Organiser")
    event = make_event(organiser=organiser, fee=100)
    document = make_document(event, organiser, text="1. Introduction\n\n(1) The delegations met in Dushanbe.\n")
    delegate = make_registration(event, given_name="Aida", family_name="Nurlanova", country="KZ")
    db.session.commit()
    return {
        "event": event,
        "organiser": organiser,
        "client": log_in(app, organiser),
        "document": document,
        "paragraph": document.sections[0].paragraphs[0],
        "registration": delegate,
    }


def post_form(client, url, data):
    return client.post(url, data={"csrf_token": csrf_token(client, url)} | data)


def test_one_line_fields_refuse_line_breaks(desk, client):
    event = desk["event"]
    response = post_form(
        client,
        f"/events/{event.slug}/register",
        {"given_name": "Aida\r\nBcc: victim@example.com", "family_name": "N", "email": "a@example.kz", "country": "KZ"},
    )
    assert response.status_code == 422
    assert "Write this on one line." in response.text
    response = post_form(
        desk["client"],
        f"/manage/events/{event.id}/announcements",
        {"subject": "Venue change\r\nBcc: victim@example.com", "body": "We meet in Hall B."},
    )
    assert response.status_code == 422
    assert "Write this on one line." in response.text


def test_a_line_break_in_a_stored_subject_is_sent_on_one_line_without_a_new_header(db, mailbox):
    from eventmgr.mail.models import MailMessage
    from eventmgr.mail.services import queue_mail, send_queued

    message = queue_mail(to="aida@example.kz", subject="Tashkent\r\nBcc: victim@example.com", body="Hello.")
    db.session.commit()
    assert send_queued() == 1
    [received] = mailbox.messages
    assert received["Subject"] == "Tashkent Bcc: victim@example.com"
    assert received["Bcc"] is None
    db.session.expire_all()
    assert db.session.get(MailMessage, message.id).state == "sent"


@pytest.mark.parametrize("fee", ["NaN", "Infinity", "-Infinity", "1e30", "100000000"])
def test_money_must_be_a_finite_amount_its_column_holds(desk, db, fee):
    """A fee or a payment of NaN, Infinity or 1e30: a field error, nothing stored, and the page still renders."""
    registration, client = desk["registration"], desk["client"]
    url = f"/manage/events/{desk['event'].id}/registrations/{registration.id}"
    response = client.post(
        f"{url}/payment",
        data={"csrf_token": csrf_token(client, url), "amount": fee, "method": "bank transfer", "reference": "X-1"},
    )
    assert response.status_code in (302, 400, 422)
    assert client.get(url).status_code == 200
    from eventmgr.registration.models import Payment

    assert count(db, Payment) == 0


@pytest.mark.parametrize("start", ["0001-01-01T09:00", "9999-12-31T23:59"])
def test_dates_must_lie_within_sane_years(desk, start):
    """Year 1 or 9999 would overflow when converted between zones: a field error instead."""
    from eventmgr.forms import MAX_YEAR, MIN_YEAR

    url = f"/manage/events/{desk['event'].id}/agenda/new"
    response = post_form(desk["client"], url, {"title": "Opening", "kind": "plenary", "start": start, "end": start})
    assert response.status_code == 422
    assert f"between the years {MIN_YEAR} and {MAX_YEAR}" in response.text


def test_control_characters_stored_in_a_paragraph_do_not_break_the_word_export(desk, db):
    from docx import Document as WordDocument

    paragraph = desk["paragraph"]
    paragraph.body = "The delegations\x0b met\x0c in\x1b Dushanbe."  # PostgreSQL cannot even store a NUL
    db.session.commit()
    response = desk["client"].get(f"/manage/events/{desk['event'].id}/documents/{desk['document'].id}/export.docx")
    assert response.status_code == 200
    text = "\n".join(p.text for p in WordDocument(io.BytesIO(response.data)).paragraphs)
    assert "The delegations met in Dushanbe." in text


def test_a_paragraph_posted_without_its_items_or_with_a_naive_seen_at_is_saved(desk, db):
    document, paragraph = desk["document"], desk["paragraph"]
    url = f"/manage/events/{desk['event'].id}/documents/{document.id}/paragraphs/{paragraph.id}"
    client = desk["client"]
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "body": "The delegations agreed."})
    assert response.status_code == 302
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "body": "The delegations met.",
            "items": "",
            "seen_at": "2000-01-01T00:00:00",
        },
    )  # no zone, long ago
    assert response.status_code == 409  # read as UTC: someone saved it since
    assert "Someone else changed this paragraph" in response.text


def test_the_changes_page_ignores_parameters_it_does_not_take(make_event, make_user, make_document, db, client):
    from eventmgr.documents import services as documents

    organiser = make_user()
    event = make_event(organiser=organiser)
    document = make_document(event, organiser, text="1. Introduction\n\n(1) The delegations met.\n")
    documents.publish(document, organiser)
    db.session.commit()
    response = client.get(f"/events/{event.slug}/documents/{document.slug}/changes?slug=x&doc=y&from=0&to=NaN")
    assert response.status_code == 200


def test_text_longer_than_its_column_is_refused_at_the_model_boundary(desk, db):
    """Forms check lengths first; a service reached another way (an import, a command) is stopped at flush,
    with the field named, on SQLite too (which keeps whatever it is given)."""
    from eventmgr.errors import EventMgrError
    from eventmgr.people.services import create_person

    with pytest.raises(EventMgrError) as refused:
        create_person({"full_name": "Kairat Sarybay", "bio": "x" * 10_001}, desk["organiser"], event=desk["event"])
        db.session.flush()
    assert refused.value.field == "bio"
    db.session.rollback()
    registration = desk["registration"]
    registration.given_name = "A" * 600
    with pytest.raises(EventMgrError) as refused:
        db.session.flush()
    assert refused.value.field == "given_name"
    db.session.rollback()


def test_a_600_character_name_is_a_field_error(desk, client):
    response = post_form(
        client,
        f"/events/{desk['event'].slug}/register",
        {"given_name": "A" * 600, "family_name": "Nurlanova", "email": "long@example.kz", "country": "KZ"},
    )
    assert response.status_code == 422
    assert "120 characters" in response.text
