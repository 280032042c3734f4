"""Publishing outcome documents (issue 13, point 16): no publication over unresolved review comments without the
publisher confirming it; the annex lists the countries and organisations of those who took part."""

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from helpers import IN_PERSON, field_errors, pdf_words

from eventmgr.documents import publishing, review
from eventmgr.documents.models import DocumentVersion
from eventmgr.registration.models import Delegation

TEXT = "## Recommendations\n\n(1) Cooperate across borders.\n\n(2) Share risk analysis.\n"


@pytest.fixture
def secretariat(make_user):
    return make_user(name="Sam Secretariat")


@pytest.fixture
def event(make_event, secretariat):
    return make_event(organiser=secretariat, title="Border Conference", **IN_PERSON)


def publish_url(event, document) -> str:
    return f"/manage/events/{event.id}/documents/{document.id}/publish"


def editor_url(event, document) -> str:
    return f"/manage/events/{event.id}/documents/{document.id}"


def test_unresolved_comments_stop_a_publication_until_the_publisher_confirms(
    client, login, post, db, event, secretariat, make_document
):
    document = make_document(event, secretariat, TEXT)
    paragraph = document.sections[0].paragraphs[0]
    review.add_comment(document, secretariat, "Name the agencies.", paragraph)
    review.add_comment(document, secretariat, "Add a date.")
    done = review.add_comment(document, secretariat, "Typo.")
    review.resolve_comment(done, secretariat)
    db.session.commit()
    login(secretariat)

    editor = client.get(editor_url(event, document)).text
    assert "2 review comments are unresolved." in editor
    assert 'name="accept_unresolved"' in editor

    response = post(publish_url(event, document), {}, token_from=editor_url(event, document))
    assert response.status_code == 422
    assert "2 review comments are unresolved" in field_errors(response)["accept_unresolved"]
    assert db.session.execute(db.select(DocumentVersion)).first() is None

    response = post(publish_url(event, document), {"accept_unresolved": "y"}, token_from=editor_url(event, document))
    assert response.status_code == 302
    assert db.session.execute(db.select(DocumentVersion)).scalar_one().number == 1


def test_a_document_whose_comments_are_all_resolved_publishes_without_the_question(
    client, login, post, db, event, secretariat, make_document
):
    document = make_document(event, secretariat, TEXT)
    review.resolve_comment(review.add_comment(document, secretariat, "Typo."), secretariat)
    db.session.commit()
    login(secretariat)
    editor = client.get(editor_url(event, document)).text
    assert 'name="accept_unresolved"' not in editor and "unresolved" not in editor
    response = post(publish_url(event, document), {}, token_from=editor_url(event, document))
    assert response.status_code == 302


def _delegation(db, event, name, country=None, organisation=None, members=()):
    group = Delegation(
        event_id=event.id,
        access_token=secrets.token_urlsafe(32),
        country=country,
        organisation_id=organisation.id if organisation else None,
        name=name,
        contact_name="Focal Point",
        contact_email=f"focal-{secrets.token_hex(4)}@example.org",
    )
    db.session.add(group)
    db.session.flush()
    for member in members:
        member.delegation_id = group.id
        member.delegation = group.name
    db.session.commit()
    return group


def test_the_annex_names_every_delegate_s_country_and_organisation_and_those_of_their_delegations(
    db, event, secretariat, make_registration, make_organisation, make_document, tmp_path
):
    agency = make_organisation(name="State Border Service of Kyrgyzstan")
    # Individual delegates: their own country and organisation.
    make_registration(event, country="TJ", organisation_name="Academy of Sciences of Tajikistan")
    make_registration(event, country="UZ", organisation_name="")
    # A delegation sent by an agency, whose members gave no organisation of their own and no country.
    members = [make_registration(event, country=None) for _ in range(2)]
    _delegation(db, event, "Border Service", country="KG", organisation=agency, members=members)
    # Not taking part: declined or cancelled.
    make_registration(event, country="AF", organisation_name="Nobody's Agency", status="cancelled")

    annex = publishing.participation_annex(event)
    assert annex["countries"] == ["Kyrgyzstan", "Tajikistan", "Uzbekistan"]
    assert annex["organisations"] == ["Academy of Sciences of Tajikistan", "State Border Service of Kyrgyzstan"]

    document = make_document(event, secretariat, TEXT)
    version = publishing.publish(document, secretariat)
    db.session.commit()
    text = pdf_words(version.pdf, tmp_path)
    countries = text[text.index("Countries (3)") : text.index("Organisations (2)")]
    assert all(name in countries for name in ("Kyrgyzstan", "Tajikistan", "Uzbekistan")), text
    assert "State Border Service of Kyrgyzstan" in text and "Nobody's Agency" not in text


def test_after_the_event_the_annex_lists_those_who_attended(db, make_event, secretariat, make_registration):
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    event = make_event(organiser=secretariat, start_at=start, end_at=start + timedelta(days=1), **IN_PERSON)
    came = make_registration(event, country="KZ", organisation_name="Customs Committee", now=start - timedelta(days=9))
    make_registration(event, country="MN", organisation_name="No-show Agency", now=start - timedelta(days=9))
    came.checked_in_at = start + timedelta(hours=1)
    db.session.commit()
    annex = publishing.participation_annex(event)
    assert annex == {"countries": ["Kazakhstan"], "organisations": ["Customs Committee"]}


def test_before_the_event_the_annex_lists_those_registered(db, event, make_registration):
    make_registration(event, country="KZ", organisation_name="Customs Committee")
    make_registration(event, country="MN", organisation_name="Border Agency of Mongolia")
    annex = publishing.participation_annex(event)
    assert annex == {
        "countries": ["Kazakhstan", "Mongolia"],
        "organisations": ["Border Agency of Mongolia", "Customs Committee"],
    }
