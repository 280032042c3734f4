"""Demo programmes: the Borovoe conference's panels, the CICA conference's sessions, the webinar's presenters.

Facts (names, positions, organisations, countries, topics, themes) come from the seed texts; descriptions
and bios are our own words. Where a seed names only an institution and a country, the person is a label
("Expert of <institute>, <country>") rather than an invented name, and their bio says so; where it gives a
position without a name (most of the webinar's presenters), the label is the position.
"""

from dataclasses import dataclass
from datetime import date
from textwrap import dedent

from sqlalchemy import func, select

from eventmgr.agenda import services as agenda
from eventmgr.agenda.models import EventSession, FeaturedPresenter
from eventmgr.auth.services import find_user
from eventmgr.demo import content
from eventmgr.events.models import Event
from eventmgr.events.services import event_by_slug
from eventmgr.extensions import db
from eventmgr.organisations.models import Organisation
from eventmgr.people.models import Person
from eventmgr.people.services import find_or_create_person

BOROVOE = "issyk-kul-initiative-2018-borovoe"
CICA = "cica-regional-security-in-asia-2021"
WEBINAR = "central-asia-border-challenges"

#: Where demo people's private addresses end; they are found again by them. Never shown on a public page.
EMAIL_DOMAIN = "presenters.example.org"

# Where a seed names an institution or a position but not the person, the demo person is labelled by it
# ("Expert of ..., Republic of Korea"); no names are invented.


def _text(markdown: str) -> str:
    return dedent(markdown).strip()


def _label(name: str, country: str | None, about: str, organisation: str | None = None) -> dict:
    """A person the seed identifies by institution and country only."""
    return {"full_name": name, "country": country, "organisation": organisation, "bio": about}


def _unnamed(
    name: str,
    position: str,
    about: str,
    organisation: str | None = None,
    organisation_name: str | None = None,
    country: str | None = None,
) -> dict:
    """A webinar presenter the seed gives a position for, but no name."""
    return {
        "full_name": name,
        "position": position,
        "organisation": organisation,
        "organisation_name": organisation_name,
        "country": country,
        "bio": _text(about),
    }


#: People by key (the key also makes their private demo address). "organisation" is a key in content.ORGANISATIONS.
PEOPLE = {
    # --- Borovoe, 2018: delegations of border agencies and international programmes ---------------------------
    "borovoe-kz-head": _label(
        "Head of delegation of the Border Service, Kazakhstan",
        "KZ",
        "Leads the delegation of the host service, the Border Service of the National Security Committee of "
        "the Republic of Kazakhstan.",
    ),
    "borovoe-kz-official": _label(
        "Senior official of the Border Service, Kazakhstan",
        "KZ",
        "A senior officer of the host service, who chairs the panel on integrated border management.",
    ),
    "borovoe-kg-head": _label(
        "Head of delegation of the State Border Service, Kyrgyzstan",
        "KG",
        "Leads the delegation of the State Border Service of the Kyrgyz Republic, where the Issyk-Kul "
        "Initiative began.",
    ),
    "borovoe-tj-head": _label(
        "Head of delegation of the Border Troops, Tajikistan",
        "TJ",
        "Leads the delegation of the Border Troops of the State Committee for National Security of the Republic "
        "of Tajikistan, which guard the longest stretch of the border with Afghanistan.",
    ),
    "borovoe-tm-head": _label(
        "Head of delegation of the State Border Service, Turkmenistan",
        "TM",
        "Leads the delegation of the State Border Service of Turkmenistan.",
    ),
    "borovoe-uz-head": _label(
        "Head of delegation of the Border Troops, Uzbekistan",
        "UZ",
        "Leads the delegation of the Border Troops of the State Security Service of the Republic of Uzbekistan.",
    ),
    "borovoe-af-head": _label(
        "Head of delegation of the Afghan Border Police, Afghanistan",
        "AF",
        "Leads the delegation of the Afghan Border Police, the service on the far side of Central Asia's "
        "southern borders.",
    ),
    "borovoe-ir-head": _label(
        "Head of delegation of the Border Guard Command, Iran",
        "IR",
        "Leads the delegation of the Border Guard Command of the Islamic Republic of Iran.",
    ),
    "borovoe-bomca": _label(
        "Expert of the BOMCA programme",
        None,
        "Works for the EU's Border Management Programme in Central Asia (BOMCA), which co-organises the "
        "conference and will draw on its conclusions for its work after 2019.",
    ),
    "borovoe-bomnaf": _label(
        "Expert of the BOMNAF programme",
        None,
        "Works for Border Management in Northern Afghanistan (BOMNAF), the programme on the Afghan side of the "
        "border with Central Asia.",
    ),
    "borovoe-frontex": _label(
        "Expert of Frontex, European Union",
        None,
        "Brings the experience of the European Border and Coast Guard Agency with integrated border "
        "management in the European Union.",
    ),
    "borovoe-cis": _label(
        "Representative of the CIS Border Troops Commanders Council",
        None,
        "Represents the council through which the border services of the Commonwealth of Independent States "
        "coordinate their work.",
    ),
    # --- CICA, 2021: the Secretariat, the organising institutes and the speakers' institutes ------------------
    # Named in the seed; it tells us their positions and part in the conference, nothing more, so no bio.
    "kairat-sarybay": {
        "honorific": "Ambassador",
        "full_name": "Kairat Sarybay",
        "position": "Executive Director",
        "organisation": "cica",
    },
    "bolat-nurgaliyev": {
        "honorific": "Ambassador",
        "full_name": "Bolat Nurgaliyev",
        "position": "Chairman",
        "organisation": "fpri",
    },
    "cica-fpri": _label(
        "Expert of the Foreign Policy Research Institute, Kazakhstan",
        "KZ",
        "Speaks for the institute of the Ministry of Foreign Affairs of Kazakhstan that co-organised the conference.",
    ),
    "cica-kaziss": _label(
        "Expert of the Kazakhstan Institute for Strategic Studies, Kazakhstan",
        "KZ",
        "Speaks for the institute under the President of Kazakhstan that co-organised the conference.",
    ),
    "cica-iwep": _label(
        "Expert of the Institute of World Economy and Politics, Kazakhstan",
        "KZ",
        "Speaks for the institute of the Nursultan Nazarbayev Foundation that co-organised the conference.",
    ),
    "cica-asan": _label(
        "Expert of the Asan Institute for Policy Studies, Republic of Korea",
        "KR",
        "Brings the view of a Korean policy institute on how CICA's members can work together.",
    ),
    "cica-siis": _label(
        "Expert of the Shanghai Institutes for International Studies, China",
        "CN",
        "Brings the view of a Chinese institute of international studies on the threats facing the CICA space.",
    ),
    "cica-tj-csr": _label(
        "Expert of the Center for Strategic Research under the President, Tajikistan",
        "TJ",
        "Brings the view from Tajikistan, on the border with Afghanistan, on terrorism, extremism and "
        "drug trafficking.",
    ),
    "cica-iraq": _label(
        "Expert of the Iraqi National Security Advisory, Iraq",
        "IQ",
        "Brings Iraq's experience of countering terrorism.",
    ),
    "cica-issi": _label(
        "Expert of the Institute of Strategic Studies Islamabad, Pakistan",
        "PK",
        "Brings a Pakistani institute's reading of the situation in Afghanistan and its effect on the region.",
    ),
    "cica-aybu": _label(
        "Expert of Ankara Yildirim Beyazit University, Turkey",
        "TR",
        "Brings a Turkish university's view of the prospects for cooperation within CICA.",
    ),
    # --- The webinar, 2020: the featured presenters --------------------------------------------------------------
    "bsr-editor": _unnamed(
        "Editor of Border Security Report",
        "Editor, Border Security Report and World Security Report; Director, World Border Security Congress",
        """
        Edits the two reports and directs the World Border Security Congress, where border agencies,
        international organisations and practitioners compare the threats they meet and the answers that work.
        """,
        organisation="bsr",
    ),
    "unoct-programme-manager": _unnamed(
        "Programme Manager of UNOCT-UNCCT",
        "Programme Manager, United Nations Office of Counter-Terrorism – "
        "United Nations Counter-Terrorism Centre (UNOCT-UNCCT)",
        """
        Manages projects of the UN Counter-Terrorism Centre, whose global Border Security and Management
        programme helps states keep foreign terrorist fighters and illicit cargo from crossing their land, air
        and sea borders.
        """,
        organisation="unoct",
    ),
    "unoct-bsm-head": _unnamed(
        "Head of the UNCCT Border Security and Management Unit",
        "Head of the Border Security and Management Unit, UNOCT-UNCCT",
        """
        Leads the unit behind the Centre's Border Security and Management programme, which works with border,
        police and customs services on cooperation between agencies and across frontiers.
        """,
        organisation="unoct",
    ),
    "albina-yakubova": {
        "honorific": "Ms.",
        "full_name": "Albina Yakubova",
        "position": "Programme Manager, Transnational Threats Department",
        "organisation_name": "Organization for Security and Co-operation in Europe (OSCE)",
        "bio": _text("""
            Albina Yakubova has managed programmes in the Border Security and Management Unit of the OSCE
            Secretariat's Transnational Threats Department since 2013. She plans and runs the OSCE's border
            projects: keeping foreign terrorist fighters and criminals from crossing borders, delimitation and
            demarcation, cooperation around the Mediterranean and more.

            Before the OSCE she was an expert on regional and global projects of UNODC, in its Central Asia
            office and at headquarters and the INCB Secretariat, working on precursor control, terrorism
            prevention and human trafficking. Her strengths lie in project management, precursor control, crime
            and terrorism prevention, border security and behavioural analysis, and in passing expert knowledge
            on. She holds master's degrees in criminal law and in European law, and certificates from training
            in these fields.
            """),
    },
    "unrcca-officer": _unnamed(
        "Human Rights and Political Affairs Officer of UNRCCA",
        "Human Rights and Political Affairs Officer",
        """
        Works at the UN's regional centre for preventive diplomacy in Central Asia, where human rights and the
        rule of law are treated as part of countering terrorism rather than a limit on it.
        """,
        organisation_name="United Nations Regional Centre for Preventive Diplomacy for Central Asia (UNRCCA)",
    ),
    "bomca9-deputy": _unnamed(
        "Deputy Project Coordinator of BOMCA 9",
        "Deputy Project Coordinator and Deputy Consortium Leader, "
        "Border Management Programme in Central Asia (BOMCA 9)",
        """
        Helps lead the consortium that carries out the ninth phase of the EU's Border Management Programme in
        Central Asia, on behalf of the State Border Guard of Latvia.
        """,
        organisation_name="State Border Guard of Latvia",
        country="LV",
    ),
    "monitoring-team-expert": _unnamed(
        "Expert of the 1267 and 1988 Monitoring Team",
        "Expert, Analytical Support and Sanctions Monitoring Team of the 1267 and 1988 Sanctions Committees",
        """
        One of the experts who give the Security Council's sanctions committees their analysis of the groups
        under sanctions, among them the Central Asian groups the UN lists as linked to Al-Qaida.
        """,
        organisation_name="United Nations",
    ),
    "monitoring-team-coordinator": _unnamed(
        "Coordinator of the 1267 and 1988 Monitoring Team",
        "Coordinator, Analytical Support and Sanctions Monitoring Team of the 1267 and 1988 Sanctions Committees",
        """
        Coordinates the team's analysis for the sanctions committees, including how terrorist groups raise money
        through organised crime and smuggling.
        """,
        organisation_name="United Nations",
    ),
    "unodc-firearms": _unnamed(
        "Expert of the UNODC Global Firearms Programme",
        "Global Firearms Programme",
        """
        Works on stopping the trafficking of firearms, small arms and light weapons, which the Security Council
        and the General Assembly want kept out of the hands of terrorist groups.
        """,
        organisation_name="United Nations Office on Drugs and Crime (UNODC)",
    ),
    "uncct-associate": _unnamed(
        "Associate Programme Officer of the UNCCT Border Security and Management Unit",
        "Associate Programme Officer, Border Security and Management Unit, UNCCT/UNOCT",
        """
        Helps deliver the unit's projects with the border services of Central Asia and other regions.
        """,
        organisation="unoct",
    ),
    "unoct-senior-expert": _unnamed(
        "Senior Expert of UNOCT-UNCCT",
        "Senior Expert, United Nations Office of Counter-Terrorism – United "
        "Nations Counter-Terrorism Centre (UNOCT-UNCCT)",
        """
        Advises on the Centre's help to states that want border strategies with counter-terrorism, crisis
        and risk management built in.
        """,
        organisation="unoct",
    ),
    "ulrik-ahnfeldt-mollerup": {
        "honorific": "Mr.",
        "full_name": "Ulrik P. Ahnfeldt-Mollerup",
        "position": "Chief, Countering Terrorism Section, United Nations Counter-Terrorism Centre (UNOCT-UNCCT)",
        "organisation": "unoct",
        "bio": _text("""
            Ulrik P. Ahnfeldt-Mollerup, a Senior Political Affairs Officer at UNOCT, heads the Countering
            Terrorism Section of the UN Counter-Terrorism Centre, which he joined in 2013. The section builds
            the capacity of member states against the financing of terrorism, in border security and management,
            in cyberspace and against chemical, biological, radiological and nuclear terrorism.

            He came to UNCCT from UNODC, where he had led the programme office in East Jerusalem and, from 2008
            to 2010, worked in Vienna as a terrorism prevention officer. Before that he spent five years in the
            Security Council Affairs Division of the UN Department of Political Affairs, mostly on the
            sanctions against Al-Qaida and the Taliban, and earlier headed a section of the Danish Ministry for
            Refugee, Migration and Integration Affairs. He holds a Master of Laws from the University of
            Copenhagen and a Master of Arts in Law and Diplomacy from the Fletcher School.
            """),
    },
}


@dataclass(frozen=True)
class DemoSession:
    """One session of a demo programme, in the event's local time."""

    kind: str
    day: date
    start: str  # "HH:MM"
    end: str
    title: str = ""
    description: str = ""
    #: (key in PEOPLE, role, talk title or None), in the order shown.
    people: tuple[tuple[str, str, str | None], ...] = ()


def _session(kind, day, start, end, title="", description="", people=()) -> DemoSession:
    return DemoSession(kind, day, start, end, title, _text(description), tuple(people))


BOROVOE_DAY_1, BOROVOE_DAY_2 = date(2018, 7, 24), date(2018, 7, 25)
CICA_DAY = date(2021, 7, 14)

#: Programmes by event slug.
PROGRAMMES: dict[str, list[DemoSession]] = {
    BOROVOE: [
        _session(
            "opening",
            BOROVOE_DAY_1,
            "09:30",
            "10:15",
            "Opening of the conference",
            """
            The host service and the BOMCA programme welcome the delegations, recall what the Issyk-Kul
            Initiative has done since 2011 and set out what this third conference should achieve.
            """,
            [("borovoe-kz-head", "chair", None), ("borovoe-bomca", "speaker", "The Issyk-Kul Initiative since 2011")],
        ),
        _session("break", BOROVOE_DAY_1, "10:15", "10:45", "Coffee break"),
        _session(
            "panel",
            BOROVOE_DAY_1,
            "10:45",
            "13:00",
            "Panel 1: General challenges of border management in Central Asia and Afghanistan",
            """
            Each delegation sets out the threats its service meets today (drug trafficking, illegal crossings,
            terrorism and extremism) and where its border is hardest to hold. The discussion then turns to the
            technology that helps and to what neighbouring services should tell each other sooner.
            """,
            [
                ("borovoe-bomca", "moderator", None),
                ("borovoe-kg-head", "speaker", None),
                ("borovoe-tj-head", "speaker", None),
                ("borovoe-af-head", "speaker", None),
                ("borovoe-ir-head", "speaker", None),
                ("borovoe-bomnaf", "discussant", None),
            ],
        ),
        _session("break", BOROVOE_DAY_1, "13:00", "14:30", "Lunch"),
        _session(
            "panel",
            BOROVOE_DAY_1,
            "14:30",
            "16:30",
            "Panel 2: Introducing integrated border management step by step",
            """
            Integrated border management asks the services at a border to work as one: within each agency,
            between agencies and with the neighbours across the line. The panel looks at how the approach can be
            brought in by stages and what it gains over each agency guarding alone.
            """,
            [
                ("borovoe-kz-official", "chair", None),
                ("borovoe-frontex", "speaker", "Integrated border management in the European Union"),
                ("borovoe-uz-head", "speaker", None),
                ("borovoe-tm-head", "speaker", None),
                ("borovoe-kg-head", "speaker", None),
                ("borovoe-cis", "discussant", None),
            ],
        ),
        _session(
            "panel",
            BOROVOE_DAY_2,
            "09:30",
            "11:30",
            "Panel 3: Capacity building: needs and priorities of the border agencies of Central Asia and Afghanistan",
            """
            Which training, equipment and know-how the region's border agencies need most, in what order, and how
            international programmes can meet those needs without duplicating one another.
            """,
            [
                ("borovoe-bomca", "moderator", None),
                ("borovoe-af-head", "speaker", None),
                ("borovoe-tj-head", "speaker", None),
                ("borovoe-tm-head", "speaker", None),
                ("borovoe-cis", "speaker", None),
                ("borovoe-bomnaf", "discussant", None),
            ],
        ),
        _session("break", BOROVOE_DAY_2, "11:30", "12:00", "Coffee break"),
        _session(
            "presentation",
            BOROVOE_DAY_2,
            "12:00",
            "13:00",
            "Reports from the panels and the draft conclusions",
            """
            The moderators sum up the three panels, and the delegations go through the draft conclusions: closer
            cooperation between states and agencies, exchange of operational information and good practice,
            joint action against drug trafficking, and joint risk analysis and threat assessment.
            """,
            [("borovoe-bomca", "speaker", "Panels 1 and 3"), ("borovoe-kz-official", "speaker", "Panel 2")],
        ),
        _session("break", BOROVOE_DAY_2, "13:00", "14:30", "Lunch"),
        _session(
            "closing",
            BOROVOE_DAY_2,
            "14:30",
            "15:30",
            "Adoption of the conclusions and closing",
            """
            The conference adopts its final conclusions, which will shape the areas of action of the BOMCA
            programme after 2019 and the security cooperation under the new EU-Central Asia strategy.
            """,
            [
                ("borovoe-kz-head", "chair", None),
                ("borovoe-bomca", "speaker", "What the conclusions mean for BOMCA after 2019"),
            ],
        ),
    ],
    CICA: [
        _session(
            "opening",
            CICA_DAY,
            "10:00",
            "10:25",
            "Welcoming remarks",
            """
            The CICA Secretariat and the Foreign Policy Research Institute open the conference. Territorial and
            water disputes, terrorism and cyber threats weigh more as Asia's place in the world grows, and CICA,
            the largest intergovernmental forum in Asia, is where its peoples can meet them together.
            """,
            [
                ("cica-fpri", "host", None),
                ("kairat-sarybay", "speaker", None),
                ("bolat-nurgaliyev", "speaker", "Regional security in Central Asia and the CICA space"),
            ],
        ),
        _session(
            "panel",
            CICA_DAY,
            "10:25",
            "11:45",
            "Panel session 1: New Challenges and Threats to Regional Security in the CICA Space and the "
            "Experience of the Member States in Countering Them",
            """
            Experts of the member states compare the threats they face (terrorism, religious
            extremism, drug trafficking, illegal migration, weapons of mass destruction) and what their countries
            have learnt in countering them, with particular attention to Afghanistan.
            """,
            [
                ("cica-kaziss", "moderator", None),
                ("cica-siis", "speaker", None),
                ("cica-tj-csr", "speaker", None),
                ("cica-iraq", "speaker", None),
                ("cica-issi", "speaker", None),
            ],
        ),
        _session("break", CICA_DAY, "11:45", "12:00", "Break"),
        _session(
            "panel",
            CICA_DAY,
            "12:00",
            "13:15",
            "Panel session 2: Prospects for the Development of Cooperation Within CICA to Ensure Regional Security",
            """
            Where cooperation within CICA could go next: interethnic tension, environmental
            damage and climate change, information and communication technologies, cybersecurity and epidemics,
            and sharing what member states learnt in the COVID-19 crisis for the recovery after it.
            """,
            [
                ("cica-iwep", "moderator", None),
                ("cica-asan", "speaker", None),
                ("cica-aybu", "speaker", None),
                ("cica-fpri", "speaker", None),
            ],
        ),
        _session(
            "closing",
            CICA_DAY,
            "13:15",
            "13:30",
            "Closing remarks",
            """
            The organising institutes sum up the day and thank the experts of the 17 member states who took part.
            """,
            [("cica-fpri", "host", None)],
        ),
    ],
}

#: Featured presenters by event slug: (key in PEOPLE, role label), in the order shown.
FEATURED: dict[str, list[tuple[str, str]]] = {
    WEBINAR: [
        (key, "Webinar hosting presenter")
        for key in (
            "bsr-editor",
            "unoct-programme-manager",
            "unoct-bsm-head",
            "albina-yakubova",
            "unrcca-officer",
            "bomca9-deputy",
            "monitoring-team-expert",
            "monitoring-team-coordinator",
            "unodc-firearms",
            "uncct-associate",
            "unoct-senior-expert",
            "ulrik-ahnfeldt-mollerup",
        )
    ],
}


def person_email(key: str) -> str:
    """A demo person's private address (example.org: nothing is ever delivered)."""
    return f"{key}@{EMAIL_DOMAIN}"


class _People:
    """Demo people by key, found again by their private address or created; counts what it created."""

    def __init__(self, user):
        self.user = user
        self.found: dict[str, Person] = {}
        self.created = self.present = 0
        self._organisations: dict[str, Organisation] | None = None

    def get(self, key: str, event: Event) -> Person:
        if key not in self.found:
            data = {name: value for name, value in PEOPLE[key].items() if name != "organisation"}
            organisation = self._organisation(PEOPLE[key].get("organisation"))
            if organisation is not None:
                data["organisation_id"] = organisation.id
            person, created = find_or_create_person(data | {"email": person_email(key)}, self.user, event=event)
            self.created += created
            self.present += not created
            self.found[key] = person
        return self.found[key]

    def _organisation(self, key: str | None) -> Organisation | None:
        if key is None:
            return None
        if self._organisations is None:
            self._organisations = {o.name.lower(): o for o in db.session.execute(select(Organisation)).scalars()}
        return self._organisations.get(content.ORGANISATIONS[key]["name"].lower())


def load_agenda_demo(echo=print) -> str:
    """Give the demo events the seeds' programmes and featured presenters, where they have none yet.

    An event that already has sessions (or featured presenters) keeps them as they are, so a second run adds
    nothing and an organiser's edits stay. The organiser account is recorded as the author; nothing is mailed to
    the invented people. The caller commits.
    """
    organiser = find_user(next(email for role, email, *_ in content.ACCOUNTS if role == "organiser"))
    people = _People(organiser)
    lines = []
    for slug in dict.fromkeys([*PROGRAMMES, *FEATURED]):
        event, moved_to = event_by_slug(slug)
        if event is None and moved_to:
            event, _ = event_by_slug(moved_to)
        if event is None:
            continue
        done = []
        if slug in PROGRAMMES:
            done.append(_programme(event, PROGRAMMES[slug], people, organiser, echo))
        if slug in FEATURED:
            done.append(_featured(event, FEATURED[slug], people, organiser))
        lines.append(f"  {event.slug}: " + "; ".join(done))
    if not lines:
        return ""
    if people.found:
        lines.append(f"  people: {people.created} created, {people.present} already present")
    return "Demo agenda:\n" + "\n".join(lines)


def _programme(event: Event, specs: list[DemoSession], people: _People, user, echo) -> str:
    """Create the event's sessions and their people unless it has a programme already; say what was done."""
    existing = db.session.execute(select(func.count()).where(EventSession.event_id == event.id)).scalar_one()
    if existing:
        return f"{existing} sessions already"
    times = [
        (
            content.at(event.timezone, spec.day, *_clock(spec.start)),
            content.at(event.timezone, spec.day, *_clock(spec.end)),
        )
        for spec in specs
    ]
    # Checked before anything is written, so an event whose dates were changed gets no half programme.
    if any(start < event.start_at or end > event.end_at for start, end in times):
        echo(f"Skipped the programme of {event.slug}: the event's dates have changed.")
        return "programme skipped (the event's dates have changed)"
    for spec, (start, end) in zip(specs, times, strict=True):
        event_session = agenda.create_session(
            event,
            {"kind": spec.kind, "title": spec.title, "description": spec.description, "start_at": start, "end_at": end},
            user,
        )
        for key, role, talk_title in spec.people:
            agenda.add_participant(event_session, people.get(key, event), role, talk_title, user)
    return f"{len(specs)} sessions"


def _featured(event: Event, entries: list[tuple[str, str]], people: _People, user) -> str:
    """Feature the event's presenters unless it has some already; say what was done."""
    existing = db.session.execute(select(func.count()).where(FeaturedPresenter.event_id == event.id)).scalar_one()
    if existing:
        return f"{existing} featured presenters already"
    for key, role_label in entries:
        agenda.add_featured(event, people.get(key, event), role_label, user)
    return f"{len(entries)} featured presenters"


def _clock(text: str) -> tuple[int, int]:
    hours, minutes = text.split(":")
    return int(hours), int(minutes)
