"""People: one profile across events, found again and merged; sanitised bios; photos checked, re-encoded and cached.

Services are called directly where a rule is about data; organisers and readers go through the test client.
"""

import hashlib
import html
import re
import struct
import zlib
from datetime import UTC, datetime, timedelta
from io import BytesIO
from urllib.parse import urlsplit

import pytest
from conftest import csrf_token
from helpers import count, field_errors, flashes, logged_in
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from eventmgr.agenda import services as agenda_services
from eventmgr.agenda.models import FeaturedPresenter, SessionParticipant
from eventmgr.errors import EventMgrError
from eventmgr.people import services
from eventmgr.people.models import Person, PersonPhoto
from eventmgr.people.photos import MAX_BYTES, PhotoError, process_photo

TOO_MANY_PIXELS = "The image is too large"
NOT_A_PHOTO = "This file is not a photo: upload a JPEG, PNG or WebP image."


# --- Helpers ---------------------------------------------------------------------------------------


def image_bytes(kind="JPEG", size=(640, 480), color=(40, 110, 160), mode="RGB", **save) -> bytes:
    buffer = BytesIO()
    Image.new(mode, size, color).save(buffer, kind, **save)
    return buffer.getvalue()


def camera_jpeg() -> bytes:
    """A 1600 × 1200 photo as a phone saves it: held upright (Orientation 6), with maker, model and GPS position."""
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "EOS Secret Serial 4417"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    exif[0x8825] = {1: "N", 2: (53.0, 5.0, 0.0), 3: "E", 4: (70.0, 18.0, 0.0)}  # GPS: Borovoe
    return image_bytes(size=(1600, 1200), exif=exif.tobytes())


def patterned_jpeg() -> bytes:
    """A JPEG whose data is long enough to cut in the middle."""
    buffer = BytesIO()
    Image.frombytes("RGB", (320, 240), bytes(range(256)) * 900).save(buffer, "JPEG")
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims the given size: a decompression bomb's calling card."""
    data = bytearray(image_bytes("PNG", size=(1, 1)))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(data[ihdr : ihdr + 17])))
    return bytes(data)


def person(full_name, **fields):
    return services.create_person({"full_name": full_name} | fields)


def post_multipart(client, url: str, form: dict):
    """POST a form with files, encoded in memory: for a large body, werkzeug's test client would otherwise leave
    a temporary file open."""
    boundary, body = encode_multipart(form | {"csrf_token": csrf_token(client, url)})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def organiser(make_user, login):
    user = make_user(name="Olga Organiser")
    login(user)
    return user


@pytest.fixture
def cica(db, make_event, organiser, make_session):
    """The CICA online conference of 14 July: welcoming remarks and two panel sessions."""
    start = datetime(2031, 7, 14, 4, tzinfo=UTC)
    event = make_event(
        organiser=organiser,
        kind="webinar",
        title="Regional Security in Asia: Preventing New Challenges and Threats",
        start_at=start,
        end_at=start + timedelta(hours=6),
    )
    welcome = make_session(event, "", kind="opening", end_at=start + timedelta(minutes=30))
    first = make_session(
        event,
        "New challenges and threats to regional security in the CICA space",
        start_at=start + timedelta(minutes=30),
        end_at=start + timedelta(hours=2),
    )
    second = make_session(
        event,
        "Prospects for cooperation within CICA",
        start_at=start + timedelta(hours=3),
        end_at=start + timedelta(hours=5),
    )
    sarybay = person(
        "Kairat Sarybay",
        honorific="Ambassador",
        position="Executive Director",
        organisation_name="CICA Secretariat",
        country="KZ",
        email="k.sarybay@example.org",
        bio="Diplomat; **Executive Director** of the CICA Secretariat.",
    )
    nurgaliyev = person(
        "Bolat Nurgaliyev",
        honorific="Ambassador",
        position="Chairman",
        organisation_name="Foreign Policy Research Institute",
        country="KZ",
    )
    agenda_services.add_participant(welcome, sarybay, "host")
    agenda_services.add_participant(first, nurgaliyev, "moderator")
    agenda_services.add_participant(first, sarybay, "speaker", "Confidence building in Asia")
    db.session.commit()
    return {
        "event": event,
        "welcome": welcome,
        "first": first,
        "second": second,
        "sarybay": sarybay,
        "nurgaliyev": nurgaliyev,
    }


# --- One person across events ----------------------------------------------------------------------


def test_a_person_is_found_again_by_email_or_by_an_unambiguous_name(db):
    sarybay = person("Kairat Sarybay", email="K.Sarybay@Example.org", position="Executive Director")
    assert sarybay.email == "k.sarybay@example.org"
    assert services.find_person(email=" k.sarybay@EXAMPLE.org ") is sarybay
    assert services.find_person(full_name="SARYBAY, Kairat") is sarybay  # however cased, punctuated or ordered
    assert services.find_person(email="kairat@other.example", full_name="Kairat Sarybay") is None
    assert services.find_person(full_name="Kairat Sarybayev") is None

    person("Aigerim Abenova", position="Head of Risk Analysis")
    person("Aigerim Abenova", position="Customs officer")
    assert services.find_person(full_name="Aigerim Abenova") is None  # two of them: ambiguous

    found, created = services.find_or_create_person(
        {
            "full_name": "Kairat Sarybay",
            "position": "Somebody else's title",
            "country": "KZ",
            "bio": "Diplomat.",
            "email": "k.sarybay@example.org",
        }
    )
    assert (found, created) == (sarybay, False)
    # Only the empty fields were filled in: an existing profile is never overwritten this way.
    assert (found.position, found.country, found.bio) == ("Executive Director", "KZ", "Diplomat.")
    assert count(db, Person) == 3


def test_the_same_person_added_to_another_event_keeps_one_profile(
    client, db, cica, make_event, organiser, post, make_session
):
    borovoe = make_event(
        organiser=organiser,
        title="3rd Regional Conference on Border Security in Central Asia",
        kind="conference",
        venue_name="Rixos Borovoe",
        venue_country="KZ",
    )
    panel = make_session(borovoe, "Integrated border management")
    base = f"/manage/events/{borovoe.id}/agenda/{panel.id}"
    response = post(
        f"{base}/participants",
        {
            "role": "speaker",
            "person-full_name": "Kairat  Sarybay",
            "person-email": "K.SARYBAY@example.org",
            "person-position": "Other",
        },
        token_from=base,
        follow_redirects=True,
    )
    assert (
        "Ambassador Kairat Sarybay was already in the directory: their profile is used, and only its empty "
        "fields were filled in." in flashes(response)
    )
    assert count(db, Person) == 2
    db.session.expire_all()
    sarybay = db.session.get(Person, cica["sarybay"].id)
    assert sarybay.position == "Executive Director"
    assert {e.title for e in services.person_events(sarybay)} == {borovoe.title, cica["event"].title}
    editor = client.get(f"/manage/events/{borovoe.id}/people/{sarybay.id}")
    assert "This profile is shared by 2 events; changes show on all of them" in html.unescape(editor.text)


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"full_name": "  "}, "full_name", "Give the person's full name."),
        ({"country": "XX"}, "country", "Choose a country from the list."),
        ({"email": "not an address"}, "email", "Give a valid e-mail address, or leave it empty."),
        (
            {"email": "k.sarybay@example.org"},
            "email",
            "Another person has this e-mail address; choose that person instead.",
        ),
        ({"links": "javascript:alert(1) Profile"}, "links", "Each link must be a web address"),
        ({"links": "ftp://osce.org/bio"}, "links", "Each link must be a web address"),
        ({"links": "\n".join(f"https://osce.org/{n}" for n in range(7))}, "links", "Give at most 6 links."),
        ({"bio": "x" * 10_001}, "bio", "Keep the bio under 10000 characters."),
        ({"organisation_id": 999_999}, "organisation_id", "Choose an organisation from the list."),
    ],
)
def test_a_persons_details_are_checked(db, data, field, message):
    person("Kairat Sarybay", email="k.sarybay@example.org")
    with pytest.raises(EventMgrError) as refused:
        services.create_person({"full_name": "Bolat Nurgaliyev"} | data)
    assert refused.value.field == field and refused.value.message.startswith(message)
    assert count(db, Person) == 1


def test_an_organiser_edits_a_profile_of_their_event_only(client, db, cica, make_event, post):
    sarybay = cica["sarybay"]
    url = f"/manage/events/{cica['event'].id}/people/{sarybay.id}"
    response = post(
        url,
        {
            "honorific": "Ambassador",
            "full_name": "Kairat Sarybay",
            "position": "Former Executive Director",
            "organisation_name": "CICA Secretariat",
            "country": "KZ",
            "email": "k.sarybay@example.org",
            "bio": "Diplomat.",
            "links": "https://www.s-cica.org Profile at CICA",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    sarybay = db.session.get(Person, sarybay.id)
    assert sarybay.position == "Former Executive Director"
    assert sarybay.links == [{"url": "https://www.s-cica.org", "label": "Profile at CICA"}]
    # Someone who is not in this event's programme is not editable through it.
    stranger = person("Nodira Karimova")
    db.session.commit()
    assert client.get(f"/manage/events/{cica['event'].id}/people/{stranger.id}").status_code == 404


# --- Who may change a shared profile ----------------------------------------------------------------


@pytest.fixture
def attacker(app, make_user, make_event):
    """Another organiser, with an event of their own, logged in on a client of their own."""
    user = make_user(name="Mallory Other-Organiser")
    event = make_event(organiser=user, title="A webinar of Mallory's")
    return {"user": user, "event": event, "client": logged_in(app, user)}


def test_another_organiser_cannot_take_over_a_presenter_or_their_join_link(db, cica, attacker, mailbox, make_session):
    """Featuring someone makes them part of one's event, never their profile one's own: its address (where
    invites with the join link go), bio and photo stay as the organisers of all their events left them."""
    sarybay, client, event = cica["sarybay"], attacker["client"], attacker["event"]
    presenters = f"/manage/events/{event.id}/presenters"
    picker = client.get(presenters, query_string={"q": "Sarybay"}).text
    assert f'value="{sarybay.id}"' in picker  # a public presenter may be featured
    response = client.post(
        presenters,
        data={"csrf_token": csrf_token(client, presenters), "person_id": sarybay.id, "role_label": "Keynote speaker"},
    )
    assert response.status_code == 302
    profile = f"/manage/events/{event.id}/people/{sarybay.id}"
    page = html.unescape(client.get(profile).text)
    assert "shared with 1 event you do not run" in page
    assert "k.sarybay@example.org" not in page and 'name="email"' not in page
    response = client.post(
        profile,
        data={
            "csrf_token": csrf_token(client, presenters),
            "full_name": "Kairat Sarybay",
            "email": "mallory@evil.example",
            "bio": "Rewritten.",
        },
    )
    assert response.status_code == 403
    # Nor through the new-person fields: the address finds the profile, which is used as it is.
    session = make_session(event, "Stolen panel")
    base = f"/manage/events/{event.id}/agenda/{session.id}"
    response = client.post(
        f"{base}/participants",
        data={
            "csrf_token": csrf_token(client, base),
            "role": "speaker",
            "person-full_name": "Kairat Sarybay",
            "person-email": "k.sarybay@example.org",
            "person-links": "https://evil.example Profile",
        },
        follow_redirects=True,
    )
    assert "their profile is used as it is" in " ".join(flashes(response))
    db.session.expire_all()
    sarybay = db.session.get(Person, sarybay.id)
    assert (sarybay.email, sarybay.links) == ("k.sarybay@example.org", [])
    assert sarybay.bio.startswith("Diplomat")


def test_another_organisers_private_presenters_cannot_be_found_or_picked(
    db, make_user, make_event, attacker, make_session
):
    owner = make_user(name="Paula Private")
    secret = make_event(organiser=owner, status="draft", visibility="private", title="Closed consultations")
    panel = make_session(secret, "Closed panel")
    hidden = services.create_person(
        {"full_name": "Rustam Hiddenov", "email": "rustam@ministry.example", "position": "Deputy Minister"},
        owner,
        event=secret,
    )
    agenda_services.add_participant(panel, hidden, "speaker", user=owner)
    db.session.commit()
    client, event = attacker["client"], attacker["event"]
    presenters = f"/manage/events/{event.id}/presenters"
    assert "Rustam" not in client.get(presenters, query_string={"q": "Hiddenov"}).text
    response = client.post(presenters, data={"csrf_token": csrf_token(client, presenters), "person_id": hidden.id})
    assert response.status_code == 422 and field_errors(response)["person_id"] == "Choose a person from the list."
    # The private address is not taken over, nor is the private profile linked to by its name.
    response = client.post(
        presenters,
        data={
            "csrf_token": csrf_token(client, presenters),
            "person-full_name": "Rustam Hiddenov",
            "person-email": "rustam@ministry.example",
        },
    )
    assert response.status_code == 422
    assert field_errors(response)["person-email"].startswith("Another profile in the directory has this address.")
    response = client.post(
        presenters,
        data={
            "csrf_token": csrf_token(client, presenters),
            "person-full_name": "Rustam Hiddenov",
            "role_label": "Speaker",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    namesakes = db.session.execute(select(Person).where(Person.full_name == "Rustam Hiddenov")).scalars().all()
    assert len(namesakes) == 2  # a profile of the attacker's own; the private one untouched
    assert db.session.get(Person, hidden.id).position == "Deputy Minister"
    assert client.get(f"/manage/events/{event.id}/people/{hidden.id}").status_code == 404
    assert client.get(f"/people/{hidden.id}").status_code == 404


def test_a_shared_profile_is_changed_by_who_runs_all_its_events_or_an_admin(
    app, db, cica, make_user, make_event, make_session
):
    from eventmgr.events.services import grant_role
    from eventmgr.people.permissions import can_edit_person

    sarybay, organiser = cica["sarybay"], cica["event"].roles[0].user
    assert can_edit_person(organiser, sarybay)
    other = make_event(title="Border Challenges webinar")
    panel = make_session(other, "Threats")
    agenda_services.add_participant(panel, sarybay, "speaker")
    db.session.commit()
    assert not can_edit_person(organiser, sarybay)  # now also in an event they do not run
    assert not can_edit_person(other.roles[0].user, sarybay)
    grant_role(other, organiser, "organiser", other.roles[0].user)
    db.session.commit()
    assert can_edit_person(organiser, sarybay)  # runs both
    assert can_edit_person(make_user(is_admin=True), sarybay)
    loose = services.create_person({"full_name": "Nodira Karimova"}, organiser)
    assert can_edit_person(organiser, loose) and not can_edit_person(make_user(), loose)


def test_who_finds_a_person_is_not_answered_without_the_programmes_sources(app, db, organiser, monkeypatch):
    # Without the programme's sources every presenter would look like "in no event yet": refuse instead.
    from eventmgr.people import appearances
    from eventmgr.people.permissions import people_findable

    monkeypatch.setattr(appearances.sources, "_by_name", {})
    with pytest.raises(RuntimeError, match="create_app registers them"):
        people_findable(organiser)


def test_a_presenter_updates_their_own_profile_through_a_mailed_link(app, db, cica, attacker, mailbox):
    sarybay, client, event = cica["sarybay"], attacker["client"], attacker["event"]
    agenda_services.add_featured(event, sarybay, "Keynote speaker")
    db.session.commit()
    profile = f"/manage/events/{event.id}/people/{sarybay.id}"
    response = client.post(
        f"{profile}/send-link", data={"csrf_token": csrf_token(client, profile)}, follow_redirects=True
    )
    assert "Ambassador Kairat Sarybay has been sent a link to update their profile." in flashes(response)
    again = client.post(f"{profile}/send-link", data={"csrf_token": csrf_token(client, profile)}, follow_redirects=True)
    assert "A link was sent to this person less than an hour ago." in flashes(again)
    mailbox.deliver()
    [message] = [m for m in mailbox.messages if m["Subject"].startswith("Please check your speaker profile")]
    assert message["To"] == "k.sarybay@example.org"
    assert "Mallory Other-Organiser" in message.get_content() and event.title in message.get_content()
    link = urlsplit(re.search(r"https?://\S+/profile/\S+", message.get_content()).group(0)).path

    presenter = app.test_client()
    page = presenter.get(link)
    assert page.status_code == 200 and 'name="email"' not in page.text
    assert page.headers["Cache-Control"] == "private, no-store"
    response = presenter.post(
        link,
        data={
            "csrf_token": csrf_token(presenter, link),
            "honorific": "Ambassador",
            "full_name": "Kairat Sarybay",
            "position": "Secretary General",
            "country": "KZ",
            "bio": "Diplomat and **writer**.",
            "email": "someone@else.example",
        },
        follow_redirects=True,
    )
    assert "Thank you: your profile is saved." in flashes(response)
    db.session.expire_all()
    sarybay = db.session.get(Person, sarybay.id)
    assert (sarybay.position, sarybay.bio, sarybay.email) == (
        "Secretary General",
        "Diplomat and **writer**.",
        "k.sarybay@example.org",
    )
    from eventmgr.audit.models import AuditEntry

    assert db.session.execute(
        select(AuditEntry.action).where(AuditEntry.action.like("person.%")).order_by(AuditEntry.id)
    ).scalars().all()[-2:] == ["person.profile_link", "person.update_own"]
    assert presenter.get(link.replace("/profile/", "/profile/x")).status_code == 404
    # A link mailed to an address the profile no longer has stops working.
    sarybay.email = "kairat@new.example"
    db.session.commit()
    assert presenter.get(link).status_code == 404


# --- Public profiles -------------------------------------------------------------------------------


def test_a_persons_page_lists_their_sessions_in_public_events_but_never_their_email(
    client, db, cica, make_event, make_session
):
    sarybay = cica["sarybay"]
    secret = make_event(title="Closed consultations of border agencies", visibility="private")
    draft = make_event(title="Unannounced seminar", status="draft")
    for hidden in (secret, draft):
        session = make_session(hidden, f"{hidden.title} panel")
        agenda_services.add_participant(session, sarybay, "chair")
    db.session.commit()
    response = client.get(f"/people/{sarybay.id}-kairat-sarybay")
    assert response.status_code == 200
    page = response.text
    assert "<h1>Ambassador Kairat Sarybay</h1>" in page
    assert "Executive Director" in page and "CICA Secretariat · Kazakhstan" in page
    assert "<strong>Executive Director</strong>" in page
    assert cica["event"].title in page
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert "Host, Opening or welcoming remarks" in text
    assert "Speaker, New challenges and threats to regional security in the CICA space" in text
    assert "Confidence building in Asia" in text
    assert f'href="/events/{cica["event"].slug}/agenda#session-{cica["first"].id}"' in page
    for hidden in ("Closed consultations", "Unannounced seminar", "k.sarybay@example.org"):
        assert hidden not in page


def test_someone_only_in_private_or_draft_events_has_no_public_page(app, db, make_event, organiser, make_session):
    secret = make_event(organiser=organiser, title="Closed consultations", visibility="private")
    session = make_session(secret, "Closed consultations")
    insider = person("Erlan Dzhaksybekov")
    agenda_services.add_participant(session, insider, "speaker")
    nobody = person("Timur Saidov")  # in no programme at all
    db.session.commit()
    visitor = app.test_client()
    assert visitor.get(f"/people/{insider.id}-erlan-dzhaksybekov").status_code == 404
    assert visitor.get(f"/people/{nobody.id}-timur-saidov").status_code == 404
    assert visitor.get("/people/999999-nobody").status_code == 404


def test_a_persons_page_moves_to_its_current_name(client, cica):
    sarybay = cica["sarybay"]
    for old in (f"/people/{sarybay.id}", f"/people/{sarybay.id}-k-sarybay"):
        response = client.get(old)
        assert response.status_code == 301 and response.location == f"/people/{sarybay.id}-kairat-sarybay"


@pytest.mark.parametrize(
    "bio",
    [
        "Border expert.<script>alert('bio')</script>",
        "Border expert. [Profile](javascript:alert('bio'))",
        "Border expert. [Profile](JaVaScRiPt:alert('bio'))",
        "Border expert. <a href=\"javascript:alert('bio')\">Profile</a>",
        "Border expert. <a href=\"&#106;avascript:alert('bio')\">Profile</a>",
        'Border expert. <img src="x" onerror="alert(\'bio\')">',
        "Border expert. <p onmouseover=\"alert('bio')\">Hover</p>",
        'Border expert. <svg onload="alert(\'bio\')"></svg><iframe src="https://evil.example"></iframe>',
        'Border expert. <a href="https://osce.org" onclick="alert(\'bio\')" style="color:red">Profile</a>',
    ],
)
def test_a_bio_with_scripts_javascript_links_or_event_handlers_renders_harmless(client, db, cica, bio):
    sarybay = cica["sarybay"]
    services.update_person(sarybay, {"bio": bio})
    db.session.commit()
    for path in (f"/people/{sarybay.id}-kairat-sarybay", f"/events/{cica['event'].slug}/presenters"):
        page = client.get(path).text
        bios = re.findall(r'<div class="prose[^"]*">(.*?)</div>', page, re.S)
        assert bios and "Border expert." in bios[0], path
        rendered = bios[0].lower()
        for harmful in (
            "<script",
            "javascript:",
            "&#106;",
            "onerror",
            "onmouseover",
            "onload",
            "onclick",
            "<svg",
            "<iframe",
            "<img",
            "style=",
        ):
            assert harmful not in rendered, (path, harmful, bios[0])
        # Nor anywhere else on the page: the meta description is an escaped plain-text excerpt.
        assert "<script>alert" not in page and "javascript:" not in page.lower()
        assert not re.search(r"<[^>]+\son(error|load|click|mouseover)=", page), path


def test_a_persons_links_open_without_passing_on_the_page(client, db, cica):
    sarybay = cica["sarybay"]
    services.update_person(sarybay, {"links": "https://www.s-cica.org Profile at CICA\nhttps://osce.org"})
    db.session.commit()
    page = client.get(f"/people/{sarybay.id}-kairat-sarybay").text
    assert '<a href="https://www.s-cica.org" rel="noopener noreferrer nofollow">Profile at CICA</a>' in page
    assert '<a href="https://osce.org" rel="noopener noreferrer nofollow">https://osce.org</a>' in page


# --- Photos ----------------------------------------------------------------------------------------


def test_a_photo_is_re_encoded_upright_in_two_sizes_without_its_metadata():
    original = camera_jpeg()
    assert b"Canon" in original and b"EOS Secret" in original
    processed = process_photo(original)
    large, small = Image.open(BytesIO(processed.large)), Image.open(BytesIO(processed.small))
    assert (large.format, small.format) == ("JPEG", "JPEG")
    assert large.size == (600, 800) == (processed.width, processed.height)  # turned upright, fitted in 800 × 800
    assert small.size == (200, 200)
    for image in (processed.large, processed.small):
        assert b"Exif" not in image and b"Canon" not in image and b"EOS Secret" not in image
        assert not Image.open(BytesIO(image)).getexif()
    assert processed.digest == hashlib.sha256(processed.large).hexdigest()


@pytest.mark.parametrize(
    "data",
    [
        image_bytes("PNG", mode="RGBA", color=(200, 30, 30, 0)),
        image_bytes("WEBP"),
        image_bytes("PNG", mode="P", color=3),
        image_bytes("JPEG", mode="L", color=128),
    ],
    ids=["transparent png", "webp", "palette png", "greyscale jpeg"],
)
def test_png_and_webp_photos_are_accepted_and_become_jpeg(data):
    processed = process_photo(data + b"<?php system($_GET['c']); ?>")  # anything after the image is dropped
    large = Image.open(BytesIO(processed.large))
    assert large.format == "JPEG" and large.mode == "RGB"
    assert b"<?php" not in processed.large and b"<?php" not in processed.small


@pytest.mark.parametrize(
    "data, message",
    [
        (b"%PDF-1.7\n1 0 obj << >> endobj\n", NOT_A_PHOTO),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", NOT_A_PHOTO),
        (image_bytes("GIF"), NOT_A_PHOTO),
        (image_bytes("BMP"), NOT_A_PHOTO),
        (image_bytes("TIFF"), NOT_A_PHOTO),
        (patterned_jpeg()[:4000], "The image could not be read; it may be damaged. Try another file."),
        (png_declaring(100_000, 100_000), TOO_MANY_PIXELS),
        (
            png_declaring(8_000, 6_000),
            "The image is too large (8000 × 6000 pixels): at most 40 megapixels are accepted.",
        ),
        (png_declaring(0, 10), NOT_A_PHOTO),
    ],
    ids=["pdf", "svg", "gif", "bmp", "tiff", "truncated jpeg", "bomb", "48 megapixels", "empty png"],
)
def test_what_is_not_a_sane_jpeg_png_or_webp_is_refused_by_its_content(data, message):
    import weasyprint  # noqa: F401 - it makes Pillow lenient with cut-off images for the whole process

    with pytest.raises(PhotoError) as refused:
        process_photo(data)
    assert refused.value.message.startswith(message) and refused.value.field == "photo"


def profile_form(**changes) -> dict:
    return {
        "honorific": "Ambassador",
        "full_name": "Kairat Sarybay",
        "position": "Executive Director",
        "organisation_name": "CICA Secretariat",
        "country": "KZ",
        "email": "k.sarybay@example.org",
        "bio": "Diplomat; **Executive Director** of the CICA Secretariat.",
    } | changes


@pytest.mark.parametrize(
    "upload, message",
    [
        ((b"MZ\x90\x00 this is a program, not a photo", "portrait.jpg"), NOT_A_PHOTO),
        ((image_bytes("GIF"), "portrait.png"), NOT_A_PHOTO),
        (
            (b"\xff\xd8\xff" + b"\x00" * MAX_BYTES, "portrait.jpg"),
            "The photo is larger than 5 MB; choose a smaller file.",
        ),
        ((png_declaring(100_000, 100_000), "portrait.png"), TOO_MANY_PIXELS),
        ((b"", "portrait.jpg"), "The file is empty."),
    ],
    ids=["executable", "gif", "over 5 MB", "decompression bomb", "empty"],
)
def test_an_upload_that_is_not_a_photo_too_big_or_a_bomb_is_refused_with_a_clear_message(
    client, db, cica, upload, message
):
    sarybay = cica["sarybay"]
    data, filename = upload
    url = f"/manage/events/{cica['event'].id}/people/{sarybay.id}"
    response = post_multipart(
        client, url, profile_form(position="Changed with the photo", photo=FileStorage(BytesIO(data), filename))
    )
    assert response.status_code == 422
    assert field_errors(response)["photo"].startswith(message)
    assert 'aria-invalid="true"' in response.text
    db.session.expire_all()
    sarybay = db.session.get(Person, sarybay.id)
    assert sarybay.photo is None and sarybay.position == "Executive Director"  # nothing half-saved


def test_a_new_person_with_a_bad_photo_is_not_created(db, cica, post):
    base = f"/manage/events/{cica['event'].id}/agenda/{cica['second'].id}"
    response = post(
        f"{base}/participants",
        {
            "role": "speaker",
            "person-full_name": "Nodira Karimova",
            "person-position": "Programme Officer",
            "person-photo": (BytesIO(png_declaring(100_000, 100_000)), "nodira.png"),
        },
        token_from=base,
    )
    assert response.status_code == 422
    assert field_errors(response)["person-photo"].startswith(TOO_MANY_PIXELS)
    assert 'value="Nodira Karimova"' in response.text  # what was typed is kept
    assert services.find_person(full_name="Nodira Karimova") is None
    assert count(db, SessionParticipant, SessionParticipant.session_id == cica["second"].id) == 0


def test_a_request_far_over_the_photo_limit_is_refused_before_it_is_read(client, db, cica):
    url = f"/manage/events/{cica['event'].id}/people/{cica['sarybay'].id}"
    response = post_multipart(client, url, profile_form(photo=FileStorage(BytesIO(b"\x00" * (9 << 20)), "huge.jpg")))
    assert response.status_code == 413
    assert count(db, PersonPhoto) == 0


def test_photos_are_served_under_their_digest_with_long_cache_headers(app, client, db, cica, post):
    sarybay = cica["sarybay"]
    url = f"/manage/events/{cica['event'].id}/people/{sarybay.id}"
    # A PNG named .jpg: the content decides.
    assert post(url, profile_form(photo=(BytesIO(camera_jpeg()), "passport.png"))).status_code == 302
    db.session.expire_all()
    photo = db.session.get(Person, sarybay.id).photo
    first_digest = photo.url_digest
    visitor = app.test_client()
    profile = visitor.get(f"/people/{sarybay.id}-kairat-sarybay").text
    large_url = f"/people/{sarybay.id}/photo/large/{photo.url_digest}.jpg"
    assert f'src="{large_url}"' in profile and 'width="600" height="800"' in profile
    for size, dimensions in (("large", (600, 800)), ("small", (200, 200))):
        response = visitor.get(f"/people/{sarybay.id}/photo/{size}/{photo.url_digest}.jpg")
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert Image.open(BytesIO(response.data)).size == dimensions
        assert b"Canon" not in response.data
        again = visitor.get(response.request.path, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
    for wrong in (
        f"/people/{sarybay.id}/photo/large/{'0' * 16}.jpg",
        f"/people/{sarybay.id}/photo/large/{photo.url_digest[:8]}.jpg",
        f"/people/{sarybay.id}/photo/medium/{photo.url_digest}.jpg",
        f"/people/{cica['nurgaliyev'].id}/photo/large/{photo.url_digest}.jpg",
    ):
        assert visitor.get(wrong).status_code == 404, wrong

    # A new photo has a new address, so no cache keeps showing the old one; removing it removes both.
    assert (
        post(url, profile_form(photo=(BytesIO(image_bytes("WEBP", color=(0, 128, 0))), "new.webp"))).status_code == 302
    )
    assert visitor.get(large_url).status_code == 404
    db.session.expire_all()
    new_digest = db.session.get(Person, sarybay.id).photo.url_digest
    assert new_digest != first_digest
    assert post(url, profile_form(remove_photo="y")).status_code == 302
    assert visitor.get(f"/people/{sarybay.id}/photo/large/{new_digest}.jpg").status_code == 404
    assert count(db, PersonPhoto) == 0
    assert (
        '<span class="avatar avatar-large avatar-initials avatar-profile" aria-hidden="true">KS</span>'
        in visitor.get(f"/people/{sarybay.id}-kairat-sarybay").text
    )


# --- Duplicates ------------------------------------------------------------------------------------


def test_an_organiser_merges_a_duplicate_profile_into_the_original(client, db, cica, post):
    event, sarybay = cica["event"], cica["sarybay"]
    twin = person(
        "SARYBAY Kairat",
        position=None,
        country="KZ",
        email="kairat@s-cica.example",
        links=[{"url": "https://www.s-cica.org", "label": "CICA"}],
    )
    services.update_person(twin, {}, photo=image_bytes())
    agenda_services.add_participant(cica["second"], twin, "chair")
    agenda_services.add_participant(cica["welcome"], twin, "speaker")  # the original is already there
    agenda_services.add_featured(event, twin, "Webinar hosting presenter")
    db.session.commit()
    twin_id, twin_photo = twin.id, twin.photo.url_digest

    url = f"/manage/events/{event.id}/people/merge"
    page = client.get(url).text
    assert f"Merge #{twin_id} into #{sarybay.id}" in page
    response = post(url, {"kept_id": sarybay.id, "duplicate_id": twin_id}, follow_redirects=True)
    assert "SARYBAY Kairat is merged into Ambassador Kairat Sarybay." in flashes(response)
    assert "No two profiles in this event" in html.unescape(response.text)

    db.session.expire_all()
    assert db.session.get(Person, twin_id) is None
    kept = db.session.get(Person, sarybay.id)
    # The kept profile's own details stay; its gaps are filled from the duplicate.
    assert (kept.email, kept.position) == ("k.sarybay@example.org", "Executive Director")
    assert kept.links == [{"url": "https://www.s-cica.org", "label": "CICA"}]
    assert kept.photo is not None and kept.photo.url_digest == twin_photo
    parts = db.session.execute(
        select(SessionParticipant.session_id, SessionParticipant.role).filter_by(person_id=kept.id)
    ).all()
    assert sorted(parts) == sorted(
        [(cica["welcome"].id, "host"), (cica["first"].id, "speaker"), (cica["second"].id, "chair")]
    )
    assert db.session.execute(select(FeaturedPresenter.person_id)).scalars().all() == [kept.id]
    assert client.get(f"/people/{twin_id}-kairat-sarybay").status_code == 404


def test_merging_refuses_one_person_twice_and_people_outside_the_event(db, cica, post):
    url = f"/manage/events/{cica['event'].id}/people/merge"
    same = post(url, {"kept_id": cica["sarybay"].id, "duplicate_id": cica["sarybay"].id})
    assert same.status_code == 422 and field_errors(same)["duplicate_id"] == "Choose two different people."
    outsider = person("Kairat Sarybayev")
    db.session.commit()
    elsewhere = post(url, {"kept_id": cica["sarybay"].id, "duplicate_id": outsider.id})
    assert elsewhere.status_code == 422
    assert field_errors(elsewhere)["duplicate_id"] == "Choose both people from the lists."
    assert count(db, Person) == 3


def test_an_organiser_cannot_merge_away_a_profile_used_by_an_event_they_do_not_run(
    client, db, cica, make_event, post, make_session
):
    other = make_event(title="Central Asia Border Challenges")  # run by someone else
    session = make_session(other, "Cross-border threats")
    twin = person("Kairat Sarybay", position="Diplomat")
    agenda_services.add_participant(session, twin, "speaker")
    agenda_services.add_participant(cica["second"], twin, "speaker")
    db.session.commit()
    url = f"/manage/events/{cica['event'].id}/people/merge"
    page = html.unescape(client.get(url).text)
    assert f"#{twin.id} also takes part in events you do not run" in page
    assert f"Merge #{twin.id} into" not in page
    response = post(url, {"kept_id": cica["sarybay"].id, "duplicate_id": twin.id})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Person, twin.id) is not None
