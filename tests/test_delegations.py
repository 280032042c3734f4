"""Registration by delegation: a head of delegation or a focal point registers a country's or an organisation's
delegation and its members, manages it through a private link, and the organisers approve it as a whole.

Rules are tested on the services; the forms, the private page and the desk through the test client; mail goes
through the outbox to the real SMTP server of the `mailbox` fixture.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from conftest import csrf_token
from helpers import IN_PERSON, body, count, field_error, field_errors, flashes
from sqlalchemy import select

from eventmgr.errors import EventMgrError
from eventmgr.mail.models import MailMessage
from eventmgr.registration import delegations
from eventmgr.registration.models import Delegation, DelegationInvitation, Registration

HEAD = {"honorific": "Mr", "given_name": "Nurlan", "family_name": "Abenov", "email": "head@border.kz", "is_head": True}


def member(n: int, **extra) -> dict:
    return {"given_name": f"Member{n}", "family_name": "Test", "email": f"member{n}@border.kz"} | extra


def contact(**extra) -> dict:
    return {"contact_name": "Aigul Focal", "contact_email": "focal@mfa.kz", "country": "KZ"} | extra


@pytest.fixture
def conference(make_event):
    """An in-person conference taking delegations of up to four members from any country."""

    def make(**fields):
        return make_event(**IN_PERSON | {"delegations_enabled": True, "delegation_max_size": 4} | fields)

    return make


def registrations(db) -> list[Registration]:
    db.session.expire_all()
    return db.session.execute(select(Registration).order_by(Registration.id)).scalars().all()


def delivered(mailbox):
    mailbox.deliver()
    return mailbox.messages


def register_three(db, event, **data) -> Delegation:
    delegation = delegations.register_delegation(event, contact(**data), [HEAD, member(1), member(2)])
    db.session.commit()
    return delegation


def refused(db, call, field: str, message: str) -> None:
    """The call is refused at `field` with `message`, and rolled back as the view does."""
    with pytest.raises(EventMgrError) as caught:
        call()
    db.session.rollback()
    assert caught.value.field == field, caught.value.message
    assert message in caught.value.message


# --- Registering -----------------------------------------------------------------------------------------


def test_a_delegation_of_three_gives_each_member_their_own_mail_and_the_manager_the_delegations_link(
    db, conference, mailbox
):
    event = conference()
    delegation = register_three(db, event)
    assert delegation.name == "Kazakhstan"
    members = registrations(db)
    assert [(m.email, m.status, m.is_head, m.delegation, m.country) for m in members] == [
        ("head@border.kz", "confirmed", True, "Kazakhstan", "KZ"),
        ("member1@border.kz", "confirmed", False, "Kazakhstan", "KZ"),
        ("member2@border.kz", "confirmed", False, "Kazakhstan", "KZ"),
    ]
    assert len({m.access_token for m in members}) == 3
    messages = delivered(mailbox)
    for each in members:
        [mail] = [m for m in messages if m["To"] == each.email]
        assert mail["Subject"].startswith("Registration confirmed")
        assert f"/registration/{each.access_token}" in body(mail)
    [manager_mail] = [m for m in messages if m["To"] == "focal@mfa.kz"]
    assert manager_mail["Subject"] == f"Your delegation's link: {event.title}"
    assert f"/events/{event.slug}/delegations/{delegation.access_token}" in body(manager_mail)
    assert "Nurlan Abenov (head of delegation)" in body(manager_mail)
    # The manager's mail does not carry the members' own links.
    assert not any(m.access_token in body(manager_mail) for m in members)


def test_an_organisations_delegation_is_named_after_it_and_its_members_belong_to_it(db, conference, make_organisation):
    frontex = make_organisation("European Border and Coast Guard Agency", acronym="FRONTEX", country_code="PL")
    event = conference(delegation_organisation_ids=[frontex.id])
    delegation = delegations.register_delegation(
        event, contact(country=None, organisation_id=frontex.id), [HEAD | {"email": "head@frontex.europa.eu"}]
    )
    db.session.commit()
    assert delegation.name == "European Border and Coast Guard Agency (FRONTEX)"
    [head] = registrations(db)
    assert (head.organisation_id, head.country, head.delegation_id) == (frontex.id, "PL", delegation.id)


def test_members_beyond_the_seats_of_their_mode_are_waitlisted(db, conference):
    event = conference(capacity=2)
    register_three(db, event)
    assert [m.status for m in registrations(db)] == ["confirmed", "confirmed", "waitlisted"]


def test_a_hybrid_event_seats_each_member_in_the_mode_chosen(db, conference):
    event = conference(format="hybrid", capacity=1, online_capacity=5)
    delegations.register_delegation(
        event,
        contact(),
        [
            HEAD | {"attendance_mode": "in_person"},
            member(1, attendance_mode="in_person"),
            member(2, attendance_mode="online"),
        ],
    )
    db.session.commit()
    assert [(m.attendance_mode, m.status) for m in registrations(db)] == [
        ("in_person", "confirmed"),
        ("in_person", "waitlisted"),
        ("online", "confirmed"),
    ]


@pytest.mark.parametrize(
    "members, field, message",
    [
        ([HEAD, member(1), member(2), member(3), member(4)], "members", "at most 4 members"),
        ([member(1), member(2)], "members-0-is_head", "exactly one member as the head"),
        ([HEAD, member(1, is_head=True)], "members-1-is_head", "exactly one member as the head"),
        ([HEAD, member(1, email="")], "members-1-email", "required"),
        ([HEAD, member(1, given_name=" ")], "members-1-given_name", "required"),
        ([HEAD, member(1, email="HEAD@border.kz")], "members-1-email", "another member already"),
        ([], "members", "at least the head"),
    ],
)
def test_bad_members_are_refused_at_their_field_and_nothing_is_saved(db, conference, mailbox, members, field, message):
    event = conference()
    refused(db, lambda: delegations.register_delegation(event, contact(), members), field, message)
    assert count(db, Delegation) == 0
    assert count(db, Registration) == 0
    assert count(db, MailMessage) == 0


def test_a_member_already_registered_as_a_delegate_or_in_another_delegation_is_refused(
    db, conference, make_registration
):
    event = conference()
    make_registration(event, "member2@border.kz")
    refused(
        db,
        lambda: delegations.register_delegation(event, contact(), [HEAD, member(1), member(2)]),
        "members-2-email",
        "registered for the event already, as a delegate",
    )
    delegations.register_delegation(event, contact(country="KG", contact_email="focal@mfa.kg"), [HEAD])
    db.session.commit()
    refused(
        db,
        lambda: delegations.register_delegation(event, contact(country="UZ"), [member(7, is_head=True), HEAD]),
        "members-1-email",
        "as a member of the delegation of Kyrgyzstan",
    )
    assert count(db, Delegation) == 1
    assert count(db, Registration) == 2


def test_a_country_not_listed_is_refused_unless_its_focal_point_was_invited(db, conference, make_user, mailbox):
    event = conference(delegation_countries=["KZ", "KG"])
    refused(db, lambda: delegations.register_delegation(event, contact(country="RU"), [HEAD]), "country", "not take a")
    assert count(db, Delegation) == 0
    organiser = make_user(name="Olga Organiser")
    assert delegations.invite_focal_points(event, [("focal@mid.ru", "Ivan Focal")], organiser) == 1
    db.session.commit()
    invitation = db.session.execute(select(DelegationInvitation)).scalar_one()
    [mail] = [m for m in delivered(mailbox) if m["To"] == "focal@mid.ru"]
    assert f"/events/{event.slug}/delegations/register?invitation={invitation.token}" in body(mail)
    delegation = delegations.register_delegation(event, contact(country="RU"), [HEAD], invitation=invitation)
    db.session.commit()
    assert delegation.name == "Russia"


def test_one_delegation_per_country(db, conference):
    event = conference()
    register_three(db, event)
    refused(
        db,
        lambda: delegations.register_delegation(event, contact(), [member(5, is_head=True)]),
        "country",
        "Kazakhstan has registered a delegation already",
    )
    assert count(db, Delegation) == 1


def test_no_delegation_without_the_setting_or_after_the_deadline(db, conference, make_event):
    plain = make_event(**IN_PERSON)
    with pytest.raises(EventMgrError, match="does not register delegations"):
        delegations.register_delegation(plain, contact(), [HEAD])
    db.session.rollback()
    deadline = datetime.now(UTC) + timedelta(days=1)
    event = conference(delegation_deadline=deadline)
    with pytest.raises(EventMgrError, match="closed"):
        delegations.register_delegation(event, contact(), [HEAD], now=deadline)
    db.session.rollback()
    assert count(db, Delegation) == 0


# --- Managing through the private link ---------------------------------------------------------------------


def test_the_manager_adds_replaces_removes_names_the_head_and_withdraws(db, conference, mailbox):
    event = conference(capacity=3)
    delegation = register_three(db, event)
    head, first, second = registrations(db)

    added = delegations.add_member(delegation, member(3))
    db.session.commit()
    assert (added.status, added.delegation_id, added.is_head) == ("waitlisted", delegation.id, False)

    # The substitute takes the seat of whom they replace, ahead of the waiting list.
    substitute = delegations.replace_member(delegation, first, member(4))
    db.session.commit()
    assert (substitute.status, first.status) == ("confirmed", "cancelled")

    refused(db, lambda: delegations.remove_member(delegation, head), "head", "cannot be removed while members remain")
    delegations.set_head(delegation, second)
    db.session.commit()
    assert [m.email for m in registrations(db) if m.is_head] == ["member2@border.kz"]
    delegations.remove_member(delegation, head)
    db.session.commit()
    # The head's seat goes to the waiting member.
    assert db.session.get(Registration, added.id).status == "confirmed"

    delegations.withdraw_delegation(delegation)
    db.session.commit()
    assert all(m.status == "cancelled" for m in registrations(db))
    assert delegation.cancelled_at is not None
    subjects = [m["Subject"] for m in delivered(mailbox) if m["To"] == "member4@border.kz"]
    assert any(s.startswith("Registration cancelled") for s in subjects)
    with pytest.raises(delegations.DelegationClosed, match="withdrawn"):
        delegations.add_member(delegation, member(6))
    db.session.rollback()


def test_replacing_the_head_makes_the_substitute_head(db, conference):
    event = conference()
    delegation = register_three(db, event)
    head = registrations(db)[0]
    substitute = delegations.replace_member(delegation, head, member(9))
    db.session.commit()
    assert substitute.is_head and delegation.head.id == substitute.id


def test_changes_are_refused_after_the_deadline_and_the_size_limit_holds(db, conference, make_registration):
    deadline = datetime.now(UTC) + timedelta(days=2)
    event = conference(delegation_deadline=deadline, delegation_max_size=3)
    delegation = register_three(db, event)
    head, first, _second = registrations(db)
    refused(db, lambda: delegations.add_member(delegation, member(3)), "email", "at most 3 members")
    refused(db, lambda: delegations.add_member(delegation, HEAD), "email", "registered for the event already")
    after = deadline + timedelta(minutes=1)
    for change in (
        lambda: delegations.add_member(delegation, member(3), now=after),
        lambda: delegations.replace_member(delegation, first, member(3), now=after),
        lambda: delegations.remove_member(delegation, first, now=after),
        lambda: delegations.set_head(delegation, first, now=after),
        lambda: delegations.withdraw_delegation(delegation, now=after),
    ):
        with pytest.raises(delegations.DelegationClosed, match="deadline"):
            change()
        db.session.rollback()
    assert [m.status for m in registrations(db)] == ["confirmed"] * 3


def test_the_private_page_lists_the_members_without_their_links_and_is_never_cached(db, client, conference):
    event = conference()
    delegation = register_three(db, event)
    path = f"/events/{event.slug}/delegations/{delegation.access_token}"
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert '<meta name="robots" content="noindex">' in response.text
    assert response.text.count('<tr class="member">') == 3
    assert not any(m.access_token in response.text for m in registrations(db))
    assert client.get(f"/events/{event.slug}/delegations/{'x' * 43}").status_code == 404
    assert client.get(f"/events/{event.slug}/delegations/{delegation.access_token[:-1]}").status_code == 404


def test_the_manager_changes_the_delegation_through_the_page(db, client, conference):
    event = conference()
    delegation = register_three(db, event)
    path = f"/events/{event.slug}/delegations/{delegation.access_token}"
    token = csrf_token(client, path)
    response = client.post(
        f"{path}/members",
        data={
            "csrf_token": token,
            "add-given_name": "Dana",
            "add-family_name": "Bekova",
            "add-email": "dana@border.kz",
        },
    )
    assert response.status_code == 302
    head, first, second, dana = registrations(db)
    assert dana.delegation_id == delegation.id
    response = client.post(f"{path}/members/{head.id}/remove", data={"csrf_token": token}, follow_redirects=True)
    assert "cannot be removed while members remain" in " ".join(flashes(response))
    client.post(f"{path}/members/{second.id}/head", data={"csrf_token": token})
    response = client.post(
        f"{path}/replace",
        data={
            "csrf_token": token,
            "replace-replaces": str(first.id),
            "replace-given_name": "Erlan",
            "replace-family_name": "Sadykov",
            "replace-email": "dana@border.kz",
        },
    )
    assert response.status_code == 422
    assert "registered for the event already" in field_error(response, "replace-email")
    client.post(f"{path}/withdraw", data={"csrf_token": token})
    assert [m.status for m in registrations(db)] == ["cancelled"] * 4
    assert [m.email for m in registrations(db) if m.is_head] == ["member2@border.kz"]  # the record keeps who headed it


# --- The public form ----------------------------------------------------------------------------------------


def test_the_form_adds_member_rows_without_javascript_and_shows_errors_at_their_fields(db, client, conference):
    event = conference()
    url = f"/events/{event.slug}/delegations/register"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="members-0-email"' in page.text and 'name="members-1-email"' not in page.text
    assert "attendance_mode" not in page.text  # one way of attending: nothing to choose
    data = {"csrf_token": csrf_token(client, url), "country": "KZ", "contact_name": "Aigul Focal"}
    data |= {"contact_email": "focal@mfa.kz", "consent": "y", "members-0-is_head": "y"}
    data |= {"members-0-given_name": "Nurlan", "members-0-family_name": "Abenov", "members-0-email": "head@border.kz"}
    response = client.post(url, data=data | {"action": "add_row"})
    assert 'name="members-1-email"' in response.text and 'value="Nurlan"' in response.text
    # An empty second row is no member; a half-filled third one is refused at its field.
    data |= {"members-1-given_name": "", "members-1-family_name": "", "members-1-email": ""}
    data |= {"members-2-given_name": "Ainur", "members-2-family_name": "Test"}
    response = client.post(url, data=data | {"action": "register"})
    assert response.status_code == 422
    assert field_error(response, "members-2-email") == "This field is required.", field_errors(response)
    assert count(db, Registration) == 0
    response = client.post(url, data=data | {"members-0-is_head": "", "members-2-email": "ainur@border.kz"})
    assert field_error(response, "members-0-is_head") == "Mark exactly one member as the head of the delegation."
    response = client.post(url, data=data | {"members-1-email": "", "members-0-email": ""})
    assert field_error(response, "members-0-email") == "This field is required."
    response = client.post(url, data=data | {"members-2-email": "ainur@border.kz", "action": "register"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/delegations/register/done")
    assert [m.email for m in registrations(db)] == ["head@border.kz", "ainur@border.kz"]


def test_the_form_asks_each_members_mode_on_a_hybrid_event_and_the_event_page_links_to_it(db, client, conference):
    event = conference(format="hybrid")
    page = client.get(f"/events/{event.slug}/delegations/register")
    assert 'name="members-0-attendance_mode"' in page.text
    assert f'href="/events/{event.slug}/delegations/register"' in client.get(f"/events/{event.slug}").text


def test_the_form_says_at_the_top_when_the_delegation_is_too_large(db, client, conference):
    event = conference(delegation_max_size=1)
    url = f"/events/{event.slug}/delegations/register"
    data = {"csrf_token": csrf_token(client, url), "country": "KZ", "contact_name": "Aigul Focal"}
    data |= {"contact_email": "focal@mfa.kz", "consent": "y", "members-0-is_head": "y"}
    for n, (given, email) in enumerate([("Nurlan", "head@border.kz"), ("Ainur", "ainur@border.kz")]):
        data |= {f"members-{n}-given_name": given, f"members-{n}-family_name": "Test", f"members-{n}-email": email}
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "A delegation has at most 1 member, its head included." in flashes(response)
    assert count(db, Registration) == 0


def test_the_form_says_when_the_event_takes_no_delegations_or_no_longer(db, client, make_event, conference, post):
    event = make_event(**IN_PERSON)
    response = client.get(f"/events/{event.slug}/delegations/register")
    assert response.status_code == 200 and "This event does not register delegations" in response.text
    assert 'name="members-0-email"' not in response.text
    response = post(f"/events/{event.slug}/delegations/register", {"country": "KZ"}, token_from="/login")
    assert "This event does not register delegations" in response.text
    assert count(db, Delegation) == 0
    late = conference(delegation_deadline=datetime.now(UTC) - timedelta(minutes=1), title="Late")
    response = client.get(f"/events/{late.slug}/delegations/register")
    assert "Registration of delegations for this event is closed." in response.text
    assert "/delegations/register" not in client.get(f"/events/{event.slug}").text


# --- The organisers' desk -----------------------------------------------------------------------------------


def test_a_delegation_is_approved_as_a_whole_under_the_approval_policy(db, client, conference, login, mailbox):
    event = conference(registration_policy="approval", capacity=2)
    delegation = register_three(db, event)
    assert [m.status for m in registrations(db)] == ["pending"] * 3
    login(_organiser(db, event))
    desk = f"/manage/events/{event.id}/delegations"
    page = client.get(desk)
    assert page.status_code == 200
    assert "Kazakhstan" in page.text and "3 / 4" in page.text
    assert f"delegation_id={delegation.id}" in page.text
    response = client.post(f"{desk}/{delegation.id}/approve", data={"csrf_token": csrf_token(client, desk)})
    assert response.status_code == 302
    assert [m.status for m in registrations(db)] == ["confirmed", "confirmed", "waitlisted"]
    subjects = [m["Subject"] for m in delivered(mailbox) if m["To"] == "member1@border.kz"]
    assert any(s.startswith("Registration approved") for s in subjects)
    desk_page = client.get(f"/manage/events/{event.id}/registrations")
    assert f'href="/manage/events/{event.id}/delegations"' in desk_page.text


def test_the_desk_declines_a_delegation_and_invites_focal_points(db, client, conference, login, mailbox):
    event = conference(registration_policy="approval")
    delegation = register_three(db, event)
    login(_organiser(db, event))
    desk = f"/manage/events/{event.id}/delegations"
    client.post(f"{desk}/{delegation.id}/decline", data={"csrf_token": csrf_token(client, desk)})
    assert [m.status for m in registrations(db)] == ["declined"] * 3
    response = client.post(desk, data={"csrf_token": csrf_token(client, desk), "emails": "focal@mid.uz, Ulugbek"})
    assert response.status_code == 302
    invitation = db.session.execute(select(DelegationInvitation)).scalar_one()
    assert (invitation.email, invitation.name) == ("focal@mid.uz", "Ulugbek")
    response = client.post(desk, data={"csrf_token": csrf_token(client, desk), "emails": "not an address"})
    assert response.status_code == 422 and field_error(response, "emails")


def test_the_desk_is_for_the_events_organisers_only(client, conference, login, make_user):
    event = conference()
    login(make_user())
    assert client.get(f"/manage/events/{event.id}/delegations").status_code in (403, 404)


def _organiser(db, event):
    """The account that created the event (make_event's organiser)."""
    from eventmgr.auth.models import User

    return db.session.execute(select(User).where(User.name == "Olga Organiser")).scalars().first()


def test_the_delegations_link_mail_names_the_deadline_with_its_zone(db, conference, mailbox):
    deadline = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    event = conference(delegation_deadline=deadline)
    register_three(db, event)
    [mail] = [m for m in delivered(mailbox) if m["To"] == "focal@mfa.kz"]
    assert re.search(r"until \d{1,2} \w{3} \d{4}, \d\d:\d\d \(Asia/Almaty\)", body(mail))


def test_a_focal_points_link_opens_the_form_to_any_country(db, client, conference, make_user):
    event = conference(delegation_countries=["KZ"])
    url = f"/events/{event.slug}/delegations/register"
    assert '<option value="RU">' not in client.get(url).text
    delegations.invite_focal_points(event, [("focal@mid.ru", "Ivan Focal")], make_user())
    db.session.commit()
    invitation = db.session.execute(select(DelegationInvitation)).scalar_one()
    page = client.get(f"{url}?invitation={invitation.token}")
    assert '<option value="RU">' in page.text and 'value="focal@mid.ru"' in page.text
    data = {"csrf_token": csrf_token(client, url), "invitation": invitation.token, "country": "RU"}
    data |= {"contact_name": "Ivan Focal", "contact_email": "focal@mid.ru", "consent": "y", "members-0-is_head": "y"}
    data |= {"members-0-given_name": "Pavel", "members-0-family_name": "Test", "members-0-email": "pavel@fps.ru"}
    assert client.post(url, data=data).status_code == 302
    # Without the invitation, the same country is refused at its field.
    data |= {"invitation": "", "country": "CN", "members-0-email": "other@mps.cn"}
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert field_error(response, "country") == "This event does not take a delegation from this country."
    assert [d.name for d in db.session.execute(select(Delegation)).scalars()] == ["Russia"]
