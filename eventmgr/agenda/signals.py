"""What happens to a programme, announced for the features above the agenda (calendar) to act on.

Those sent before a removal let receivers still read who held the session or the choice.
"""

from blinker import Namespace

_signals = Namespace()

#: A session's fields changed; sent with `changes` ({field: (before, after)}), never with none.
session_changed = _signals.signal("session-changed")
#: A session is about to be deleted.
session_deleting = _signals.signal("session-deleting")
#: A person joined a session; sent with `person`.
participant_added = _signals.signal("participant-added")
#: A person is about to leave a session; sent with `person`.
participant_removing = _signals.signal("participant-removing")
#: A delegate (the sender, a registration) is about to drop sessions from their agenda; sent with `session_ids`.
agenda_sessions_dropping = _signals.signal("agenda-sessions-dropping")
