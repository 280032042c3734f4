"""Delegate registration: the form, policies, seats and waiting list, offer codes, the desk."""


def init_app(app) -> None:
    """Give the events' pages attendance."""
    from eventmgr.registration import services

    # Events sit below registration: their pages show attendance through these, without importing it.
    app.add_template_global(services.attendance_count)
    app.add_template_global(services.counts_by_event, "registration_counts")
