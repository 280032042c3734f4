"""The programme of an event: sessions, their people, featured presenters and personal agendas."""
