"""Site administration: inviting accounts, site-wide roles, deactivation, and the `flask users` commands."""

import re
from urllib.parse import urlsplit

import pytest
from conftest import PASSWORD, csrf_token
from helpers import attempt_login, flashes, link_path, logged_in
from sqlalchemy import select

from eventmgr.audit.models import AuditEntry
from eventmgr.auth.models import User
from eventmgr.mail.models import MailMessage

NEW_PASSWORD = "a brand new password"


@pytest.fixture
def admin(make_user, login):
    """A site administrator, logged in."""
    user = make_user(email="root@example.org", name="Ada Admin", is_admin=True)
    login(user)
    return user


def user_by_email(db, email: str) -> User | None:
    db.session.expire_all()
    return db.session.execute(select(User).filter_by(email=email)).scalar_one_or_none()


def act(post, user_id: int, action: str):
    """Press one of the buttons on the users page."""
    return post(f"/admin/users/{user_id}/{action}", token_from="/admin/users")


# --- Invitations -------------------------------------------------------------------------------------


def test_an_admin_invites_a_user_who_sets_a_password_and_logs_in(app, client, post, admin, mailbox, db):
    page = client.get("/admin/users")
    assert page.status_code == 200 and "root@example.org" in page.text

    response = post("/admin/users", {"name": "Nadia New", "email": "Nadia@Example.org"})
    assert response.status_code == 302 and urlsplit(response.location).path == "/admin/users"
    assert "Invitation sent to nadia@example.org." in flashes(client.get("/admin/users"))
    nadia = user_by_email(db, "nadia@example.org")
    assert (nadia.name, nadia.password_hash, nadia.is_admin, nadia.is_active) == ("Nadia New", None, False, True)
    assert "Invited" in client.get("/admin/users").text
    assert db.session.execute(select(AuditEntry).filter_by(action="user.invite", user_id=admin.id)).scalar_one()

    (message,) = mailbox.messages
    assert message["To"] == "nadia@example.org"
    assert message["Subject"] == "You have been invited to eventmgr"
    assert "Ada Admin" in message.get_content()
    path = link_path(message)

    # Nadia, in her own browser, follows the link.
    nadias = app.test_client()
    page = nadias.get(path)
    assert page.status_code == 200 and "Welcome, Nadia New" in page.text
    response = nadias.post(
        path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": csrf_token(nadias, path)}
    )
    assert response.status_code == 302
    assert nadias.get("/manage/").status_code == 200
    assert user_by_email(db, "nadia@example.org").password_hash.startswith("$argon2")
    assert attempt_login(app.test_client(), "nadia@example.org", NEW_PASSWORD).status_code == 302
    assert app.test_client().get(path).status_code == 404  # the link works once


def test_an_invitation_can_make_an_admin(post, admin, db):
    post("/admin/users", {"name": "Second Admin", "email": "second@example.org", "is_admin": "y"})
    assert user_by_email(db, "second@example.org").is_admin


@pytest.mark.parametrize(
    "form, field",
    [
        ({"name": "Twin", "email": "root@example.org"}, "email"),
        ({"name": "Twin", "email": "ROOT@example.org"}, "email"),
        ({"name": "Bad", "email": "not an address"}, "email"),
        ({"name": "", "email": "nameless@example.org"}, "name"),
    ],
)
def test_a_bad_invitation_is_refused_at_its_field(post, admin, mailbox, db, form, field):
    response = post("/admin/users", form)
    assert response.status_code == 422
    assert re.search(rf'<p class="error" id="{field}-error">\s*\S', response.text)
    assert db.session.execute(select(User.email)).scalars().all() == ["root@example.org"]
    assert db.session.execute(select(MailMessage)).first() is None
    assert mailbox.messages == []


def test_an_invitation_can_be_sent_again(client, post, admin, mailbox, db):
    post("/admin/users", {"name": "Nadia New", "email": "nadia@example.org"})
    nadia = user_by_email(db, "nadia@example.org")
    assert act(post, nadia.id, "resend").status_code == 302
    assert [message["To"] for message in mailbox.messages] == ["nadia@example.org"] * 2
    assert "Welcome, Nadia New" in client.get(link_path(mailbox.messages[1])).text

    # Once she has a password, she uses "Forgot password" instead.
    from eventmgr.auth.services import set_password

    set_password(nadia, NEW_PASSWORD)
    db.session.commit()
    act(post, nadia.id, "resend")
    assert "This user has set a password already; they can use 'Forgot password'." in flashes(
        client.get("/admin/users")
    )
    assert len(mailbox.messages) == 2


# --- Site-wide roles and deactivation ---------------------------------------------------------------


def test_make_and_revoke_admin(app, client, post, admin, make_user, db):
    user = make_user(email="bob@example.org")
    other = logged_in(app, user)
    assert other.get("/admin/users").status_code == 403

    assert act(post, user.id, "make-admin").status_code == 302
    assert user_by_email(db, "bob@example.org").is_admin
    assert other.get("/admin/users").status_code == 200
    assert (
        db.session.execute(select(AuditEntry).filter_by(action="user.admin")).scalar_one().summary == "bob@example.org"
    )

    act(post, user.id, "revoke-admin")
    assert not user_by_email(db, "bob@example.org").is_admin
    assert other.get("/admin/users").status_code == 403


def test_creating_events_is_a_capability_the_admin_grants(app, client, post, admin, make_user, db):
    """An account without it may work on events it is given a role on, but creates no event, series or
    organisation; an administrator grants it from the users page (or when inviting)."""
    plain = make_user(name="Paul Plain", can_organise=False)
    plains = logged_in(app, plain)
    dashboard = plains.get("/manage/").text
    assert "/manage/events/new" not in dashboard
    for url in ("/manage/events/new", "/manage/series/new", "/manage/organisations/new"):
        assert plains.get(url).status_code == 403, url
    response = plains.post(
        "/manage/events/new",
        data={"csrf_token": csrf_token(plains, "/manage/"), "title": "Unwanted", "kind": "webinar"},
    )
    assert response.status_code == 403

    assert act(post, plain.id, "make-organiser").status_code == 302
    assert user_by_email(db, plain.email).can_organise
    assert plains.get("/manage/events/new").status_code == 200
    assert "/manage/events/new" in plains.get("/manage/").text
    act(post, plain.id, "revoke-organiser")
    assert plains.get("/manage/events/new").status_code == 403
    actions = (
        db.session.execute(
            select(AuditEntry.action).filter(AuditEntry.action.like("user.%organiser")).order_by(AuditEntry.id)
        )
        .scalars()
        .all()
    )
    assert actions == ["user.organiser", "user.unorganiser"]
    post("/admin/users", {"name": "Olga Organiser", "email": "olga@example.org", "can_organise": "y"})
    post("/admin/users", {"name": "Sam Secretariat", "email": "sam@example.org"})
    assert user_by_email(db, "olga@example.org").can_organise
    assert not user_by_email(db, "sam@example.org").can_organise


def test_an_admin_cannot_drop_their_own_role_or_account(client, post, admin, db):
    act(post, admin.id, "revoke-admin")
    assert "You cannot remove your own administrator role." in flashes(client.get("/admin/users"))
    act(post, admin.id, "deactivate")
    assert "You cannot deactivate your own account." in flashes(client.get("/admin/users"))
    me = user_by_email(db, "root@example.org")
    assert me.is_admin and me.is_active
    assert client.get("/admin/users").status_code == 200


def test_a_deactivated_user_cannot_log_in_until_reactivated(app, client, post, admin, make_user, db):
    user = make_user(email="bob@example.org")
    bobs = logged_in(app, user)
    assert bobs.get("/manage/").status_code == 200

    assert act(post, user.id, "deactivate").status_code == 302
    assert not user_by_email(db, "bob@example.org").is_active
    assert "Deactivated" in client.get("/admin/users").text
    response = attempt_login(app.test_client(), "bob@example.org", PASSWORD)
    assert response.status_code == 422 and "Wrong e-mail or password." in response.text
    assert bobs.get("/manage/").status_code == 302  # the open session ends too

    act(post, user.id, "activate")
    assert user_by_email(db, "bob@example.org").is_active
    assert attempt_login(app.test_client(), "bob@example.org", PASSWORD).status_code == 302


def test_unknown_users_and_actions_are_not_found(post, admin, make_user):
    user = make_user()
    assert act(post, user.id + 1000, "make-admin").status_code == 404
    assert act(post, user.id, "delete-everything").status_code == 404


def test_only_admins_reach_the_admin_pages(client, post, make_user, login, db):
    target = make_user(email="target@example.org")
    response = client.get("/admin/users")
    assert response.status_code == 302 and urlsplit(response.location).path == "/login"
    token = csrf_token(client, "/login")
    response = client.post(f"/admin/users/{target.id}/make-admin", data={"csrf_token": token})
    assert response.status_code == 302 and urlsplit(response.location).path == "/login"

    login(make_user(email="plain@example.org"))
    assert client.get("/admin/users").status_code == 403
    token = csrf_token(client, "/manage/series/new")
    response = client.post(
        "/admin/users", data={"name": "Mallory", "email": "mallory@example.org", "is_admin": "y", "csrf_token": token}
    )
    assert response.status_code == 403
    for action in ("make-admin", "deactivate", "resend"):
        assert client.post(f"/admin/users/{target.id}/{action}", data={"csrf_token": token}).status_code == 403
    assert user_by_email(db, "mallory@example.org") is None
    target = user_by_email(db, "target@example.org")
    assert not target.is_admin and target.is_active
    assert "/admin/users" not in client.get("/manage/").text  # no menu entry either


# --- `flask users ...` -------------------------------------------------------------------------------


def test_users_create_with_admin_name_and_password(app, runner, db):
    result = runner.invoke(
        args=["users", "create", "Ada@Example.org", "--admin", "--name", "Ada Lovelace", "--password", NEW_PASSWORD]
    )
    assert result.exit_code == 0, result.output
    assert "Created administrator ada@example.org." in result.output
    assert NEW_PASSWORD not in result.output
    user = user_by_email(db, "ada@example.org")
    assert (user.name, user.is_admin) == ("Ada Lovelace", True)
    assert user.password_hash.startswith("$argon2")
    assert attempt_login(app.test_client(), "ada@example.org", NEW_PASSWORD).status_code == 302


def test_users_create_an_organiser(runner, db):
    result = runner.invoke(args=["users", "create", "olga@example.org", "--organiser", "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert "Created organiser olga@example.org." in result.output
    assert user_by_email(db, "olga@example.org").can_organise


def test_users_create_generates_a_password_and_a_name(app, runner, db):
    result = runner.invoke(args=["users", "create", "bob@example.org"])
    assert result.exit_code == 0, result.output
    match = re.fullmatch(r"Created user bob@example.org with password: (\S+)\n", result.output)
    assert match, result.output
    user = user_by_email(db, "bob@example.org")
    assert (user.name, user.is_admin) == ("bob", False)
    assert match.group(1) not in user.password_hash
    assert attempt_login(app.test_client(), "bob@example.org", match.group(1)).status_code == 302


def test_users_create_refuses_a_second_account_or_a_short_password(runner, make_user, db):
    make_user(email="ada@example.org")
    result = runner.invoke(args=["users", "create", "ada@example.org"])
    assert result.exit_code == 1 and "exists already" in result.output
    result = runner.invoke(args=["users", "create", "bob@example.org", "--password", "short"])
    assert result.exit_code == 1 and "at least" in result.output
    assert user_by_email(db, "bob@example.org") is None


def test_users_set_password(app, runner, make_user, db):
    make_user(email="ada@example.org")
    result = runner.invoke(args=["users", "set-password", "ADA@example.org"], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Password changed for ada@example.org." in result.output
    assert attempt_login(app.test_client(), "ada@example.org", PASSWORD).status_code == 422
    assert attempt_login(app.test_client(), "ada@example.org", NEW_PASSWORD).status_code == 302

    result = runner.invoke(args=["users", "set-password", "ada@example.org", "--password", "another password!"])
    assert result.exit_code == 0, result.output
    assert attempt_login(app.test_client(), "ada@example.org", "another password!").status_code == 302


def test_users_set_password_refuses_unknown_accounts_and_short_passwords(runner, make_user, db):
    user = make_user(email="ada@example.org")
    old_hash = user.password_hash
    result = runner.invoke(args=["users", "set-password", "nobody@example.org", "--password", NEW_PASSWORD])
    assert result.exit_code == 1 and "No account for nobody@example.org." in result.output
    result = runner.invoke(args=["users", "set-password", "ada@example.org", "--password", "short"])
    assert result.exit_code == 1 and "at least" in result.output
    assert user_by_email(db, "ada@example.org").password_hash == old_hash
