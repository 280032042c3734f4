"""iCalendar files for events: downloads, feeds, and invites in e-mails kept in step with the programme."""


def __getattr__(name: str):
    """The blueprint (bp), imported from the views on first use."""
    # Not at the top: the package is imported for its models everywhere, and importing views with
    # them would make import cycles between features.
    if name == "bp":
        from eventmgr.calendar.views import bp

        return bp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def init_app(app) -> None:
    """Keep calendars in step: subscribe to the changes of events, agendas and registrations."""
    from eventmgr.calendar import receivers

    receivers.connect()
