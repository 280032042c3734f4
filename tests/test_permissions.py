"""Who may use which page: per-event roles, and a walk over every /manage and /admin route.

The walk reads the app's URL map. A new route under /manage or /admin fails
`test_every_management_route_is_known` until it is added to RULES below with who may use it, and a new
URL variable fails until `values` says how to fill it: so every new route gets a permission check.
"""

import re
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import PASSWORD, csrf_token
from sqlalchemy import select

from eventmgr.events.models import Event, EventRole
from eventmgr.jobs.models import Job

ANY_ACCOUNT = "any account"  # every logged-in account (their dashboard, new events, shared directories)
ADMINS = "admins"  # site administrators only
EVENT_STAFF = "event staff"  # the event's organisers and secretariat, and admins
ORGANISERS = "organisers"  # the event's organisers, and admins
SERIES_MANAGERS = "series managers"  # whoever created the series, organisers of its editions, and admins

#: Every rule under /manage and /admin, with who may use it.
RULES = {
    "/admin/users": ADMINS,
    "/admin/users/<int:user_id>/<action>": ADMINS,
    "/manage/": ANY_ACCOUNT,
    "/manage/events/new": ANY_ACCOUNT,
    "/manage/series/": ANY_ACCOUNT,
    "/manage/series/new": ANY_ACCOUNT,
    "/manage/series/<int:series_id>/edit": SERIES_MANAGERS,
    "/manage/organisations/": ANY_ACCOUNT,
    "/manage/organisations/new": ANY_ACCOUNT,
    "/manage/organisations/<int:organisation_id>/edit": ANY_ACCOUNT,
    "/manage/events/<int:event_id>": EVENT_STAFF,
    "/manage/events/<int:event_id>/edit": ORGANISERS,
    "/manage/events/<int:event_id>/publish": ORGANISERS,
    "/manage/events/<int:event_id>/cancel": ORGANISERS,
    "/manage/events/<int:event_id>/delete": ORGANISERS,
    "/manage/events/<int:event_id>/copy": ORGANISERS,
    "/manage/events/<int:event_id>/organisations": ORGANISERS,
    "/manage/events/<int:event_id>/organisations/<int:position>/<action>": ORGANISERS,
    "/manage/events/<int:event_id>/roles": ORGANISERS,
    "/manage/events/<int:event_id>/roles/<int:role_id>/revoke": ORGANISERS,
    "/manage/events/<int:event_id>/log": ORGANISERS,
    "/manage/events/<int:event_id>/registrations": ORGANISERS,
    "/manage/events/<int:event_id>/registrations/bulk": ORGANISERS,
    "/manage/events/<int:event_id>/registrations.csv": ORGANISERS,
    "/manage/events/<int:event_id>/registrations/statistics": ORGANISERS,
    "/manage/events/<int:event_id>/registrations/<int:registration_id>": ORGANISERS,
    "/manage/events/<int:event_id>/registrations/<int:registration_id>/<action>": ORGANISERS,
    "/manage/events/<int:event_id>/check-in": ORGANISERS,
    "/manage/events/<int:event_id>/registration-settings": ORGANISERS,
    "/manage/events/<int:event_id>/registration-settings/questions/<int:question_id>/<action>": ORGANISERS,
    "/manage/events/<int:event_id>/announcements": ORGANISERS,
    "/manage/events/<int:event_id>/agenda": ORGANISERS,
    "/manage/events/<int:event_id>/agenda/new": ORGANISERS,
    "/manage/events/<int:event_id>/agenda/<int:session_id>": ORGANISERS,
    "/manage/events/<int:event_id>/agenda/<int:session_id>/delete": ORGANISERS,
    "/manage/events/<int:event_id>/agenda/<int:session_id>/participants": ORGANISERS,
    "/manage/events/<int:event_id>/agenda/<int:session_id>/participants/<int:participant_id>/<action>": ORGANISERS,
    "/manage/events/<int:event_id>/presenters": ORGANISERS,
    "/manage/events/<int:event_id>/presenters/<int:featured_id>/<action>": ORGANISERS,
    "/manage/events/<int:event_id>/people/<int:person_id>": ORGANISERS,
    "/manage/events/<int:event_id>/people/merge": ORGANISERS,
    # Outcome documents: the secretariat drafts and publishes; letters concern delegates' data: organisers only.
    "/manage/events/<int:event_id>/documents": EVENT_STAFF,
    "/manage/events/<int:event_id>/documents/<int:document_id>": EVENT_STAFF,
    "/manage/events/<int:event_id>/documents/<int:document_id>/comments": EVENT_STAFF,
    "/manage/events/<int:event_id>/documents/<int:document_id>/comments/<int:comment_id>/resolve": EVENT_STAFF,
    "/manage/events/<int:event_id>/documents/<int:document_id>/delete": EVENT_STAFF,
    "/manage/events/<int:event_id>/documents/<int:document_id>/draft": EVENT_STAFF,
    "/manage/events/<int:event_id>/documents/<int:document_id>/export.docx": EVENT_STAFF,
    "/manage/events/<int:event_id>/documents/<int:document_id>/import": EVENT_STAFF,
    "/manage/events/<int:event_id>/documents/<int:document_id>/paragraphs/<int:paragraph_id>": EVENT_STAFF,
    "/manage/events/<int:event_id>/documents/<int:document_id>/paragraphs/<int:paragraph_id>/delete": EVENT_STAFF,
    "/manage/events/<int:event_id>/documents/<int:document_id>/paragraphs/<int:paragraph_id>/move": EVENT_STAFF,
    "/manage/events/<int:event_id>/documents/<int:document_id>/preview.pdf": EVENT_STAFF,
    "/manage/events/<int:event_id>/documents/<int:document_id>/publish": EVENT_STAFF,
    "/manage/events/<int:event_id>/documents/<int:document_id>/review": EVENT_STAFF,
    "/manage/events/<int:event_id>/documents/<int:document_id>/sections": EVENT_STAFF,
    "/manage/events/<int:event_id>/documents/<int:document_id>/sections/<int:section_id>": EVENT_STAFF,
    "/manage/events/<int:event_id>/documents/<int:document_id>/sections/<int:section_id>/delete": EVENT_STAFF,
    "/manage/events/<int:event_id>/documents/<int:document_id>/sections/<int:section_id>/move": EVENT_STAFF,
    "/manage/events/<int:event_id>/documents/<int:document_id>/sections/<int:section_id>/paragraphs": EVENT_STAFF,
    "/manage/events/<int:event_id>/documents/letters": ORGANISERS,
    "/manage/events/<int:event_id>/documents/letters/<any(badges, certificates):kind>": ORGANISERS,
    "/manage/events/<int:event_id>/documents/letters/jobs/<int:job_id>.pdf": ORGANISERS,
    "/manage/events/<int:event_id>/documents/letters/certificate/<int:registration_id>.pdf": ORGANISERS,
    "/manage/events/<int:event_id>/documents/letters/visa/<int:registration_id>.pdf": ORGANISERS,
    "/manage/events/<int:event_id>/documents/letters/visa/<int:registration_id>/approve": ORGANISERS,
}

#: The <action> each POST-only rule is walked with: one that works, so that refusals are not just bad input.
ACTIONS = {
    "/admin/users/<int:user_id>/<action>": "make-admin",
    "/manage/events/<int:event_id>/organisations/<int:position>/<action>": "down",
    "/manage/events/<int:event_id>/registrations/<int:registration_id>/<action>": "check-in",
    "/manage/events/<int:event_id>/registration-settings/questions/<int:question_id>/<action>": "down",
    "/manage/events/<int:event_id>/agenda/<int:session_id>/participants/<int:participant_id>/<action>": "down",
    "/manage/events/<int:event_id>/presenters/<int:featured_id>/<action>": "label",
}

DOCUMENT = "/manage/events/<int:event_id>/documents/<int:document_id>"

#: Form fields a POST-only rule needs besides the CSRF token.
FORMS = {
    "/manage/events/<int:event_id>/cancel": {"reason": "Postponed."},
    "/manage/events/<int:event_id>/registrations/bulk": {"action": "approve"},
    # A new person each time: the world's people are already in its session.
    "/manage/events/<int:event_id>/agenda/<int:session_id>/participants": {
        "person-full_name": "Bolat Nurgaliyev", "role": "speaker"},
    "/manage/events/<int:event_id>/presenters/<int:featured_id>/<action>": {
        "role_label": "Webinar hosting presenter"},
    DOCUMENT + "/comments": {"body": "Please cite the 2010 conference here."},
    DOCUMENT + "/import": {"text": "1. Introduction\n\n(1) The delegations met in Dushanbe."},
    DOCUMENT + "/sections": {"heading": "Way forward"},
    DOCUMENT + "/sections/<int:section_id>/move": {"direction": "down"},
    DOCUMENT + "/paragraphs/<int:paragraph_id>/move": {"direction": "down"},
}


@pytest.fixture
def build_world(db, make_user, make_event, make_organisation):
    """Make an event run by its organiser, with a series, a registration, a secretariat role, a question,
    and a programme: a panel with a moderator and a speaker, one of them featured."""
    from eventmgr.agenda import services as agenda_services
    from eventmgr.documents import letters
    from eventmgr.documents import services as document_services
    from eventmgr.events.services import create_series, grant_role, set_organisations
    from eventmgr.people.services import create_person
    from eventmgr.registration import services as registration_services

    def build(status="published", visibility="public", organiser=None):
        organiser = organiser or make_user(name="Olga Organiser")
        secretary = make_user(name="Sam Secretariat")
        series = create_series(f"Issyk-Kul Initiative {uuid.uuid4().hex[:6]}", "", organiser)
        event = make_event(organiser=organiser, status=status, visibility=visibility, series_id=series.id,
                           edition=1, capacity=5)
        organisation = make_organisation()
        set_organisations(event, [(organisation.id, "host"), (make_organisation().id, "partner")], organiser)
        role = grant_role(event, secretary, "secretariat", organiser)
        questions = [registration_services.add_question(event, {"label": label, "kind": "short_text"})
                     for label in ("Diet?", "Arrival date?")]
        panel = agenda_services.create_session(event, {
            "kind": "panel", "title": "Challenges of border management in Central Asia",
            "start_at": event.start_at, "end_at": event.start_at + timedelta(hours=1)}, organiser)
        moderator, speaker = (create_person({"full_name": name}, organiser, event=event)
                              for name in ("Kairat Sarybay", "Aigerim Abenova"))
        first = agenda_services.add_participant(panel, moderator, "moderator", user=organiser)
        agenda_services.add_participant(panel, speaker, "speaker", user=organiser)
        featured = agenda_services.add_featured(event, moderator, "Webinar hosting presenter", organiser)
        document = document_services.create_document(event, {"title": "Recommendations"}, secretary)
        document_services.import_text(document, "1. Introduction\n\n(1) The delegations met.\n", secretary)
        paragraph = document.sections[0].paragraphs[0]
        comment = document_services.add_comment(document, secretary, "A remark.", paragraph)
        db.session.commit()
        registration = None
        if status == "published":
            registration = registration_services.register(event, {
                "given_name": "Aida", "family_name": "N", "email": "aida@example.kz", "country": "KZ",
                "needs_visa_letter": True})
            # Checked in, with an approved visa letter: the certificate and the letter exist to be fetched.
            registration_services.check_in(registration, organiser)
            letters.approve_visa_letter(registration, organiser)
            db.session.commit()
        # A finished job with its file, to fetch (rendering one is test_jobs' business, not this walk's).
        job = Job(kind="badges", event_id=event.id, state="done", result=b"%PDF-1.7\n", result_size=9,
                  content_type="application/pdf", filename="badges.pdf")
        db.session.add(job)
        db.session.commit()
        values = {
            "event_id": event.id, "series_id": series.id, "organisation_id": organisation.id,
            "role_id": role.id, "position": 0, "question_id": questions[0].id, "user_id": secretary.id,
            "registration_id": registration.id if registration else 0,
            "slug": event.slug, "token": registration.access_token if registration else "x" * 43,
            "session_id": panel.id, "participant_id": first.id, "person_id": moderator.id,
            "featured_id": featured.id, "document_id": document.id, "section_id": document.sections[0].id,
            "paragraph_id": paragraph.id, "comment_id": comment.id, "job_id": job.id, "kind": "badges",
        }
        return {"organiser": organiser, "secretary": secretary, "event": event, "values": values}

    return build


@pytest.fixture
def world(build_world):
    return build_world()


@pytest.fixture
def outsider(make_user):
    """An account with no role anywhere."""
    return make_user(name="Oscar Outsider")


def management_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if rule.rule.startswith(("/manage", "/admin"))),
                  key=lambda rule: rule.rule)


def fill(rule, values) -> str:
    """The rule's URL with its variables filled in; fails for a variable the test does not know."""
    values = values | ({"action": ACTIONS[rule.rule]} if rule.rule in ACTIONS else {})
    missing = [name for name in rule.arguments if name not in values]
    assert not missing, f"{rule.rule}: teach tests/test_permissions.py how to fill {missing}"
    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def request_rule(client, rule, values, token):
    """GET the rule, or POST a valid form to it when it takes only POST."""
    url = fill(rule, values)
    if "GET" in rule.methods:
        return url, client.get(url)
    return url, client.post(url, data={"csrf_token": token} | FORMS.get(rule.rule, {}))


def log_in(app, user):
    """A client of its own, logged in as the user."""
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 302
    return client


def token_of(client) -> str:
    """A valid CSRF token of a logged-in client's session."""
    return csrf_token(client, "/manage/series/new")


# --- The walk ----------------------------------------------------------------------------------------

def test_every_management_route_is_known(app):
    found = {rule.rule for rule in management_rules(app)}
    assert found - RULES.keys() == set(), "new routes: add them to RULES with who may use them"
    assert RULES.keys() - found == set(), "routes gone: remove them from RULES"
    for rule in management_rules(app):
        if "GET" not in rule.methods and "action" in rule.arguments:
            assert rule.rule in ACTIONS, f"{rule.rule}: name a working <action> in ACTIONS"


def test_anonymous_visitors_are_sent_to_log_in(app, client, world):
    token = csrf_token(client, "/login")
    for rule in management_rules(app):
        url, response = request_rule(client, rule, world["values"], token)
        assert response.status_code == 302, (url, response.status_code)
        target = urlsplit(response.location)
        assert target.path == "/login", (url, response.location)
        if "GET" in rule.methods:  # and back to the page after logging in
            assert parse_qs(target.query).get("next") == [url], (url, response.location)


@pytest.mark.parametrize("status, visibility, refusals", [
    ("draft", "public", {404}),
    ("published", "private", {404}),
    ("published", "public", {403, 404}),
])
def test_accounts_without_a_role_are_refused(app, build_world, outsider, status, visibility, refusals):
    world = build_world(status=status, visibility=visibility)
    client = log_in(app, outsider)
    token = token_of(client)
    for rule in management_rules(app):
        who = RULES[rule.rule]
        url, response = request_rule(client, rule, world["values"], token)
        if who == ANY_ACCOUNT:
            assert response.status_code == 200, (url, response.status_code)
        elif who in (ADMINS, SERIES_MANAGERS):
            assert response.status_code == 403, (url, response.status_code)
        else:
            assert response.status_code in refusals, (url, response.status_code)


def test_the_secretariat_sees_the_overview_only(app, world):
    client = log_in(app, world["secretary"])
    token = token_of(client)
    # One world for the whole walk: what deletes goes last.
    for rule in sorted(management_rules(app), key=lambda rule: rule.rule.endswith("/delete")):
        who = RULES[rule.rule]
        url, response = request_rule(client, rule, world["values"], token)
        if who in (ANY_ACCOUNT, EVENT_STAFF):
            assert response.status_code == (200 if "GET" in rule.methods else 302), (url, response.status_code)
        else:
            assert response.status_code == 403, (url, response.status_code)


@pytest.mark.parametrize("who", ["organiser", "admin"])
def test_those_allowed_get_through(app, build_world, make_user, who):
    """The values the walk fills in are real: the event's organiser and an admin get every page."""
    user = make_user(name="Ada Admin" if who == "admin" else "Olga Organiser", is_admin=who == "admin")
    client = log_in(app, user)
    token = token_of(client)
    shared_world = build_world(organiser=user if who == "organiser" else None)
    for rule in management_rules(app):
        # A fresh event for each POST, so that what one changes cannot hide another's refusal.
        world = shared_world if "GET" in rule.methods else build_world(organiser=user if who == "organiser" else None)
        url, response = request_rule(client, rule, world["values"], token)
        if RULES[rule.rule] == ADMINS and who != "admin":
            assert response.status_code == 403, (url, response.status_code)
        elif "GET" in rule.methods:
            assert response.status_code == 200, (url, response.status_code)
        else:
            assert response.status_code == 302, (url, response.status_code)
            assert urlsplit(response.location).path != "/login"


def test_every_post_needs_a_csrf_token(app, world, make_user):
    client = log_in(app, make_user(is_admin=True))
    checked = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        url = fill(rule, world["values"])
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(url, data=data)
            assert response.status_code == 400, (url, data, response.status_code)
            assert "CSRF" in response.text, url
        checked += 1
    assert checked >= 20
    assert client.get("/manage/").status_code == 200  # still logged in: refusals changed nothing


# --- Per-event roles ---------------------------------------------------------------------------------

def grant(client, event, email, role):
    url = f"/manage/events/{event.id}/roles"
    return client.post(url, data={"email": email, "role": role, "csrf_token": csrf_token(client, url)})


def field_error(response, field):
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', response.text, re.S)
    return match.group(1).strip() if match else None


def test_an_organiser_grants_roles_to_existing_accounts(app, make_user, make_event, db):
    organiser = make_user(name="Olga Organiser")
    event = make_event(organiser=organiser, status="draft")
    colleague = make_user(name="Colin Colleague")
    secretary = make_user(name="Sam Secretariat")
    client = log_in(app, organiser)
    assert client.get(f"/manage/events/{event.id}/roles").status_code == 200
    colleagues = log_in(app, colleague)
    assert colleagues.get(f"/manage/events/{event.id}/edit").status_code == 404

    assert grant(client, event, colleague.email.upper(), "organiser").status_code == 302
    assert grant(client, event, secretary.email, "secretariat").status_code == 302
    db.session.expire_all()
    roles = db.session.execute(select(EventRole.user_id, EventRole.role).filter_by(event_id=event.id)).all()
    assert set(roles) == {(organiser.id, "organiser"), (colleague.id, "organiser"), (secretary.id, "secretariat")}
    page = client.get(f"/manage/events/{event.id}/roles").text
    assert colleague.email in page and secretary.email in page

    # The new organiser runs the event fully; their dashboard lists it.
    assert colleagues.get(f"/manage/events/{event.id}/edit").status_code == 200
    assert event.title in colleagues.get("/manage/").text
    assert grant(colleagues, event, make_user().email, "secretariat").status_code == 302


@pytest.mark.parametrize("email, role, message", [
    ("nobody@example.org", "organiser", "No account has this address"),
    ("SELF", "organiser", "already"),
    ("ada@example.org", "owner", "Not a valid choice"),
    ("GONE", "secretariat", "deactivated"),
])
def test_roles_go_only_to_active_accounts_once(app, make_user, make_event, db, email, role, message):
    organiser = make_user(name="Olga Organiser")
    event = make_event(organiser=organiser)
    gone = make_user(name="Gone")
    gone.is_active_account = False
    db.session.commit()
    email = {"SELF": organiser.email, "GONE": gone.email}.get(email, email)
    response = grant(log_in(app, organiser), event, email, role)
    assert response.status_code == 422
    assert message in (field_error(response, "email") or field_error(response, "role") or "")
    db.session.expire_all()
    assert db.session.execute(select(EventRole).filter_by(event_id=event.id)).scalars().all() == \
        [db.session.execute(select(EventRole).filter_by(user_id=organiser.id)).scalar_one()]


def test_the_last_organiser_cannot_be_removed(app, make_user, make_event, db):
    organiser = make_user(name="Olga Organiser")
    event = make_event(organiser=organiser)
    own_role_id = db.session.execute(select(EventRole.id).filter_by(event_id=event.id)).scalar_one()
    client = log_in(app, organiser)
    roles_url = f"/manage/events/{event.id}/roles"
    revoke_url = f"{roles_url}/{own_role_id}/revoke"
    assert client.post(revoke_url, data={"csrf_token": csrf_token(client, roles_url)}).status_code == 302
    assert "An event needs at least one organiser." in client.get(roles_url).text
    db.session.expire_all()
    assert db.session.get(EventRole, own_role_id) is not None

    # With a second organiser, the first may step down, and loses access.
    colleague = make_user(name="Colin Colleague")
    grant(client, event, colleague.email, "organiser")
    assert client.post(revoke_url, data={"csrf_token": csrf_token(client, roles_url)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(EventRole, own_role_id) is None
    assert client.get(roles_url).status_code in (403, 404)
    colleague_role = db.session.execute(select(EventRole).filter_by(event_id=event.id)).scalar_one()
    colleagues = log_in(app, colleague)
    colleagues.post(f"{roles_url}/{colleague_role.id}/revoke", data={"csrf_token": csrf_token(colleagues, roles_url)})
    db.session.expire_all()
    assert db.session.get(EventRole, colleague_role.id) is not None


def test_a_role_of_another_event_cannot_be_revoked_through_this_one(app, make_user, make_event, db):
    organiser = make_user(name="Olga Organiser")
    mine = make_event(organiser=organiser)
    theirs = make_event()
    from eventmgr.events.services import grant_role

    their_role = grant_role(theirs, make_user(), "secretariat", theirs.roles[0].user)
    db.session.commit()
    client = log_in(app, organiser)
    url = f"/manage/events/{mine.id}/roles/{their_role.id}/revoke"
    response = client.post(url, data={"csrf_token": csrf_token(client, f"/manage/events/{mine.id}/roles")})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(EventRole, their_role.id) is not None


def test_the_secretariat_sees_the_overview_but_cannot_change_the_event(app, make_user, make_event, db):
    organiser = make_user(name="Olga Organiser")
    event = make_event(organiser=organiser, status="draft", title="Draft conference")
    secretary = make_user(name="Sam Secretariat")
    assert grant(log_in(app, organiser), event, secretary.email, "secretariat").status_code == 302

    client = log_in(app, secretary)
    overview = client.get(f"/manage/events/{event.id}")
    assert overview.status_code == 200 and "Draft conference" in overview.text
    assert f"/manage/events/{event.id}/publish" not in overview.text  # no buttons it may not use
    assert f"/manage/events/{event.id}/edit" not in overview.text
    assert "Draft conference" in client.get("/manage/").text
    token = csrf_token(client, f"/manage/events/{event.id}")
    assert client.get(f"/manage/events/{event.id}/edit").status_code == 403
    assert client.get(f"/manage/events/{event.id}/roles").status_code == 403
    assert client.post(f"/manage/events/{event.id}/publish", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/manage/events/{event.id}/roles", data={
        "email": secretary.email, "role": "organiser", "csrf_token": token}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == "draft"
    assert not db.session.execute(select(EventRole).filter_by(user_id=secretary.id, role="organiser")).first()


def test_without_a_role_a_draft_is_not_found(app, make_user, make_event, outsider):
    event = make_event(status="draft", title="Secret draft")
    client = log_in(app, outsider)
    for path in ("", "/edit", "/roles", "/log", "/registrations"):
        response = client.get(f"/manage/events/{event.id}{path}")
        assert response.status_code == 404, path
        assert "Secret draft" not in response.text
    assert "Secret draft" not in client.get("/manage/").text
    # A public, published event is no secret, but its management pages are still refused.
    public = make_event(title="Public webinar")
    for path in ("", "/edit", "/roles", "/log", "/registrations"):
        assert client.get(f"/manage/events/{public.id}{path}").status_code in (403, 404), path
    assert "Public webinar" not in client.get("/manage/").text


def test_an_admin_manages_every_event(app, make_user, make_event, db):
    event = make_event(status="draft", title="Someone else's draft")
    admin = make_user(name="Ada Admin", is_admin=True)
    client = log_in(app, admin)
    assert "Someone else&#39;s draft" in client.get("/manage/").text
    for path in ("", "/edit", "/roles", "/log", "/registrations", "/organisations"):
        assert client.get(f"/manage/events/{event.id}{path}").status_code == 200, path
    overview = f"/manage/events/{event.id}"
    response = client.post(f"{overview}/publish", data={"csrf_token": csrf_token(client, overview)})
    assert response.status_code == 302
    helper = make_user(name="Helen Helper")
    assert grant(client, event, helper.email, "organiser").status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == "published"
    assert db.session.execute(select(EventRole).filter_by(user_id=helper.id, role="organiser")).scalar_one()
