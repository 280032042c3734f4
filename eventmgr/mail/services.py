"""Queue messages with the transaction that causes them; deliver them after it commits."""

import base64
import logging
import os
import smtplib
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from functools import partial
from pathlib import Path

from flask import current_app, g, has_request_context
from flask_babel import lazy_gettext as _l

from eventmgr import queue
from eventmgr.database import utcnow
from eventmgr.extensions import db
from eventmgr.mail.models import MailMessage

log = logging.getLogger(__name__)

_withheld: ContextVar[bool] = ContextVar("mail_withheld", default=False)


@contextmanager
def withheld():
    """Queue nothing while inside: for data that is not about real people (the demo's invented delegates)."""
    token = _withheld.set(True)
    try:
        yield
    finally:
        _withheld.reset(token)


def is_withheld() -> bool:
    """Whether mail is withheld here; callers that build costly attachments ask first."""
    return _withheld.get()


#: Makers of attachments and of whole messages, described when a message is queued and made when it is sent.
_makers: dict[str, Callable[..., dict | None]] = {}


def _register_maker(name: str):
    def register(function):
        _makers[name] = function
        return function

    return register


def attachment_maker(name: str):
    """Register a function that makes an attachment ({filename, content_type, content or content_base64}) from
    the parameters `made_when_sent(name, ...)` stored, or returns None when what it described is gone."""
    return _register_maker(name)


def message_maker(name: str):
    """Register a function that makes a whole message ({to, subject, body; html and attachments optional}) from
    the parameters `made_when_sent(name, ...)` stored, or returns None when there is nobody to send it to."""
    return _register_maker(name)


def made_when_sent(name: str, /, **params) -> dict:
    """An attachment or a message to make when the message is sent: a calendar file or a QR code costs the
    request nothing, and is made by whoever delivers the message (`flask worker`), from the data as it is then."""
    return {"made_by": name, "params": params}


def _made(attachments: list[dict]) -> list[dict]:
    made = []
    for attachment in attachments:
        if "made_by" in attachment:
            attachment = _makers[attachment["made_by"]](**attachment["params"])
        if attachment is not None:
            made.append(attachment)
    return made


def queue_mail(
    to: str,
    subject: str,
    body: str,
    html: str | None = None,
    attachments: list[dict] | None = None,
    event_id: int | None = None,
) -> MailMessage | None:
    """Store a message to send once the current transaction commits (nothing, inside withheld())."""
    return _store(to, event_id, subject=subject, body_text=body, body_html=html, attachments=attachments)


def queue_made_when_sent(to: str, made: dict, event_id: int | None = None) -> MailMessage | None:
    """Store a message that its maker (`made_when_sent(name, ...)` of a `message_maker`) makes when it is sent,
    or drops when it finds nobody to send it to.

    The request that queues it does the same work whatever the maker will find: an answer to "send me a link"
    takes as long for an address nobody has as for one that has an account, and so tells nothing.
    """
    return _store(to, event_id, made=made)


def _store(to: str, event_id: int | None, **content) -> MailMessage | None:
    if is_withheld():
        return None
    sender_domain = current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2].strip("> ") or "localhost"
    message = MailMessage(recipient=to, event_id=event_id, message_id=make_msgid(domain=sender_domain), **content)
    db.session.add(message)
    if has_request_context():
        g.mail_queued = True
    return message


def _make(message: MailMessage) -> bool:
    """Make a message that was queued to be made when sent (kept, so that a retry sends the same one); False
    when its maker finds nobody to send it to."""
    if message.made is None or message.body_text is not None:
        return True
    made = _makers[message.made["made_by"]](**message.made["params"])
    if made is None:
        return False
    message.recipient = made.get("to", message.recipient)
    message.subject = made["subject"]
    message.body_text = made["body"]
    message.body_html = made.get("html")
    message.attachments = made.get("attachments")
    return True


def _one_line(value: str) -> str:
    """A header's value on one line: every run of whitespace, line breaks included, becomes one space."""
    return " ".join(value.split())


#: The longest line SMTP allows (RFC 5322); a file written for a person keeps lines up to it unwrapped.
LONGEST_LINE = 998


def _readable_cte(text: str) -> str | None:
    """8bit, so that a file's text and links read as written, unless a line is too long for any mail reader."""
    return "8bit" if all(len(line.encode()) <= LONGEST_LINE for line in text.splitlines()) else None


def build_email(message: MailMessage, readable: bool = False) -> EmailMessage:
    """Turn a stored message into a MIME message; `readable`: its texts in 8-bit UTF-8, not quoted-printable or
    base64, for a file a person opens (a link stays one line, a name reads as typed)."""
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = _one_line(message.recipient)
    # A subject is made from what people typed (an event's title, an announcement's subject): a line break
    # in it must neither fail the message (Python refuses it) nor add a header.
    email["Subject"] = _one_line(message.subject)
    email["Message-ID"] = message.message_id
    email.set_content(message.body_text, cte=_readable_cte(message.body_text) if readable else None)
    if message.body_html:
        email.add_alternative(
            message.body_html, subtype="html", cte=_readable_cte(message.body_html) if readable else None
        )
    for attachment in _made(message.attachments or []):
        mime_type, *params = (part.strip() for part in attachment["content_type"].split(";"))
        maintype, _, subtype = mime_type.partition("/")
        extra = dict(param.split("=", 1) for param in params if "=" in param)
        if maintype == "text":
            email.add_attachment(attachment["content"], subtype=subtype, filename=attachment["filename"], params=extra)
        else:
            content = (
                base64.b64decode(attachment["content_base64"])
                if "content_base64" in attachment
                else attachment["content"].encode()
            )
            email.add_attachment(
                content, maintype=maintype, subtype=subtype, filename=attachment["filename"], params=extra
            )
    return email


#: How long a claimed message may take to send; after that its sender is taken for dead and it is sent again.
SENDING_TIMEOUT = timedelta(minutes=10)

#: Queued messages: claimed one at a time, retried with backoff (1, 2, 4 ... minutes) until MAIL_MAX_ATTEMPTS.
OUTBOX = queue.Queue(
    "mail",
    MailMessage,
    waiting=MailMessage.state.in_(("queued", "sending")),
    due="next_attempt_at",
    lease=lambda: SENDING_TIMEOUT,
    max_attempts=lambda: current_app.config["MAIL_MAX_ATTEMPTS"],
    claimed={"state": "sending"},
    retried={"state": "queued"},
    given_up={"state": "failed"},
    error="last_error",
    abandoned=_l("The sender stopped before the message was sent."),
)


def send_queued(limit: int = 100) -> int:
    """Deliver due messages, each at most once; return how many were delivered."""
    with _Postman(current_app.config) as postman:
        delivered = queue.work(OUTBOX, partial(_deliver, postman=postman), limit=limit)
    return sum(1 for sent in delivered if sent)


def _deliver(message: MailMessage, postman: "_Postman") -> bool:
    """Send a claimed message, made first if it is made when sent; False if it was not sent (dropped, refused)."""
    # Makes what was described at queueing (the message, its attachments): queries, rendering.
    email = build_email(message, readable=not current_app.config["MAIL_SERVER"]) if _make(message) else None
    if email is None:
        message.state = "dropped"
        return False
    if current_app.config["MAIL_SERVER"]:
        try:
            postman.send(email)
        except (OSError, smtplib.SMTPException) as error:
            # Not rolled back: a message made when sent stays as made, and the next attempt sends the same one.
            log.warning("Sending mail %s failed: %s", message.id, error)
            queue.fail(OUTBOX, message.id, error, utcnow())
            return False
        message.state = "sent"
    else:
        try:
            path = write_to_directory(email, message, Path(current_app.config["MAIL_DIRECTORY"]))
        except OSError as error:
            log.warning("Writing mail %s failed: %s", message.id, error)
            queue.fail(OUTBOX, message.id, error, utcnow())
            return False
        log.info("Mail to %s, %r: not sent (no MAIL_SERVER), written to %s", message.recipient, message.subject, path)
        message.state = "logged"
    message.sent_at = utcnow()
    message.last_error = None
    return True


#: How a file is written: headers in UTF-8 as well (a subject in Cyrillic reads as typed), lines ended as on disk.
FILE_POLICY = policy.default.clone(utf8=True, linesep="\n")


def write_to_directory(email: EmailMessage, message: MailMessage, directory: Path) -> Path:
    """Write the message as an .eml file a mail program or a text editor opens; named by the time it is written
    and the message's number, so that a listing of the folder is in the order the messages went out."""
    directory.mkdir(parents=True, exist_ok=True)
    now = utcnow()
    path = directory / f"{now:%Y%m%d-%H%M%S-%f}-{message.id:06d}.eml"
    partial_path = path.with_suffix(".eml.part")  # never a half-written .eml, whoever reads the folder meanwhile
    partial_path.write_bytes(email.as_bytes(policy=FILE_POLICY))
    os.replace(partial_path, path)
    return path


class _Postman:
    """One SMTP connection for a run of messages: opened for the first, and again after a failure."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = _connect(self.config)
        try:
            self.smtp.send_message(email)
        except (OSError, smtplib.SMTPException):
            self.close()
            raise

    def close(self) -> None:
        if self.smtp is not None:
            _quit(self.smtp)
            self.smtp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def _connect(config) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10)
    if config["MAIL_USE_TLS"]:
        smtp.starttls()
    if config["MAIL_USERNAME"]:
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    return smtp


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
