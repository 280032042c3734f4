"""What each attendance mode gets, and outputs by delegation (issue 14, part 3): participants list, annex, badges,
a delegation's visa letters; online delegates get no visa letter or badge, but a certificate."""

import re
import secrets
from datetime import timedelta

import pytest
from conftest import csrf_token
from helpers import IN_PERSON, pdf_info, pdf_text, pdf_words, text_of
from sqlalchemy import select

from eventmgr.documents import letters, publishing
from eventmgr.documents.models import VisaLetterApproval
from eventmgr.jobs.services import run_due_jobs
from eventmgr.registration.models import Delegation

HYBRID = IN_PERSON | {"format": "hybrid"}


def delegation(db, event, name, country=None, members=(), head=None):
    """A registered delegation of `members` (registrations), `head` among them heading it."""
    group = Delegation(
        event_id=event.id,
        access_token=secrets.token_urlsafe(32),
        country=country,
        name=name,
        contact_name="Focal Point",
        contact_email=f"focal-{secrets.token_hex(4)}@example.org",
    )
    db.session.add(group)
    db.session.flush()
    for member in members:
        member.delegation_id = group.id
        member.delegation = group.name
        member.is_head = member is head
    db.session.commit()
    return group


@pytest.fixture
def organiser(make_user):
    return make_user(name="Olga Organiser")


@pytest.fixture
def hybrid(make_event, organiser):
    return make_event(organiser=organiser, title="Hybrid Border Conference", publish_participant_list=True, **HYBRID)


def test_the_participants_list_groups_the_listed_delegates_by_delegation_head_first(
    client, db, hybrid, make_registration
):
    kz = [
        make_registration(hybrid, given_name="Berik", family_name="Alimov", list_publicly=True),
        make_registration(hybrid, given_name="Aida", family_name="Zhanova", list_publicly=True),
        make_registration(hybrid, given_name="Hidden", family_name="Member", list_publicly=False),
    ]
    delegation(db, hybrid, "Kazakhstan", "KZ", kz, head=kz[1])
    make_registration(hybrid, given_name="Solo", family_name="Expert", country="TJ", list_publicly=True)
    page = client.get(f"/events/{hybrid.slug}/participants").text
    text = text_of_html(page)
    assert re.search(r"Kazakhstan .*Aida Zhanova \(Head of delegation\) .*Berik Alimov", text)
    assert "Individual participants" in text and text.index("Individual participants") < text.index("Solo Expert")
    assert text.index("Kazakhstan") < text.index("Individual participants")
    assert "Hidden Member" not in text


def test_without_delegations_the_list_is_as_before(client, db, make_event, organiser, make_registration):
    event = make_event(organiser=organiser, publish_participant_list=True, **IN_PERSON)
    make_registration(event, given_name="Solo", family_name="Expert", list_publicly=True)
    page = client.get(f"/events/{event.slug}/participants").text
    assert "Solo Expert" in page and "Individual participants" not in page and "Delegations" not in page


def test_the_annex_groups_attendees_by_delegation_naming_only_those_listed(
    db, hybrid, organiser, make_registration, make_document, tmp_path
):
    from eventmgr.documents import services

    head = make_registration(hybrid, given_name="Aida", family_name="Zhanova", list_publicly=True)
    member = make_registration(hybrid, given_name="Berik", family_name="Alimov", list_publicly=True)
    private = make_registration(hybrid, given_name="Private", family_name="Person")
    delegation(db, hybrid, "Kazakhstan", "KZ", [head, member, private], head=head)
    make_registration(hybrid, given_name="Solo", family_name="Expert", country="TJ", organisation_name="Academy")
    annex = publishing.participation_annex(hybrid)
    assert annex["delegations"] == [
        {"name": "Kazakhstan", "head": "Aida Zhanova", "members": ["Berik Alimov"], "unlisted": 1}
    ]
    assert annex["countries"] == ["Kazakhstan", "Tajikistan"] and annex["organisations"] == ["Academy"]

    document = make_document(hybrid, organiser, text="## Recommendations\n\n(1) Cooperate across borders.\n")
    version = services.publish(document, organiser)
    db.session.commit()
    text = pdf_words(version.pdf, tmp_path)
    assert re.search(
        r"Delegations \(1\) Kazakhstan Head of delegation: Aida Zhanova Berik Alimov and 1 other member", text
    )
    assert "Private Person" not in text


def test_an_event_without_delegations_keeps_the_annex_as_it_was(db, make_event, organiser, make_registration):
    event = make_event(organiser=organiser, **IN_PERSON)
    make_registration(event, country="KZ")
    assert "delegations" not in publishing.participation_annex(event)


def test_badges_are_for_in_person_delegates_and_show_the_delegation_and_its_head(
    client, db, hybrid, organiser, make_registration, login, post, tmp_path
):
    head = make_registration(hybrid, given_name="Aida", family_name="Zhanova", attendance_mode="in_person")
    member = make_registration(hybrid, given_name="Berik", family_name="Alimov", attendance_mode="in_person")
    online = make_registration(hybrid, given_name="Olzhas", family_name="Remote", attendance_mode="online")
    delegation(db, hybrid, "Republic of Kazakhstan", "KZ", [head, member, online], head=head)
    make_registration(hybrid, given_name="Solo", family_name="Expert", country="TJ", attendance_mode="in_person")
    assert [r.family_name for r in letters.badge_holders(hybrid)] == ["Alimov", "Expert", "Zhanova"]
    login(organiser)
    base = f"/manage/events/{hybrid.id}/documents/letters"
    page = client.get(base).text
    assert "Prepare the badges of 3 confirmed delegates (PDF)" in page
    assert post(f"{base}/badges", token_from=base).status_code == 302
    assert run_due_jobs() == 1
    link = re.search(r'href="([^"]+/letters/jobs/\d+\.pdf)"', client.get(base).text).group(1)
    badges = client.get(link).data
    (tmp_path / "badges.pdf").write_bytes(badges)
    text = pdf_words(badges, tmp_path)
    assert "Zhanova" in text and "Alimov" in text and "Expert" in text and "Remote" not in text
    # The head's mark is printed in capitals (text-transform), under the delegation's name; once.
    assert text.count("Republic of Kazakhstan") == 2 and text.upper().count("HEAD OF DELEGATION") == 1
    assert re.search(r"Aida Zhanova Republic of Kazakhstan HEAD OF DELEGATION", text)
    assert "Tajikistan" in text  # an individual's badge names their country


def test_a_delegation_s_visa_letters_in_one_pdf_only_for_its_in_person_members(
    client, db, hybrid, organiser, make_registration, login, post, tmp_path
):
    head = make_registration(
        hybrid, given_name="Aida", family_name="Zhanova", attendance_mode="in_person", needs_visa_letter=True
    )
    member = make_registration(
        hybrid, given_name="Berik", family_name="Alimov", attendance_mode="in_person", needs_visa_letter=True
    )
    no_visa = make_registration(hybrid, given_name="Dana", family_name="Local", attendance_mode="in_person")
    online = make_registration(
        hybrid, given_name="Olzhas", family_name="Remote", attendance_mode="online", needs_visa_letter=True
    )
    group = delegation(db, hybrid, "Kazakhstan", "KZ", [head, member, no_visa, online], head=head)
    assert not online.needs_visa_letter  # an online delegate is never asked
    online.needs_visa_letter = True  # and even if the flag were set, no letter
    db.session.commit()
    assert [r.family_name for r, _a in letters.delegation_visa_requests(group)] == ["Zhanova", "Alimov"]
    with pytest.raises(letters.DocumentError, match="attend in person"):
        letters.approve_visa_letter(online, organiser)

    login(organiser)
    base = f"/manage/events/{hybrid.id}/documents/letters"
    pdf_url = f"{base}/delegations/{group.id}/visa-letters.pdf"
    assert client.get(pdf_url).status_code == 409  # nothing approved yet
    assert post(f"{base}/visa/{member.id}/approve", token_from=base).status_code == 302
    page = text_of(client.get(base))
    assert "Kazakhstan 1 of 2 1 letter (PDF) Approve the 1 waiting" in page
    assert "Remote" not in page
    one = pdf_words(client.get(pdf_url).data, tmp_path)
    assert "Berik Alimov" in one and "Aida Zhanova" not in one

    response = post(f"{base}/delegations/{group.id}/approve", token_from=base)
    assert response.status_code == 302
    assert "1 visa letter of Kazakhstan approved." in client.get(response.location).text
    response = client.get(pdf_url)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    (tmp_path / "letters.pdf").write_bytes(response.data)
    assert pdf_info(response.data, tmp_path)["Pages"] == "2"  # one letter to a page
    texts = [" ".join(page.split()) for page in pdf_text(response.data, tmp_path).split("\f") if page.strip()]
    assert len(texts) == 2
    assert "Aida Zhanova" in texts[0] and "Berik Alimov" in texts[1]
    assert all("Visa support letter" in t for t in texts) and "Olzhas" not in " ".join(texts)
    references = db.session.execute(select(VisaLetterApproval.reference).order_by(VisaLetterApproval.id)).scalars()
    assert list(references) == [f"{hybrid.id}/001", f"{hybrid.id}/002"]
    assert (
        client.get(f"/manage/events/{hybrid.id}/documents/letters/delegations/999999/visa-letters.pdf").status_code
        == 404
    )


def test_someone_else_s_delegation_letters_are_refused(client, db, hybrid, make_user, make_registration, login):
    group = delegation(db, hybrid, "Kazakhstan", "KZ", [make_registration(hybrid, needs_visa_letter=True)])
    login(make_user(name="Other Organiser"))
    base = f"/manage/events/{hybrid.id}/documents/letters"
    assert client.get(f"{base}/delegations/{group.id}/visa-letters.pdf").status_code == 403
    response = client.post(f"{base}/delegations/{group.id}/approve", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 403


def test_online_delegates_get_no_visa_letter_or_badge_but_a_certificate(
    client, db, hybrid, make_event, organiser, make_registration, login, post, tmp_path
):
    online = make_registration(hybrid, given_name="Olzhas", family_name="Remote", attendance_mode="online")
    online.needs_visa_letter = True
    db.session.commit()
    assert letters.visa_requests(hybrid) == [] and letters.badge_holders(hybrid) == []
    from eventmgr.registration import services

    # Marked as attended as of the start (as the platform's participant report does); certified once it ended.
    services.check_in(online, organiser, now=hybrid.start_at)
    db.session.commit()
    assert letters.delegate_documents(online) == []
    hybrid.start_at, hybrid.end_at = hybrid.start_at - timedelta(days=60), hybrid.end_at - timedelta(days=60)
    db.session.commit()
    assert [kind for _label, kind in letters.delegate_documents(online)] == ["certificate"]
    own = f"/events/{hybrid.slug}/registration/{online.access_token}"
    assert client.get(f"{own}/visa-letter.pdf").status_code == 404
    assert "Olzhas Remote" in pdf_words(client.get(f"{own}/certificate.pdf").data, tmp_path)

    webinar = make_event(organiser=organiser, title="Online Webinar")
    make_registration(webinar)
    login(organiser)
    base = f"/manage/events/{webinar.id}/documents/letters"
    page = text_of(client.get(base))
    assert "This event is online: nobody needs a badge or a visa letter." in page
    assert "Name badges" not in page and "Visa support letters" not in page
    assert post(f"{base}/badges", token_from=base).status_code == 409


def text_of_html(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def test_the_desk_lists_and_exports_each_registration_s_delegation_head_and_mode(
    client, db, hybrid, organiser, make_registration, login
):
    import csv
    import io

    head = make_registration(hybrid, given_name="Aida", family_name="Zhanova", attendance_mode="in_person")
    online = make_registration(hybrid, given_name="Olzhas", family_name="Remote", attendance_mode="online")
    delegation(db, hybrid, "Kazakhstan", "KZ", [head, online], head=head)
    solo = make_registration(hybrid, given_name="Solo", family_name="Expert", attendance_mode="in_person")
    # A head whose delegation was withdrawn and removed heads nothing any more.
    solo.is_head = True
    db.session.commit()
    login(organiser)
    page = client.get(f"/manage/events/{hybrid.id}/registrations").text
    rows = {
        name: " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r"<tr>.*?</tr>", page, re.S)
        for name in ("Zhanova", "Remote", "Expert")
        if name in row
    }
    assert "Kazakhstan Kazakhstan head Confirmed" in rows["Zhanova"]  # country, delegation, its head
    assert "Kazakhstan head" not in rows["Remote"] and "Kazakhstan Kazakhstan" in rows["Remote"]
    assert " head " not in rows["Expert"]
    export = client.get(f"/manage/events/{hybrid.id}/registrations.csv")
    table = {row["family_name"]: row for row in csv.DictReader(io.StringIO(export.data.decode("utf-8-sig")))}
    assert (table["Zhanova"]["delegation"], table["Zhanova"]["head_of_delegation"]) == ("Kazakhstan", "yes")
    assert (table["Remote"]["delegation"], table["Remote"]["head_of_delegation"]) == ("Kazakhstan", "no")
    assert (table["Expert"]["delegation"], table["Expert"]["head_of_delegation"]) == ("", "no")
    assert [table[name]["attendance_mode"] for name in ("Zhanova", "Remote", "Expert")] == [
        "in_person",
        "online",
        "in_person",
    ]
