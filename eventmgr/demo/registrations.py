"""Demo registrations: the past webinar's 115 attendees, and seats, approvals and a waiting list upcoming."""

import random
from datetime import timedelta

from sqlalchemy import func, select

from eventmgr.database import utcnow
from eventmgr.events.models import Event
from eventmgr.extensions import db
from eventmgr.mail.services import withheld
from eventmgr.organisations.models import Organisation
from eventmgr.registration import services
from eventmgr.registration.models import Registration


def _one_form(names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Family names that are the same for men and women."""
    return tuple((name, name) for name in names)


#: By country: women's and men's given names, and family names as (a man's form, a woman's form).
NAMES = {
    "KZ": (
        ("Aigerim", "Dana", "Saule", "Aruzhan"),
        ("Nurlan", "Yerlan", "Timur", "Askar"),
        (
            ("Abenov", "Abenova"),
            ("Seitkaliyev", "Seitkaliyeva"),
            ("Zhumabekov", "Zhumabekova"),
            ("Omarov", "Omarova"),
            ("Nurgaliyev", "Nurgaliyeva"),
        ),
    ),
    "KG": (
        ("Cholpon", "Aizada", "Gulnara", "Elnura"),
        ("Aibek", "Nurlan", "Bakyt", "Azamat"),
        (
            ("Asanov", "Asanova"),
            ("Toktogulov", "Toktogulova"),
            ("Mamytov", "Mamytova"),
            ("Sydykov", "Sydykova"),
            ("Dzhumaliev", "Dzhumalieva"),
        ),
    ),
    "TJ": (
        ("Manizha", "Zarina", "Nigina", "Firuza"),
        ("Farrukh", "Dilshod", "Rustam", "Bakhtiyor"),
        (
            ("Rahimov", "Rahimova"),
            ("Nazarov", "Nazarova"),
            ("Saidov", "Saidova"),
            ("Karimov", "Karimova"),
            ("Sharipov", "Sharipova"),
        ),
    ),
    "TM": (
        ("Ogulgerek", "Maya", "Jeren", "Aynur"),
        ("Merdan", "Serdar", "Batyr", "Dovlet"),
        (
            ("Atayev", "Atayeva"),
            ("Orazov", "Orazova"),
            ("Berdiyev", "Berdiyeva"),
            ("Hojamuradov", "Hojamuradova"),
            ("Annayev", "Annayeva"),
        ),
    ),
    "UZ": (
        ("Dilnoza", "Malika", "Nodira", "Shahnoza"),
        ("Sardor", "Bekzod", "Jasur", "Otabek"),
        (
            ("Tursunov", "Tursunova"),
            ("Yusupov", "Yusupova"),
            ("Aliyev", "Aliyeva"),
            ("Mirzayev", "Mirzayeva"),
            ("Ergashev", "Ergasheva"),
        ),
    ),
    "AF": (
        ("Farida", "Mariam", "Nadia", "Zahra"),
        ("Ahmad", "Habib", "Mahmood", "Wahid"),
        _one_form(("Rahimi", "Sultani", "Noori", "Hakimi", "Amiri")),
    ),
    "IR": (
        ("Maryam", "Shirin", "Leila", "Nasrin"),
        ("Reza", "Ali", "Hamid", "Dariush"),
        _one_form(("Hosseini", "Karimi", "Ahmadi", "Rezaei", "Moradi")),
    ),
    "BE": (
        ("Sophie", "Elena", "Lotte", "Camille"),
        ("Pieter", "Thomas", "Luc", "Wouter"),
        _one_form(("Janssens", "Dubois", "Peeters", "Maes", "Lambert")),
    ),
    "LV": (
        ("Ilze", "Liga", "Anna", "Inese"),
        ("Janis", "Martins", "Andris", "Edgars"),
        (
            ("Berzins", "Berzina"),
            ("Kalnins", "Kalnina"),
            ("Ozols", "Ozola"),
            ("Liepins", "Liepina"),
            ("Krumins", "Krumina"),
        ),
    ),
    "GB": (
        ("Hannah", "Emily", "Charlotte", "Grace"),
        ("Oliver", "Samuel", "James", "Thomas"),
        _one_form(("Whitfield", "Clarke", "Hughes", "Bennett", "Foster")),
    ),
}
ORGANISATION_BY_COUNTRY = {
    "KZ": "Border Service of the National Security Committee of the Republic of Kazakhstan",
    "KG": "State Border Service of the Kyrgyz Republic",
    "TJ": "Border Troops of the State Committee for National Security of the Republic of Tajikistan",
    "TM": "State Border Service of Turkmenistan",
    "UZ": "Border Troops of the State Security Service of the Republic of Uzbekistan",
    "AF": "Afghan Border Police",
    "IR": "Border Guard Command of the Islamic Republic of Iran",
    "BE": "European Union",
    "GB": "Border Security Report",
}
POSITIONS = (
    "Head of Division",
    "Senior Officer",
    "Deputy Head of Department",
    "Analyst",
    "Programme Officer",
    "Liaison Officer",
    "Counsellor",
)

#: slug: (registrations, checked in, approvals that were decided)
PLAN = {
    "central-asia-border-challenges": {"count": 142, "attended": 115, "cancelled": 6},
    "issyk-kul-initiative-4th-conference": {"count": 31, "approve": 27},
    "joint-risk-analysis-central-asia-webinar": {"count": 12},
    # Hybrid: more want the room's 8 seats and the 20 places online than there are; three wait for each.
    "joint-risk-analysis-workshop-almaty": {"count": 34, "in_person": 11},
    # Paid: every third delegate comes from a partner agency and gives its code for half the fee.
    "document-security-course-bishkek": {"count": 7, "offer_code": "PARTNER50"},
    # Running today: most checked in on the first morning, the rest are yet to come to the desk.
    "joint-border-patrols-course-dushanbe": {"count": 18, "attended": 11},
}


def _delegates(seed: str, count: int, organisations: dict[str, Organisation]):
    """Deterministic delegates for an event: the same list on every run."""
    rng = random.Random(seed)
    countries = list(NAMES)
    unused: dict[str, list[tuple[str, str]]] = {}
    for n in range(count):
        country = countries[n % len(countries)] if n < len(countries) * 2 else rng.choice(countries)
        if not unused.get(country):  # each name once, until the country's are all used
            women, men, families = NAMES[country]
            unused[country] = [(given, family[1]) for given in women for family in families] + [
                (given, family[0]) for given in men for family in families
            ]
            rng.shuffle(unused[country])
        given, family = unused[country].pop()
        organisation = organisations.get(ORGANISATION_BY_COUNTRY.get(country, ""))
        yield {
            "honorific": rng.choice(("Dr.", "Col.", "Prof.")) if n % 4 == 0 else None,
            "given_name": given,
            "family_name": family,
            "email": f"{given}.{family}.{n + 1}@{seed.split('-')[0]}.example.org".lower(),
            "position": rng.choice(POSITIONS),
            "organisation_id": organisation.id if organisation else None,
            "organisation_name": None if organisation else f"Ministry of Internal Affairs ({country})",
            "country": country,
            "delegation": None,
            "list_publicly": n % 2 == 0,
            "needs_visa_letter": country in ("AF", "IR") and n % 2 == 1,
        }


def load_registration_demo(echo=print) -> str:
    """Register demo delegates for the demo events that have none yet; no demo mail goes out."""
    organisations = {o.name: o for o in db.session.execute(select(Organisation)).scalars()}
    lines = []
    for slug, plan in PLAN.items():
        event = db.session.execute(select(Event).where(Event.slug == slug)).scalar_one_or_none()
        if event is None:
            continue
        existing = db.session.execute(select(func.count()).where(Registration.event_id == event.id)).scalar_one()
        if existing:
            lines.append(f"  {slug}: {existing} registrations already")
            continue
        # Registrations are dated as they would have come in: over the weeks before the event, or until now.
        window_end = min(event.start_at, event.registration_closes_at or event.start_at, utcnow())
        start = event.registration_opens_at or window_end - timedelta(days=21)
        with withheld():  # the demo's delegates are invented: nothing is sent to their addresses
            _register_plan(event, plan, organisations, slug, start, window_end)
        counts = services.status_counts(event.id)
        lines.append(f"  {slug}: " + ", ".join(f"{v} {k}" for k, v in counts.items() if v))
    return "Demo registrations:\n" + "\n".join(lines) if lines else ""


def _register_plan(event, plan, organisations, slug, start, window_end) -> None:
    """Register, approve, check in and cancel the plan's delegates, each dated as it would have happened."""
    created = []
    in_person = plan.get("in_person", plan["count"])
    for n, data in enumerate(_delegates(slug, plan["count"], organisations)):
        moment = min(start + (window_end - start) * (n + 1) / (plan["count"] + 2), window_end)
        # On a hybrid event, one in three chooses the room, until the plan's number of them have.
        mode = "in_person" if n % 3 == 0 and n // 3 < in_person else "online"
        data["attendance_mode"] = mode if len(event.modes) > 1 else event.default_mode()
        if plan.get("offer_code") and n % 3 == 1:
            data["offer_code"] = plan["offer_code"]
        created.append(services.register(event, data, now=max(moment, start)))
    for registration in created[: plan.get("approve", 0)]:
        services.decide(registration, True, None, now=registration.created_at + timedelta(days=1))
    attended = [r for r in created if r.status == "confirmed"][: plan.get("attended", 0)]
    for registration in attended:
        services.check_in(registration, None, now=event.start_at + timedelta(minutes=5))
    for registration in [r for r in created if r.status == "confirmed" and r not in attended][
        : plan.get("cancelled", 0)
    ]:
        services.cancel(registration, now=registration.created_at + timedelta(days=2))
