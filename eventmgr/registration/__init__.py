"""Delegate registration: the form, policies, seats and waiting list, offer codes, the desk."""


def __getattr__(name: str):
    """The blueprints (bp, desk_bp, payments_bp, delegations_bp, delegation_desk_bp), imported from the views on
    first use."""
    # Not at the top: the package is imported for its models everywhere, and importing views with
    # them would make import cycles between features.
    if name == "bp":
        from eventmgr.registration.views import bp

        return bp
    if name == "desk_bp":
        from eventmgr.registration.desk_views import bp

        return bp
    if name == "payments_bp":
        from eventmgr.registration.payment_views import bp

        return bp
    if name == "delegations_bp":
        from eventmgr.registration.delegation_views import bp

        return bp
    if name == "delegation_desk_bp":
        from eventmgr.registration.delegation_views import desk_bp

        return desk_bp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def init_app(app) -> None:
    """Keep seats counted, let the outbox make registration mails, and give the events' pages attendance."""
    from eventmgr.registration import checkin, notifications, payments, receivers, seats, services

    payments.check_provider_setting(app.config)
    seats.listen()
    receivers.connect()
    notifications.register_makers()
    payments.register_makers()
    # Events sit below registration: their pages show attendance through these, without importing it.
    app.add_template_global(services.attendance_count)
    app.add_template_global(services.counts_by_event, "registration_counts")
    # What a confirmed delegate owes and how to pay it, for their page and their mails.
    app.add_template_global(payments.payment_due)
    # The delegate's page shows the code under its QR image, for a desk whose scanner cannot read it.
    app.add_template_global(checkin.check_in_code)
