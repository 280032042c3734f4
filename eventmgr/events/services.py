"""Create, change, publish, cancel and copy events; find them for the public pages."""

import hmac
import re
import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from slugify import slugify
from sqlalchemy import bindparam, exists, func, null, or_, select
from sqlalchemy.orm import selectinload

from eventmgr import languages, locales
from eventmgr.audit.models import AuditEntry
from eventmgr.audit.services import record
from eventmgr.auth.services import account_language, normalise_email
from eventmgr.database import contains_text, utcnow
from eventmgr.errors import ConflictError, EventMgrError, raise_first
from eventmgr.events import permissions, signals
from eventmgr.events.models import (
    EVENT_FORMATS,
    EVENT_KINDS,
    EVENT_ROLES,
    ORGANISATION_ROLES,
    REGISTRATION_POLICIES,
    VISIBILITIES,
    Event,
    EventOrganisation,
    EventRole,
    EventRoleInvitation,
    EventSlugRedirect,
    Series,
    SeriesRequest,
)
from eventmgr.events.sender import queue_event_mail
from eventmgr.extensions import db
from eventmgr.languages import in_language
from eventmgr.mail.services import queue_mail
from eventmgr.organisations.models import Organisation
from eventmgr.organisations.permissions import can_find_organisation
from eventmgr.urls import external_url

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 100

#: Fields a form or the API may set on an event.
EDITABLE_FIELDS = (
    "title",
    "slug",
    "kind",
    "format",
    "series_id",
    "edition",
    "description",
    "timezone",
    "start_at",
    "end_at",
    "venue_name",
    "venue_address",
    "venue_city",
    "venue_country",
    "online_platform",
    "join_url",
    "visibility",
    "registration_policy",
    "capacity",
    "online_capacity",
    "delegations_enabled",
    "delegation_max_size",
    "delegation_deadline",
    "delegation_countries",
    "delegation_organisation_ids",
    "registration_opens_at",
    "registration_closes_at",
    "fee",
    "currency",
    "languages",
    "contact_email",
    "recording_url",
    "publish_participant_list",
    "reminder_early_minutes",
    "reminder_late_minutes",
    # The language title and description are written in; their other languages come as `translations`.
    "original_language",
)


def event_rule_errors(data: dict, event: Event | None = None) -> dict[str, str]:
    """Check the rules an event must keep; return {field: message} for every one broken."""
    return (
        _kind_errors(data)
        | _title_errors(data)
        | _time_errors(data)
        | _venue_errors(data)
        | _audience_errors(data)
        | _capacity_errors(data)
        | _delegation_errors(data)
        | _registration_window_errors(data)
        | _reminder_errors(data)
        | _price_errors(data, event)
        | _language_errors(data)
        | _original_language_errors(data)
        | _series_errors(data)
        | _edition_errors(data, event)
        | _slug_errors(data, event)
    )


def format_of(data: dict) -> str:
    """The format the event's data gives, or when it gives none (an older API client, a script), the usual one
    for its kind: a webinar online, anything else in person."""
    return data.get("format") or ("online" if data.get("kind") == "webinar" else "in_person")


def _kind_errors(data: dict) -> dict[str, str]:
    errors = {}
    if data.get("kind") not in EVENT_KINDS:
        errors["kind"] = _("Choose conference, webinar, meeting or workshop.")
    if format_of(data) not in EVENT_FORMATS:
        errors["format"] = _("Choose in person, online or hybrid.")
    return errors


def _title_errors(data: dict) -> dict[str, str]:
    if not (data.get("title") or "").strip():
        return {"title": _("Give the event a title.")}
    return {}


def _time_errors(data: dict) -> dict[str, str]:
    """The zone is a real one and the event ends after it starts."""
    errors = {}
    if data.get("timezone") and not locales.is_timezone(data["timezone"]):
        errors["timezone"] = _("Choose a time zone from the list.")
    start, end = data.get("start_at"), data.get("end_at")
    if start and end and end <= start:
        errors["end_at"] = _("The event must end after it starts.")
    return errors


def _venue_errors(data: dict) -> dict[str, str]:
    """An event in person (or hybrid) has a venue in a known country, whatever its kind."""
    errors = {}
    in_person = format_of(data) != "online"
    if in_person and not (data.get("venue_name") or "").strip():
        errors["venue_name"] = _("An event in person or hybrid needs a venue; for an online-only event choose Online.")
    if data.get("venue_country") and data["venue_country"] not in locales.country_codes():
        errors["venue_country"] = _("Choose a country from the list.")
    elif in_person and not data.get("venue_country"):
        errors["venue_country"] = _("Give the venue's country.")
    return errors


def _audience_errors(data: dict) -> dict[str, str]:
    """Who may see the event and how delegates register are among the choices."""
    errors = {}
    if data.get("visibility") not in VISIBILITIES:
        errors["visibility"] = _("Choose who can see the event.")
    if data.get("registration_policy") not in REGISTRATION_POLICIES:
        errors["registration_policy"] = _("Choose how delegates register.")
    return errors


def _capacity_errors(data: dict) -> dict[str, str]:
    return {
        key: _("Capacity must be at least 1 seat; leave it empty for no limit.")
        for key in ("capacity", "online_capacity")
        if data.get(key) is not None and data[key] < 1
    }


def _delegation_errors(data: dict) -> dict[str, str]:
    """Delegations have room for their head, come from known countries, and close before the event ends."""
    errors = {}
    if data.get("delegation_max_size") is not None and data["delegation_max_size"] < 1:
        errors["delegation_max_size"] = _("A delegation has at least its head; leave it empty for no limit.")
    if any(code not in locales.country_codes() for code in data.get("delegation_countries") or []):
        errors["delegation_countries"] = _("Choose countries from the list.")
    deadline, end = data.get("delegation_deadline"), data.get("end_at")
    if deadline and end and deadline > end:
        errors["delegation_deadline"] = _("Delegations must be settled before the event ends.")
    return errors


def _registration_window_errors(data: dict) -> dict[str, str]:
    """Registration closes after it opens, and both before the event ends (the first broken rule is named)."""
    opens, closes, end = data.get("registration_opens_at"), data.get("registration_closes_at"), data.get("end_at")
    if opens and closes and closes <= opens:
        return {"registration_closes_at": _("Registration must close after it opens.")}
    if closes and end and closes > end:
        return {"registration_closes_at": _("Registration must close before the event ends.")}
    if opens and end and opens >= end:
        return {"registration_opens_at": _("Registration must open before the event ends.")}
    return {}


def _reminder_errors(data: dict) -> dict[str, str]:
    return {
        key: _("Between 1 minute and 14 days before the start, or empty for no reminder.")
        for key in ("reminder_early_minutes", "reminder_late_minutes")
        if data.get(key) is not None and not 1 <= data[key] <= 60 * 24 * 14
    }


def _price_errors(data: dict, event: Event | None) -> dict[str, str]:
    errors = {}
    if data.get("fee") is not None and data["fee"] < 0:
        errors["fee"] = _("The fee cannot be negative; 0 means free.")
    # A currency no longer in use is kept on an event that has it, never chosen anew.
    kept = event is not None and data.get("currency") == event.currency
    if data.get("currency") and data["currency"] not in locales.currency_codes() and not kept:
        errors["currency"] = _("Choose a currency from the list.")
    return errors


def _language_errors(data: dict) -> dict[str, str]:
    if any(code not in locales.language_codes() for code in data.get("languages") or []):
        return {"languages": _("Choose languages from the list.")}
    return {}


def _original_language_errors(data: dict) -> dict[str, str]:
    from flask_babel import gettext as _

    code = data.get("original_language")
    if code is not None and languages.supported(code) != code:
        return {"original_language": _("Choose the language it is written in from the list.")}
    return {}


def _series_errors(data: dict) -> dict[str, str]:
    if data.get("series_id") and db.session.get(Series, data["series_id"]) is None:
        return {"series_id": _("Choose a series from the list.")}
    return {}


def _edition_errors(data: dict, event: Event | None) -> dict[str, str]:
    """An edition is numbered from 1, belongs to a series and is not another event's of that series."""
    edition = data.get("edition")
    if edition is None:
        return {}
    if edition < 1:
        return {"edition": _("Editions are numbered from 1.")}
    if not data.get("series_id"):
        return {"edition": _("An edition number needs a series.")}
    if _edition_taken(data["series_id"], edition, event):
        return {"edition": _("Another event of this series has this edition number.")}
    return {}


def _slug_errors(data: dict, event: Event | None) -> dict[str, str]:
    slug = data.get("slug")
    if not slug:
        return {}
    if not SLUG_PATTERN.match(slug) or len(slug) > SLUG_MAX:
        return {"slug": _("Use lower-case letters, digits and single hyphens, e.g. central-asia-border-2026.")}
    if slug_taken(slug, event):
        return {"slug": _("Another event uses this address.")}
    return {}


def _edition_taken(series_id: int, edition: int, event: Event | None) -> bool:
    query = select(Event.id).where(Event.series_id == series_id, Event.edition == edition)
    if event is not None and event.id is not None:
        query = query.where(Event.id != event.id)
    return db.session.execute(query.limit(1)).first() is not None


def slug_taken(slug: str, event: Event | None = None) -> bool:
    """Whether an event other than `event` has or had this slug."""
    own_id = event.id if event is not None else None
    taken = select(Event.id).where(Event.slug == slug)
    redirected = select(EventSlugRedirect.event_id).where(EventSlugRedirect.slug == slug)
    if own_id is not None:
        taken = taken.where(Event.id != own_id)
        redirected = redirected.where(EventSlugRedirect.event_id != own_id)
    return db.session.execute(select(exists(taken) | exists(redirected))).scalar()


def unique_slug(title: str, event: Event | None = None) -> str:
    """A free slug made from the title (transliterated), with -2, -3 ... added if needed."""
    base = slugify(title, max_length=SLUG_MAX - 4, word_boundary=True) or "event"
    candidate, n = base, 1
    while slug_taken(candidate, event):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _clean(data: dict) -> dict:
    cleaned = {}
    for key in EDITABLE_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if isinstance(value, str):
            value = value.strip() or None
        cleaned[key] = value
    if "description" in cleaned and cleaned["description"] is None:
        cleaned["description"] = ""
    if "original_language" in cleaned and cleaned["original_language"] is None:
        del cleaned["original_language"]  # not given: unchanged, or the language being written in
    if "fee" in cleaned and cleaned["fee"] is None:
        cleaned["fee"] = Decimal("0")
    if "languages" in cleaned and cleaned["languages"] is None:
        cleaned["languages"] = []
    for key in ("delegation_countries", "delegation_organisation_ids"):
        if key in cleaned and cleaned[key] is None:
            cleaned[key] = []
    if cleaned.get("delegations_enabled") is None and "delegations_enabled" in cleaned:
        cleaned["delegations_enabled"] = False
    if cleaned.get("format") == "online":
        # An online event has no venue and no seats in a room; drop those left over from a change of format.
        for key in ("venue_name", "venue_address", "venue_city", "venue_country", "capacity"):
            cleaned[key] = None
    elif cleaned.get("format") == "in_person":
        cleaned["online_capacity"] = None
    return cleaned


def _check_series_choice(data: dict, event: Event | None, user) -> None:
    """An event joins a series only by its owner's hand: others ask to join (request_series)."""
    series_id = data.get("series_id")
    if user is None or not series_id or (event is not None and series_id == event.series_id):
        return
    series = db.session.get(Series, series_id)
    if series is not None and not permissions.can_manage_series(user, series):
        raise EventMgrError(
            _("Choose one of your own series; to join another organiser's series, ask to join it."), field="series_id"
        )


def create_event(data: dict, user) -> Event:
    """Create a draft event with `user` as its organiser, in the format `format_of` gives it.

    Title and description are in `original_language` (the one being written in by default), and in other languages
    in `translations` ({"ru": {"title": ..., "description": ...}}).
    """
    translations = data.get("translations")
    data = _clean(data | {"format": format_of(data)})
    data["original_language"] = data.get("original_language") or languages.current_language()
    if not data.get("slug"):
        data["slug"] = unique_slug(data.get("title") or "")
    raise_first(event_rule_errors(data))
    _check_series_choice(data, None, user)
    for key in ("reminder_early_minutes", "reminder_late_minutes"):
        # Empty means no reminder; given a plain None, the ORM would insert the column's default instead.
        if key in data and data[key] is None:
            data[key] = null()
    event = Event(**data, status="draft", created_by_id=user.id if user else None)
    languages.apply_translation_changes(
        event, languages.translation_changes(event, translations, event.original_language)
    )
    db.session.add(event)
    db.session.flush()
    if user is not None:
        db.session.add(EventRole(event_id=event.id, user_id=user.id, role="organiser"))
    record("event.create", user, event, summary=event.title)
    db.session.flush()
    return event


def last_timezone(user) -> str | None:
    """The zone of the last event this user created or changed, for their next one; None if they have none."""
    return db.session.execute(
        select(Event.timezone)
        .join(AuditEntry, AuditEntry.event_id == Event.id)
        .where(AuditEntry.user_id == user.id, AuditEntry.action.in_(("event.create", "event.update", "event.copy")))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(1)
    ).scalar()


def update_event(event: Event, data: dict, user, expected_version: int | None) -> dict:
    """Apply changed fields, and texts in other languages (`translations`, as create_event takes them); refuse if
    the event was saved since `expected_version`. Return the changes, those in other languages as 'title (ru)'."""
    if expected_version is not None and expected_version != event.version:
        raise ConflictError(
            _(
                "Someone else saved this event after you opened it. Nothing of yours was saved: "
                "review their changes below, then save again."
            ),
        )
    translations = data.get("translations")
    data = _clean(data)
    if not data.get("slug"):
        data["slug"] = event.slug
    merged = {key: getattr(event, key) for key in EDITABLE_FIELDS} | data
    raise_first(event_rule_errors(merged, event))
    _check_series_choice(data, event, user)
    translated = languages.translation_changes(event, translations, merged["original_language"])
    changes = {key: (getattr(event, key), value) for key, value in data.items() if getattr(event, key) != value}
    if not changes and not translated:
        return {}
    if "slug" in changes:
        db.session.add(EventSlugRedirect(slug=event.slug, event_id=event.id))
        # The event may take back a slug it had before.
        db.session.execute(
            db.delete(EventSlugRedirect).where(
                EventSlugRedirect.slug == data["slug"], EventSlugRedirect.event_id == event.id
            )
        )
    for key, (_before, value) in changes.items():
        setattr(event, key, value)
    languages.apply_translation_changes(event, translated)
    changes |= translated
    signals.event_changed.send(event, changes=changes)
    # The join link is never written to the log: the log is shown to every organiser, the link is a secret.
    logged = {k: ("(changed)", "(changed)") if k == "join_url" else v for k, v in changes.items()}
    record("event.update", user, event, summary=event.title, changes=logged)
    db.session.flush()
    return changes


def publish_event(event: Event, user) -> None:
    """Make a draft visible according to its visibility."""
    if event.status != "draft":
        raise EventMgrError(_("Only a draft can be published."))
    raise_first(event_rule_errors({key: getattr(event, key) for key in EDITABLE_FIELDS}, event))
    event.status = "published"
    event.published_at = utcnow()
    signals.event_published.send(event)
    record("event.publish", user, event, summary=event.title)
    db.session.flush()


def cancel_event(event: Event, user, reason: str = "") -> None:
    """Cancel a published event; its page stays up and says so."""
    if event.status != "published":
        raise EventMgrError(_("Only a published event can be cancelled; delete a draft instead."))
    event.status = "cancelled"
    event.cancellation_reason = reason.strip() or None
    signals.event_cancelled.send(event)
    record("event.cancel", user, event, summary=event.title, changes={"reason": (None, reason)} if reason else None)
    db.session.flush()


def delete_draft(event: Event, user) -> None:
    """Delete an event that was never published."""
    if event.status != "draft":
        raise EventMgrError(_("Only drafts can be deleted; cancel a published event instead."))
    record("event.delete", user, None, summary=f"{event.title} ({event.slug})")
    db.session.delete(event)
    db.session.flush()


def copy_as_next_edition(event: Event, user) -> Event:
    """Start a draft of the next edition: same settings, a year later, next edition number.

    Whoever does not own the series gets the draft outside it, with a request to join it as that edition.
    """
    if event.series is None:
        raise EventMgrError(_("Only an event in a series can be copied as its next edition."))
    last_edition = (
        db.session.execute(select(func.max(Event.edition)).where(Event.series_id == event.series_id)).scalar() or 0
    )
    shift = _one_year_later(event.start_at) - event.start_at
    data = {key: getattr(event, key) for key in EDITABLE_FIELDS if key not in ("slug", "recording_url")}
    data["edition"] = last_edition + 1
    data["title"] = _next_title(event.title, event.edition, data["edition"])
    for key in ("start_at", "end_at", "registration_opens_at", "registration_closes_at"):
        if data.get(key):
            data[key] = data[key] + shift
    data["join_url"] = None
    data["translations"] = event.translations
    owns_series = user is None or permissions.can_manage_series(user, event.series)
    if not owns_series:
        data["series_id"], data["edition"] = None, None
    copy = create_event(data, user)
    if not owns_series:
        request_series(copy, event.series, last_edition + 1, user)
    for link in event.organisation_links:
        copy.organisation_links.append(
            EventOrganisation(organisation_id=link.organisation_id, role=link.role, position=link.position)
        )
    for role in event.roles:
        if role.user_id != (user.id if user else None):
            db.session.add(EventRole(event_id=copy.id, user_id=role.user_id, role=role.role))
    record("event.copy", user, copy, summary=f"Copied from {event.title} ({event.slug})")
    db.session.flush()
    return copy


def _one_year_later(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:  # 29 February
        return moment + timedelta(days=365)


_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _next_title(title: str, old_edition: int | None, new_edition: int) -> str:
    """Replace "3rd" with "4th" when the title names the edition; else leave the title."""
    if old_edition:
        replaced = _ORDINAL.sub(
            lambda m: _ordinal(new_edition) if int(m.group(1)) == old_edition else m.group(0), title, count=1
        )
        if replaced != title:
            return replaced
    return title


def set_organisations(event: Event, links: list[tuple[int, str]], user) -> None:
    """Replace the event's hosts, co-organisers and partners with (organisation_id, role) in order."""
    current = {(link.organisation_id, link.role) for link in event.organisation_links}
    for org_id, role in links:
        if role not in ORGANISATION_ROLES:
            raise EventMgrError(_("Choose host, co-organiser or partner."), field="role")
        organisation = db.session.get(Organisation, org_id)
        if organisation is None or (
            user is not None and (org_id, role) not in current and not can_find_organisation(user, organisation)
        ):
            raise EventMgrError(_("Choose an organisation from the list."), field="organisation_id")
    if len(set(links)) != len(links):
        raise EventMgrError(_("An organisation is listed twice with the same role."), field="organisation_id")
    before = [(link.organisation_id, link.role) for link in event.organisation_links]
    if before == list(links):
        return
    event.organisation_links.clear()
    db.session.flush()
    for position, (org_id, role) in enumerate(links):
        event.organisation_links.append(EventOrganisation(organisation_id=org_id, role=role, position=position))
    names = {
        o.id: o.name
        for o in db.session.execute(
            select(Organisation).where(Organisation.id.in_({i for i, _ in before + links}))
        ).scalars()
    }
    describe = lambda pairs: "; ".join(f"{names[i]} ({ORGANISATION_ROLES[r]})" for i, r in pairs)  # noqa: E731
    record(
        "event.organisations",
        user,
        event,
        summary=event.title,
        changes={"organisations": (describe(before), describe(links))},
    )
    db.session.flush()


def grant_role(event: Event, target_user, role: str, user) -> EventRole:
    """Give a user the organiser or secretariat role on the event."""
    if role not in EVENT_ROLES:
        raise EventMgrError(_("Choose organiser or secretariat."), field="role")
    if not target_user.is_active:
        raise EventMgrError(_("This account is deactivated."), field="email")
    if any(r.user_id == target_user.id and r.role == role for r in event.roles):
        if role == "organiser":
            message = _("%(name)s is already an organiser of the event.", name=target_user.name)
        else:
            message = _("%(name)s is already in the event's secretariat.", name=target_user.name)
        raise EventMgrError(message, field="email")
    granted = EventRole(user_id=target_user.id, role=role)
    event.roles.append(granted)
    record("role.grant", user, event, summary=f"{target_user.name}: {EVENT_ROLES[role]}")
    db.session.flush()
    return granted


def _token_matches(stored: str, given: str) -> bool:
    return hmac.compare_digest(stored.encode(), given.encode())


def invite_to_role(event: Event, email: str, role: str, user) -> EventRoleInvitation:
    """Offer a role on the event to an address; the account with that address takes it by accepting the mailed
    link. The answer and the mail are the same whether or not the address has an account, so granting a role
    tells nobody who has one."""
    if role not in EVENT_ROLES:
        raise EventMgrError(_("Choose organiser or secretariat."), field="role")
    email = normalise_email(email)
    if any(r.user.email == email and r.role == role for r in event.roles):
        if role == "organiser":
            message = _("This address is already an organiser of the event.")
        else:
            message = _("This address is already in the event's secretariat.")
        raise EventMgrError(message, field="email")
    if db.session.execute(
        select(EventRoleInvitation.id).where(
            EventRoleInvitation.event_id == event.id,
            EventRoleInvitation.email == email,
            EventRoleInvitation.role == role,
        )
    ).first():
        raise EventMgrError(
            _("This address has been invited already; resend the invitation from the list."), field="email"
        )
    invitation = EventRoleInvitation(
        event_id=event.id,
        email=email,
        role=role,
        token=secrets.token_urlsafe(32),
        invited_by_id=user.id if user else None,
        sent_at=utcnow(),
    )
    db.session.add(invitation)
    db.session.flush()
    _mail_role_invitation(invitation, user)
    record("role.invite", user, event, summary=f"{email}: {EVENT_ROLES[role]}")
    return invitation


def _mail_role_invitation(invitation: EventRoleInvitation, user) -> None:
    """In the language of the invitee's account, if the address has one, else in the event's own."""
    event = invitation.event
    queue_event_mail(
        event,
        invitation.email,
        account_language(invitation.email) or event.original_language,
        _l("Invitation to work on %(title)s"),
        "email/role_invitation.txt",
        invitation=invitation,
        invited_by=user,
        role=EVENT_ROLES[invitation.role],
        link=external_url("events_manage.role_invitation", token=invitation.token),
        days=current_app.config["INVITATION_MAX_AGE"] // 86400 or 1,
    )


def resend_role_invitation(invitation: EventRoleInvitation, user) -> None:
    """Mail the invitation again, with a new link that works for another while."""
    invitation.token = secrets.token_urlsafe(32)
    invitation.sent_at = utcnow()
    db.session.flush()
    _mail_role_invitation(invitation, user)
    record("role.invite_resend", user, invitation.event, summary=invitation.email)


def withdraw_role_invitation(invitation: EventRoleInvitation, user) -> None:
    """Take back an invitation nobody accepted yet."""
    record("role.invite_withdraw", user, invitation.event, summary=invitation.email)
    db.session.delete(invitation)
    db.session.flush()


def role_invitation_by_token(token: str) -> EventRoleInvitation | None:
    """The unexpired invitation whose link this is."""
    if not token or len(token) > 64:
        return None
    invitation = db.session.execute(
        select(EventRoleInvitation).where(EventRoleInvitation.token == token)
    ).scalar_one_or_none()
    if invitation is None or not _token_matches(invitation.token, token):
        return None
    age = (utcnow() - invitation.sent_at).total_seconds()
    return invitation if age <= current_app.config["INVITATION_MAX_AGE"] else None


def accept_role_invitation(invitation: EventRoleInvitation, user) -> EventRole:
    """The invited address's own account takes the role."""
    if normalise_email(user.email) != invitation.email:
        raise EventMgrError(_("This invitation was sent to another address: log in with the account of that address."))
    event = invitation.event
    role = next((r for r in event.roles if r.user_id == user.id and r.role == invitation.role), None)
    if role is None:
        role = EventRole(user_id=user.id, role=invitation.role)
        event.roles.append(role)
    record("role.grant", user, event, summary=f"{user.name}: {EVENT_ROLES[invitation.role]} (invitation accepted)")
    db.session.delete(invitation)
    db.session.flush()
    return role


def role_invitations(event: Event) -> list[EventRoleInvitation]:
    return (
        db.session.execute(
            select(EventRoleInvitation)
            .where(EventRoleInvitation.event_id == event.id)
            .order_by(EventRoleInvitation.email)
        )
        .scalars()
        .all()
    )


def revoke_role(event: Event, role: EventRole, user) -> None:
    """Take a role away; the last organiser cannot be removed."""
    organisers = [r for r in event.roles if r.role == "organiser"]
    if role.role == "organiser" and len(organisers) == 1:
        raise EventMgrError(_("An event needs at least one organiser."))
    event.roles.remove(role)
    record("role.revoke", user, event, summary=f"{role.user.name}: {EVENT_ROLES[role.role]}")
    db.session.flush()


def create_series(title: str, description: str, user, slug: str | None = None) -> Series:
    """Create a series of recurring events."""
    slug = slug or slugify(title, max_length=SLUG_MAX)
    if not SLUG_PATTERN.match(slug or ""):
        raise EventMgrError(_("Use lower-case letters, digits and single hyphens."), field="slug")
    if db.session.execute(select(Series.id).where(Series.slug == slug)).first():
        raise EventMgrError(_("Another series uses this address."), field="slug")
    series = Series(
        title=title.strip(), description=description or "", slug=slug, created_by_id=user.id if user else None
    )
    db.session.add(series)
    db.session.flush()
    return series


def request_series(event: Event, series: Series, edition: int | None, user) -> SeriesRequest:
    """Ask the series' owner to take the event in as an edition (replacing an earlier request of the event)."""
    if event.series_id == series.id:
        raise EventMgrError(_("The event is in this series already."), field="join_series")
    if edition is not None and edition < 1:
        raise EventMgrError(_("Editions are numbered from 1."), field="join_edition")
    request = db.session.execute(select(SeriesRequest).where(SeriesRequest.event_id == event.id)).scalar_one_or_none()
    if request is None:
        request = SeriesRequest(event_id=event.id)
        db.session.add(request)
    request.series_id, request.edition = series.id, edition
    request.requested_by_id, request.created_at = (user.id if user else None), utcnow()
    db.session.flush()
    record("series.request", user, event, summary=series.title)
    return request


def series_by_address(text: str) -> Series | None:
    """The series a pasted address (…/series/<slug>) or bare slug names."""
    slug = (text or "").strip().rstrip("/").rpartition("/")[2]
    if not slug or len(slug) > SLUG_MAX:
        return None
    return db.session.execute(select(Series).where(Series.slug == slug)).scalar_one_or_none()


def decide_series_request(request: SeriesRequest, accept: bool, user) -> None:
    """The series' owner takes the event in as an edition, or declines; the organiser who asked is told."""
    event, series = request.event, request.series
    edition = request.edition
    if accept:
        if edition is not None and _edition_taken(series.id, edition, event):
            edition = None  # taken since: the owner numbers it afterwards
        event.series_id, event.edition = series.id, edition
        record("series.join", user, event, summary=series.title)
    else:
        record("series.decline", user, event, summary=series.title)
    requester = request.requested_by
    db.session.delete(request)
    db.session.flush()
    if requester is not None:
        _mail_series_decision(requester, event, series, accept, edition)


def _mail_series_decision(requester, event: Event, series: Series, accept: bool, edition: int | None) -> None:
    """Tell the organiser who asked, in their account's language (else the event's own)."""
    with in_language(requester.language or event.original_language):
        subject = (
            _("Your event joined the series: %(series)s", series=series.title)
            if accept
            else _("Not taken into the series: %(series)s", series=series.title)
        )
        queue_mail(
            to=requester.email,
            subject=subject,
            body=render_template(
                "email/series_decision.txt",
                accepted=accept,
                event=event,
                series=series,
                requester=requester,
                edition=edition,
                link=external_url("events_manage.event", event_id=event.id),
            ),
            event_id=event.id,
        )


def series_requests(series: Series) -> list[SeriesRequest]:
    return (
        db.session.execute(
            select(SeriesRequest).where(SeriesRequest.series_id == series.id).order_by(SeriesRequest.created_at)
        )
        .scalars()
        .all()
    )


def pending_series_request(event: Event) -> SeriesRequest | None:
    return db.session.execute(select(SeriesRequest).where(SeriesRequest.event_id == event.id)).scalar_one_or_none()


def update_series(series: Series, title: str, description: str, slug: str) -> None:
    """Change a series' title, description or address."""
    if not SLUG_PATTERN.match(slug or ""):
        raise EventMgrError(_("Use lower-case letters, digits and single hyphens."), field="slug")
    if db.session.execute(select(Series.id).where(Series.slug == slug, Series.id != series.id)).first():
        raise EventMgrError(_("Another series uses this address."), field="slug")
    series.title, series.description, series.slug = title.strip(), description or "", slug
    db.session.flush()


# --- Finding events ---------------------------------------------------------------------------------


#: The most words a search looks for (each adds a condition to the query); the rest are ignored.
MAX_SEARCH_WORDS = 8


def search_words(text: str | None) -> list[str]:
    """The words of a search, each to be found somewhere in the event (in any order, any field)."""
    return list(dict.fromkeys((text or "").split()))[:MAX_SEARCH_WORDS]


def _translated_texts() -> list:
    """SQL: the event's title and description in each language but the original, as plain text (the JSON column's
    own text escapes letters beyond ASCII, so it is read field by field)."""
    return [
        Event.translations[(language, field)].as_string()
        for language in languages.interface_languages()
        for field in Event.TRANSLATED
    ]


def search_public_events(
    text: str | None = None,
    country: str | None = None,
    kind: str | None = None,
    format: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    when: str = "upcoming",
    page: int = 1,
    per_page: int = 20,
):
    """Listed events matching the filters: upcoming soonest first, or past most recent first.

    `text` matches an event when each of its words is in the title, the description (in any language they are
    given in), the city or a host's name or acronym ("webinar border" finds the border webinars).
    """
    now = utcnow()
    query = (
        select(Event)
        .where(Event.is_listed)
        .options(
            selectinload(Event.organisation_links).joinedload(EventOrganisation.organisation),
            selectinload(Event.series),
        )
    )
    for word in search_words(text):
        host_match = exists().where(
            EventOrganisation.event_id == Event.id,
            EventOrganisation.organisation_id == Organisation.id,
            or_(contains_text(Organisation.name, word), contains_text(Organisation.acronym, word)),
        )
        query = query.where(
            or_(
                contains_text(Event.title, word),
                contains_text(Event.description, word),
                *(contains_text(text, word) for text in _translated_texts()),
                contains_text(Event.venue_city, word),
                host_match,
            )
        )
    if country:
        host_in_country = exists().where(
            EventOrganisation.event_id == Event.id,
            EventOrganisation.organisation_id == Organisation.id,
            Organisation.country_code == country,
        )
        query = query.where(or_(Event.venue_country == country, host_in_country))
    if kind in EVENT_KINDS:
        query = query.where(Event.kind == kind)
    if format in EVENT_FORMATS:
        query = query.where(Event.format == format)
    if date_from:
        query = query.where(Event.end_at >= date_from)
    if date_to:
        query = query.where(Event.start_at < date_to)
    if when == "upcoming":
        query = query.where(Event.end_at > now).order_by(Event.start_at, Event.id)
    elif when == "past":
        query = query.where(Event.end_at <= now).order_by(Event.start_at.desc(), Event.id.desc())
    else:
        query = query.order_by(Event.start_at.desc(), Event.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def event_by_slug(slug: str) -> tuple[Event | None, str | None]:
    """The event with this slug, or the slug it has now if this is an old one.

    The event alone: its pages keep what they show of its hosts and programme rendered (eventmgr.fragments),
    so that loading those with it would be paid at every request for what is read only when a part is rendered.
    """
    query = select(Event).where(Event.slug == slug)
    event = db.session.execute(query).scalar_one_or_none()
    if event is not None:
        return event, None
    moved = db.session.execute(
        select(Event.slug)
        .join(EventSlugRedirect, EventSlugRedirect.event_id == Event.id)
        .where(EventSlugRedirect.slug == slug)
    ).scalar_one_or_none()
    return None, moved


@cache
def _related_candidates():
    """The query of related_events, built once: its values are bound at each run (a page view asks it)."""
    host_ids = select(EventOrganisation.organisation_id).where(EventOrganisation.event_id == bindparam("event_id"))
    shares_host = exists().where(
        EventOrganisation.event_id == Event.id, EventOrganisation.organisation_id.in_(host_ids)
    )
    return (
        select(Event, shares_host.label("same_host"))
        .where(
            Event.is_listed,
            Event.id != bindparam("event_id"),
            Event.status == "published",
            # A NULL series matches none.
            or_(Event.kind == bindparam("kind"), shares_host, Event.series_id == bindparam("series_id")),
        )
        .order_by(Event.start_at.desc())
        .limit(50)
    )


def related_events(event: Event, limit: int = 4) -> list[Event]:
    """Other listed events a reader of this one may want: same series first, then same host, then kind.

    One query chooses them (whether each shares a host is asked of the database, not loaded); one more loads
    the hosts their cards show, for the few chosen only."""
    candidates = db.session.execute(
        _related_candidates(), {"event_id": event.id, "kind": event.kind, "series_id": event.series_id}
    ).all()
    now = utcnow()

    def score(row) -> tuple:
        other = row.Event
        same_series = event.series_id is not None and other.series_id == event.series_id
        return (same_series, bool(row.same_host), other.kind == event.kind, other.end_at > now, other.start_at)

    chosen = [row.Event for row in sorted(candidates, key=score, reverse=True)[:limit]]
    if chosen:
        db.session.execute(
            select(Event)
            .where(Event.id.in_([other.id for other in chosen]))
            .options(selectinload(Event.organisation_links).joinedload(EventOrganisation.organisation))
        ).all()
    return chosen


def dashboard_events(user) -> list[Event]:
    """Events the user may manage or draft documents for; every event for an admin."""
    query = select(Event).options(selectinload(Event.roles), selectinload(Event.series))
    if not user.is_admin:
        query = query.where(exists().where(EventRole.event_id == Event.id, EventRole.user_id == user.id))
    return db.session.execute(query.order_by(Event.start_at.desc())).scalars().all()
