"""Mail sent for an event's organiser names them as its calendar entries do (eventmgr.ics.organiser)."""

from eventmgr.ics import organiser
from eventmgr.mail.services import mail_headers


def event_mail_headers(event, automatic: bool = False, unsubscribe_url: str | None = None) -> dict:
    """The headers of a message about the event (mail_headers), in the current language: From "<organiser> via
    <site>", Reply-To the event's contact address; `automatic` and `unsubscribe_url` as mail_headers takes them."""
    who = organiser(event)
    return mail_headers(on_behalf_of=(who.name, who.address), automatic=automatic, unsubscribe_url=unsubscribe_url)
