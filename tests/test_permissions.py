"""Who may use which page: a walk over every route of the app for every role, and per-event roles.

The walk reads the app's URL map. A new route fails `test_every_route_is_known` until it is added to RULES
below with who may use it, and a new URL variable fails until `values` says how to fill it: so every new route
gets a permission check. The roles walked: an anonymous visitor, a delegate (their private link), a presenter
(the link to their own profile), the event's organiser and secretariat, an admin, the organiser of another
event, and an account without the capability to create events. None of them finds another organiser's
private people, series or organisations anywhere.
"""

import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import csrf_token
from helpers import field_error, logged_in
from sqlalchemy import select

from eventmgr.events.models import Event, EventRole, EventRoleInvitation
from eventmgr.jobs.models import Job
from eventmgr.languages import LANGUAGE_COOKIE

# Who may use a management page:
ANY_ACCOUNT = "any account"  # every logged-in account (their dashboard, the directories)
CAN_ORGANISE = "can organise"  # accounts with the capability to create events, series and organisations; admins
ADMINS = "admins"  # site administrators only
EVENT_STAFF = "event staff"  # the event's organisers and secretariat, and admins
ORGANISERS = "organisers"  # the event's organisers, and admins
SERIES_MANAGERS = "series managers"  # whoever created the series, and admins
ORGANISATION_OWNERS = "organisation owners"  # the organisation's owners, and admins
INVITED = "invited"  # the account of the address a role invitation was sent to
# Who may use a public page:
PUBLIC = "public"  # everyone: the pages of a published public event, the directory of people
LOGIN = "login"  # the login page: visitors; a logged-in account is sent on
DELEGATE = "delegate"  # whoever holds the delegate's private link
DELEGATION_LINK = "delegation link"  # whoever holds the private link mailed to a delegation's manager
UNSUBSCRIBE_LINK = "unsubscribe link"  # whoever holds the link in a delegate's announcements (not their private one)
PRESENTER = "presenter"  # whoever holds the link mailed to a presenter for their own profile
PASSWORD_LINK = "password link"  # whoever holds a mailed password link (none in the walk: a forged one is refused)
SESSION = "session"  # POST-only actions on one's own session (log out)
SWITCH = "switch"  # everyone, sent back to the page they were on: the language switcher (an account's POST saves it)

#: Every rule of the app, with who may use it.
RULES = {
    "/": PUBLIC,
    "/static/<path:filename>": PUBLIC,
    "/login": LOGIN,
    "/logout": SESSION,
    "/language/<code>": SWITCH,
    "/password/forgot": PUBLIC,
    "/password/reset/<token>": PASSWORD_LINK,
    "/events/<slug>": PUBLIC,
    "/events/<slug>/agenda": PUBLIC,
    "/events/<slug>/agenda.pdf": PUBLIC,
    "/events/<slug>/calendar.ics": PUBLIC,
    "/events/<slug>/presenters": PUBLIC,
    "/events/<slug>/participants": PUBLIC,
    "/events/<slug>/register": PUBLIC,
    "/events/<slug>/register/done": PUBLIC,
    "/events/<slug>/register/link": PUBLIC,
    "/events/<slug>/delegations/register": PUBLIC,
    "/events/<slug>/delegations/register/done": PUBLIC,
    "/events/<slug>/delegations/<token>": DELEGATION_LINK,
    "/events/<slug>/delegations/<token>/members": DELEGATION_LINK,
    "/events/<slug>/delegations/<token>/members/<int:registration_id>/<action>": DELEGATION_LINK,
    "/events/<slug>/delegations/<token>/replace": DELEGATION_LINK,
    "/events/<slug>/delegations/<token>/withdraw": DELEGATION_LINK,
    "/events/<slug>/sessions/<int:session_id>.ics": PUBLIC,
    "/events/<slug>/unsubscribe/<token>": UNSUBSCRIBE_LINK,
    "/events/<slug>/documents/<doc>": PUBLIC,
    "/events/<slug>/documents/<doc>.pdf": PUBLIC,
    "/events/<slug>/documents/<doc>/changes": PUBLIC,
    "/events/<slug>/documents/<doc>/v<int:number>": PUBLIC,
    "/events/<slug>/documents/<doc>/v<int:number>.pdf": PUBLIC,
    "/events/<slug>/documents/<doc>/v<int:number>-archive.pdf": PUBLIC,
    "/events/<slug>/registration/<token>": DELEGATE,
    "/events/<slug>/registration/<token>/agenda": DELEGATE,
    "/events/<slug>/registration/<token>/announcements": DELEGATE,
    "/events/<slug>/registration/<token>/calendar.ics": DELEGATE,
    "/events/<slug>/registration/<token>/cancel": DELEGATE,
    "/events/<slug>/registration/<token>/certificate.pdf": DELEGATE,
    "/events/<slug>/registration/<token>/edit": DELEGATE,
    "/events/<slug>/registration/<token>/invite.ics": DELEGATE,
    "/events/<slug>/registration/<token>/invoice": DELEGATE,
    "/events/<slug>/registration/<token>/invoice.pdf": DELEGATE,
    "/events/<slug>/registration/<token>/qr.svg": DELEGATE,
    "/events/<slug>/registration/<token>/visa-letter.pdf": DELEGATE,
    "/series/<slug>": PUBLIC,
    "/people/<int:person_id>": PUBLIC,
    "/people/<int:person_id>-<slug>": PUBLIC,
    "/people/<int:person_id>/calendar.ics": PUBLIC,
    "/people/<int:person_id>/photo/<any(large, small):size>/<digest>.jpg": PUBLIC,
    "/people/<int:person_id>/profile/<token>": PRESENTER,
    "/admin/users": ADMINS,
    "/admin/users/<int:user_id>/<action>": ADMINS,
    "/admin/log": ADMINS,
    "/manage/": ANY_ACCOUNT,
    "/manage/invitations/<token>": INVITED,
    "/manage/events/new": CAN_ORGANISE,
    "/manage/series/": ANY_ACCOUNT,
    "/manage/series/new": CAN_ORGANISE,
    "/manage/series/<int:series_id>/edit": SERIES_MANAGERS,
    "/manage/series/<int:series_id>/requests/<int:request_id>/<any(accept, decline):action>": SERIES_MANAGERS,
    "/manage/organisations/": ANY_ACCOUNT,
    "/manage/organisations/new": CAN_ORGANISE,
    "/manage/organisations/<int:organisation_id>/edit": ORGANISATION_OWNERS,
    "/manage/organisations/<int:organisation_id>/owners": ADMINS,
    "/manage/organisations/<int:organisation_id>/owners/<int:user_id>/remove": ADMINS,
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
    "/manage/events/<int:event_id>/roles/invitations/<int:invitation_id>/<any(resend, withdraw):action>": ORGANISERS,
    "/manage/events/<int:event_id>/log": ORGANISERS,
    "/manage/events/<int:event_id>/registrations": ORGANISERS,
    "/manage/events/<int:event_id>/registrations/bulk": ORGANISERS,
    "/manage/events/<int:event_id>/registrations.csv": ORGANISERS,
    "/manage/events/<int:event_id>/registrations/statistics": ORGANISERS,
    "/manage/events/<int:event_id>/registrations/<int:registration_id>": ORGANISERS,
    "/manage/events/<int:event_id>/registrations/<int:registration_id>/<action>": ORGANISERS,
    "/manage/events/<int:event_id>/check-in": ORGANISERS,
    "/manage/events/<int:event_id>/check-in/<int:registration_id>": ORGANISERS,
    "/manage/events/<int:event_id>/check-in/<int:registration_id>/undo": ORGANISERS,
    "/manage/events/<int:event_id>/registration-settings": ORGANISERS,
    "/manage/events/<int:event_id>/attendance": ORGANISERS,
    "/manage/events/<int:event_id>/registration-settings/questions/<int:question_id>/<action>": ORGANISERS,
    "/manage/events/<int:event_id>/announcements": ORGANISERS,
    "/manage/events/<int:event_id>/delegations": ORGANISERS,
    "/manage/events/<int:event_id>/delegations/<int:delegation_id>/<action>": ORGANISERS,
    "/manage/events/<int:event_id>/agenda": ORGANISERS,
    "/manage/events/<int:event_id>/agenda/new": ORGANISERS,
    "/manage/events/<int:event_id>/agenda/<int:session_id>": ORGANISERS,
    "/manage/events/<int:event_id>/agenda/<int:session_id>/delete": ORGANISERS,
    "/manage/events/<int:event_id>/agenda/<int:session_id>/participants": ORGANISERS,
    "/manage/events/<int:event_id>/agenda/<int:session_id>/participants/<int:participant_id>/<action>": ORGANISERS,
    "/manage/events/<int:event_id>/presenters": ORGANISERS,
    "/manage/events/<int:event_id>/presenters/<int:featured_id>/<action>": ORGANISERS,
    "/manage/events/<int:event_id>/presenters/order/<int:person_id>/<any(up, down):action>": ORGANISERS,
    "/manage/events/<int:event_id>/people/<int:person_id>": ORGANISERS,
    "/manage/events/<int:event_id>/people/<int:person_id>/send-link": ORGANISERS,
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
    "/manage/events/<int:event_id>/documents/letters/delegations/<int:delegation_id>/approve": ORGANISERS,
    "/manage/events/<int:event_id>/documents/letters/delegations/<int:delegation_id>/visa-letters.pdf": ORGANISERS,
}
#: The one POST taken without a CSRF token: a mail program's one-click unsubscribe (RFC 8058), which cannot have
#: one; the signed token in its address is the proof, and it can only stop the event's announcements.
WITHOUT_CSRF = {"/events/<slug>/unsubscribe/<token>"}
MANAGEMENT = {ANY_ACCOUNT, CAN_ORGANISE, ADMINS, EVENT_STAFF, ORGANISERS, SERIES_MANAGERS, ORGANISATION_OWNERS, INVITED}

#: The <action> each POST-only rule is walked with: one that works, so that refusals are not just bad input.
ACTIONS = {
    "/admin/users/<int:user_id>/<action>": "make-admin",
    "/manage/events/<int:event_id>/organisations/<int:position>/<action>": "down",
    "/manage/events/<int:event_id>/registrations/<int:registration_id>/<action>": "check-in",
    "/manage/events/<int:event_id>/delegations/<int:delegation_id>/<action>": "approve",
    "/events/<slug>/delegations/<token>/members/<int:registration_id>/<action>": "head",
    "/manage/events/<int:event_id>/registration-settings/questions/<int:question_id>/<action>": "down",
    "/manage/events/<int:event_id>/agenda/<int:session_id>/participants/<int:participant_id>/<action>": "down",
    "/manage/events/<int:event_id>/presenters/<int:featured_id>/<action>": "label",
    "/manage/events/<int:event_id>/presenters/order/<int:person_id>/<any(up, down):action>": "down",
    "/manage/series/<int:series_id>/requests/<int:request_id>/<any(accept, decline):action>": "accept",
    "/manage/events/<int:event_id>/roles/invitations/<int:invitation_id>/<any(resend, withdraw):action>": "resend",
}

DOCUMENT = "/manage/events/<int:event_id>/documents/<int:document_id>"

#: Form fields a POST-only rule needs besides the CSRF token.
FORMS = {
    "/manage/events/<int:event_id>/cancel": {"reason": "Postponed."},
    "/manage/events/<int:event_id>/registrations/bulk": {"action": "approve"},
    # A check-in the desk showed (not this registration's: it is refused as changed since, and said so).
    "/manage/events/<int:event_id>/check-in/<int:registration_id>/undo": {"checked_in_at": "2026-01-01T08:00:00+00:00"},
    # A new person each time: the world's people are already in its session.
    "/manage/events/<int:event_id>/agenda/<int:session_id>/participants": {
        "person-full_name": "Bolat Nurgaliyev",
        "role": "speaker",
    },
    "/manage/events/<int:event_id>/presenters/<int:featured_id>/<action>": {"role_label": "Webinar hosting presenter"},
    "/manage/organisations/<int:organisation_id>/owners": {"owner-user_id": "SECRETARY"},
    DOCUMENT + "/comments": {"body": "Please cite the 2010 conference here."},
    DOCUMENT + "/publish": {"accept_unresolved": "y"},  # over the world's open comment
    DOCUMENT + "/import": {"text": "1. Introduction\n\n(1) The delegations met in Dushanbe."},
    DOCUMENT + "/sections": {"heading": "Way forward"},
    DOCUMENT + "/sections/<int:section_id>/move": {"direction": "down"},
    DOCUMENT + "/paragraphs/<int:paragraph_id>/move": {"direction": "down"},
}

#: The roles of the walk; the first three hold no account.
ROLES = ("anonymous", "delegate", "presenter", "organiser", "secretariat", "admin", "other organiser", "no capability")
VISITORS = ("anonymous", "delegate", "presenter")


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (40, 40), (30, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


PHOTO = _png()


@pytest.fixture
def build_world(db, make_user, make_event, make_organisation, make_session, make_document, make_registration):
    """Make an event run by its organiser, with its own series and organisation, a registration, a secretariat
    role, a question, a programme (a panel with a moderator and a speaker, one featured), a role invitation,
    another organiser's request to join the series, and an account without the organiser capability."""
    from eventmgr.agenda import services as agenda_services
    from eventmgr.documents import letters
    from eventmgr.documents import services as document_services
    from eventmgr.events.services import create_series, grant_role, invite_to_role, request_series, set_organisations
    from eventmgr.organisations.services import create_organisation
    from eventmgr.people.services import create_person, profile_token
    from eventmgr.registration import delegations
    from eventmgr.registration import services as registration_services
    from eventmgr.registration.unsubscribing import unsubscribe_url

    def build(status="published", visibility="public", organiser=None, publish_document=False):
        organiser = organiser or make_user(name="Olga Organiser")
        secretary = make_user(name="Sam Secretariat", can_organise=False)
        invitee = make_user(name="Nina Newcomer", can_organise=False)
        series = create_series(f"Issyk-Kul Initiative {uuid.uuid4().hex[:6]}", "", organiser)
        event = make_event(
            organiser=organiser,
            status=status,
            visibility=visibility,
            series_id=series.id,
            edition=1,
            # In person: its delegates have visa letters and badges to fetch.
            kind="conference",
            format="in_person",
            venue_name="Hotel Karven",
            venue_city="Cholpon-Ata",
            venue_country="KG",
            capacity=5,
            publish_participant_list=True,
            delegations_enabled=True,
        )
        organisation = create_organisation(
            {"name": f"Border Service {uuid.uuid4().hex[:6]}", "kind": "border_agency"}, organiser
        )
        set_organisations(event, [(organisation.id, "host"), (make_organisation().id, "partner")], organiser)
        role = grant_role(event, secretary, "secretariat", organiser)
        invitation = invite_to_role(event, invitee.email, "secretariat", organiser)
        questions = [
            registration_services.add_question(event, {"label": label, "kind": "short_text"})
            for label in ("Diet?", "Arrival date?")
        ]
        panel = make_session(event, "Challenges of border management in Central Asia", user=organiser)
        moderator = create_person(
            {"full_name": "Kairat Sarybay", "email": f"kairat-{uuid.uuid4().hex[:6]}@osce.example"},
            organiser,
            photo=PHOTO,
            event=event,
        )
        speaker = create_person({"full_name": "Aigerim Abenova"}, organiser, event=event)
        first = agenda_services.add_participant(panel, moderator, "moderator", user=organiser)
        agenda_services.add_participant(panel, speaker, "speaker", user=organiser)
        featured = agenda_services.add_featured(event, moderator, "Webinar hosting presenter", organiser)
        document = make_document(event, secretary, "1. Introduction\n\n(1) The delegations met.\n")
        paragraph = document.sections[0].paragraphs[0]
        comment = document_services.add_comment(document, secretary, "A remark.", paragraph)
        # Another organiser asks for their event to become an edition of the series.
        elsewhere = make_event(organiser=make_user(name="Otto Other"), title="Editions elsewhere")
        series_request = request_series(elsewhere, series, 2, elsewhere.roles[0].user)
        db.session.commit()
        if publish_document:
            document_services.publish(document, secretary, accept_unresolved=True)
            db.session.commit()
        registration = delegation = None
        if status == "published":
            registration = make_registration(event, "aida@example.kz", family_name="N", needs_visa_letter=True)
            # Checked in, with an approved visa letter: the letter exists to be fetched (the certificate, once the
            # event has ended: the past event's below).
            registration_services.check_in(registration, organiser, now=event.start_at)
            letters.approve_visa_letter(registration, organiser)
            # A fee to pay and an invoice issued: the invoice exists to be fetched.
            from eventmgr.registration import payments
            from eventmgr.registration.models import PaymentSettings

            registration.amount_due = 60
            db.session.add(PaymentSettings(event_id=event.id, legal_name="Border Academy"))
            payments.issue_invoice(registration)
            db.session.commit()
            # A delegation registered by its head, which she joins: its link and its visa letters are fetched.
            head = {"given_name": "Nurlan", "family_name": "A", "email": "nurlan@border.kz", "is_head": True}
            contact = {"contact_name": "Nurlan A", "contact_email": "nurlan@border.kz", "country": "KZ"}
            delegation = delegations.register_delegation(event, contact, [head])
            registration.delegation_id, registration.delegation = delegation.id, delegation.name
            db.session.commit()
        # A finished job with its file, to fetch (rendering one is test_jobs' business, not this walk's).
        job = Job(
            kind="badges",
            event_id=event.id,
            state="done",
            result=b"%PDF-1.7\n",
            result_size=9,
            content_type="application/pdf",
            filename="badges.pdf",
        )
        db.session.add(job)
        db.session.commit()
        delegate_token = registration.access_token if registration else "x" * 43
        values = {
            "event_id": event.id,
            "series_id": series.id,
            "organisation_id": organisation.id,
            "role_id": role.id,
            "position": 0,
            "question_id": questions[0].id,
            "user_id": secretary.id,
            "registration_id": registration.id if registration else 0,
            "delegation_id": delegation.id if delegation else 0,
            "slug": event.slug,
            "token": delegate_token,
            "session_id": panel.id,
            "participant_id": first.id,
            "person_id": moderator.id,
            "featured_id": featured.id,
            "document_id": document.id,
            "section_id": document.sections[0].id,
            "paragraph_id": paragraph.id,
            "comment_id": comment.id,
            "job_id": job.id,
            "kind": "badges",
            "request_id": series_request.id,
            "invitation_id": invitation.id,
            "doc": document.slug,
            "number": 1,
            "filename": "eventmgr.css",
            "size": "small",
            "digest": moderator.photo.url_digest,
        }
        # Certificates of attendance are issued once an event has ended: the same organiser's event of last week.
        ended = make_event(
            organiser=organiser,
            title=f"Last week's webinar {uuid.uuid4().hex[:6]}",
            start_at=datetime.now(UTC).replace(microsecond=0) - timedelta(days=7),
        )
        attendee = make_registration(ended, "attended@example.kz", now=ended.start_at - timedelta(days=3))
        registration_services.check_in(attendee, organiser, now=ended.start_at)
        # As visible as the world's event, so that those who may not see that one may not see this one either.
        ended.status, ended.visibility = status, visibility
        db.session.commit()
        # Rules whose <token> or <slug> is another than the delegate's token and the event's slug.
        overrides = {
            "/language/<code>": {"code": "ru"},
            "/manage/events/<int:event_id>/documents/letters/certificate/<int:registration_id>.pdf": {
                "event_id": ended.id,
                "registration_id": attendee.id,
            },
            "/events/<slug>/registration/<token>/certificate.pdf": {"slug": ended.slug, "token": attendee.access_token},
            "/manage/invitations/<token>": {"token": invitation.token},
            "/people/<int:person_id>/profile/<token>": {"token": profile_token(moderator)},
            "/password/reset/<token>": {"token": "forged"},
            "/series/<slug>": {"slug": series.slug},
            "/people/<int:person_id>-<slug>": {"slug": moderator.slug},
            "/events/<slug>/unsubscribe/<token>": {
                "token": unsubscribe_url(registration).rpartition("/")[2] if registration else "x" * 43
            },
        }
        delegation_token = {"token": delegation.access_token if delegation else "x" * 43}
        for rule, who in RULES.items():
            if who == DELEGATION_LINK:
                overrides[rule] = dict(delegation_token)

        return {
            "organiser": organiser,
            "secretary": secretary,
            "invitee": invitee,
            "event": event,
            "values": values,
            "overrides": overrides,
            "delegate_token": delegate_token,
        }

    return build


@pytest.fixture
def world(build_world):
    return build_world()


@pytest.fixture
def outsider(make_user):
    """An account that may create events but has no role on the world's."""
    return make_user(name="Oscar Outsider")


def all_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules()), key=lambda rule: rule.rule)


def management_rules(app):
    return [rule for rule in all_rules(app) if rule.rule.startswith(("/manage", "/admin"))]


def fill(rule, values, overrides=None, role=None) -> str:
    """The rule's URL with its variables filled in; fails for a variable the test does not know.

    `overrides` names the values of rules that take another <token> or <slug> than the delegate's and the
    event's. With a `role`, a link's token is forged for anyone but the role who holds it.
    """
    values = values | ({"action": ACTIONS[rule.rule]} if rule.rule in ACTIONS else {})
    values = values | (overrides or {}).get(rule.rule, {})
    # The walk's delegate holds their own link and their delegation's (they registered it).
    holder = {
        DELEGATE: "delegate",
        DELEGATION_LINK: "delegate",
        UNSUBSCRIBE_LINK: "delegate",
        PRESENTER: "presenter",
    }.get(RULES.get(rule.rule))
    if role is not None and holder is not None and role != holder:
        values = values | {"token": "forged-" + "x" * 37}
    missing = [name for name in rule.arguments if name not in values]
    assert not missing, f"{rule.rule}: teach tests/test_permissions.py how to fill {missing}"
    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def request_rule(client, rule, values, token, overrides=None, role=None, world=None):
    """GET the rule, or POST a valid form to it when it takes only POST."""
    url = fill(rule, values, overrides, role)
    if "GET" in rule.methods:
        return url, client.get(url)
    form = {
        key: (str(world["secretary"].id) if value == "SECRETARY" and world else value)
        for key, value in FORMS.get(rule.rule, {}).items()
    }
    return url, client.post(url, data={"csrf_token": token} | form)


def token_of(client) -> str:
    """A valid CSRF token of a logged-in client's session."""
    return csrf_token(client, "/manage/")


def expected_statuses(who: str, role: str) -> set[int]:
    """What a GET of a rule for `who` answers `role` (on a world whose event is published and public)."""
    if who in MANAGEMENT and role in VISITORS:
        return {302}  # to the login page
    if who == SWITCH:
        return {302}
    if who == PUBLIC:
        return {200, 301}  # 301: /people/<id> to the address with the person's name
    if who == LOGIN:
        return {200} if role in VISITORS else {302}
    if who in (DELEGATE, DELEGATION_LINK, UNSUBSCRIBE_LINK):
        return {200} if role == "delegate" else {404}
    if who == PRESENTER:
        return {200} if role == "presenter" else {404}
    if who == PASSWORD_LINK:
        return {404}
    if role == "admin":
        return {403} if who == INVITED else {200}
    allowed = {
        "organiser": {ANY_ACCOUNT, CAN_ORGANISE, EVENT_STAFF, ORGANISERS, SERIES_MANAGERS, ORGANISATION_OWNERS},
        "secretariat": {ANY_ACCOUNT, EVENT_STAFF},
        "other organiser": {ANY_ACCOUNT, CAN_ORGANISE},
        "no capability": {ANY_ACCOUNT, INVITED},
    }[role]
    if who in allowed:
        return {200}
    if who in (EVENT_STAFF, ORGANISERS) and role in ("other organiser", "no capability"):
        return {403, 404}
    return {403}


# --- The walk ----------------------------------------------------------------------------------------


def test_every_route_is_known(app):
    found = {rule.rule for rule in all_rules(app)}
    assert found - RULES.keys() == set(), "new routes: add them to RULES with who may use them"
    assert RULES.keys() - found == set(), "routes gone: remove them from RULES"
    for rule in management_rules(app):
        if "GET" not in rule.methods and "action" in rule.arguments:
            assert rule.rule in ACTIONS, f"{rule.rule}: name a working <action> in ACTIONS"


def clients_by_role(app, world, make_user):
    """A client for each role of the walk, logged in where the role has an account."""
    from eventmgr.events.services import create_event

    other = make_user(name="Oscar Other-Organiser")
    create_event(
        {
            "title": "Oscar's own webinar",
            "kind": "webinar",
            "timezone": "UTC",
            "start_at": world["event"].start_at,
            "end_at": world["event"].end_at,
            "visibility": "public",
            "registration_policy": "open",
        },
        other,
    )
    accounts = {
        "organiser": world["organiser"],
        "secretariat": world["secretary"],
        "admin": make_user(name="Ada Admin", is_admin=True),
        "other organiser": other,
        "no capability": world["invitee"],
    }
    return {role: (logged_in(app, accounts[role]) if role in accounts else app.test_client()) for role in ROLES}


def test_every_role_gets_what_it_may_and_nothing_else(app, build_world, make_user, db):
    """GET every rule as each of the eight roles, on one world with a published document."""
    world = build_world(publish_document=True)
    from eventmgr.jobs.services import run_due_jobs

    run_due_jobs()  # the worker makes the archival PDF, to be fetched

    clients = clients_by_role(app, world, make_user)
    for role, client in clients.items():
        for rule in all_rules(app):
            if "GET" not in rule.methods:
                continue
            who = RULES[rule.rule]
            url = fill(rule, world["values"], world["overrides"], role)
            response = client.get(url)
            assert response.status_code in expected_statuses(who, role), (role, url, response.status_code)
            if response.status_code == 302 and who in MANAGEMENT:
                assert urlsplit(response.location).path == "/login", (role, url, response.location)


def test_anonymous_visitors_are_sent_to_log_in(app, client, world):
    token = csrf_token(client, "/login")
    for rule in management_rules(app):
        url, response = request_rule(client, rule, world["values"], token, world["overrides"], world=world)
        assert response.status_code == 302, (url, response.status_code)
        target = urlsplit(response.location)
        assert target.path == "/login", (url, response.location)
        if "GET" in rule.methods:  # and back to the page after logging in
            assert parse_qs(target.query).get("next") == [url], (url, response.location)


@pytest.mark.parametrize(
    "status, visibility, refusals",
    [
        ("draft", "public", {404}),
        ("published", "private", {404}),
        ("published", "public", {403, 404}),
    ],
)
def test_accounts_without_a_role_are_refused(app, build_world, outsider, status, visibility, refusals):
    world = build_world(status=status, visibility=visibility)
    client = logged_in(app, outsider)
    token = token_of(client)
    for rule in management_rules(app):
        who = RULES[rule.rule]
        url, response = request_rule(client, rule, world["values"], token, world["overrides"], world=world)
        if who in (ANY_ACCOUNT, CAN_ORGANISE):
            assert response.status_code == 200, (url, response.status_code)
        elif who in (ADMINS, SERIES_MANAGERS, INVITED):
            assert response.status_code == 403, (url, response.status_code)
        elif who == ORGANISATION_OWNERS:
            # Found (403) when the event it hosts is public; not found at all otherwise.
            assert response.status_code in refusals | {403}, (url, response.status_code)
        else:
            assert response.status_code in refusals, (url, response.status_code)


def test_the_secretariat_sees_the_overview_only(app, world):
    client = logged_in(app, world["secretary"])
    token = token_of(client)
    # One world for the whole walk: what deletes goes last.
    for rule in sorted(management_rules(app), key=lambda rule: rule.rule.endswith("/delete")):
        who = RULES[rule.rule]
        url, response = request_rule(client, rule, world["values"], token, world["overrides"], world=world)
        if who in (ANY_ACCOUNT, EVENT_STAFF):
            assert response.status_code == (200 if "GET" in rule.methods else 302), (url, response.status_code)
        else:
            assert response.status_code == 403, (url, response.status_code)


@pytest.mark.parametrize("who", ["organiser", "admin"])
def test_those_allowed_get_through(app, build_world, make_user, who):
    """The values the walk fills in are real: the event's organiser and an admin get every page."""
    user = make_user(name="Ada Admin" if who == "admin" else "Olga Organiser", is_admin=who == "admin")
    client = logged_in(app, user)
    token = token_of(client)
    shared_world = build_world(organiser=user if who == "organiser" else None)
    for rule in management_rules(app):
        if RULES[rule.rule] == INVITED:
            continue  # only the invited account; test_role_invitations
        # A fresh event for each POST, so that what one changes cannot hide another's refusal.
        world = shared_world if "GET" in rule.methods else build_world(organiser=user if who == "organiser" else None)
        url, response = request_rule(client, rule, world["values"], token, world["overrides"], world=world)
        if RULES[rule.rule] == ADMINS and who != "admin":
            assert response.status_code == 403, (url, response.status_code)
        elif "GET" in rule.methods:
            assert response.status_code == 200, (url, response.status_code)
        else:
            assert response.status_code == 302, (url, response.status_code)
            assert urlsplit(response.location).path != "/login"


def test_every_post_needs_a_csrf_token(app, world, make_user):
    client = logged_in(app, make_user(is_admin=True))
    checked = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule in WITHOUT_CSRF:
            continue
        url = fill(rule, world["values"], world["overrides"])
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(url, data=data)
            assert response.status_code == 400, (url, data, response.status_code)
            assert "CSRF" in response.text, url
        checked += 1
    assert checked >= 20
    assert client.get("/manage/").status_code == 200  # still logged in: refusals changed nothing


# --- Another organiser's private things ---------------------------------------------------------------

SECRETS = ("Zebulon Xyzzy", "zebulon@xyzzy.example", "Xyzzy Series", "Xyzzy Organisation", "Xyzzy Meeting")


@pytest.fixture
def hidden_world(db, make_user, make_event, make_session, build_world):
    """The walk's world, beside another organiser's draft, private event with its own presenter, series and
    organisation; the walk's own event has a presenter of the same name (in capitals), so that duplicates
    would pair them."""
    from eventmgr.agenda import services as agenda_services
    from eventmgr.events.services import create_series, set_organisations
    from eventmgr.organisations.services import create_organisation
    from eventmgr.people.services import create_person

    world = build_world()
    hidden_organiser = make_user(name="Henrietta Hidden")
    series = create_series("Xyzzy Series", "", hidden_organiser, slug="xyzzy-series")
    hidden = make_event(
        organiser=hidden_organiser,
        status="draft",
        visibility="private",
        title="Xyzzy Meeting",
        series_id=series.id,
        edition=1,
    )
    organisation = create_organisation({"name": "Xyzzy Organisation", "kind": "ministry"}, hidden_organiser)
    set_organisations(hidden, [(organisation.id, "host")], hidden_organiser)
    person = create_person(
        {"full_name": "Zebulon Xyzzy", "email": "zebulon@xyzzy.example", "organisation_id": organisation.id},
        hidden_organiser,
        event=hidden,
    )
    session = make_session(hidden, "Closed panel", user=hidden_organiser)
    agenda_services.add_participant(session, person, "speaker", user=hidden_organiser)
    namesake = create_person({"full_name": "ZEBULON XYZZY"}, world["organiser"], event=world["event"])
    agenda_services.add_featured(world["event"], namesake, "Panellist", world["organiser"])
    db.session.commit()
    world["hidden_person_id"] = person.id
    return world


def test_nobody_finds_another_organisers_private_people_series_or_organisations(app, hidden_world, make_user):
    """Every GET of every rule, with a search for the hidden names, as every role but the admin: none of the
    other organiser's private presenter, their address, series, organisation or event shows anywhere."""
    clients = clients_by_role(app, hidden_world, make_user)
    for role, client in clients.items():
        if role == "admin":
            continue
        for rule in all_rules(app):
            if "GET" not in rule.methods:
                continue
            url = fill(rule, hidden_world["values"], hidden_world["overrides"], role)
            body = client.get(url, query_string={"q": "xyzzy"}).get_data()
            for secret in SECRETS:
                assert secret.encode() not in body, (role, url, secret)
    # Nor can a picker's form be made to take them, nor their page be opened.
    organiser = clients["organiser"]
    organiser.delete_cookie(LANGUAGE_COOKIE)  # the walk used the language switcher too
    values = hidden_world["values"]
    page = f"/manage/events/{values['event_id']}/presenters"
    response = organiser.post(
        page,
        data={
            "csrf_token": csrf_token(organiser, page),
            "person_id": hidden_world["hidden_person_id"],
            "role_label": "Host",
        },
    )
    assert response.status_code == 422
    assert "Choose a person from the list." in response.text
    assert organiser.get(f"/people/{hidden_world['hidden_person_id']}").status_code == 404


# --- Per-event roles ---------------------------------------------------------------------------------


def invite(client, event, email, role):
    url = f"/manage/events/{event.id}/roles"
    return client.post(url, data={"email": email, "role": role, "csrf_token": csrf_token(client, url)})


def accept(app, user, event):
    """The user opens the invitation to `event` mailed to their address and accepts it; their client."""
    from eventmgr.extensions import db

    invitation = db.session.execute(
        select(EventRoleInvitation).filter_by(event_id=event.id, email=user.email)
    ).scalar_one()
    client = logged_in(app, user)
    url = f"/manage/invitations/{invitation.token}"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302, response.text
    return client


def grant(app, client, event, user, role):
    """Give a user a role the way an organiser does: invite their address, and they accept."""
    assert invite(client, event, user.email, role).status_code == 302
    return accept(app, user, event)


def test_an_organiser_gives_roles_by_invitation(app, make_user, make_event, db, mailbox):
    organiser = make_user(name="Olga Organiser")
    event = make_event(organiser=organiser, status="draft")
    colleague = make_user(name="Colin Colleague")
    secretary = make_user(name="Sam Secretariat", can_organise=False)
    client = logged_in(app, organiser)
    assert client.get(f"/manage/events/{event.id}/roles").status_code == 200
    colleagues = logged_in(app, colleague)
    assert colleagues.get(f"/manage/events/{event.id}/edit").status_code == 404

    assert invite(client, event, colleague.email.upper(), "organiser").status_code == 302
    assert invite(client, event, secretary.email, "secretariat").status_code == 302
    db.session.expire_all()
    # Nothing is granted until they accept; the page lists who is invited.
    assert db.session.execute(select(EventRole.user_id).filter_by(event_id=event.id)).scalars().all() == [organiser.id]
    page = client.get(f"/manage/events/{event.id}/roles").text
    assert "Invited, not accepted yet" in page and colleague.email in page and secretary.email in page
    mailbox.deliver()
    links = {
        message["To"]: re.search(r"https?://\S+/manage/invitations/\S+", message.get_content()).group(0)
        for message in mailbox.messages
    }
    assert set(links) == {colleague.email, secretary.email}
    # The colleague sees the invitation on their dashboard and accepts it through the mailed link.
    assert event.title in colleagues.get("/manage/").text
    link = urlsplit(links[colleague.email]).path
    assert colleagues.post(link, data={"csrf_token": csrf_token(colleagues, link)}).status_code == 302
    accept(app, secretary, event)
    db.session.expire_all()
    roles = db.session.execute(select(EventRole.user_id, EventRole.role).filter_by(event_id=event.id)).all()
    assert set(roles) == {(organiser.id, "organiser"), (colleague.id, "organiser"), (secretary.id, "secretariat")}
    assert not db.session.execute(select(EventRoleInvitation)).first()
    assert colleagues.get(link).status_code == 404  # a link works once

    # The new organiser runs the event fully; their dashboard lists it.
    assert colleagues.get(f"/manage/events/{event.id}/edit").status_code == 200
    assert event.title in colleagues.get("/manage/").text
    assert invite(colleagues, event, make_user().email, "secretariat").status_code == 302


def test_inviting_tells_nothing_about_who_has_an_account(app, make_user, make_event, db, mailbox):
    """An address with an account, one without, and a deactivated one: the same answer, the same mail."""
    organiser = make_user(name="Olga Organiser")
    event = make_event(organiser=organiser)
    existing = make_user(name="Erin Existing")
    gone = make_user(name="Gone")
    gone.is_active_account = False
    db.session.commit()
    client = logged_in(app, organiser)
    answers = []
    for email in (existing.email, "nobody@example.org", gone.email):
        response = invite(client, event, email, "secretariat")
        page = client.get(response.location).text
        said = re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page, re.S)
        listed = re.findall(rf"<span>{re.escape(email)} (.*?)</span>", page, re.S)
        answers.append((response.status_code, [m.replace(email, "ADDRESS") for m in said], listed))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][1] and answers[0][2]
    mailbox.deliver()
    bodies = {
        message["To"]: re.sub(r"\S+@\S+|/manage/invitations/\S+", "", message.get_content())
        for message in mailbox.messages
    }
    assert len(bodies) == 3 and len(set(bodies.values())) == 1
    db.session.expire_all()
    assert db.session.execute(select(EventRole.user_id).filter_by(event_id=event.id)).scalars().all() == [organiser.id]


@pytest.mark.parametrize(
    "email, role, message",
    [
        ("SELF", "organiser", "already"),
        ("ada@example.org", "owner", "Not a valid choice"),
        ("TWICE", "secretariat", "invited already"),
    ],
)
def test_roles_are_offered_once(app, make_user, make_event, db, email, role, message):
    organiser = make_user(name="Olga Organiser")
    event = make_event(organiser=organiser)
    client = logged_in(app, organiser)
    if email == "TWICE":
        email = "twice@example.org"
        assert invite(client, event, email, role).status_code == 302
    email = {"SELF": organiser.email}.get(email, email)
    response = invite(client, event, email, role)
    assert response.status_code == 422
    assert message in (field_error(response, "email") or field_error(response, "role") or "")


def test_an_invitation_is_for_its_address_only(app, make_user, make_event, db):
    organiser = make_user(name="Olga Organiser")
    event = make_event(organiser=organiser)
    invited, intruder = make_user(name="Ivan Invited"), make_user(name="Ingrid Intruder")
    assert invite(logged_in(app, organiser), event, invited.email, "organiser").status_code == 302
    token = db.session.execute(select(EventRoleInvitation.token)).scalar_one()
    intruders = logged_in(app, intruder)
    url = f"/manage/invitations/{token}"
    assert intruders.get(url).status_code == 403
    assert intruders.post(url, data={"csrf_token": csrf_token(intruders, "/manage/")}).status_code == 403
    assert intruders.get(f"/manage/invitations/{'x' * 43}").status_code == 404
    db.session.expire_all()
    assert not db.session.execute(select(EventRole).filter_by(user_id=intruder.id)).first()


def test_invitations_expire_and_can_be_sent_again_or_withdrawn(app, make_user, make_event, db, mailbox):
    from eventmgr.database import utcnow

    organiser = make_user(name="Olga Organiser")
    event = make_event(organiser=organiser)
    invited = make_user(name="Ivan Invited")
    client = logged_in(app, organiser)
    assert invite(client, event, invited.email, "organiser").status_code == 302
    invitation = db.session.execute(select(EventRoleInvitation)).scalar_one()
    old_token = invitation.token
    invitation.sent_at = utcnow() - timedelta(days=8)
    db.session.commit()
    invited_client = logged_in(app, invited)
    assert invited_client.get(f"/manage/invitations/{old_token}").status_code == 404
    roles = f"/manage/events/{event.id}/roles"
    assert (
        client.post(
            f"{roles}/invitations/{invitation.id}/resend", data={"csrf_token": csrf_token(client, roles)}
        ).status_code
        == 302
    )
    db.session.expire_all()
    fresh = db.session.execute(select(EventRoleInvitation)).scalar_one()
    assert fresh.token != old_token
    assert invited_client.get(f"/manage/invitations/{old_token}").status_code == 404
    assert invited_client.get(f"/manage/invitations/{fresh.token}").status_code == 200
    assert (
        client.post(
            f"{roles}/invitations/{fresh.id}/withdraw", data={"csrf_token": csrf_token(client, roles)}
        ).status_code
        == 302
    )
    assert invited_client.get(f"/manage/invitations/{fresh.token}").status_code == 404


def test_the_last_organiser_cannot_be_removed(app, make_user, make_event, db):
    organiser = make_user(name="Olga Organiser")
    event = make_event(organiser=organiser)
    own_role_id = db.session.execute(select(EventRole.id).filter_by(event_id=event.id)).scalar_one()
    client = logged_in(app, organiser)
    roles_url = f"/manage/events/{event.id}/roles"
    revoke_url = f"{roles_url}/{own_role_id}/revoke"
    assert client.post(revoke_url, data={"csrf_token": csrf_token(client, roles_url)}).status_code == 302
    assert "An event needs at least one organiser." in client.get(roles_url).text
    db.session.expire_all()
    assert db.session.get(EventRole, own_role_id) is not None

    # With a second organiser, the first may step down, and loses access.
    colleague = make_user(name="Colin Colleague")
    grant(app, client, event, colleague, "organiser")
    assert client.post(revoke_url, data={"csrf_token": csrf_token(client, roles_url)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(EventRole, own_role_id) is None
    assert client.get(roles_url).status_code in (403, 404)
    colleague_role = db.session.execute(select(EventRole).filter_by(event_id=event.id)).scalar_one()
    colleagues = logged_in(app, colleague)
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
    client = logged_in(app, organiser)
    url = f"/manage/events/{mine.id}/roles/{their_role.id}/revoke"
    response = client.post(url, data={"csrf_token": csrf_token(client, f"/manage/events/{mine.id}/roles")})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(EventRole, their_role.id) is not None


def test_the_secretariat_sees_the_overview_but_cannot_change_the_event(app, make_user, make_event, db):
    organiser = make_user(name="Olga Organiser")
    event = make_event(organiser=organiser, status="draft", title="Draft conference")
    secretary = make_user(name="Sam Secretariat")
    grant(app, logged_in(app, organiser), event, secretary, "secretariat")

    client = logged_in(app, secretary)
    overview = client.get(f"/manage/events/{event.id}")
    assert overview.status_code == 200 and "Draft conference" in overview.text
    assert f"/manage/events/{event.id}/publish" not in overview.text  # no buttons it may not use
    assert f"/manage/events/{event.id}/edit" not in overview.text
    assert "Draft conference" in client.get("/manage/").text
    token = csrf_token(client, f"/manage/events/{event.id}")
    assert client.get(f"/manage/events/{event.id}/edit").status_code == 403
    assert client.get(f"/manage/events/{event.id}/roles").status_code == 403
    assert client.post(f"/manage/events/{event.id}/publish", data={"csrf_token": token}).status_code == 403
    assert (
        client.post(
            f"/manage/events/{event.id}/roles",
            data={"email": secretary.email, "role": "organiser", "csrf_token": token},
        ).status_code
        == 403
    )
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == "draft"
    assert not db.session.execute(select(EventRole).filter_by(user_id=secretary.id, role="organiser")).first()


def test_without_a_role_a_draft_is_not_found(app, make_user, make_event, outsider):
    event = make_event(status="draft", title="Secret draft")
    client = logged_in(app, outsider)
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
    client = logged_in(app, admin)
    assert "Someone else&#39;s draft" in client.get("/manage/").text
    for path in ("", "/edit", "/roles", "/log", "/registrations", "/organisations"):
        assert client.get(f"/manage/events/{event.id}{path}").status_code == 200, path
    overview = f"/manage/events/{event.id}"
    response = client.post(f"{overview}/publish", data={"csrf_token": csrf_token(client, overview)})
    assert response.status_code == 302
    helper = make_user(name="Helen Helper")
    grant(app, client, event, helper, "organiser")
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == "published"
    assert db.session.execute(select(EventRole).filter_by(user_id=helper.id, role="organiser")).scalar_one()
