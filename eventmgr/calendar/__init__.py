"""iCalendar files for events: downloads and invites in e-mails."""
