"""An event named by a page's URL: found under its slug, or under an old one, and only if the reader may see it.

Apart from the services because it answers with a redirect or a 404: it reads the request, which services never do.
"""

from flask import abort, redirect, request, url_for
from flask_login import current_user

from eventmgr.events import permissions
from eventmgr.events.services import event_by_slug


def visible_event_or_redirect(slug: str, endpoint: str, **values):
    """(event, None) for a page of the event the reader may see; (None, a 301 to the same page under the
    event's new slug, query string kept) for an old slug; 404 when there is no such event or the reader may
    not see it."""
    event, moved_to = event_by_slug(slug)
    if event is None:
        if moved_to:
            query = request.query_string.decode()
            return None, redirect(url_for(endpoint, slug=moved_to, **values) + (f"?{query}" if query else ""), 301)
        abort(404)
    if not permissions.can_view_event(current_user, event):
        abort(404)
    return event, None
