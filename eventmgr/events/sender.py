"""Mail sent for an event's organiser names them as its calendar entries do (eventmgr.ics.organiser)."""

from flask import render_template

from eventmgr.ics import organiser
from eventmgr.languages import in_language
from eventmgr.mail.services import mail_headers, queue_mail


def event_mail_headers(event, automatic: bool = False, unsubscribe_url: str | None = None) -> dict:
    """The headers of a message about the event (mail_headers), in the current language: From "<organiser> via
    <site>", Reply-To the event's contact address; `automatic` and `unsubscribe_url` as mail_headers takes them."""
    who = organiser(event)
    return mail_headers(on_behalf_of=(who.name, who.address), automatic=automatic, unsubscribe_url=unsubscribe_url)


def queue_event_mail(event, to: str, language: str | None, subject, template: str, **context) -> None:
    """Queue a message about the event to one address, written in `language`: `subject` a lazy string whose
    %(title)s is the event's title in that language, `template` rendered with the event and `context`."""
    with in_language(language):
        queue_mail(
            to=to,
            subject=str(subject) % {"title": event.translated.title},
            body=render_template(template, event=event, **context),
            event_id=event.id,
            headers=event_mail_headers(event),
        )
