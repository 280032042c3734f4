"""Delegate registration: the form, policies, seats and waiting list, offer codes, the desk."""


def init_app(app) -> None:
    """Keep seats counted, let the outbox make registration mails, and give the events' pages attendance."""
    from eventmgr.registration import notifications, seats, services

    seats.listen()
    notifications.register_makers()
    # Events sit below registration: their pages show attendance through these, without importing it.
    app.add_template_global(services.attendance_count)
    app.add_template_global(services.counts_by_event, "registration_counts")
