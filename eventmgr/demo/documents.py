"""Demo outcome documents: the Japan-EU conference's recommendations, and Borovoe's final conclusions in English
and in Russian, linked as language versions of each other; all published. Written for the demo in our own words,
in the shape of the real documents."""

from sqlalchemy import select

from eventmgr.auth.models import User
from eventmgr.documents import services
from eventmgr.documents.models import Document
from eventmgr.events.services import event_by_slug
from eventmgr.extensions import db

JAPAN_EU_SLUG = "japan-eu-tajikistan-afghanistan-border-2012"
BOROVOE_SLUG = "issyk-kul-initiative-2018-borovoe"

JAPAN_EU_TITLE = (
    "Recommendations of the Japan-EU Conference on Tajikistan-Afghanistan Border Management "
    "and Cross-border Co-operation"
)
JAPAN_EU_RECOMMENDATIONS = f"""\
# {JAPAN_EU_TITLE}

## 1. Introduction

(1) Japan and the European Union held the Conference on 28-29 February 2012 in Dushanbe, with the support of
the EU-UNDP programmes BOMCA and BOMNAF, as agreed at the EU-Japan summits of 2010 and 2011. The Conference
set out to discuss: (a) security and stability at the border and in the border regions; (b) closer
cross-border co-operation between the services; (c) easier legitimate trade and transit; (d) less illicit
movement of goods and people.

(2) The discussions covered the initiatives of national and international partners in the region, risk
management, joint work at border crossing points, trade relations, the reform of customs and border services,
and training.

(3) Senior border commanders, officials and experts of Tajikistan and Afghanistan attended in greater number
and at a higher level than at the first conference in 2010, together with representatives of international
organisations and partner countries.

The participants drew the following lessons.

## 2. Lessons learned

(1) **A border is secured from both sides, with equal commitment, on the basis of shared information.**

Direct and practical co-operation between the Governments of Tajikistan and Afghanistan matters most; joint
development programmes on both banks of the river also build lasting capacity.

Threats are best assessed together: information should flow between services at every level, from neighbouring
border posts and communities to the capitals and international partners.

(2) **Cross-border co-operation between Afghanistan, Tajikistan and the other Central Asian countries is at
the heart of border security.**

Co-operation in border control remains limited in spite of the trafficking of drugs, arms and people along the
common border. The participants asked for more meetings between senior officials, supported by regular
operational meetings at the Border Liaison Offices.

(3) **Legitimate trade and transit are among the pillars of growth and of the fight against poverty in the
region.**

Better border management also depends on local economic development and social welfare. Safe trade corridors
need skilled staff, modern equipment and sound infrastructure on both sides of the border.

## 3. Way forward

(1) Japan and the European Union will report these recommendations to their next Senior Officials' Meeting,
with a view to closer co-operation in Central Asia.

(2) Japan and the European Union will continue to support social welfare, economic development and reform in
Central Asia.

(3) Japan and the European Union will take part in the Ministerial Conference of the Central Asia Border
Security Initiative in Vienna in April 2012, and encourage all countries concerned to do the same.

(4) Japan and the European Union could hold another conference of this kind in the coming years.
"""

BOROVOE_CONCLUSIONS = """\
# Final conclusions of the 3rd Regional Cooperation Conference on Border Security in Central Asia

## 1. Introduction

(1) The heads of the border services of Central Asia and their partners met in Borovoe on 24-25 July 2018 for
the third conference of the Issyk-Kul Initiative, hosted by the Border Service of the National Security
Committee of Kazakhstan.

(2) Участники конференции обсудили ход выполнения рекомендаций второй конференции и новые угрозы безопасности
границ в регионе.

## 2. Conclusions

(1) **Regional co-operation between border services has grown since the second conference.** The participants
welcomed the joint exercises held in 2017 and 2018.

(2) The participants agreed to exchange risk analysis on a regular basis, in particular on: (a) irregular
migration; (b) the trafficking of drugs and precursors; (c) the movement of foreign terrorist fighters.

## 3. Next steps

(1) The fourth conference will take stock of these conclusions.
"""


#: The Russian version of the Borovoe conclusions: the same text, in the formal Russian of the region's official
#: documents (lettered items keep the Latin letters the editor numbers them with).
BOROVOE_CONCLUSIONS_RU = """\
# Итоговые выводы Третьей региональной конференции по сотрудничеству в сфере пограничной безопасности в Центральной Азии

## 1. Введение

(1) Руководители пограничных служб государств Центральной Азии и их партнёры собрались в Боровом 24–25 июля
2018 года на третью конференцию Иссык-Кульской инициативы, принимающей стороной которой выступила Пограничная
служба Комитета национальной безопасности Республики Казахстан.

(2) Участники конференции обсудили ход выполнения рекомендаций второй конференции и новые угрозы безопасности
границ в регионе.

## 2. Выводы

(1) **Со времени второй конференции региональное сотрудничество пограничных служб расширилось.** Участники
приветствовали совместные учения, проведённые в 2017 и 2018 годах.

(2) Участники договорились регулярно обмениваться результатами анализа рисков, в частности по следующим
вопросам: (a) незаконная миграция; (b) незаконный оборот наркотиков и прекурсоров; (c) перемещение
иностранных боевиков-террористов.

## 3. Дальнейшие шаги

(1) Четвёртая конференция рассмотрит ход выполнения настоящих выводов.
"""


def _secretariat() -> User | None:
    return db.session.execute(select(User).where(User.email == "secretariat@example.org")).scalar_one_or_none()


def _document(event, slug: str) -> Document | None:
    return db.session.execute(
        select(Document).where(Document.event_id == event.id, Document.slug == slug)
    ).scalar_one_or_none()


def load_document_demo(echo=print) -> str:
    """Create the demo documents that are missing; a second run changes nothing. The caller commits."""
    user = _secretariat()
    created = []
    japan_eu, _ = event_by_slug(JAPAN_EU_SLUG)
    if japan_eu is not None and _document(japan_eu, "recommendations") is None:
        document = services.create_document(
            japan_eu,
            {
                "kind": "recommendations",
                "title": "Recommendations",
                "reference": "JEU/2012/REC/1",
                "language": "en",
                "slug": "recommendations",
            },
            user,
        )
        services.import_text(document, JAPAN_EU_RECOMMENDATIONS, user)
        try:
            services.publish(document, user)
        except services.DocumentError as error:
            echo(f"The Japan-EU recommendations were not published: {error.message}")
        created.append("Japan-EU recommendations (version 1)")
    borovoe, _ = event_by_slug(BOROVOE_SLUG)
    if borovoe is not None and _document(borovoe, "final-conclusions") is None:
        document = services.create_document(
            borovoe,
            {
                "kind": "final_conclusions",
                "title": "Final conclusions",
                "reference": "IKI/2018/FC/1",
                "language": "en",
                "slug": "final-conclusions",
            },
            user,
        )
        services.import_text(document, BOROVOE_CONCLUSIONS, user)
        try:
            services.publish(document, user)
        except services.DocumentError as error:
            echo(f"The Borovoe conclusions were not published: {error.message}")
        created.append("Borovoe final conclusions (version 1)")
    english = _document(borovoe, "final-conclusions") if borovoe is not None else None
    if english is not None and _document(borovoe, "final-conclusions-ru") is None:
        created.append(_russian_conclusions(borovoe, english, user, echo))
    db.session.flush()
    if not created:
        return "  documents      nothing to add"
    return "  documents      created: " + "; ".join(created)


def _russian_conclusions(borovoe, english: Document, user, echo) -> str:
    """The Russian version of Borovoe's conclusions, linked to the English one, and published if that one is: the
    two pages and PDFs link to each other ("Русская версия" / "English version")."""
    document = services.create_document(
        borovoe,
        {
            "kind": english.kind,
            "title": "Итоговые выводы",
            "reference": english.reference,
            "language": "ru",
            "place": "Боровое, Казахстан",
            "slug": "final-conclusions-ru",
            "translation_of_id": english.id,
        },
        user,
    )
    services.import_text(document, BOROVOE_CONCLUSIONS_RU, user)
    if not english.versions:
        return "Borovoe final conclusions in Russian (draft)"
    try:
        services.publish(document, user)
    except services.DocumentError as error:
        echo(f"The Russian Borovoe conclusions were not published: {error.message}")
    return "Borovoe final conclusions in Russian (version 1)"
