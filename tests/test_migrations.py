"""Migrations: the schema they build is the models' (test_smoke), and going down and up again keeps the data."""

from datetime import UTC, datetime, timedelta

from conftest import new_database
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from eventmgr import create_app
from eventmgr.events.services import create_event, publish_event
from eventmgr.extensions import db
from eventmgr.mail.services import withheld
from eventmgr.registration import services as registration

STATUSES = "SELECT status FROM registrations ORDER BY id"


def test_down_to_0005_and_up_again_keeps_registrations_and_counts_seats(app, tmp_path):
    """SQLite alters a table by copying it: with foreign keys on, dropping the old `events` would take every
    registration with it (ON DELETE CASCADE). The seats taken are counted from the rows on the way up."""
    with new_database(tmp_path) as url:
        scratch = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test secret key"})
        with scratch.app_context():
            upgrade()
            start = datetime(2030, 5, 20, 4, tzinfo=UTC)
            event = create_event(
                {
                    "title": "Regional Conference on Border Security",
                    "kind": "conference",
                    "timezone": "Asia/Almaty",
                    "start_at": start,
                    "end_at": start + timedelta(days=2),
                    "venue_name": "Borovoe Conference Centre",
                    "venue_country": "KZ",
                    "visibility": "public",
                    "registration_policy": "open",
                    "capacity": 2,
                },
                None,
            )
            publish_event(event, None)
            with withheld():
                for name in ("aida", "bakyt", "nodira"):
                    registration.register(
                        event,
                        {
                            "given_name": name.capitalize(),
                            "family_name": "Delegate",
                            "email": f"{name}@example.org",
                            "country": "KZ",
                        },
                    )
            db.session.commit()
            assert db.session.execute(text(STATUSES)).scalars().all() == ["confirmed", "confirmed", "waitlisted"]
            db.session.remove()

            downgrade(revision="0005")
            assert db.session.execute(text("SELECT count(*) FROM registrations")).scalar_one() == 3
            db.session.remove()
            upgrade()
            assert db.session.execute(text(STATUSES)).scalars().all() == ["confirmed", "confirmed", "waitlisted"]
            assert db.session.execute(text("SELECT seats_taken FROM events")).scalar_one() == 2
            db.session.remove()
            db.engine.dispose()


def test_accounts_that_run_events_keep_creating_them_after_0010(app, tmp_path):
    """Creating events became a capability (0010): whoever organises or created an event has it; others not."""
    with new_database(tmp_path) as url:
        scratch = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test secret key"})
        with scratch.app_context():
            upgrade(revision="0009")
            users = (
                "INSERT INTO users (email, name, is_admin, is_active_account, failed_logins, created_at) "
                "VALUES (:email, :email, :no, :yes, 0, :now)"
            )
            now = datetime.now(UTC)
            for email in ("olga@example.org", "sam@example.org"):
                db.session.execute(text(users), {"email": email, "no": False, "yes": True, "now": now})
            db.session.execute(
                text(
                    "INSERT INTO events (slug, title, kind, status, visibility, timezone, start_at, end_at, "
                    "registration_policy, seats_taken, fee, currency, languages, publish_participant_list, version, "
                    "calendar_sequence, calendar_sent_sequence, programme_version, created_at, updated_at, "
                    "description) VALUES ('e', 'E', 'webinar', 'draft', 'public', 'UTC', :now, :now, 'open', 0, 0, "
                    "'EUR', '[]', :no, 1, 0, 0, 0, :now, :now, '')"
                ),
                {"now": now, "no": False},
            )
            db.session.execute(
                text(
                    "INSERT INTO event_roles (event_id, user_id, role, granted_at) "
                    "SELECT e.id, u.id, 'organiser', :now FROM events e, users u WHERE u.email = 'olga@example.org'"
                ),
                {"now": now},
            )
            db.session.commit()
            upgrade()
            rows = dict(db.session.execute(text("SELECT email, can_organise FROM users")).all())
            assert {email: bool(value) for email, value in rows.items()} == {
                "olga@example.org": True,
                "sam@example.org": False,
            }
            db.session.remove()
            db.engine.dispose()


def test_0015_splits_kind_and_format_and_gives_online_delegates_their_mode(app, tmp_path):
    """Down to 0014 the old kinds come back (webinar, hybrid); up again a webinar is an online webinar whose seats
    are online places, a hybrid event a hybrid conference, and the delegates of online events attend online."""
    with new_database(tmp_path) as url:
        scratch = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test secret key"})
        with scratch.app_context():
            upgrade()
            start = datetime(2030, 5, 20, 4, tzinfo=UTC)
            common = {
                "timezone": "Asia/Almaty",
                "start_at": start,
                "end_at": start + timedelta(hours=3),
                "visibility": "public",
                "registration_policy": "open",
            }
            webinar = create_event(
                common | {"title": "Joint Risk Analysis", "kind": "webinar", "online_capacity": 1}, None
            )
            hybrid = create_event(
                common
                | {
                    "title": "Issyk-Kul Initiative",
                    "kind": "conference",
                    "format": "hybrid",
                    "venue_name": "Hotel Karven",
                    "venue_country": "KG",
                },
                None,
            )
            publish_event(webinar, None)
            publish_event(hybrid, None)
            with withheld():
                for name in ("aida", "bakyt"):
                    registration.register(
                        webinar,
                        {"given_name": name, "family_name": "D", "email": f"{name}@example.org", "country": "KZ"},
                    )
            db.session.commit()
            db.session.remove()

            downgrade(revision="0014")
            kinds = "SELECT kind, capacity, seats_taken FROM events ORDER BY id"
            assert db.session.execute(text(kinds)).all() == [("webinar", 1, 1), ("hybrid", None, 0)]
            db.session.remove()
            upgrade()
            rows = db.session.execute(
                text(
                    "SELECT kind, format, capacity, online_capacity, seats_taken, online_seats_taken"
                    " FROM events ORDER BY id"
                )
            ).all()
            assert rows == [("webinar", "online", None, 1, 1, 1), ("conference", "hybrid", None, None, 0, 0)]
            modes = db.session.execute(text("SELECT attendance_mode, status FROM registrations ORDER BY id")).all()
            assert modes == [("online", "confirmed"), ("online", "waitlisted")]
            db.session.remove()
            db.engine.dispose()
