"""Attendance of online delegates from the meeting platform's participant report (issue 14, part 4)."""

import io
from datetime import UTC, datetime, timedelta

from conftest import csrf_token
from helpers import pdf_text, text_of
from sqlalchemy import select

from eventmgr.audit.models import AuditEntry
from eventmgr.registration.models import Registration

#: A webinar that took place last week, 10:00 to 13:00 in Almaty (UTC+5).
START = datetime.now(UTC).replace(hour=5, minute=0, second=0, microsecond=0) - timedelta(days=7)
#: When its delegates registered.
BEFORE = START - timedelta(days=3)


def _past_webinar(make_event, organiser, **fields):
    return make_event(organiser=organiser, start_at=START, end_at=START + timedelta(hours=3), **fields)


def _zoom_report(rows) -> bytes:
    """A Zoom participant report: a summary of the meeting, a blank line, then the participants; UTF-8 with a BOM."""
    lines = [
        "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants",
        f"812 3456 7890,Border webinar,{START:%m/%d/%Y %I:%M:%S %p},,host@example.org,180,4",
        "",
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest",
        *rows,
    ]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _local(hours: float) -> str:
    """A time of the webinar as Zoom writes it, in the event's zone (Almaty, UTC+5), `hours` after its start."""
    moment = START + timedelta(hours=5 + hours)
    return moment.strftime("%m/%d/%Y %I:%M:%S %p")


def _import(client, login, post, event, organiser, report: bytes, filename="participants.csv"):
    """Upload the report as the organiser (logged in on the first call)."""
    if not getattr(client, "logged_in_as", None) == organiser.id:
        login(organiser)
        client.logged_in_as = organiser.id
    url = f"/manage/events/{event.id}/attendance"
    return post(url, {"report": (io.BytesIO(report), filename)}, content_type="multipart/form-data")


def test_a_zoom_report_with_a_bom_marks_the_registered_delegates_once_at_their_join_time(
    client, db, make_event, make_user, make_registration, login, post
):
    organiser = make_user(name="Olga Organiser")
    event = _past_webinar(make_event, organiser)
    aida = make_registration(event, "aida@example.kz", now=BEFORE)
    bakyt = make_registration(event, "Bakyt@Example.kg", now=BEFORE)
    make_registration(event, "absent@example.org", now=BEFORE)
    report = _zoom_report(
        [
            f"Aida Nurlanova,AIDA@example.kz,{_local(0.1)},{_local(1)},54,No",
            # She lost her connection and came back: attended from the first join.
            f"Aida Nurlanova,aida@example.kz,{_local(1.2)},{_local(3)},108,No",
            f"Bakyt (iPhone),bakyt@example.kg,{_local(0.5)},{_local(2)},90,No",
            f"Guest,,{_local(0.2)},{_local(0.4)},12,Yes",
            f"Stranger,stranger@example.com,{_local(0.3)},{_local(2)},100,Yes",
        ]
    )
    response = _import(client, login, post, event, organiser, report)
    assert response.status_code == 200, response.text
    assert "2 delegates marked as attended." in response.text, text_of(response)
    assert "0 were already marked." in response.text
    assert "1 row has no e-mail address." in response.text
    assert "stranger@example.com" in response.text
    db.session.expire_all()
    assert db.session.get(Registration, aida.id).checked_in_at == START + timedelta(hours=0.1)
    assert db.session.get(Registration, bakyt.id).checked_in_at == START + timedelta(hours=0.5)
    assert db.session.get(Registration, aida.id).checked_in_by_id == organiser.id
    attended = db.session.execute(select(Registration.email).where(Registration.checked_in_at.is_not(None))).scalars()
    assert sorted(attended) == ["aida@example.kz", "bakyt@example.kg"]
    assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "registration.attendance_import")).scalar()

    again = _import(client, login, post, event, organiser, report)
    assert "0 delegates marked as attended." in again.text and "2 were already marked." in again.text
    db.session.expire_all()
    assert db.session.get(Registration, aida.id).checked_in_at == START + timedelta(hours=0.1)
    assert "Attended (2)" in client.get(f"/events/{event.slug}").text


def test_a_webex_report_in_windows_1252_with_an_email_column_of_its_own_name(
    client, db, make_event, make_user, make_registration, login, post
):
    organiser = make_user(name="Olga Organiser")
    event = _past_webinar(make_event, organiser)
    rene = make_registration(event, "rene@example.fr", now=BEFORE, given_name="René")
    join = (START + timedelta(hours=5, minutes=3)).strftime("%Y-%m-%d %H:%M:%S")
    report = (
        "Name;Attendee Email;Join time;Leave time;Attendance duration\r\n"
        f"René Lefèvre;RENE@example.fr;{join};;170 mins\r\n"
    )
    response = _import(client, login, post, event, organiser, report.encode("cp1252"))
    assert response.status_code == 200 and "1 delegate marked as attended." in response.text
    db.session.expire_all()
    assert db.session.get(Registration, rene.id).checked_in_at == START + timedelta(minutes=3)


def test_an_unreadable_time_marks_the_delegate_now_and_a_report_without_addresses_is_refused(
    client, db, make_event, make_user, make_registration, login, post
):
    organiser = make_user(name="Olga Organiser")
    event = _past_webinar(make_event, organiser)
    nodira = make_registration(event, "nodira@example.uz", now=BEFORE)
    before = datetime.now(UTC).replace(microsecond=0)
    report = b"Full Name,Email,First Join\r\nNodira,nodira@example.uz,sometime\r\n"
    assert "1 delegate marked" in _import(client, login, post, event, organiser, report).text
    db.session.expire_all()
    assert db.session.get(Registration, nodira.id).checked_in_at >= before

    refused = _import(client, login, post, event, organiser, b"Name,Join Time\r\nNodira,10:00\r\n")
    assert refused.status_code == 422 and "The report has no e-mail column" in refused.text


def test_only_confirmed_delegates_are_matched(client, db, make_event, make_user, make_registration, login, post):
    organiser = make_user(name="Olga Organiser")
    event = _past_webinar(make_event, organiser)
    cancelled = make_registration(event, "gone@example.org", now=BEFORE, status="cancelled")
    response = _import(client, login, post, event, organiser, b"Email\r\ngone@example.org\r\n")
    assert "0 delegates marked" in response.text and "gone@example.org" in response.text
    db.session.expire_all()
    assert db.session.get(Registration, cancelled.id).checked_in_at is None


def test_the_attended_online_delegate_downloads_a_certificate_through_their_private_link(
    client, db, make_event, make_user, make_registration, login, post, tmp_path
):
    organiser = make_user(name="Olga Organiser")
    event = _past_webinar(make_event, organiser)
    aida = make_registration(event, "aida@example.kz", now=BEFORE, given_name="Aida", family_name="Nurlanova")
    page = f"/events/{event.slug}/registration/{aida.access_token}"
    assert client.get(f"{page}/certificate.pdf").status_code == 404
    _import(client, login, post, event, organiser, b"User Email,Join Time\r\naida@example.kz,\r\n")
    client.post("/logout", data={"csrf_token": csrf_token(client, f"/manage/events/{event.id}/attendance")})
    assert "Certificate of attendance" in client.get(page).text
    response = client.get(f"{page}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    assert "Aida Nurlanova" in text and "Certificate of attendance" in text


def test_only_the_event_s_organisers_may_import_and_the_desk_links_the_page(
    client, db, make_event, make_user, make_registration, login, post
):
    organiser = make_user(name="Olga Organiser")
    event = _past_webinar(make_event, organiser)
    aida = make_registration(event, "aida@example.kz", now=BEFORE)
    login(organiser)
    assert f'href="/manage/events/{event.id}/attendance"' in client.get(f"/manage/events/{event.id}/registrations").text
    other = make_user(name="Other Organiser")
    client.post("/logout", data={"csrf_token": csrf_token(client, f"/manage/events/{event.id}/attendance")})
    login(other)
    url = f"/manage/events/{event.id}/attendance"
    assert client.get(url).status_code == 403
    refused = post(
        url,
        {"report": (io.BytesIO(b"Email\r\naida@example.kz\r\n"), "r.csv")},
        token_from="/",
        content_type="multipart/form-data",
    )
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.get(Registration, aida.id).checked_in_at is None


def test_the_desk_of_an_in_person_event_has_no_online_attendance_link(client, make_event, make_user, login):
    from helpers import IN_PERSON

    organiser = make_user(name="Olga Organiser")
    event = make_event(organiser=organiser, **IN_PERSON)
    login(organiser)
    assert "/attendance" not in client.get(f"/manage/events/{event.id}/registrations").text


def test_a_report_over_the_size_limit_is_refused_with_413(client, db, make_event, make_user, login, post):
    from eventmgr.registration.attendance import REPORT_BYTES

    organiser = make_user(name="Olga Organiser")
    event = _past_webinar(make_event, organiser)
    login(organiser)
    url = f"/manage/events/{event.id}/attendance"
    huge = b"Email\r\n" + b"x@example.org\r\n" * (REPORT_BYTES // 15 + 100000)
    response = post(url, {"report": (io.BytesIO(huge), "big.csv")}, content_type="multipart/form-data")
    response.request.environ["wsgi.input"].close()
    assert response.status_code == 413
