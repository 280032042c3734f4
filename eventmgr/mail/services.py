"""Queue messages with the transaction that causes them; deliver them after it commits."""

import base64
import logging
import os
import re
import smtplib
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from functools import lru_cache, partial
from pathlib import Path

from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from eventmgr import queue
from eventmgr.database import utcnow
from eventmgr.extensions import db
from eventmgr.languages import current_language
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
    headers: dict | None = None,
) -> MailMessage | None:
    """Store a message to send once the current transaction commits (nothing, inside withheld()).

    An attachment that is a calendar (content_type text/calendar, or marked "calendar": True) with a METHOD makes
    the message an invitation (iMIP, RFC 6047): see build_email. `headers`: from mail_headers()."""
    return _store(
        to, event_id, subject=subject, body_text=body, body_html=html, attachments=attachments, headers=headers
    )


def site_name() -> str:
    """The name mail is sent under: MAIL_DEFAULT_SENDER's display name, else "eventmgr"."""
    return _parsed_sender(current_app.config["MAIL_DEFAULT_SENDER"])[0] or "eventmgr"


def sender_address() -> str:
    """The address every message is sent from (MAIL_DEFAULT_SENDER's), which its domain's DMARC policy covers."""
    return _parsed_sender(current_app.config["MAIL_DEFAULT_SENDER"])[1]


@lru_cache(maxsize=8)
def _parsed_sender(sender: str) -> tuple[str, str]:
    # Parsed once per setting, not four times for every message queued.
    return parseaddr(sender)


def mail_headers(
    on_behalf_of: tuple[str, str] | None = None, automatic: bool = False, unsubscribe_url: str | None = None
) -> dict:
    """What a message says of its sender and its kind, for queue_mail(headers=...), made in the current language.

    `on_behalf_of` (name, address), whom the message speaks for (an event's organiser, as its ORGANIZER): From
    reads "<name> via <site>" at the site's own address (a message from the organiser's domain would fail its
    DMARC check), Sender is the site, Reply-To the organiser's address unless it is the site's. `automatic`:
    Auto-Submitted: auto-generated (RFC 3834), so that autoresponders stay quiet. `unsubscribe_url`: where a
    POST stops mail like this one, as List-Unsubscribe with one-click (RFC 2369, RFC 8058).
    """
    headers: dict = {"language": current_language()}
    if on_behalf_of is not None:
        name, address = on_behalf_of
        if name and name != site_name():
            headers["from_name"] = _("%(organiser)s via %(site)s", organiser=name, site=site_name())
        if address and address.lower() != sender_address().lower():
            headers["reply_to"] = address
            headers["reply_to_name"] = name
    if automatic:
        headers["auto_submitted"] = "auto-generated"
    if unsubscribe_url:
        headers["list_unsubscribe"] = unsubscribe_url
    return headers


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
    message.headers = made.get("headers")
    return True


def _one_line(value: str) -> str:
    """A header's value on one line: every run of whitespace, line breaks included, becomes one space."""
    return " ".join(value.split())


#: How messages are written: headers set as parsed values are folded as usual; the one set raw (List-Unsubscribe)
#: is written as set, never folded into encoded words.
POLICY = policy.default.clone(refold_source="none")

#: The longest line SMTP allows (RFC 5322); a file written for a person keeps lines up to it unwrapped.
LONGEST_LINE = 998


def _readable_cte(text: str) -> str | None:
    """8bit, so that a file's text and links read as written, unless a line is too long for any mail reader."""
    return "8bit" if all(len(line.encode()) <= LONGEST_LINE for line in text.splitlines()) else None


def _address(name: str | None, address: str) -> Address | None:
    """A header's mailbox, or None when the stored address is not one (an address typed before it was checked)."""
    try:
        return Address(display_name=_one_line(name or ""), addr_spec=address.strip())
    except (ValueError, IndexError):
        return None


def _set_headers(email: EmailMessage, message: MailMessage) -> None:
    """From, To, Subject, Date, Message-ID, and those of message.headers (mail_headers)."""
    headers = message.headers or {}
    default_sender = current_app.config["MAIL_DEFAULT_SENDER"]
    on_behalf = headers.get("from_name") and _address(headers["from_name"], sender_address())
    if on_behalf:
        email["From"] = on_behalf
        email["Sender"] = default_sender
    else:
        email["From"] = default_sender
    email["To"] = _one_line(message.recipient)
    reply_to = headers.get("reply_to") and _address(headers.get("reply_to_name"), headers["reply_to"])
    if reply_to:
        email["Reply-To"] = reply_to
    # A subject is made from what people typed (an event's title, an announcement's subject): a line break
    # in it must neither fail the message (Python refuses it) nor add a header.
    email["Subject"] = _one_line(message.subject)
    email["Date"] = format_datetime(utcnow())  # when it is sent (RFC 5322); a retry is sent later
    email["Message-ID"] = message.message_id  # made when it was queued: the same on every attempt
    if headers.get("auto_submitted"):
        email["Auto-Submitted"] = headers["auto_submitted"]
    if headers.get("list_unsubscribe"):
        # Kept whole on one line (RFC 2369 allows no space inside the brackets): a folded or encoded link is none.
        email.set_raw("List-Unsubscribe", f"<{_one_line(headers['list_unsubscribe'])}>")
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"


#: A link in a plain-text body: up to a space or a bracket, not ending in the sentence's punctuation.
_LINK = re.compile(r"""https?://[^\s<>"']*[^\s<>"'.,;:!?)\]]""")


def _linked(line: str) -> Markup:
    """One line of text as HTML, its links clickable."""
    parts, position = [], 0
    for match in _LINK.finditer(line):
        parts += [escape(line[position : match.start()]), Markup('<a href="{0}">{0}</a>').format(match.group(0))]
        position = match.end()
    parts.append(escape(line[position:]))
    return Markup("").join(parts)


def html_version(text: str, language: str | None = None) -> str:
    """The plain-text body as simple HTML: a paragraph per block, its lines kept, its links clickable (calendar
    programs that show an invitation in place of the message show this part)."""
    paragraphs = (block for block in re.split(r"\n\s*\n", text.strip()) if block.strip())
    body = "\n".join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(_linked(line.strip()) for line in block.splitlines()))
        for block in paragraphs
    )
    lang = Markup(' lang="{}"').format(language) if language else ""
    return f'<!DOCTYPE html>\n<html{lang}><head><meta charset="utf-8"></head>\n<body>\n{body}\n</body></html>\n'


def _content(attachment: dict) -> bytes:
    if "content_base64" in attachment:
        return base64.b64decode(attachment["content_base64"])
    return attachment["content"].encode()


def _calendar_method(attachment: dict) -> str | None:
    """The METHOD of an attachment that is a calendar (text/calendar, or marked "calendar": True), else None."""
    if not (attachment.get("calendar") or attachment["content_type"].split(";")[0].strip().lower() == "text/calendar"):
        return None
    match = re.search(rb"^METHOD:([A-Za-z-]+)\r?$", _content(attachment), re.MULTILINE)
    return match.group(1).decode().upper() if match else None


def _add_attachment(email: EmailMessage, attachment: dict) -> None:
    mime_type, *params = (part.strip() for part in attachment["content_type"].split(";"))
    maintype, _slash, subtype = mime_type.partition("/")
    extra = dict(param.split("=", 1) for param in params if "=" in param)
    if maintype == "text" and "content" in attachment:
        email.add_attachment(attachment["content"], subtype=subtype, filename=attachment["filename"], params=extra)
    else:
        email.add_attachment(
            _content(attachment), maintype=maintype, subtype=subtype, filename=attachment["filename"], params=extra
        )


def build_email(message: MailMessage, readable: bool = False) -> EmailMessage:
    """Turn a stored message into a MIME message; `readable`: its texts in 8-bit UTF-8, not quoted-printable or
    base64, for a file a person opens (a link stays one line, a name reads as typed).

    A message with a calendar among its attachments is an invitation (iMIP, RFC 6047), laid out as calendar
    programs expect one (Outlook shows a mere attachment as a file, Gmail shows no answer buttons):

        multipart/mixed
          multipart/alternative: text/plain, text/html, text/calendar; method=<its METHOD>; charset=UTF-8
          application/ics (invite.ics), for programs that only import attached files
          the other attachments (the check-in code, a receipt)
    """
    email = EmailMessage(policy=POLICY)
    _set_headers(email, message)
    cte = lambda text: _readable_cte(text) if readable else None  # noqa: E731
    attachments = _made(message.attachments or [])
    calendar = next((a for a in attachments if _calendar_method(a)), None)
    email.set_content(message.body_text, cte=cte(message.body_text))
    html = message.body_html
    if html is None and calendar is not None:
        html = html_version(message.body_text, (message.headers or {}).get("language"))
    if html:
        email.add_alternative(html, subtype="html", cte=cte(html))
    if calendar is not None:
        params = {"method": _calendar_method(calendar)}
        if readable:
            text = _content(calendar).decode()
            email.add_alternative(text, subtype="calendar", cte=cte(text), params=params)
        else:
            # As bytes, in base64: the file's CRLF line ends (RFC 5545) arrive as they were written.
            email.add_alternative(_content(calendar), maintype="text", subtype="calendar", params=params)
        email.get_payload()[-1].set_param("charset", "UTF-8")
    for attachment in attachments:
        if attachment is calendar:
            # The same file again as a plain attachment: not text/calendar, so that no program takes it for a
            # second invitation.
            email.add_attachment(
                _content(attachment),
                maintype="application",
                subtype="ics",
                filename=attachment["filename"],
                params={"name": attachment["filename"]},
            )
        else:
            _add_attachment(email, attachment)
    language = (message.headers or {}).get("language")
    if language:  # last: setting the content moves the Content- headers there before into a part
        email["Content-Language"] = language
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
FILE_POLICY = POLICY.clone(utf8=True, linesep="\n")


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
