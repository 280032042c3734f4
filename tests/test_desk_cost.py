"""What the organiser's pages cost the database: as many statements for a large event as for a small one.

The overview, the registrations list, the agenda editor and the document editor are each read with a few rows and
with many; the statements sent must be the same in number (no query per registration, session or paragraph). The
timings themselves are benchmarks (bench/pages.py), never tests.
"""

from datetime import timedelta

import pytest
from helpers import IN_PERSON, statements_sent, text_of

from eventmgr.agenda import services as agenda
from eventmgr.people.services import create_person
from eventmgr.registration import desk
from eventmgr.registration import services as registration_services


@pytest.fixture
def organiser(make_user):
    return make_user(email="olga@example.org", name="Olga Organiser")


@pytest.fixture
def sent(app, db):
    """sent(path): (statements sent, response) for the logged-in organiser's GET of the page."""

    def read(client, path):
        db.session.expire_all()
        with statements_sent(db) as statements:
            response = client.get(path)
        assert response.status_code == 200, path
        return statements, response

    return read


def crowd(make_event, make_registration, make_organisation, organiser, size: int):
    """An in-person conference of the organiser with `size` delegates, some of them from the directory's
    organisations, some waiting, one checked in."""
    event = make_event(organiser=organiser, **IN_PERSON)
    border = make_organisation(name=f"Border Service {size}")
    for n in range(size):
        make_registration(
            event,
            given_name=f"Delegate{n}",
            organisation_id=border.id if n % 3 == 0 else None,
            organisation_name=None if n % 3 == 0 else "Ministry of Internal Affairs",
            status="waitlisted" if n % 4 == 1 else None,
            checked_in=n == 0,
        )
    return event


def count_query_over_registrations(statements) -> list[str]:
    """The statements that count the rows of a subquery: a list's COUNT over its whole query."""
    return [s for s in statements if "count(*)" in s.lower() and "from (select" in " ".join(s.lower().split())]


def test_the_overview_and_the_registrations_list_send_as_many_statements_for_55_delegates_as_for_5(
    client, db, sent, make_event, make_registration, make_organisation, organiser, login
):
    small = crowd(make_event, make_registration, make_organisation, organiser, 5)
    big = crowd(make_event, make_registration, make_organisation, organiser, 55)
    login(organiser)
    for path in ("", "/registrations", "/registrations?status=confirmed"):
        small_statements, _response = sent(client, f"/manage/events/{small.id}{path}")
        big_statements, response = sent(client, f"/manage/events/{big.id}{path}")
        assert len(big_statements) == len(small_statements), path
    # The big list's first page holds 50 of its 55 delegates, each with their organisation; its second page, of 5,
    # costs what the first does.
    first_page, response = sent(client, f"/manage/events/{big.id}/registrations")
    last_page, _response = sent(client, f"/manage/events/{big.id}/registrations?page=2")
    assert len(last_page) == len(first_page)
    assert response.text.count('name="ids"') == 50
    assert "55 registrations" in text_of(response)
    assert text_of(response).count("Border Service 55") >= 50 // 3


def test_the_registrations_list_takes_its_total_from_the_counts_by_status_unless_another_filter_applies(
    client, db, sent, make_event, make_registration, make_organisation, organiser, login
):
    event = crowd(make_event, make_registration, make_organisation, organiser, 12)
    login(organiser)
    base = f"/manage/events/{event.id}/registrations"
    waiting = sum(1 for n in range(12) if n % 4 == 1)
    for query, total in (("", 12), ("?status=waitlisted", waiting), ("?status=declined", 0), ("?page=2", 12)):
        statements, response = sent(client, base + query)
        assert f"{total} registration" in text_of(response), query
        assert count_query_over_registrations(statements) == [], query  # the GROUP BY status told it
    # Other filters are counted: the counts by status cannot say how many names match.
    for query, total in (("?q=Delegate1", 3), ("?country=KZ", 12), ("?checked_in=yes", 1)):  # Delegate1, 10, 11
        statements, response = sent(client, base + query)
        assert f"{total} registration" in text_of(response), query
        assert len(count_query_over_registrations(statements)) == 1, query


def test_known_total_needs_no_filter_but_the_status():
    counts = {"pending": 2, "confirmed": 7, "waitlisted": 3, "declined": 1, "cancelled": 0, "attended": 4}
    no_filter = dict.fromkeys(("status", "country", "mode", "q", "question", "answer"))
    assert desk.known_total(no_filter, counts) == 13  # the attended are counted in their status already
    assert desk.known_total(no_filter | {"status": "waitlisted"}, counts) == 3
    assert desk.known_total(no_filter | {"q": "Aida"}, counts) is None
    assert desk.known_total(no_filter | {"status": "confirmed", "country": "KZ"}, counts) is None


def test_the_list_reads_its_page_without_joining_organisations_and_offers_only_the_chosen_organisations(
    client, db, sent, make_event, make_registration, make_organisation, organiser, login
):
    event = crowd(make_event, make_registration, make_organisation, organiser, 4)
    other = crowd(make_event, make_registration, make_organisation, organiser, 5)
    unchosen = make_organisation(name="Customs Committee")
    login(organiser)
    statements, response = sent(client, f"/manage/events/{event.id}/registrations")
    page_reads = [s for s in statements if "LIMIT" in s and "FROM registrations" in s]
    assert len(page_reads) == 1 and "JOIN" not in page_reads[0]
    assert [o.name for o in desk.registered_organisations(event)] == ["Border Service 4"]
    filter_options = response.text.split('id="organisation_id"')[1].split("</select>")[0]
    assert "Border Service 4" in filter_options and unchosen.name not in filter_options
    assert [o.name for o in desk.registered_organisations(other)] == ["Border Service 5"]


def programme(db, make_event, make_session, organiser, sessions: int):
    """A conference of the organiser with `sessions` panels, each with a moderator and two speakers."""
    event = make_event(organiser=organiser, **IN_PERSON)
    for n in range(sessions):
        start = event.start_at + timedelta(minutes=10 * n)
        panel = make_session(event, title=f"Panel {n}", start_at=start, end_at=start + timedelta(minutes=10))
        for k, role in enumerate(("moderator", "speaker", "speaker")):
            agenda.add_participant(panel, create_person({"full_name": f"Person {n}-{k}", "honorific": "Dr."}), role)
    db.session.commit()
    return event


def test_the_agenda_editor_sends_as_many_statements_for_15_sessions_as_for_2(
    client, db, sent, make_event, make_session, organiser, login
):
    small = programme(db, make_event, make_session, organiser, 2)
    big = programme(db, make_event, make_session, organiser, 15)
    login(organiser)
    small_statements, _response = sent(client, f"/manage/events/{small.id}/agenda")
    big_statements, response = sent(client, f"/manage/events/{big.id}/agenda")
    assert len(big_statements) == len(small_statements)
    assert response.text.count("(moderator)") == 15 and response.text.count("(speaker)") == 30
    assert "Dr. Person 14-2" in text_of(response)
    assert response.text.count('data-confirm="Delete this session and its list of people?"') == 15


def outcome_text(sections: int) -> str:
    """Pasted text of `sections` headed sections of four numbered paragraphs each."""
    lines = []
    for s in range(1, sections + 1):
        lines += [f"## Theme {s}", ""] + [f"({p}) The participants agreed on point {s}.{p}." for p in range(1, 5)]
        lines.append("")
    return "\n".join(lines)


def test_the_document_editor_sends_as_many_statements_for_6_sections_as_for_1_and_reads_no_registration(
    client, db, sent, make_event, make_registration, make_document, organiser, login
):
    event = make_event(organiser=organiser, **IN_PERSON)
    make_registration(event, organisation_name="Border Service")  # the annex the editor does not show
    short = make_document(event, organiser, text=outcome_text(1), title="Short")
    long = make_document(event, organiser, text=outcome_text(6), title="Long")
    login(organiser)
    short_statements, _response = sent(client, f"/manage/events/{event.id}/documents/{short.id}")
    long_statements, response = sent(client, f"/manage/events/{event.id}/documents/{long.id}")
    assert len(long_statements) == len(short_statements)
    assert not [s for s in long_statements if "FROM registrations" in s]
    assert response.text.count('class="editor-para"') == 24
    # Each paragraph's buttons carry the page's one CSRF token, rendered once for all.
    assert response.text.count('data-confirm="Delete this paragraph?"') == 24
    assert "point 6.4." in text_of(response) and "(4)" in text_of(response)


def test_a_registration_with_an_organisation_of_the_directory_is_listed_with_it(
    client, db, make_event, make_registration, make_organisation, organiser, login
):
    event = make_event(organiser=organiser, **IN_PERSON)
    border = make_organisation(name="State Border Service")
    make_registration(event, given_name="Aida", organisation_id=border.id)
    login(organiser)
    response = client.get(f"/manage/events/{event.id}/registrations")
    assert "State Border Service" in text_of(response).split("Aida")[1]
    assert registration_services.status_counts(event.id)["confirmed"] == 1


def test_each_rows_select_label_is_translated_once_and_escapes_the_name(
    client, db, make_event, make_registration, organiser, login
):
    event = make_event(organiser=organiser, **IN_PERSON)
    make_registration(event, given_name='<b>Aida</b> "A"', family_name="O'Brien")
    login(organiser)
    response = client.get(f"/manage/events/{event.id}/registrations")
    assert 'aria-label="Select &lt;b&gt;Aida&lt;/b&gt; &#34;A&#34; O&#39;Brien"' in response.text
    russian = client.get(f"/manage/events/{event.id}/registrations", headers={"Accept-Language": "ru"})
    assert 'aria-label="Выбрать: &lt;b&gt;Aida&lt;/b&gt; &#34;A&#34; O&#39;Brien"' in russian.text
