"""Create, find, change and merge people; store their photos; list the events they are in."""

import hashlib
from datetime import timedelta
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import exists, or_, select, true, update
from sqlalchemy.orm import joinedload, selectinload, undefer

from eventmgr import languages, locales
from eventmgr.audit.services import record
from eventmgr.auth.services import account_language, normalise_email
from eventmgr.database import contains_text, utcnow
from eventmgr.errors import EventMgrError, raise_first
from eventmgr.events.models import Event
from eventmgr.events.sender import queue_event_mail
from eventmgr.extensions import db
from eventmgr.organisations.models import Organisation
from eventmgr.people import permissions
from eventmgr.people.appearances import appears_in, events_of, move_appearances
from eventmgr.people.models import PHOTO_SIZES, Person, PersonPhoto, name_key
from eventmgr.people.photos import process_photo
from eventmgr.urls import external_url

#: Fields a form or the API may set on a person.
PERSON_FIELDS = (
    "honorific",
    "full_name",
    "position",
    "organisation_id",
    "organisation_name",
    "country",
    "email",
    "bio",
    "links",
    # The language position and bio are written in; their other languages come as `translations`.
    "original_language",
)
MAX_LINKS = 6
MAX_BIO = 10_000


def parse_links(text: str | None) -> list[dict]:
    """Links typed one per line, each a URL optionally followed by a label: 'https://osce.org OSCE profile'."""
    links = []
    for line in (text or "").splitlines():
        url, _space, label = line.strip().partition(" ")
        if url:
            links.append({"url": url, "label": label.strip()})
    return links


def links_text(links: list[dict] | None) -> str:
    """The reverse of parse_links, to fill a form."""
    return "\n".join(f"{link['url']} {link.get('label') or ''}".strip() for link in links or [])


def person_rule_errors(data: dict, person: Person | None = None) -> dict[str, str]:
    """Check the rules a person's details must keep; return {field: message} for every one broken."""
    errors: dict[str, str] = {}
    if not (data.get("full_name") or "").strip():
        errors["full_name"] = _("Give the person's full name.")
    if data.get("country") and data["country"] not in locales.country_codes():
        errors["country"] = _("Choose a country from the list.")
    if data.get("organisation_id") and db.session.get(Organisation, data["organisation_id"]) is None:
        errors["organisation_id"] = _("Choose an organisation from the list.")
    email = data.get("email")
    if email:
        try:
            # As the forms check addresses (WTForms' Email validator): the syntax, not the mail server.
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            errors["email"] = _("Give a valid e-mail address, or leave it empty.")
        else:
            same = select(Person.id).where(Person.email == email)
            if person is not None and person.id is not None:
                same = same.where(Person.id != person.id)
            if db.session.execute(same).first():
                errors["email"] = _("Another person has this e-mail address; choose that person instead.")
    code = data.get("original_language")
    if code is not None and languages.supported(code) != code:
        errors["original_language"] = _("Choose the language it is written in from the list.")
    if len(data.get("bio") or "") > MAX_BIO:
        errors["bio"] = ngettext(
            "Keep the bio under %(num)s character.", "Keep the bio under %(num)s characters.", MAX_BIO
        )
    links = data.get("links") or []
    if len(links) > MAX_LINKS:
        errors["links"] = ngettext("Give at most %(num)d link.", "Give at most %(num)d links.", MAX_LINKS)
    for link in links:
        parts = urlsplit(link.get("url", ""))
        if parts.scheme not in ("http", "https") or not parts.netloc or len(link["url"]) > 500:
            errors["links"] = _("Each link must be a web address starting with https:// or http://.")
            break
    return errors


def _clean(data: dict) -> dict:
    cleaned = {}
    for key in PERSON_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if isinstance(value, str):
            value = " ".join(value.split()) if key in ("full_name", "honorific") else value.strip()
            value = value or None
        cleaned[key] = value
    if cleaned.get("email"):
        cleaned["email"] = normalise_email(cleaned["email"])
    if "bio" in cleaned:
        cleaned["bio"] = cleaned["bio"] or ""
    if "original_language" in cleaned and cleaned["original_language"] is None:
        del cleaned["original_language"]  # not given: unchanged, or the language being written in
    if "links" in cleaned:
        links = cleaned["links"]
        cleaned["links"] = parse_links(links) if isinstance(links, str) else list(links or [])
    if cleaned.get("organisation_id"):
        # A directory entry makes the free-text name redundant.
        cleaned["organisation_name"] = None
    return cleaned


def create_person(data: dict, user=None, photo: bytes | None = None, event: Event | None = None) -> Person:
    """Add a person to the shared directory, with a photo if one is given; position and bio are in
    `original_language` (the one being written in by default), and in others in `translations`."""
    translations = data.get("translations")
    data = _clean(data)
    data["original_language"] = data.get("original_language") or languages.current_language()
    raise_first(person_rule_errors(data))
    processed = process_photo(photo) if photo else None  # refused before anything is written
    person = Person(**data, name_key=name_key(data["full_name"]), created_by_id=user.id if user else None)
    languages.apply_translation_changes(
        person, languages.translation_changes(person, translations, person.original_language)
    )
    db.session.add(person)
    db.session.flush()
    if processed:
        _store_photo(person, processed)
    record("person.create", user, event, summary=person.full_name)
    db.session.flush()
    return person


def update_person(
    person: Person,
    data: dict,
    user=None,
    photo: bytes | None = None,
    remove_photo: bool = False,
    event: Event | None = None,
    action: str = "person.update",
) -> dict:
    """Change a person's details, their texts in other languages (`translations`, as create_person takes them) and
    photo; return the changes, those in other languages as 'bio (ru)'. The caller has checked that `user` may
    (permissions.can_edit_person)."""
    translations = data.get("translations")
    data = _clean(data)
    merged = {key: getattr(person, key) for key in PERSON_FIELDS} | data
    raise_first(person_rule_errors(merged, person))
    translated = languages.translation_changes(person, translations, merged["original_language"])
    processed = process_photo(photo) if photo else None
    changes = {key: (getattr(person, key), value) for key, value in data.items() if getattr(person, key) != value}
    for key, (_before, after) in changes.items():
        setattr(person, key, after)
    languages.apply_translation_changes(person, translated)
    changes |= translated
    if "full_name" in changes:
        person.name_key = name_key(person.full_name)
    if processed:
        _store_photo(person, processed)
        changes["photo"] = (None, processed.digest[:16])
    elif remove_photo and person.photo is not None:
        person.photo = None
        changes["photo"] = ("removed", None)
    if changes:
        # The private address is never written to the log, not even as a change.
        logged = {key: value for key, value in changes.items() if languages.field_of(key) not in ("email", "bio")}
        record(action, user, event, summary=person.full_name, changes=logged)
    db.session.flush()
    return changes


def _store_photo(person: Person, processed) -> PersonPhoto:
    fields = {
        "digest": processed.digest,
        "media_type": processed.media_type,
        "width": processed.width,
        "height": processed.height,
        "large": processed.large,
        "small": processed.small,
    }
    if person.photo is None:
        person.photo = PersonPhoto(**fields)
    else:
        for key, value in fields.items():
            setattr(person.photo, key, value)
    return person.photo


class ProfileOutOfReach(EventMgrError):
    """The address belongs to a profile the user may not find (in another organiser's private or draft event)."""


def find_person(email: str | None = None, full_name: str | None = None, user=None) -> Person | None:
    """The person with this e-mail address; failing that, the only person with this name and no other address.

    With `user`, only among the people that user may find; an address of someone they may not find raises
    ProfileOutOfReach (the address is unique: a second profile cannot have it).
    """
    scope = permissions.people_findable(user) if user is not None else true()
    if email and email.strip():
        found = db.session.execute(select(Person).where(Person.email == normalise_email(email))).scalar_one_or_none()
        if found is not None:
            if user is not None and not permissions.can_find_person(user, found):
                raise ProfileOutOfReach(
                    _(
                        "Another profile in the directory has this address. Leave the address "
                        "empty to add a separate profile, or ask the site's administrators."
                    ),
                    field="email",
                )
            return found
    if full_name and full_name.strip():
        same_name = (
            db.session.execute(select(Person).where(Person.name_key == name_key(full_name), scope).limit(2))
            .scalars()
            .all()
        )
        # Two people may share a name; only an unambiguous match without a different address is the same person.
        if len(same_name) == 1 and not (email and same_name[0].email and same_name[0].email != normalise_email(email)):
            return same_name[0]
    return None


def find_or_create_person(
    data: dict, user=None, photo: bytes | None = None, event: Event | None = None
) -> tuple[Person, bool]:
    """The person these details describe (by e-mail, then name), completed with what it lacked; else a new one.

    Return the person and whether it was created. With `user`, only people that user may find are found, and
    only a profile they may change is completed; an existing profile's details are never overwritten here:
    only empty fields are filled in.
    """
    found = find_person(data.get("email"), data.get("full_name"), user)
    if found is None:
        return create_person(data, user, photo, event), True
    if user is not None and not permissions.can_edit_person(user, found):
        return found, False
    cleaned = _clean(data)
    missing = {key: value for key, value in cleaned.items() if value and key != "full_name" and not getattr(found, key)}
    if found.organisation_id or found.organisation_name:
        missing.pop("organisation_id", None)
        missing.pop("organisation_name", None)
    if missing or (photo and found.photo is None):
        update_person(found, missing, user, photo if found.photo is None else None, event=event)
    return found, False


def search_people(text: str | None, user, limit: int = 100) -> list[Person]:
    """People the user may find whose name, position or organisation contains the text, by name."""
    query = (
        select(Person)
        .where(permissions.people_findable(user))
        .options(joinedload(Person.organisation))
        .order_by(Person.full_name)
        .limit(limit)
    )
    if text and text.strip():
        query = query.outerjoin(Organisation, Person.organisation_id == Organisation.id).where(
            or_(
                contains_text(Person.full_name, text),
                contains_text(Person.position, text),
                contains_text(Person.organisation_name, text),
                contains_text(Organisation.name, text),
                contains_text(Organisation.acronym, text),
            )
        )
    return list(db.session.execute(query).unique().scalars())


def event_people(event: Event) -> list[Person]:
    """Everyone in the event's programme or among its featured presenters, by name."""
    return list(
        db.session.execute(
            select(Person)
            .where(appears_in(Event.id == event.id))
            .options(joinedload(Person.organisation), selectinload(Person.photo))
            .order_by(Person.full_name)
        )
        .unique()
        .scalars()
    )


def takes_part_in(person: Person, event: Event) -> bool:
    """Whether the person is in the event's programme or among its featured presenters."""
    return db.session.execute(select(exists().where(Person.id == person.id, appears_in(Event.id == event.id)))).scalar()


def person_events(person: Person) -> list[Event]:
    """Every event the person takes part in, in sessions or as a featured presenter."""
    return list(
        db.session.execute(
            select(Event).where(events_of(person.id)).options(selectinload(Event.roles)).order_by(Event.start_at.desc())
        ).scalars()
    )


def duplicate_candidates(people: list[Person], user) -> list[tuple[Person, Person]]:
    """Pairs (kept, duplicate) of people the user may find with the same name, one of them in `people`; the
    older is kept."""
    keys = {person.name_key for person in people if person.name_key}
    if not keys:
        return []
    same_names = (
        db.session.execute(
            select(Person)
            .where(Person.name_key.in_(keys), permissions.people_findable(user))
            .options(joinedload(Person.organisation))
            .order_by(Person.name_key, Person.id)
        )
        .unique()
        .scalars()
        .all()
    )
    groups: dict[str, list[Person]] = {}
    for person in same_names:
        groups.setdefault(person.name_key, []).append(person)
    return [(group[0], other) for group in groups.values() if len(group) > 1 for other in group[1:]]


def merge_people(kept: Person, duplicate: Person, user=None, event: Event | None = None) -> None:
    """Fold `duplicate` into `kept`: its sessions and featured entries move over, its details fill gaps; it goes."""
    if kept.id == duplicate.id:
        raise EventMgrError(_("Choose two different people."), field="duplicate_id")
    # Where both are in the same session or featured on the same event, the kept person's entry stays.
    move_appearances(kept, duplicate)
    gaps = {
        key: getattr(duplicate, key)
        for key in PERSON_FIELDS
        if key not in ("full_name", "email") and getattr(duplicate, key) and not getattr(kept, key)
    }
    if kept.organisation_id or kept.organisation_name:
        gaps.pop("organisation_id", None)
        gaps.pop("organisation_name", None)
    email = duplicate.email
    duplicate_translations = duplicate.translations
    photo = duplicate.photo
    # Read the photo's bytes now: the row goes with the duplicate.
    photo_fields = (
        {key: getattr(photo, key) for key in ("digest", "media_type", "width", "height", "large", "small")}
        if photo is not None and kept.photo is None
        else None
    )
    summary = f"{duplicate.full_name} (#{duplicate.id}) merged into {kept.full_name} (#{kept.id})"
    db.session.delete(duplicate)
    db.session.flush()  # the duplicate's address is free only once it is gone
    for key, value in gaps.items():
        setattr(kept, key, value)
    for language, texts in (duplicate_translations or {}).items():
        for field, text in texts.items():
            if language != kept.original_language and not kept.translation(language, field):
                kept.set_translation(language, field, text)
    if email and not kept.email:
        kept.email = email
    if photo_fields:
        kept.photo = PersonPhoto(**photo_fields)
    # The kept person now stands in the duplicate's sessions: a change to every programme they are in.
    kept.updated_at = utcnow()
    record("person.merge", user, event, summary=summary)
    db.session.flush()
    # Objects loaded before the bulk updates may still point at the deleted duplicate.
    db.session.expire_all()


def photo_image(person_id: int, digest: str, size: str) -> tuple[PersonPhoto, bytes] | None:
    """The person's photo and the bytes of one size, if its digest starts with `digest` (the one in its URL)."""
    if size not in PHOTO_SIZES or len(digest) < 16:
        return None
    photo = db.session.execute(
        select(PersonPhoto).where(PersonPhoto.person_id == person_id).options(undefer(getattr(PersonPhoto, size)))
    ).scalar_one_or_none()
    if photo is None or not photo.digest.startswith(digest):
        return None
    return photo, getattr(photo, size)


# --- The person's own link to their profile ------------------------------------------------------------

#: Fields the person may change through their link: not the address, by which organisers know them.
SELF_EDITABLE_FIELDS = (
    "honorific",
    "full_name",
    "position",
    "organisation_id",
    "organisation_name",
    "country",
    "bio",
    "links",
    "original_language",
    "translations",
)
#: How long a mailed profile link works, and how often an organiser may have one sent.
PROFILE_LINK_MAX_AGE = 14 * 24 * 3600
PROFILE_LINK_INTERVAL = timedelta(hours=1)


def _profile_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="eventmgr.profile")


def _address_stamp(person: Person) -> str:
    """Changes with the person's address: a link mailed to an old address stops working."""
    return hashlib.sha256(f"{person.id}:{person.email or ''}".encode()).hexdigest()[:16]


def profile_token(person: Person) -> str:
    """The signed secret of the person's own profile link."""
    return _profile_serializer().dumps({"pid": person.id, "to": _address_stamp(person)})


def person_from_profile_token(person_id: int, token: str) -> Person | None:
    """The person whose unexpired profile link this is, if it was mailed to their current address."""
    try:
        data = _profile_serializer().loads(token, max_age=PROFILE_LINK_MAX_AGE)
    except BadSignature:
        return None
    person = db.session.get(Person, person_id)
    if person is None or not person.email or data.get("pid") != person.id or data.get("to") != _address_stamp(person):
        return None
    return person


def send_profile_link(person: Person, event: Event, user, now=None) -> None:
    """Mail the person a link to update their own profile, at the address it has; once an hour at most."""
    now = now or utcnow()
    if not person.email:
        raise EventMgrError(_("This profile has no e-mail address to send a link to."))
    if person.profile_link_sent_at and now - person.profile_link_sent_at < PROFILE_LINK_INTERVAL:
        raise EventMgrError(_("A link was sent to this person less than an hour ago."))
    # In the language of the person's account, if their address has one, else in the event's own.
    queue_event_mail(
        event,
        person.email,
        account_language(person.email) or event.original_language,
        _l("Please check your speaker profile: %(title)s"),
        "email/profile_link.txt",
        person=person,
        asked_by=user,
        link=external_url("people.own_profile", person_id=person.id, token=profile_token(person)),
        days=PROFILE_LINK_MAX_AGE // 86400,
    )
    # Bookkeeping, not an edit of the profile: calendars and pages built from it stay as they are.
    db.session.execute(
        update(Person).where(Person.id == person.id).values(profile_link_sent_at=now, updated_at=Person.updated_at)
    )
    record("person.profile_link", user, event, summary=person.full_name)


def update_own_profile(person: Person, data: dict, photo: bytes | None = None, remove_photo: bool = False) -> dict:
    """The person changes their own profile through their link; return the changed fields."""
    data = {key: value for key, value in data.items() if key in SELF_EDITABLE_FIELDS}
    return update_person(person, data, None, photo, remove_photo=remove_photo, action="person.update_own")
