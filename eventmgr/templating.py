"""Every filter and global the templates (pages, mails and PDFs) use besides Jinja's own, registered in one place.

The helpers live with what they know about (formatting, text, a feature's services or views); this module only
names them for the templates. It sits above every feature, so a page of a lower feature may show something of a
higher one (attendance, documents, the agenda on the event page) without the lower feature importing it.
"""

import inspect
from types import SimpleNamespace

from flask import Flask
from flask_babel import get_locale

from eventmgr import formatting, fragments, languages, locales
from eventmgr.agenda import views as agenda
from eventmgr.agenda.appearances import public_appearances
from eventmgr.auth import permissions as auth_permissions
from eventmgr.calendar import views as calendar
from eventmgr.database import utcnow
from eventmgr.documents import views as documents
from eventmgr.documents.letters import certificates_refusal
from eventmgr.errors import error_texts
from eventmgr.events import models as event_models
from eventmgr.events import permissions as event_permissions
from eventmgr.ics import google_calendar_url, outlook_calendar_url
from eventmgr.organisations import permissions as organisation_permissions
from eventmgr.people import permissions as people_permissions
from eventmgr.people import views as people
from eventmgr.registration import models as registration_models
from eventmgr.text import inline_markdown, plain_text, render_markdown
from eventmgr.urls import external_url

#: Every permission rule, for templates to show or hide what the user may use: `permissions.can_manage_event(...)`.
permissions = SimpleNamespace(
    **{
        name: rule
        for module in (auth_permissions, organisation_permissions, event_permissions, people_permissions)
        for name, rule in inspect.getmembers(module, inspect.isfunction)
        if rule.__module__ == module.__name__ and not name.startswith("_")
    }
)

#: What the codes stored on events and registrations are called, in the reader's language: `labels.event_kinds[...]`.
labels = SimpleNamespace(
    event_kinds=event_models.EVENT_KINDS,
    event_formats=event_models.EVENT_FORMATS,
    event_phases=event_models.EVENT_PHASES,
    visibility_names=event_models.VISIBILITY_NAMES,
    registration_policy_names=event_models.REGISTRATION_POLICY_NAMES,
    organisation_roles=event_models.ORGANISATION_ROLES,
    event_roles=event_models.EVENT_ROLES,
    attendance_modes=event_models.ATTENDANCE_MODES,
    registration_statuses=registration_models.REGISTRATION_STATUSES,
    question_kinds=registration_models.QUESTION_KINDS,
)


def register(app: Flask) -> None:
    """Make the helpers available in every template."""
    app.jinja_env.filters.update(
        # Text
        markdown=render_markdown,
        inline_markdown=inline_markdown,
        excerpt=plain_text,
        css_string=documents.css_string,
        spoken_list=formatting.spoken_list,
        numbered_first=documents.numbered_first,
        # Dates, times and zones
        event_dates=formatting.event_dates,
        event_times=formatting.event_times,
        event_place=formatting.event_place,
        zone_label=formatting.zone_label,
        zone_name=formatting.zone_name,
        local_datetime=formatting.local_datetime,
        session_times=formatting.session_times,
        agenda_day=formatting.agenda_day,
        document_date=documents.document_date,
        # Content in the reader's language: <h1{{ event|lang_attr("title") }}>{{ event.translated.title }}</h1>
        lang_attr=languages.lang_attribute,
        # Money, countries, languages, queries
        price=formatting.price,
        money=formatting.money,
        country_name=locales.country_name,
        language_name=locales.language_name,
        language_autonym=locales.language_autonym,
        dict_without_page=formatting.without_page,
    )
    app.jinja_env.globals.update(
        # A part of a page rendered once for each state of what it shows: {% call cached(key, ...) %}...{% endcall %}
        cached=fragments.cached,
        field_attrs=formatting.field_attrs,
        invalid_fields=formatting.invalid_fields,
        error_texts=error_texts,
        permissions=permissions,
        labels=labels,
        get_locale=get_locale,
        current_language=languages.current_language,
        language_switcher=languages.language_switcher,
        url_for_page=formatting.url_for_page,
        external_url=external_url,
        google_calendar_url=google_calendar_url,
        outlook_calendar_url=outlook_calendar_url,
        webcal_url=calendar.webcal_url,
        event_has_agenda=agenda.event_has_agenda,
        event_featured_presenters=agenda.event_featured_presenters,
        published_documents=documents.published_documents,
        published_documents_state=documents.published_documents_state,
        page_of_pages_css=documents.page_of_pages_css,
        delegate_documents=documents.delegate_documents,
        certificates_refusal=certificates_refusal,
        photo_url=people.photo_url,
        person_appearances=public_appearances,
    )

    @app.context_processor
    def current_time():
        return {"now": utcnow()}
