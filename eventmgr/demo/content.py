"""What the demonstration data says: accounts, organisations, series and events drawn from the seed texts.

Facts (names, places, dates, organisations) come from the seeds in the shared design folder; the
descriptions are our own words. The two upcoming events are dated relative to the day the data is
loaded, so that a fresh demo always has something to register for.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from textwrap import dedent
from zoneinfo import ZoneInfo

#: The three demo accounts: (role shown in the output, e-mail, display name, site administrator?).
ACCOUNTS = (
    ("admin", "admin@example.org", "Demo Administrator", True),
    ("organiser", "organiser@example.org", "Demo Organiser", False),
    ("secretariat", "secretariat@example.org", "Demo Secretariat", False),
)

#: Organisations by a short key used below; fields as organisations.services.create_organisation takes them.
ORGANISATIONS = {
    "kz_border": {
        "name": "Border Service of the National Security Committee of the Republic of Kazakhstan",
        "kind": "border_agency",
        "country_code": "KZ",
    },
    "kg_border": {"name": "State Border Service of the Kyrgyz Republic", "kind": "border_agency", "country_code": "KG"},
    "tj_border": {
        "name": "Border Troops of the State Committee for National Security of the Republic of Tajikistan",
        "kind": "border_agency",
        "country_code": "TJ",
    },
    "tm_border": {"name": "State Border Service of Turkmenistan", "kind": "border_agency", "country_code": "TM"},
    "uz_border": {
        "name": "Border Troops of the State Security Service of the Republic of Uzbekistan",
        "kind": "border_agency",
        "country_code": "UZ",
    },
    "af_border": {"name": "Afghan Border Police", "acronym": "ABP", "kind": "border_agency", "country_code": "AF"},
    "ir_border": {
        "name": "Border Guard Command of the Islamic Republic of Iran",
        "kind": "border_agency",
        "country_code": "IR",
    },
    "bomca": {
        "name": "Border Management Programme in Central Asia",
        "acronym": "BOMCA",
        "kind": "programme",
        "country_code": "KG",
    },
    "bomnaf": {
        "name": "Border Management in Northern Afghanistan",
        "acronym": "BOMNAF",
        "kind": "programme",
        "country_code": "AF",
    },
    "frontex": {
        "name": "European Border and Coast Guard Agency",
        "acronym": "Frontex",
        "kind": "international",
        "country_code": "PL",
    },
    "cis_btcc": {"name": "CIS Border Troops Commanders Council", "kind": "international", "country_code": "RU"},
    "mofa_japan": {
        "name": "Ministry of Foreign Affairs of Japan",
        "acronym": "MOFA",
        "kind": "ministry",
        "country_code": "JP",
    },
    "eu": {"name": "European Union", "acronym": "EU", "kind": "international", "country_code": "BE"},
    "bsr": {"name": "Border Security Report", "kind": "other", "country_code": "GB"},
    "unoct": {
        "name": "United Nations Office of Counter-Terrorism",
        "acronym": "UNOCT",
        "kind": "international",
        "country_code": "US",
    },
    "fpri": {"name": "Foreign Policy Research Institute", "kind": "research", "country_code": "KZ"},
    "kaziss": {
        "name": "Kazakhstan Institute for Strategic Studies",
        "acronym": "KazISS",
        "kind": "research",
        "country_code": "KZ",
    },
    "iwep": {
        "name": "Institute of World Economy and Politics",
        "acronym": "IWEP",
        "kind": "research",
        "country_code": "KZ",
    },
    "cica": {
        "name": "Secretariat of the Conference on Interaction and Confidence Building Measures in Asia",
        "acronym": "CICA",
        "kind": "international",
        "country_code": "KZ",
    },
}


def _text(markdown: str) -> str:
    return dedent(markdown).strip()


#: Series by key: slug, title, description (Markdown).
SERIES = {
    "issyk-kul": {
        "slug": "issyk-kul-initiative",
        "title": "Issyk-Kul Initiative",
        "description": _text("""
            The Issyk-Kul Initiative has been the regional meeting place of Central Asia's border agencies
            since 2011. Its conferences let heads of service and senior officers from the region, its
            neighbours and international partners compare the threats they face, share what works and agree
            on joint steps.
            """),
    },
    "japan-eu": {
        "slug": "japan-eu-tajikistan-afghanistan-border-conferences",
        "title": "Japan-EU Conferences on Tajikistan-Afghanistan Border Management",
        "description": _text("""
            Conferences held by Japan and the European Union, with the EU-UNDP programmes BOMCA and BOMNAF,
            to strengthen the management of the border between Tajikistan and Afghanistan and the
            cooperation of the services on both of its banks.
            """),
    },
}


@dataclass(frozen=True)
class DemoEvent:
    """One demo event: the fields create_event takes, and what the loader resolves around them."""

    #: Passed to events.services.create_event; series_id is filled in from `series`.
    fields: dict
    #: Key in SERIES, or None.
    series: str | None = None
    #: (key in ORGANISATIONS, role) in the order the event page names them.
    organisations: tuple[tuple[str, str], ...] = ()
    #: Whether the secretariat account gets the secretariat role (conferences, which publish outcomes).
    secretariat: bool = False

    @property
    def slug(self) -> str:
        return self.fields["slug"]


def at(zone: str, day: date, hour: int, minute: int = 0) -> datetime:
    """The UTC moment of a wall-clock time on a day in a zone."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def _common(**fields) -> dict:
    """Fields every demo event shares: public, free, English and Russian."""
    return {"visibility": "public", "fee": Decimal("0"), "currency": "EUR", "languages": ["en", "ru"]} | fields


BOROVOE_2018 = _text("""
    Border services of Kazakhstan, Kyrgyzstan, Tajikistan, Turkmenistan, Uzbekistan, Afghanistan and Iran
    met in Borovoe, in the lake country of northern Kazakhstan, for the third regional conference of the
    Issyk-Kul Initiative. More than fifty heads of service, senior officers and experts took part,
    together with international partners: BOMNAF, FRONTEX and the CIS Border Troops Commanders Council.

    The conference looked at threats that do not stop at borders, in three thematic panels:

    - the border-management problems that Central Asia and Afghanistan share;
    - phasing in integrated border management, and what it gains over each agency guarding alone;
    - the training and equipment that the region's border agencies need most.

    Delegates compared current threats and the technology that helps to meet them, and agreed to work
    more closely between states and between agencies: to share operational information and good
    practice, to act together against drug trafficking alongside the Afghan government and international
    organisations, and to build joint risk analysis and threat assessment, passing early warnings
    straight to those who have to act on them.

    The final conclusions will shape the work of the EU's **BOMCA** programme after 2019 and the security
    cooperation planned under the new EU-Central Asia strategy.
    """)

JAPAN_EU_2010 = _text("""
    The first conference that Japan and the European Union held on the border between Tajikistan and
    Afghanistan brought together border and customs officers of both countries and the international
    programmes that support them, to take stock of what the border needs and where help was going.

    It opened the series that continued in Dushanbe in February 2012, when both delegations came back
    larger and at a more senior level.

    *The dates and venue shown here are illustrative: our sources record only that this first conference
    took place in 2010.*
    """)

JAPAN_EU_2012 = _text("""
    Japan and the European Union brought senior border commanders, officials and experts from Tajikistan
    and Afghanistan to Dushanbe for a day and a half on managing their common border and working across
    it. The conference was co-organised with the EU-UNDP programmes **BOMCA** and **BOMNAF**, following
    the commitments to Afghanistan's security and development made at the EU-Japan summits in Tokyo
    (2010) and Brussels (2011).

    Its four aims:

    1. more security and stability on the border and in the regions along it;
    2. closer cooperation between the border services of the two countries;
    3. easier legitimate trade and transit;
    4. less smuggling of goods and people.

    Sessions covered risk and disaster management, cooperation at crossing points, trade, the reform of
    customs and border services, and technical assistance; AKDN, GIZ, OSCE, UNDP, UNODC and other
    partners presented their work in the region. The delegations were larger and more senior than at the
    first conference in 2010, and the recommendations agreed at the close go to the next Japan-EU Senior
    Officials' Meeting.
    """)

BORDER_CHALLENGES_2020 = _text("""
    Managing Central Asia's borders is about more than guarding the frontier and checking people and goods
    at the crossing points. This webinar looks at the threats that travel across those borders, above all
    organised crime and terrorism, and at what border services can do to stop them.

    The region lives with instability at home and conflict next door; with drugs, small arms and light
    weapons trafficked through it; with money moving alongside the remittances of labour migrants; and
    with groups that finance violence through smuggling. Several thousand people left Central Asia to
    fight in Iraq and Syria, and their return or onward travel is a new task for border services.

    The UN Security Council and General Assembly call for cooperation and information sharing between
    police, customs and licensing authorities across borders, yet disputed boundaries, remote posts, hard
    terrain and a lack of equipment stand in the way. Regional mechanisms help: the UN Regional Centre for
    Preventive Diplomacy for Central Asia (UNRCCA), the Joint Plan of Action for Central Asia, and the
    Border Security and Management programme of the UN Counter-Terrorism Centre, with human rights and
    the rule of law as part of the answer rather than an obstacle to it.

    Counter-terrorism coordinators, border and law-enforcement practitioners and experts from
    international and regional organisations discuss the threat picture, the links between crime and
    terrorism, the gaps in border management, and how national and regional strategies can build in
    counter-terrorism, crisis and risk management, in the middle of a pandemic.
    """)

CICA_2021 = _text("""
    An **online conference** held by Kazakhstan for experts of the member states of the Conference on
    Interaction and Confidence Building Measures in Asia (CICA). It was organised by the Foreign Policy
    Research Institute, the Kazakhstan Institute for Strategic Studies and the Institute of World Economy
    and Politics, with the assistance of the CICA Secretariat; experts from 17 member states took part.

    After welcoming remarks by the Executive Director of the CICA Secretariat, two panels:

    1. New challenges and threats to regional security in the CICA space, and how member states counter
       them.
    2. Prospects for cooperation within CICA to keep the region secure.

    Speakers from research institutes in the Republic of Korea, China, Tajikistan, Iraq, Pakistan, Turkey
    and elsewhere discussed terrorism, religious extremism, drug trafficking, illegal migration and
    weapons of mass destruction, the outlook for Afghanistan, and newer worries: interethnic tension,
    environmental damage and climate change, cybersecurity, epidemics and the recovery from COVID-19.
    """)

CHOLPON_ATA_UPCOMING = _text("""
    The Issyk-Kul Initiative comes home: its fourth regional conference on border security meets on the
    shore of Lake Issyk-Kul, hosted by the State Border Service of the Kyrgyz Republic with the support of
    **BOMCA**. Heads and senior officers of the region's border services and their international partners
    take stock of what has changed since the third conference in Borovoe.

    Thematic panels:

    - joint risk analysis and threat assessment, from agreed principles to shared products;
    - exchanging advance and operational information between neighbouring services;
    - integrated border management in practice: lessons from the region;
    - training and equipment priorities for the next programme period.

    Working languages are English and Russian, with simultaneous interpretation. Seats are limited and
    the secretariat confirms each registration; please register early enough for visas and
    accommodation to be arranged.
    """)

RISK_ANALYSIS_UPCOMING = _text("""
    Sharing risk analysis across borders was one of the commitments of the Issyk-Kul Initiative's 2018
    conference. This webinar asks how far it has come: what information Central Asia's border services
    exchange today, how joint threat assessments are produced, and what still stands in the way.

    Practitioners from the region's border services and experts from international programmes present
    working examples, then take questions from the audience. English-Russian interpretation is provided.

    Free and open to everyone working in border security and management. The link to join is sent to
    registered participants.
    """)


RISK_ANALYSIS_WORKSHOP = _text("""
    The webinar on joint risk analysis raised more questions than two hours could answer. This workshop
    takes them further, hands on: analysts of the region's border services work through a shared case,
    from the data each service holds to a joint assessment all of them can sign.

    The workshop is hybrid. A small group of analysts works together in the room in Almaty; others follow
    the presentations online and join the discussion of each step. Seats in the room are few: choose
    online if you cannot travel, and we will send you the link to join.
    """)

DOCUMENT_SECURITY_COURSE = _text("""
    Forged and fraudulently obtained documents remain the commonest way across a border for those who
    should not cross it. This paid course gives first-line officers three days with document examiners:
    security features of the region's passports and visas, impostor detection at the counter, and how to
    hand a suspect document on to the second line.

    The fee covers the course materials, lunches and the certificate of attendance. Partner agencies of the
    border management programme receive a code for half the fee from their focal point; pay by bank transfer
    within two weeks of your seat being confirmed.
    """)

PATROL_COURSE_TODAY = _text("""
    A three-day course on joint patrols along the Tajik-Afghan border for officers of both border services:
    planning a patrol together, exchanging what each side saw, and handing over at the line. Days one and
    three are in the classroom in Dushanbe; day two is an exercise with the patrol teams.

    Delegates check in at the desk each morning with the QR code on their badge or in their confirmation
    e-mail.
    """)


def events(now: datetime) -> list[DemoEvent]:
    """The demo events; the upcoming ones, and the course running today, are dated from `now`, the day the data is
    loaded."""
    conference_day = now.astimezone(ZoneInfo("Asia/Bishkek")).date() + timedelta(days=60)
    webinar_day = now.astimezone(ZoneInfo("Asia/Almaty")).date() + timedelta(days=21)
    conference_start = at("Asia/Bishkek", conference_day, 9)
    webinar_start = at("Asia/Almaty", webinar_day, 15)
    workshop_start = at("Asia/Almaty", webinar_day + timedelta(days=14), 10)
    course_day = now.astimezone(ZoneInfo("Asia/Bishkek")).date() + timedelta(days=35)
    course_start = at("Asia/Bishkek", course_day, 9)
    # The patrol course runs from yesterday to tomorrow wherever the demo is loaded: the check-in desk is open.
    patrol_day = now.astimezone(ZoneInfo("Asia/Dushanbe")).date() - timedelta(days=1)
    patrol_start = at("Asia/Dushanbe", patrol_day, 9)
    # Registration opened the day before loading, so that it is open whenever the demo is shown.
    registration_opened = now.replace(microsecond=0) - timedelta(days=1)
    return [
        DemoEvent(
            _common(
                slug="issyk-kul-initiative-2018-borovoe",
                title="3rd Regional Cooperation Conference on Border Security in Central Asia (Issyk-Kul Initiative)",
                kind="conference",
                edition=3,
                description=BOROVOE_2018,
                timezone="Asia/Almaty",
                start_at=at("Asia/Almaty", date(2018, 7, 24), 9, 30),
                end_at=at("Asia/Almaty", date(2018, 7, 25), 17),
                venue_name="Burabay resort conference centre",
                venue_address="Burabay resort area, Akmola Region",
                venue_city="Borovoe",
                venue_country="KZ",
                registration_policy="invitation",
                capacity=60,
                # Ten delegations came, each registered by its head (eventmgr.demo.delegations).
                delegations_enabled=True,
                contact_email="issyk-kul-secretariat@example.org",
            ),
            series="issyk-kul",
            organisations=(
                ("kz_border", "host"),
                ("bomca", "co_organiser"),
                ("kg_border", "partner"),
                ("tj_border", "partner"),
                ("tm_border", "partner"),
                ("uz_border", "partner"),
                ("af_border", "partner"),
                ("ir_border", "partner"),
                ("bomnaf", "partner"),
                ("frontex", "partner"),
                ("cis_btcc", "partner"),
            ),
            secretariat=True,
        ),
        DemoEvent(
            _common(
                slug="japan-eu-tajikistan-afghanistan-border-2010",
                title="Japan-EU Conference on Tajikistan-Afghanistan Border Management (2010)",
                kind="conference",
                edition=1,
                description=JAPAN_EU_2010,
                timezone="Asia/Dushanbe",
                start_at=at("Asia/Dushanbe", date(2010, 11, 23), 9),
                end_at=at("Asia/Dushanbe", date(2010, 11, 24), 17),
                venue_name="Government conference hall",
                venue_city="Dushanbe",
                venue_country="TJ",
                registration_policy="invitation",
                contact_email="japan-eu-conference@example.org",
            ),
            series="japan-eu",
            organisations=(
                ("mofa_japan", "host"),
                ("eu", "host"),
                ("bomca", "co_organiser"),
                ("bomnaf", "co_organiser"),
                ("tj_border", "partner"),
                ("af_border", "partner"),
            ),
            secretariat=True,
        ),
        DemoEvent(
            _common(
                slug="japan-eu-tajikistan-afghanistan-border-2012",
                title="Japan-EU Conference on Tajikistan-Afghanistan Border Management and Cross-border Co-operation",
                kind="conference",
                edition=2,
                description=JAPAN_EU_2012,
                timezone="Asia/Dushanbe",
                # A day and a half: the second day ends at lunch.
                start_at=at("Asia/Dushanbe", date(2012, 2, 28), 9),
                end_at=at("Asia/Dushanbe", date(2012, 2, 29), 13),
                venue_name="Government conference hall",
                venue_city="Dushanbe",
                venue_country="TJ",
                registration_policy="invitation",
                contact_email="japan-eu-conference@example.org",
            ),
            series="japan-eu",
            organisations=(
                ("mofa_japan", "host"),
                ("eu", "host"),
                ("bomca", "co_organiser"),
                ("bomnaf", "co_organiser"),
                ("tj_border", "partner"),
                ("af_border", "partner"),
            ),
            secretariat=True,
        ),
        DemoEvent(
            _common(
                slug="central-asia-border-challenges",
                title="Central Asia Border Challenges",
                kind="webinar",
                description=BORDER_CHALLENGES_2020,
                timezone="Europe/London",
                start_at=at("Europe/London", date(2020, 10, 21), 13),
                end_at=at("Europe/London", date(2020, 10, 21), 15, 30),
                online_platform="Border Security Report webinars",
                registration_policy="open",
                contact_email="webinars@example.org",
            ),
            organisations=(("bsr", "host"), ("unoct", "partner")),
        ),
        DemoEvent(
            _common(
                slug="cica-regional-security-in-asia-2021",
                title="International scientific-practical conference on regional security in Asia in the "
                "context of preventing new challenges and threats",
                # A conference held online: welcoming remarks and two panels on Zoom.
                kind="conference",
                format="online",
                description=CICA_2021,
                timezone="Asia/Almaty",
                start_at=at("Asia/Almaty", date(2021, 7, 14), 10),
                end_at=at("Asia/Almaty", date(2021, 7, 14), 13, 30),
                online_platform="Zoom",
                registration_policy="invitation",
                contact_email="cica-conference@example.org",
            ),
            organisations=(("fpri", "host"), ("kaziss", "host"), ("iwep", "host"), ("cica", "partner")),
            secretariat=True,
        ),
        DemoEvent(
            _common(
                slug="issyk-kul-initiative-4th-conference",
                title="4th Regional Cooperation Conference on Border Security in Central Asia (Issyk-Kul Initiative)",
                kind="conference",
                edition=4,
                description=CHOLPON_ATA_UPCOMING,
                timezone="Asia/Bishkek",
                start_at=conference_start,
                end_at=at("Asia/Bishkek", conference_day + timedelta(days=1), 17),
                venue_name="Lakeside conference centre",
                venue_address="Issyk-Kul Region",
                venue_city="Cholpon-Ata",
                venue_country="KG",
                registration_policy="approval",
                capacity=24,
                # Open to the delegations of the region's border services and of international bodies.
                delegations_enabled=True,
                delegation_max_size=4,
                delegation_deadline=conference_start - timedelta(days=21),
                delegation_countries=["AF", "KG", "KZ", "TJ", "TM", "UZ"],
                registration_opens_at=registration_opened,
                registration_closes_at=conference_start - timedelta(days=14),
                contact_email="issyk-kul-secretariat@example.org",
            ),
            series="issyk-kul",
            organisations=(
                ("kg_border", "host"),
                ("bomca", "co_organiser"),
                ("kz_border", "partner"),
                ("tj_border", "partner"),
                ("tm_border", "partner"),
                ("uz_border", "partner"),
                ("frontex", "partner"),
                ("cis_btcc", "partner"),
            ),
            secretariat=True,
        ),
        DemoEvent(
            _common(
                slug="joint-risk-analysis-central-asia-webinar",
                title="Joint Risk Analysis for Central Asian Border Services",
                kind="webinar",
                description=RISK_ANALYSIS_UPCOMING,
                timezone="Asia/Almaty",
                start_at=webinar_start,
                end_at=webinar_start + timedelta(hours=2, minutes=30),
                online_platform="Zoom Webinars",
                join_url="https://webinars.example.org/joint-risk-analysis",
                registration_policy="open",
                online_capacity=300,
                registration_opens_at=registration_opened,
                registration_closes_at=webinar_start,
                contact_email="webinars@example.org",
            ),
            organisations=(("bsr", "host"), ("bomca", "partner")),
        ),
        DemoEvent(
            _common(
                slug="joint-risk-analysis-workshop-almaty",
                title="Joint Risk Analysis Workshop: from shared data to a joint assessment",
                kind="workshop",
                format="hybrid",
                description=RISK_ANALYSIS_WORKSHOP,
                timezone="Asia/Almaty",
                start_at=workshop_start,
                end_at=workshop_start + timedelta(hours=7),
                venue_name="Hotel Kazakhstan",
                venue_address="Dostyk Avenue 52/2",
                venue_city="Almaty",
                venue_country="KZ",
                online_platform="Zoom",
                join_url="https://webinars.example.org/joint-risk-analysis-workshop",
                registration_policy="open",
                capacity=8,
                online_capacity=20,
                registration_opens_at=registration_opened,
                registration_closes_at=workshop_start - timedelta(days=3),
                contact_email="webinars@example.org",
            ),
            organisations=(("bsr", "host"), ("bomca", "co_organiser")),
        ),
        DemoEvent(
            _common(
                slug="document-security-course-bishkek",
                title="Document security and impostor detection: a course for first-line officers",
                kind="workshop",
                description=DOCUMENT_SECURITY_COURSE,
                timezone="Asia/Bishkek",
                start_at=course_start,
                end_at=at("Asia/Bishkek", course_day + timedelta(days=2), 17),
                venue_name="Border Management Staff College",
                venue_address="Chui Avenue 32",
                venue_city="Bishkek",
                venue_country="KG",
                registration_policy="open",
                capacity=20,
                # Paid: bank transfer details, an offer code for partner agencies (eventmgr.demo.payments).
                fee=Decimal("60.00"),
                currency="EUR",
                registration_opens_at=registration_opened,
                registration_closes_at=course_start - timedelta(days=7),
                contact_email="training@example.org",
            ),
            organisations=(("bomca", "host"), ("kg_border", "partner")),
        ),
        DemoEvent(
            _common(
                slug="joint-border-patrols-course-dushanbe",
                title="Joint border patrols: a course for Tajik and Afghan border officers",
                kind="workshop",
                description=PATROL_COURSE_TODAY,
                timezone="Asia/Dushanbe",
                start_at=patrol_start,
                end_at=at("Asia/Dushanbe", patrol_day + timedelta(days=2), 17),
                venue_name="Border Troops training centre",
                venue_city="Dushanbe",
                venue_country="TJ",
                registration_policy="open",
                capacity=24,
                registration_opens_at=patrol_start - timedelta(days=30),
                registration_closes_at=patrol_start,
                contact_email="training@example.org",
            ),
            organisations=(("bomca", "host"), ("tj_border", "partner"), ("af_border", "partner")),
        ),
    ]
