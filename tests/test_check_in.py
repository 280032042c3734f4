"""The check-in desk on the day (issue 13, points 9 and 10): the scan field stays, shows who was checked in with an
Undo, reads one code from the badge, the mail and the private page; check-in only within the event's window;
certificates of attendance once the event has ended."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import segno
from conftest import csrf_token
from helpers import IN_PERSON, text_of
from sqlalchemy import select, update

from eventmgr.audit.models import AuditEntry
from eventmgr.events.models import Event
from eventmgr.registration import checkin, services
from eventmgr.registration.models import Registration


@pytest.fixture
def organiser(make_user):
    return make_user(email="olga@example.org", name="Olga Organiser")


def running(db, event, started=timedelta(minutes=30), lasts=timedelta(hours=3)) -> Event:
    """Move the event so that it started `started` ago (negative: starts in that long)."""
    now = datetime.now(UTC).replace(microsecond=0)
    db.session.execute(
        update(Event).where(Event.id == event.id).values(start_at=now - started, end_at=now - started + lasts)
    )
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Event, event.id)


@pytest.fixture
def day(db, make_event, make_registration, make_organisation, organiser, login):
    """An in-person conference running now, its organiser logged in, a confirmed delegate and a waitlisted one."""
    event = make_event(organiser=organiser, title="Border Security Conference", capacity=1, **IN_PERSON)
    agency = make_organisation("State Border Service", kind="border_agency", country_code="KZ")
    dina = make_registration(
        event, "dina@example.kz", given_name="Dina", family_name="Omarova", organisation_id=agency.id
    )
    late = make_registration(event, "late@example.kz", given_name="Timur", family_name="Late")
    assert (dina.status, late.status) == ("confirmed", "waitlisted")
    login(organiser)
    return running(db, event), dina, late


def desk(event, path=""):
    return f"/manage/events/{event.id}{path}"


def fresh(db, registration) -> Registration:
    db.session.expire_all()
    return db.session.get(Registration, registration.id)


def scan(client, event, code):
    url = desk(event, "/check-in")
    return client.post(url, data={"csrf_token": csrf_token(client, url), "q": code})


# --- The scan field stays --------------------------------------------------------------------------


def test_a_scanned_code_checks_in_and_returns_to_an_empty_scan_field_showing_the_delegate(client, db, day):
    event, dina, late = day
    response = scan(client, event, checkin.check_in_code(dina))
    assert response.status_code == 302
    assert response.location.startswith(desk(event, "/check-in?")), response.location  # not the edit page
    page = client.get(response.location)
    text = text_of(page)
    assert "Dina Omarova checked in." in text
    assert "Just checked in" in text and "State Border Service" in text and "In person" in text
    # The field is empty again and has the focus for the next badge.
    assert re.search(r'<input type="search" id="q" name="q" value="" autofocus', page.text)
    assert "Undo this check-in" in text
    registration = fresh(db, dina)
    assert registration.checked_in_at is not None
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "registration.check_in")).scalar_one()
    assert "Dina Omarova" in entry.summary


def test_undo_undoes_exactly_the_check_in_shown(client, db, day, organiser):
    event, dina, late = day
    shown = client.get(scan(client, event, checkin.check_in_code(dina)).location)
    action = re.search(r'action="([^"]+/undo)"', shown.text).group(1)
    at = re.search(r'name="checked_in_at" value="([^"]+)"', shown.text).group(1)
    assert at == fresh(db, dina).checked_in_at.isoformat()
    token = csrf_token(client, desk(event, "/check-in"))
    undone = client.post(action, data={"csrf_token": token, "checked_in_at": at}, follow_redirects=True)
    assert "Check-in of Dina Omarova undone." in text_of(undone)
    assert fresh(db, dina).checked_in_at is None
    undo = db.session.execute(select(AuditEntry).where(AuditEntry.action == "registration.check_in_undo")).scalar_one()
    assert undo.user_id == organiser.id and "Dina Omarova" in undo.summary

    # Checked in again: the old Undo (its time) touches the new check-in no more than a second press does.
    scan(client, event, checkin.check_in_code(dina))
    again = fresh(db, dina).checked_in_at
    stale = client.post(action, data={"csrf_token": token, "checked_in_at": at}, follow_redirects=True)
    assert "check-in was undone or changed already" in text_of(stale)
    assert fresh(db, dina).checked_in_at == again
    assert client.post(action, data={"csrf_token": token, "checked_in_at": "yesterday"}).status_code == 400


def test_already_checked_in_not_confirmed_and_unknown_codes_are_said_plainly(client, db, day):
    event, dina, late = day
    scan(client, event, checkin.check_in_code(dina))
    first = fresh(db, dina).checked_in_at
    again = client.get(scan(client, event, checkin.check_in_code(dina)).location)
    assert "Dina Omarova was already checked in" in text_of(again) and "Already checked in" in text_of(again)
    assert "Undo this check-in" not in text_of(again)  # nothing was done now, so nothing to undo
    assert fresh(db, dina).checked_in_at == first

    waitlisted = client.get(scan(client, event, checkin.check_in_code(late)).location)
    assert "Timur Late is not confirmed (On the waiting list)" in text_of(waitlisted)
    assert fresh(db, late).checked_in_at is None

    code = checkin.check_in_code(dina)
    forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    for unknown in (forged, f"{dina.id + 1000}-ABCDEFGH"):
        refused = client.get(scan(client, event, unknown).location)
        assert f"No registration of this event has the code {unknown}." in text_of(refused)
    # A name is a search, not a code: it lists whom to check in.
    found = client.get(scan(client, event, "Omarova").location)
    assert "Dina Omarova" in text_of(found) and "Checked in" in text_of(found)
    assert services.attendance_count(event.id) == 1


def test_the_code_is_case_insensitive_and_names_one_event(client, db, day, make_event, make_registration):
    event, dina, late = day
    other = running(db, make_event(organiser=event.roles[0].user, title="Other", **IN_PERSON))
    stranger = make_registration(other, "stranger@example.org")
    refused = client.get(scan(client, event, checkin.check_in_code(stranger)).location)
    assert "No registration of this event has the code" in text_of(refused)
    assert fresh(db, stranger).checked_in_at is None
    scan(client, event, " " + checkin.check_in_code(dina).lower() + " ")
    assert fresh(db, dina).checked_in_at is not None


# --- One code on the badge, in the mail and on the private page -------------------------------------


def test_badge_mail_and_private_page_carry_the_same_code_and_older_ones_still_check_in(
    client, db, day, make_registration, mailbox, organiser
):
    event, dina, late = day
    code = checkin.check_in_code(dina)
    # The private page shows it under the QR image, which is made from it.
    own = f"/events/{event.slug}/registration/{dina.access_token}"
    assert code in text_of(client.get(own))
    svg = client.get(f"{own}/qr.svg").data
    assert svg == _svg_of(code)
    # The badge's QR code is made from the same text (the browser test decodes both images).
    from eventmgr.documents import letters

    badge = next(b for b in _badges(letters, event) if b["registration"].id == dina.id)
    assert str(badge["qr"]) == str(letters._qr_svg(code))
    # The mailed PNG.
    mailbox.deliver()
    mail = [m for m in mailbox.messages if m["To"] == "dina@example.kz" and "confirmed" in m["Subject"].lower()]
    png = next(part for part in mail[-1].walk() if part.get_filename() == "check-in-code.png").get_payload(decode=True)
    expected = _png_of(code)
    assert png == expected

    # Codes mailed or printed before this one still check the delegate in: the private token, the desk's address.
    other = make_registration(event, "aigerim@example.kz", given_name="Aigerim", family_name="Sadykova")
    other.status = "confirmed"
    db.session.commit()
    scan(client, event, dina.access_token)
    scan(client, event, f"http://localhost/manage/events/{event.id}/registrations/{other.id}")
    assert fresh(db, dina).checked_in_at is not None and fresh(db, other).checked_in_at is not None
    # ... but another event's desk address does not.
    assert checkin.registration_for_check_in(event, f"/manage/events/{event.id + 1}/registrations/{other.id}") is None


def _badges(letters, event):
    captured = {}
    real = letters._render

    def capture(template, timeout=None, **context):
        captured.update(context)
        return b""

    letters._render = capture
    try:
        letters.badges_pdf(event)
    finally:
        letters._render = real
    return captured["badges"]


def _svg_of(text):
    import io

    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False, mask=2).save(buffer, kind="svg", scale=6, border=2)
    return buffer.getvalue()


def _png_of(text):
    import io

    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False, mask=2).save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


# --- The check-in window ------------------------------------------------------------------------------


def test_check_in_is_refused_before_the_window_opens_and_after_the_last_day(client, db, day):
    event, dina, late = day
    code = checkin.check_in_code(dina)
    # Starts in three hours: check-in opens two hours before, and the desk says when (in the event's zone).
    event = running(db, event, started=-timedelta(hours=3))
    opens = (event.start_at - timedelta(hours=2)).astimezone(event.tz)
    refused = text_of(client.get(scan(client, event, code).location))
    assert "Check-in opens" in refused and opens.strftime("%H:%M") in refused and "(Asia/Almaty)" in refused
    assert fresh(db, dina).checked_in_at is None
    # The registration's own page refuses it too.
    page = desk(event, f"/registrations/{dina.id}")
    assert f"{page}/check-in" not in client.get(page).text
    token = csrf_token(client, desk(event, "/check-in"))
    assert "Check-in opens" in text_of(
        client.post(f"{page}/check-in", data={"csrf_token": token}, follow_redirects=True)
    )

    # The organisers open it four hours before: now it works.
    settings = desk(event, "/registration-settings")
    saved = client.post(settings, data={"csrf_token": token, "form": "checkin", "checkin-check_in_opens_hours": "4"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).check_in_opens_hours == 4
    assert "checked in." in text_of(client.get(scan(client, event, code).location))
    assert fresh(db, dina).checked_in_at is not None


def test_check_in_lasts_until_midnight_after_the_last_day_in_the_events_zone(db, day, organiser):
    event, dina, late = day
    event = db.session.get(Event, event.id)
    local = datetime(2027, 5, 10, 9, 0, tzinfo=event.tz)
    event.start_at = local.astimezone(UTC)
    event.end_at = (local + timedelta(days=1, hours=8)).astimezone(UTC)  # 11 May, 17:00
    opens_at, closes_at = event.check_in_window()
    assert opens_at.astimezone(event.tz) == datetime(2027, 5, 10, 7, 0, tzinfo=event.tz)
    assert closes_at.astimezone(event.tz) == datetime(2027, 5, 12, 0, 0, tzinfo=event.tz)
    assert services.check_in_window_refusal(event, closes_at - timedelta(minutes=1)) is None
    assert services.check_in_window_refusal(event, opens_at) is None
    late_night = services.check_in_window_refusal(event, closes_at)
    assert "Check-in closed" in late_night.message and "(Asia/Almaty)" in late_night.message
    assert "Check-in opens" in services.check_in_window_refusal(event, opens_at - timedelta(seconds=1)).message


def test_the_check_in_hours_are_bounded(client, db, day):
    event, dina, late = day
    settings = desk(event, "/registration-settings")
    token = csrf_token(client, settings)
    for wrong in ("49", "-1", "two"):
        response = client.post(
            settings, data={"csrf_token": token, "form": "checkin", "checkin-check_in_opens_hours": wrong}
        )
        assert response.status_code == 422 and "between 0 and 48" in text_of(response), wrong
    assert db.session.get(Event, event.id).check_in_opens_hours == 2
    zero = client.post(settings, data={"csrf_token": token, "form": "checkin", "checkin-check_in_opens_hours": "0"})
    assert zero.status_code == 302
    assert "Check-in hours saved." in text_of(client.get(zero.location))
    db.session.expire_all()
    assert db.session.get(Event, event.id).check_in_opens_hours == 0
    audit = db.session.execute(select(AuditEntry).where(AuditEntry.action == "event.check_in_window")).scalar_one()
    assert audit.changes == {"check_in_opens_hours": [2, 0]}


def test_an_online_report_marks_attendance_after_the_event_whatever_the_window(client, db, day, organiser):
    event, dina, late = day
    event = running(db, event, started=timedelta(days=3))  # ended two days ago and more
    assert services.check_in_window_refusal(event) is not None
    services.check_in(dina, organiser, now=event.start_at + timedelta(minutes=5))  # as attendance.import_attendance
    db.session.commit()
    assert fresh(db, dina).checked_in_at == event.start_at + timedelta(minutes=5)


# --- Certificates of attendance once the event has ended -------------------------------------------


def test_certificates_only_for_those_checked_in_at_an_event_that_has_ended(client, db, day, organiser, post):
    event, dina, late = day
    scan(client, event, checkin.check_in_code(dina))
    base = desk(event, "/documents/letters")
    refused = client.get(f"{base}/certificate/{dina.id}.pdf")
    assert refused.status_code == 409 and "issued once the event has ended" in refused.text
    assert "(Asia/Almaty)" in refused.text
    page = text_of(client.get(base))
    assert "Certificates of attendance are issued once the event has ended" in page
    assert "1 delegate is checked in so far." in page
    assert post(f"{base}/certificates", token_from=base).status_code == 409
    own = f"/events/{event.slug}/registration/{dina.access_token}"
    before = text_of(client.get(own))
    assert "Certificate of attendance" not in before and "issued once the event has ended" in before
    assert client.get(f"{own}/certificate.pdf").status_code == 404

    running(db, event, started=timedelta(days=2))
    assert client.get(f"{base}/certificate/{dina.id}.pdf").status_code == 200
    assert "Certificate of attendance" in text_of(client.get(own))
    assert client.get(f"{own}/certificate.pdf").status_code == 200
    # Never checked in: refused, and told why.
    never = client.get(f"{base}/certificate/{late.id}.pdf")
    assert never.status_code == 409 and "Timur Late was not checked in" in never.text
