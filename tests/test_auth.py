"""Accounts: logging in and out, throttling, safe redirects, password hashing and reset by e-mail."""

import re
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import quote, urljoin, urlsplit

import pytest
from argon2 import PasswordHasher
from conftest import PASSWORD, csrf_token
from helpers import attempt_login, field_error, flashes, link_path, statements_sent
from sqlalchemy import func, select, text

from eventmgr.auth.models import LoginFailure, User
from eventmgr.auth.services import forget_old_login_failures
from eventmgr.database import utcnow
from eventmgr.mail.models import MailMessage

NEW_PASSWORD = "a brand new password"


def is_logged_in(client) -> bool:
    response = client.get("/manage/")
    return response.status_code == 200


def set_password_form(client, path, password=NEW_PASSWORD, confirm=None):
    return client.post(
        path,
        data={
            "password": password,
            "confirm": password if confirm is None else confirm,
            "csrf_token": csrf_token(client, path),
        },
    )


def logout(client):
    """Log out with the form every page's header has for a logged-in user."""
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def signed_at(monkeypatch, seconds_ago: int, make_token):
    """Make a token as if it had been signed `seconds_ago` seconds ago."""
    import time

    import itsdangerous.timed

    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: time.time() - seconds_ago))
    try:
        return make_token()
    finally:
        monkeypatch.undo()


# --- Logging in and out ------------------------------------------------------------------------------


def test_log_in_and_out(client, make_user, db):
    user = make_user(email="ada@example.org", name="Ada Lovelace")
    assert client.get("/login").status_code == 200
    assert not is_logged_in(client)

    response = attempt_login(client, "ada@example.org", PASSWORD)
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/manage/"
    page = client.get("/manage/")
    assert page.status_code == 200 and "Ada Lovelace" in page.text
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at is not None

    # Logging out is a POST with a CSRF token: a link or an image cannot log anyone out.
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert is_logged_in(client)
    response = logout(client)
    assert response.status_code == 302 and urlsplit(response.location).path == "/"
    assert "You are logged out." in flashes(client.get("/"))
    assert not is_logged_in(client)


def copy_of(app, client):
    """Another browser holding copies of every cookie the client has (a stolen cookie jar)."""
    thief = app.test_client()
    for cookie in client._cookies.values():
        thief.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return thief


def test_logging_out_ends_the_session_everywhere_copied_cookies_included(app, client, make_user, db):
    user = make_user(email="ada@example.org")
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y", "csrf_token": token})
    assert client.get_cookie("remember_token") is not None
    copied = copy_of(app, client)
    remembered = app.test_client()  # a browser restarted with only the remember-me cookie
    remembered.set_cookie("remember_token", client.get_cookie("remember_token").value)
    elsewhere = app.test_client()  # the owner's other device
    attempt_login(elsewhere, user.email, PASSWORD)
    assert is_logged_in(copied) and is_logged_in(remembered) and is_logged_in(elsewhere)

    assert logout(client).status_code == 302
    assert not is_logged_in(client)
    assert not is_logged_in(copied) and not is_logged_in(remembered) and not is_logged_in(elsewhere)
    assert copied.get_cookie("session") is not None  # still sent, no longer honoured

    # Logging in again works, and starts sessions the old cookies do not share.
    assert attempt_login(client, user.email, PASSWORD).status_code == 302
    assert is_logged_in(client) and not is_logged_in(copied)


def test_the_address_is_matched_without_regard_to_case(client, make_user):
    make_user(email="ada@example.org")
    assert attempt_login(client, "Ada@Example.ORG", PASSWORD).status_code == 302


def test_a_wrong_password_is_refused_at_the_field(client, make_user, db):
    make_user(email="ada@example.org")
    response = attempt_login(client, "ada@example.org", "not the password")
    assert response.status_code == 422
    assert field_error(response, "password") == "Wrong e-mail or password."
    assert field_error(response, "email") is None
    assert not is_logged_in(client)
    assert failures(db, email="ada@example.org") == 1


def test_an_unknown_address_gets_the_same_answer_as_a_wrong_password(client, make_user):
    make_user(email="ada@example.org")
    wrong_password = attempt_login(client, "ada@example.org", "not the password")
    unknown_address = attempt_login(client, "nobody@example.org", "not the password")
    assert wrong_password.status_code == unknown_address.status_code == 422

    def normalised(response, email):
        page = response.text.replace(email, "EMAIL")
        return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "TOKEN", page)

    assert normalised(wrong_password, "ada@example.org") == normalised(unknown_address, "nobody@example.org")


def test_an_invited_user_without_a_password_cannot_log_in(client, make_user):
    make_user(email="nadia@example.org", password=None)
    response = attempt_login(client, "nadia@example.org", "")
    assert response.status_code == 422
    response = attempt_login(client, "nadia@example.org", "anything at all")
    assert response.status_code == 422
    assert field_error(response, "password") == "Wrong e-mail or password."


# --- Throttling failed logins -------------------------------------------------------------------------

ATTACKER, OWNER = "192.0.2.66", "198.51.100.7"


def failures(db, **where) -> int:
    """Failed logins kept, with these column values."""
    return db.session.execute(select(func.count()).select_from(LoginFailure).filter_by(**where)).scalar_one()


def browser_at(app, address: str):
    """A new browser whose requests come from this network address."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def fail_from_many_clients(app, email: str, count: int) -> list[int]:
    """`count` wrong passwords, each client failing as often as it may before it is throttled; the answers."""
    per_client = app.config["LOGIN_MAX_FAILURES"]
    answers = []
    for number in range(count):
        if number % per_client == 0:
            attacker = browser_at(app, f"203.0.113.{number // per_client + 1}")
        answers.append(attempt_login(attacker, email, "a guess").status_code)
    return answers


def later(monkeypatch, app, extra=timedelta(seconds=1)):
    """Move the services' clock past the window in which failures count."""
    from eventmgr.auth import services

    moment = utcnow() + timedelta(minutes=app.config["LOGIN_FAILURE_WINDOW_MINUTES"]) + extra
    monkeypatch.setattr(services, "utcnow", lambda: moment)


def test_a_client_that_fails_too_often_is_throttled_for_that_address_only(app, make_user, db, monkeypatch):
    make_user(email="ada@example.org")
    make_user(email="bob@example.org")
    attacker = browser_at(app, ATTACKER)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        response = attempt_login(attacker, "ada@example.org", "not the password")
        assert response.status_code == 422
        assert field_error(response, "password") == "Wrong e-mail or password."

    # Now even the right password is refused from there, with a message saying why...
    response = attempt_login(attacker, "ada@example.org", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts" in field_error(response, "password")
    assert not is_logged_in(attacker)
    # ...for that address only, and not for the owner logging in from anywhere else: no account is locked.
    assert attempt_login(attacker, "bob@example.org", "not the password").status_code == 422
    owner = browser_at(app, OWNER)
    assert attempt_login(owner, "ada@example.org", PASSWORD).status_code == 302
    db.session.expire_all()
    assert failures(db, email="ada@example.org", client=ATTACKER) == app.config["LOGIN_MAX_FAILURES"]

    # The failures count within a sliding window: once they have left it, the client may try again.
    later(monkeypatch, app)
    assert attempt_login(attacker, "ada@example.org", PASSWORD).status_code == 302


def test_many_clients_failing_do_not_stop_the_owners_known_device(app, make_user, db):
    user = make_user(email="ada@example.org")
    make_user(email="bob@example.org")
    owner = browser_at(app, OWNER)
    response = attempt_login(owner, "ada@example.org", PASSWORD)
    assert response.status_code == 302
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("known_device=")]
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert {"httponly", "path", "max-age", "samesite"} <= set(attributes), cookie
    assert attributes["path"] == "Path=/login"
    assert int(attributes["max-age"].split("=")[1]) == app.config["KNOWN_DEVICE_DAYS"] * 86400
    logout(owner)  # the known device outlives the session
    assert owner.get_cookie("known_device", path="/login") is not None

    answers = fail_from_many_clients(app, "ada@example.org", app.config["LOGIN_MAX_ADDRESS_FAILURES"])
    assert set(answers) == {422}
    # Now every browser the account does not know is held back, whatever its address...
    newcomer = browser_at(app, "198.51.100.99")
    response = attempt_login(newcomer, "ada@example.org", PASSWORD)
    assert response.status_code == 429 and "Too many failed attempts" in field_error(response, "password")
    # ...including one whose cookie claims the account without our signature, or names another account...
    forged = browser_at(app, OWNER)
    from itsdangerous import URLSafeTimedSerializer

    fake = URLSafeTimedSerializer("not our key", salt="eventmgr.known-device").dumps(
        {"device": "x", "accounts": [user.id]}
    )
    forged.set_cookie("known_device", fake, path="/login")
    assert attempt_login(forged, "ada@example.org", PASSWORD).status_code == 429
    bobs = browser_at(app, OWNER)
    assert attempt_login(bobs, "bob@example.org", PASSWORD).status_code == 302
    logout(bobs)
    assert attempt_login(bobs, "ada@example.org", PASSWORD).status_code == 429
    # ...but the owner's usual browser gets in, even from behind an attacker's own network address.
    owner.environ_base["REMOTE_ADDR"] = "203.0.113.1"
    assert attempt_login(owner, "ada@example.org", PASSWORD).status_code == 302
    assert is_logged_in(owner)


def test_the_owner_is_told_once_per_window_and_can_reset_the_password(app, make_user, db, mailbox, monkeypatch):
    make_user(email="ada@example.org", name="Ada Lovelace")
    answers = fail_from_many_clients(app, "ada@example.org", app.config["LOGIN_MAX_ADDRESS_FAILURES"] + 3)
    assert answers.count(429) == 3  # the last client met the address's limit
    (message,) = mailbox.messages
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "Someone is failing to log in to your eventmgr account"
    text = message.get_content()
    assert "Ada Lovelace" in text and "wrong passwords in the last 15 minutes" in text

    # Failures in the next window are told again, once.
    later(monkeypatch, app)
    fail_from_many_clients(app, "ada@example.org", 2 * app.config["LOGIN_MAX_FAILURES"])
    assert len(mailbox.messages) == 2
    monkeypatch.undo()

    # The link in the mail sets a new password, and the failures before it no longer hold anyone back.
    reader = browser_at(app, "198.51.100.99")
    assert set_password_form(reader, link_path(message)).status_code == 302
    logout(reader)
    assert failures(db, email="ada@example.org") == 0
    assert attempt_login(browser_at(app, "203.0.113.1"), "ada@example.org", NEW_PASSWORD).status_code == 302


def test_an_address_without_an_account_is_throttled_like_one(app, client, make_user, db, mailbox, monkeypatch):
    """The throttle must not tell which addresses have accounts: an unknown address (or an invited user's, with
    no password yet) gets the same answers after the same number of tries, and its requests do the same work."""
    monkeypatch.setitem(app.config, "MAIL_SEND_AFTER_REQUEST", False)  # the delivery after the response aside
    make_user(email="ada@example.org")
    make_user(email="nadia@example.org", password=None)
    answers, work = {}, {}
    for number, email in enumerate(("ada@example.org", "nobody@example.org", "nadia@example.org")):
        browser = browser_at(app, f"192.0.2.{number + 1}")
        token = csrf_token(browser, "/login")
        answers[email], work[email] = [], []
        for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
            with statements_sent(db) as seen:
                answers[email].append(attempt_login(browser, email, "not the password", token=token).status_code)
            work[email].append(seen)
    assert answers["ada@example.org"] == answers["nobody@example.org"] == answers["nadia@example.org"]
    assert answers["nobody@example.org"][-1] == 429
    assert work["ada@example.org"] == work["nobody@example.org"] == work["nadia@example.org"]
    response = attempt_login(browser_at(app, "192.0.2.2"), "Nobody@Example.org", "anything")
    assert "Too many failed attempts" in field_error(response, "password")

    # Each address's owner is told, made when sent: only the one with an account gets a mail.
    mailbox.deliver()
    assert [message["To"] for message in mailbox.messages] == ["ada@example.org"]
    assert sorted(db.session.execute(select(MailMessage.recipient, MailMessage.state)).all()) == [
        ("ada@example.org", "sent"),
        ("nadia@example.org", "dropped"),
        ("nobody@example.org", "dropped"),
    ]

    # The worker forgets failures once they have left the window.
    window = timedelta(minutes=app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    assert forget_old_login_failures() == 0
    assert forget_old_login_failures(utcnow() + window + timedelta(seconds=1)) == 3 * app.config["LOGIN_MAX_FAILURES"]
    db.session.commit()
    assert failures(db) == 0


def limiter_reset():
    from eventmgr.extensions import limiter

    limiter.reset()  # the per-client limit on login POSTs is another matter, tested below


def test_a_successful_login_resets_the_failure_count(app, client, make_user):
    make_user(email="ada@example.org")
    almost = app.config["LOGIN_MAX_FAILURES"] - 1
    for _ in range(almost):
        attempt_login(client, "ada@example.org", "not the password")
    assert attempt_login(client, "ada@example.org", PASSWORD).status_code == 302
    logout(client)
    for _ in range(almost):
        attempt_login(client, "ada@example.org", "not the password")
    assert attempt_login(client, "ada@example.org", PASSWORD).status_code == 302


def test_login_posts_are_rate_limited_per_address(app, client):
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    token = csrf_token(client, "/login")
    for number in range(limit):
        response = attempt_login(client, f"guess-{number}@example.org", "guess", token=token)
        assert response.status_code == 422, number
    response = attempt_login(client, "guess-last@example.org", "guess", token=token)
    assert response.status_code == 429
    assert "Too many requests" in response.text and 'class="site-header"' in response.text
    # The form itself still shows, and another address is not held up.
    assert client.get("/login").status_code == 200
    other = attempt_login(
        client, "guess-last@example.org", "guess", token=token, environ_base={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert other.status_code == 422


@pytest.mark.parametrize("next_url", ["/manage/series/", "/manage/organisations/?q=osce"])
def test_after_login_next_leads_to_a_path_on_this_site(client, make_user, next_url):
    user = make_user()
    response = attempt_login(client, user.email, PASSWORD, next_url=next_url)
    assert response.status_code == 302 and response.location == next_url
    # A logged-in user sent to the login page goes there at once.
    response = client.get("/login?next=" + quote(next_url, safe=""))
    assert response.status_code == 302 and response.location == next_url


def where_a_browser_goes(location: str) -> str:
    """The host a browser would open for this Location header (browsers drop tabs and read \\ as /)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return urlsplit(urljoin("http://localhost/login", cleaned)).netloc


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example/phish",
        "/\t/evil.example/phish",
        "\\\\evil.example/phish",
        "javascript:alert(1)",
        "http:evil.example",
        "",
    ],
)
def test_after_login_next_never_leads_off_the_site(client, make_user, next_url):
    user = make_user()
    response = attempt_login(client, user.email, PASSWORD, next_url=next_url)
    assert response.status_code == 302
    assert where_a_browser_goes(response.location) == "localhost", response.location
    assert not response.location.startswith("javascript:")
    response = client.get("/login?next=" + quote(next_url, safe=""))
    assert response.status_code == 302
    assert where_a_browser_goes(response.location) == "localhost", response.location
    if not re.search(r"[\\\t]", next_url):  # the rest Werkzeug percent-encodes into a local path
        assert response.location == "/manage/"


def test_a_protected_page_sends_to_login_and_back(client, make_user):
    user = make_user()
    response = client.get("/manage/series/")
    assert response.status_code == 302
    target = urlsplit(response.location)
    assert target.path == "/login"
    response = client.post(
        response.location, data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client, "/login")}
    )
    assert response.status_code == 302 and response.location == "/manage/series/"


def test_a_deactivated_users_session_ends(client, make_user, login, db):
    user = make_user()
    login(user)
    assert is_logged_in(client)
    db.session.get(User, user.id).is_active_account = False
    db.session.commit()
    assert not is_logged_in(client)
    assert client.get("/manage/").status_code == 302


# --- Password storage --------------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2_hashes_only(make_user, db):
    user = make_user(password="correct horse battery staple")
    assert user.password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(user.password_hash, "correct horse battery staple")
    rows = db.session.execute(text("SELECT * FROM users")).all()
    assert rows
    for row in rows:
        assert not any("correct horse" in str(value) for value in row)
    other = make_user(password="correct horse battery staple")
    assert other.password_hash != user.password_hash  # salted


def test_a_weak_old_hash_is_upgraded_at_login(app, client, make_user, db, monkeypatch):
    # The suite hashes with the CHEAPEST profile for speed; here the site's default profile is in force.
    monkeypatch.setitem(app.config, "PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY")
    user = make_user()
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    user.password_hash = weak
    db.session.commit()
    assert attempt_login(client, user.email, PASSWORD).status_code == 302
    db.session.expire_all()
    upgraded = db.session.get(User, user.id).password_hash
    assert upgraded != weak and upgraded.startswith("$argon2id$")
    assert not PasswordHasher().check_needs_rehash(upgraded)
    assert PasswordHasher().verify(upgraded, PASSWORD)


def test_short_passwords_are_refused(make_user):
    from eventmgr.auth.services import MIN_PASSWORD_LENGTH
    from eventmgr.errors import EventMgrError

    with pytest.raises(EventMgrError) as error:
        make_user(password="x" * (MIN_PASSWORD_LENGTH - 1))
    assert error.value.field == "password"


# --- Password reset by e-mail ------------------------------------------------------------------------


def test_password_reset_end_to_end(client, post, make_user, mailbox, db):
    user = make_user(email="ada@example.org", name="Ada Lovelace")
    old_hash = user.password_hash
    response = post("/password/forgot", {"email": "Ada@example.org"})
    assert response.status_code == 302 and urlsplit(response.location).path == "/login"
    assert "If an account uses this address, a link to set a new password is on its way." in flashes(
        client.get("/login")
    )

    (message,) = mailbox.messages
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "Reset your eventmgr password"
    assert message["From"] == "Events <events@eventmgr.test>"
    path = link_path(message)
    assert PASSWORD not in message.get_content()

    page = client.get(path)
    assert page.status_code == 200 and "Set a new password" in page.text and "ada@example.org" in page.text
    response = set_password_form(client, path, confirm="something else entirely")
    assert response.status_code == 422 and field_error(response, "confirm") == "The passwords differ."
    response = set_password_form(client, path, password="short")
    assert response.status_code == 422 and field_error(response, "password")
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == old_hash  # nothing saved yet

    response = set_password_form(client, path)
    assert response.status_code == 302 and urlsplit(response.location).path == "/manage/"
    assert is_logged_in(client)  # setting the password logs the user in
    db.session.expire_all()
    new_hash = db.session.get(User, user.id).password_hash
    assert new_hash != old_hash and new_hash.startswith("$argon2id$")

    logout(client)
    assert attempt_login(client, "ada@example.org", PASSWORD).status_code == 422
    assert attempt_login(client, "ada@example.org", NEW_PASSWORD).status_code == 302

    # The link works once.
    logout(client)
    used = client.get(path)
    assert used.status_code == 404 and "This link is no longer valid" in used.text
    assert client.post(
        path, data={"password": "yet another password", "confirm": "yet another password"}
    ).status_code in (400, 404)
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == new_hash


def test_a_new_password_ends_every_other_session(app, client, make_user, mailbox, db):
    """Someone who stole a session (or a remember-me cookie) loses it when the owner resets the password."""
    user = make_user(email="ada@example.org")
    thief = app.test_client()
    token = csrf_token(thief, "/login")
    thief.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y", "csrf_token": token})
    assert is_logged_in(thief) and thief.get_cookie("remember_token") is not None
    remembered = app.test_client()  # a browser restarted with only the remember-me cookie
    remembered.set_cookie("remember_token", thief.get_cookie("remember_token").value)
    assert is_logged_in(remembered)

    client.post("/password/forgot", data={"email": user.email, "csrf_token": csrf_token(client, "/password/forgot")})
    path = link_path(mailbox.messages[0])
    assert set_password_form(client, path).status_code == 302
    assert is_logged_in(client)  # the owner, who just set it
    assert not is_logged_in(thief) and not is_logged_in(remembered)
    assert thief.get("/manage/").status_code == 302


def test_using_one_reset_link_voids_the_others(client, post, make_user, mailbox, monkeypatch):
    from eventmgr.auth.services import make_password_token

    user = make_user(email="ada@example.org")
    earlier = "/password/reset/" + signed_at(monkeypatch, 60, lambda: make_password_token(user))
    post("/password/forgot", {"email": "ada@example.org"})
    (message,) = mailbox.messages
    assert client.get(earlier).status_code == 200
    assert set_password_form(client, link_path(message)).status_code == 302
    logout(client)
    assert client.get(earlier).status_code == 404


def test_unknown_and_deactivated_addresses_get_the_same_answer_and_no_mail(client, post, make_user, mailbox, db):
    make_user(email="ada@example.org")
    gone = make_user(email="gone@example.org")
    gone.is_active_account = False
    db.session.commit()
    answers = []
    for email in ("nobody@example.org", "gone@example.org", "ada@example.org"):
        response = post("/password/forgot", {"email": email})
        answers.append((response.status_code, response.location, flashes(client.get("/login"))))
    assert answers[0] == answers[1] == answers[2]
    mailbox.deliver()
    assert [message["To"] for message in mailbox.messages] == ["ada@example.org"]
    assert db.session.execute(select(MailMessage.recipient).where(MailMessage.state == "sent")).scalars().all() == [
        "ada@example.org"
    ]


def the_work_of(app, client, db, monkeypatch, url, emails) -> dict:
    """For each address, what a POST of it to the form at `url` answers and which statements it runs."""
    monkeypatch.setitem(app.config, "MAIL_SEND_AFTER_REQUEST", False)  # the delivery after the response aside
    token = csrf_token(client, url)
    work = {}
    for email in emails:
        with statements_sent(db) as seen:
            response = client.post(url, data={"email": email, "csrf_token": token})
        work[email] = (response.status_code, response.location, seen)
    monkeypatch.undo()
    return work


def test_a_reset_request_does_the_same_work_whatever_the_address(app, client, make_user, mailbox, db, monkeypatch):
    """Looking the account up, making the link and rendering the mail took time only for a known address; now
    every request queues one message, made (or dropped) when it is sent."""
    make_user(email="ada@example.org")
    gone = make_user(email="gone@example.org")
    gone.is_active_account = False
    db.session.commit()
    work = the_work_of(
        app, client, db, monkeypatch, "/password/forgot", ["ada@example.org", "nobody@example.org", "gone@example.org"]
    )
    assert work["ada@example.org"] == work["nobody@example.org"] == work["gone@example.org"]
    status, location, seen = work["ada@example.org"]
    assert status == 302
    writes = [s for s in seen if not s.lstrip().upper().startswith("SELECT")]
    assert len(writes) == 1 and writes[0].startswith("INSERT INTO mail_messages"), seen
    assert not any("users" in s for s in seen), seen  # no account is looked up

    mailbox.deliver()
    (message,) = mailbox.messages
    assert message["To"] == "ada@example.org"
    assert set_password_form(client, link_path(message)).status_code == 302
    states = dict(db.session.execute(select(MailMessage.recipient, MailMessage.state)).all())
    assert states == {"ada@example.org": "sent", "nobody@example.org": "dropped", "gone@example.org": "dropped"}


def test_a_link_request_does_the_same_work_whatever_the_address(app, client, make_event, mailbox, db, monkeypatch):
    from eventmgr.registration.services import register

    event = make_event()
    registration = register(
        event, {"given_name": "Aida", "family_name": "Nurlanova", "email": "aida@example.kz", "country": "KZ"}
    )
    db.session.commit()
    mailbox.deliver()
    url = f"/events/{event.slug}/register/link"
    work = the_work_of(app, client, db, monkeypatch, url, ["Aida@example.kz", "nobody@example.org"])
    assert work["Aida@example.kz"] == work["nobody@example.org"]
    status, location, seen = work["nobody@example.org"]
    assert status == 302 and urlsplit(location).path == f"/events/{event.slug}"
    writes = [s for s in seen if not s.lstrip().upper().startswith("SELECT")]
    assert len(writes) == 1 and writes[0].startswith("INSERT INTO mail_messages"), seen
    assert not any("registrations" in s for s in seen), seen  # no registration is looked up

    confirmations = len(mailbox.messages)
    mailbox.deliver()
    (message,) = mailbox.messages[confirmations:]
    assert (message["To"], message["Subject"]) == ("aida@example.kz", f"Your registration link: {event.title}")
    path = f"/events/{event.slug}/registration/{registration.access_token}"
    assert f"http://localhost{path}" in message.get_body(("plain",)).get_content()
    assert client.get(path).status_code == 200
    states = db.session.execute(
        select(MailMessage.recipient, MailMessage.state).where(MailMessage.made.is_not(None)).order_by(MailMessage.id)
    ).all()
    assert [tuple(row) for row in states] == [("aida@example.kz", "sent"), ("nobody@example.org", "dropped")]


def test_an_expired_reset_link_is_refused(app, client, make_user, monkeypatch, db):
    from eventmgr.auth.services import make_password_token

    user = make_user()
    max_age = app.config["PASSWORD_RESET_MAX_AGE"]
    fresh_enough = signed_at(monkeypatch, max_age - 120, lambda: make_password_token(user))
    too_old = signed_at(monkeypatch, max_age + 120, lambda: make_password_token(user))
    assert client.get(f"/password/reset/{fresh_enough}").status_code == 200
    response = client.get(f"/password/reset/{too_old}")
    assert response.status_code == 404 and "This link is no longer valid" in response.text
    assert set_password_form(client, f"/password/reset/{fresh_enough}").status_code == 302

    # The limit is read from the configuration.
    db.session.refresh(user)
    another = signed_at(monkeypatch, 600, lambda: make_password_token(user))
    assert client.get(f"/password/reset/{another}").status_code == 200
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", 300)
    assert client.get(f"/password/reset/{another}").status_code == 404


def test_invitation_links_last_longer_than_reset_links(app, client, make_user, monkeypatch):
    from eventmgr.auth.services import make_password_token

    user = make_user(password=None)
    days = timedelta(days=1).total_seconds()
    reset = signed_at(monkeypatch, int(3 * days), lambda: make_password_token(user))
    invitation = signed_at(monkeypatch, int(3 * days), lambda: make_password_token(user, "invitation"))
    stale = signed_at(
        monkeypatch, app.config["INVITATION_MAX_AGE"] + 60, lambda: make_password_token(user, "invitation")
    )
    assert client.get(f"/password/reset/{reset}").status_code == 404
    assert client.get(f"/password/reset/{stale}").status_code == 404
    page = client.get(f"/password/reset/{invitation}")
    assert page.status_code == 200 and f"Welcome, {user.name}" in page.text


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "x" * 43,
    ],
)
def test_a_tampered_link_is_refused(client, make_user, mangle):
    from eventmgr.auth.services import make_password_token

    token = make_password_token(make_user())
    assert client.get(f"/password/reset/{token}").status_code == 200
    assert client.get(f"/password/reset/{mangle(token)}").status_code == 404


def test_a_reset_link_of_a_deactivated_account_is_refused(client, make_user, db):
    from eventmgr.auth.services import make_password_token

    user = make_user()
    token = make_password_token(user)
    user.is_active_account = False
    db.session.commit()
    assert client.get(f"/password/reset/{token}").status_code == 404


def test_reset_requests_are_rate_limited(client, post, make_user, mailbox):
    make_user(email="ada@example.org")
    token = csrf_token(client, "/password/forgot")
    statuses = [
        client.post("/password/forgot", data={"email": "ada@example.org", "csrf_token": token}).status_code
        for _ in range(6)
    ]
    assert statuses == [302] * 5 + [429]
    assert len(mailbox.messages) == 5
