"""The programme of an event: sessions, their people, featured presenters and personal agendas."""


def init_app(app) -> None:
    """Raise programme versions on every flush that changes what a programme shows."""
    from eventmgr.agenda import changes

    changes.listen()
