"""iCalendar files for events: downloads, feeds, and invites in e-mails kept in step with the programme."""


def init_app(app) -> None:
    """Keep calendars in step: subscribe to the changes of events, agendas and registrations."""
    from eventmgr.calendar import receivers

    receivers.connect()
