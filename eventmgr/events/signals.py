"""What happens to an event, announced for the features above events (calendar) to act on.

Receivers run inside the change's transaction, before it is logged and flushed, and may add to it.
"""

from blinker import Namespace

_signals = Namespace()

#: An event's fields changed; sent with `changes` ({field: (before, after)}), never with none.
event_changed = _signals.signal("event-changed")
#: A draft was published.
event_published = _signals.signal("event-published")
#: A published event was cancelled.
event_cancelled = _signals.signal("event-cancelled")
