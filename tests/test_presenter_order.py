"""Presenters in the order the organiser sets, the host of the welcoming remarks first by default (issue 13,
point 17)."""

import re
from datetime import timedelta

import pytest
from helpers import section

from eventmgr.agenda import services as agenda
from eventmgr.people.services import create_person


@pytest.fixture
def organiser(make_user):
    return make_user(name="Olga Organiser")


@pytest.fixture
def programme(db, make_event, make_session, organiser):
    """A webinar whose welcoming remarks (hosted by Zhanna Zaitova) come after a technical check by Aigerim Abenova;
    then a panel of Marat Mukhanov and Bolat Baimukhanov."""
    event = make_event(organiser=organiser, title="Border Webinar")
    check = make_session(event, title="Technical check", kind="other", start_at=event.start_at, user=organiser)
    welcome = make_session(
        event,
        title="Welcoming remarks",
        kind="opening",
        start_at=event.start_at + timedelta(minutes=10),
        user=organiser,
    )
    panel = make_session(
        event, title="Panel", kind="panel", start_at=event.start_at + timedelta(hours=1), user=organiser
    )
    people = {}
    for name, event_session, role in (
        ("Aigerim Abenova", check, "speaker"),
        ("Zhanna Zaitova", welcome, "host"),
        ("Marat Mukhanov", panel, "moderator"),
        ("Bolat Baimukhanov", panel, "speaker"),
    ):
        person = create_person({"full_name": name}, organiser)
        agenda.add_participant(event_session, person, role, user=organiser)
        people[name] = person
    db.session.commit()
    return event, people


def names_in(html: str) -> list[str]:
    return re.findall(r"Aigerim Abenova|Zhanna Zaitova|Marat Mukhanov|Bolat Baimukhanov", html)


def test_by_default_the_host_of_the_welcoming_remarks_comes_first_then_the_programme_s_order(client, programme):
    event, _people = programme
    page = client.get(f"/events/{event.slug}/presenters").text
    assert names_in(page) == ["Zhanna Zaitova", "Aigerim Abenova", "Marat Mukhanov", "Bolat Baimukhanov"]


def test_the_organiser_moves_presenters_without_javascript(client, login, post, programme, db):
    event, people = programme
    login(event.roles[0].user)
    manage = f"/manage/events/{event.id}/presenters"
    everyone = section(client.get(manage).text, "everyone-heading")
    assert names_in(everyone) == ["Zhanna Zaitova", "Aigerim Abenova", "Marat Mukhanov", "Bolat Baimukhanov"]

    bolat = people["Bolat Baimukhanov"].id
    response = post(f"{manage}/order/{bolat}/up", token_from=manage)
    assert response.status_code == 302
    assert post(f"{manage}/order/{bolat}/up", token_from=manage).status_code == 302
    expected = ["Zhanna Zaitova", "Bolat Baimukhanov", "Aigerim Abenova", "Marat Mukhanov"]
    assert names_in(section(client.get(manage).text, "everyone-heading")) == expected
    assert names_in(client.get(f"/events/{event.slug}/presenters").text) == expected

    # Someone added to the programme later joins the end of the set order.
    later = create_person({"full_name": "Dana Dauletova"}, event.roles[0].user)
    agenda.add_participant(_first_session(db, event), later, "speaker")
    db.session.commit()
    page = client.get(f"/events/{event.slug}/presenters").text
    assert page.index("Marat Mukhanov") < page.index("Dana Dauletova")


def _first_session(db, event):
    from eventmgr.agenda.models import EventSession

    return db.session.execute(db.select(EventSession).where(EventSession.event_id == event.id).limit(1)).scalar_one()


def test_only_the_event_s_organisers_move_its_presenters(client, login, post, programme, make_user):
    event, people = programme
    login(make_user(name="Otto Outsider"))
    url = f"/manage/events/{event.id}/presenters/order/{people['Zhanna Zaitova'].id}/down"
    assert post(url, token_from="/manage/").status_code in (403, 404)
