"""What the test files share: reading pages, mails and PDFs, counting rows and statements, logging in, waiting.

Factories (make_event, make_registration ...) are fixtures in conftest.py; these are plain functions.
"""

import contextlib
import hashlib
import html
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

from conftest import PASSWORD, csrf_token, missing
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select

#: make_event(**IN_PERSON): a conference in a room, whose delegates are asked for visa letters and dietary needs
#: (the factory's default event is an online webinar).
IN_PERSON = {
    "kind": "conference",
    "format": "in_person",
    "venue_name": "Hotel Karven",
    "venue_city": "Cholpon-Ata",
    "venue_country": "KG",
}

# --- Pages -----------------------------------------------------------------------------------------


def flashes(response) -> list[str]:
    """The flashed messages on a page, entities decoded."""
    return [html.unescape(m) for m in re.findall(r'<p class="flash flash-\w+"[^>]*>(.*?)</p>', response.text, re.S)]


def field_errors(response) -> dict[str, str]:
    """{field id: error text} of every field the page marks as wrong."""
    return {
        name: html.unescape(text).strip()
        for name, text in re.findall(r'<p class="error" id="([^"]+)-error">(.*?)</p>', response.text, re.S)
    }


def field_error(response, field: str) -> str | None:
    """The error text shown under one field, or None."""
    return field_errors(response).get(field)


def text_of(response) -> str:
    """The page's visible text: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def section(page: str, heading_id: str) -> str:
    """The HTML of the section labelled by the heading with this id ('' if the page has none)."""
    start = page.find(f'id="{heading_id}"')
    return page[start : page.index("</section>", start)] if start >= 0 else ""


# --- Mail ------------------------------------------------------------------------------------------


def body(message) -> str:
    """The plain-text body of a received e-mail."""
    return message.get_body(("plain",)).get_content()


def attachment(message, filename):
    """The e-mail's attachment of that name, or None."""
    return next((p for p in message.iter_attachments() if p.get_filename() == filename), None)


def calendar_part(message):
    """The invitation an e-mail carries: its inline text/calendar part (iMIP), which calendar programs read; None
    if it has none. (The same file is attached as invite.ics, application/ics, for programs that only import.)"""
    return next((p for p in message.walk() if p.get_content_type() == "text/calendar"), None)


def link_path(message) -> str:
    """The path of the one password link (reset or invitation) in an e-mail."""
    match = re.search(r"https?://\S+/password/reset/\S+", message.get_content())
    assert match, message.get_content()
    return urlsplit(match.group(0)).path


# --- PDFs (poppler-utils) --------------------------------------------------------------------------


def _poppler(tool: str, pdf: bytes, tmp_path, *options: str) -> str:
    """What a poppler-utils tool prints about the PDF (written to tmp_path, since the tools read files)."""
    path = tmp_path / f"{hashlib.sha256(pdf).hexdigest()[:8]}-{tool}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [tool, *options, str(path), *(["-"] if tool == "pdftotext" else [])],  # noqa: S603, S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text laid out as on the page (lines and columns kept)."""
    return _poppler("pdftotext", pdf, tmp_path, "-layout")


def pdf_words(pdf: bytes, tmp_path) -> str:
    """The PDF's text as one line of words, for finding phrases whatever the line breaks."""
    return " ".join(pdf_text(pdf, tmp_path).split())


def pdf_info(pdf: bytes, tmp_path) -> dict[str, str]:
    """What pdfinfo says of the PDF (Pages, Title, Tagged ...)."""
    out = _poppler("pdfinfo", pdf, tmp_path)
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def pdf_meta(pdf: bytes, tmp_path) -> str:
    """The PDF's XMP metadata, which names the PDF/A or PDF/UA part it claims to follow."""
    return _poppler("pdfinfo", pdf, tmp_path, "-meta")


# --- The database ----------------------------------------------------------------------------------


def count(db, model, *where) -> int:
    """How many rows of the model (matching `where`) the database holds."""
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


@contextlib.contextmanager
def statements_sent(db):
    """The SQL statements sent to the database while the block runs (parameters apart)."""
    sent = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    sqlalchemy_event.listen(db.engine, "before_cursor_execute", remember)
    try:
        yield sent
    finally:
        sqlalchemy_event.remove(db.engine, "before_cursor_execute", remember)


def writes_among(statements: list[str]) -> list[str]:
    """The INSERT, UPDATE and DELETE statements among those sent."""
    return [s for s in statements if re.match(r"\s*(INSERT|UPDATE|DELETE)\b", s, re.I)]


# --- Logging in ------------------------------------------------------------------------------------


def attempt_login(client, email, password, next_url=None, token=None, **kwargs):
    """POST the login form as a browser would; return the response."""
    url = "/login" + (f"?next={quote(next_url, safe='')}" if next_url is not None else "")
    data = {"email": email, "password": password, "csrf_token": token or csrf_token(client, "/login")}
    return client.post(url, data=data, **kwargs)


def logged_in(app, user, password=PASSWORD):
    """A test client of its own (another browser), logged in as the user."""
    client = app.test_client()
    response = attempt_login(client, user.email, password)
    assert response.status_code == 302, response.text
    return client


def log_in_browser(page, user, password=PASSWORD):
    """Log in through the form in a Playwright page, and wait for the dashboard."""
    from playwright.sync_api import expect

    page.goto("/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My events")).to_be_visible()


# --- Waiting for something another thread or process does -----------------------------------------


def wait_for(condition, timeout: float = 10.0, interval: float = 0.02, what: str = "the condition"):
    """Poll `condition` until it returns something true, and return that; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(interval)


# --- The catalogue ---------------------------------------------------------------------------------


def extract_messages(pot: Path) -> str:
    """Write the catalogue template to `pot` with the Makefile's own `make messages` command (its keywords and
    folders are what the tests check too); return what pybabel said while extracting."""
    root = Path(__file__).resolve().parent.parent
    command = next(
        line.strip().replace("$(VENV)/bin/", "")
        for line in (root / "Makefile").read_text().splitlines()
        if "pybabel extract" in line
    )
    args = shlex.split(command)
    args[args.index("-o") + 1] = str(pot)
    pybabel = Path(sys.executable).with_name("pybabel")
    done = subprocess.run([str(pybabel), "-q", *args[1:]], cwd=root, check=True, capture_output=True, text=True)  # noqa: S603
    return done.stderr


# --- Text in another language than English ---------------------------------------------------------


#: Latin words a text in another language may hold: the brand, the switcher's "English", formats, codes and units.
ALLOWED = {
    "eventmgr",
    "English",
    "PDF",
    "CSV",
    "ics",
    "iCalendar",
    "QR",
    "UTC",
    "GMT",
    "IBAN",
    "BIC",
    "SWIFT",
    "EUR",
    "USD",
    "RUB",
    "KZT",
    "Word",
    "docx",
    "Markdown",
    "Google",
    "Outlook",
    "Apple",
    "webcal",
    "Zoom",
    "Webinars",
    "Teams",
    "Webex",
    "URL",
    "ID",
    "CC",
    "BY",
}
#: What is not words of the interface: addresses, links, zone names, check-in and payment codes.
NOT_WORDS = re.compile(
    r"[\w.+-]+@[\w.-]+"  # e-mail addresses
    r"|https?://\S+|/[\w/.?=&%-]+"  # links and paths
    r"|\b[\w-]+\.(?:ics|png|pdf|docx|csv)\b"  # attachments' file names: invite.ics
    r"|\b[A-Z][A-Za-z_]+/[A-Za-z_/+-]+"  # IANA zones: Asia/Almaty, America/Argentina/Buenos_Aires
    r"|\b[A-Za-z]*\d[\w-]*|\bid-\w+"  # codes: id-1A2B, E9-0221-65, 238-MLS5KY55
)
LATIN_WORD = re.compile(r"\b[A-Za-z][A-Za-z'’-]+\b")


def english_words(text: str) -> list[str]:
    """The Latin-script words of a text meant to be in another language (Russian) that are not addresses, links,
    zone names, codes or the few words allowed: what is left is English the catalogue did not translate."""
    text = NOT_WORDS.sub(" ", text)
    return sorted({word for word in LATIN_WORD.findall(text) if word.strip("'’-") not in ALLOWED})


# --- Accessibility (axe-core, from npm: `make test` installs it) -----------------------------------

#: axe-core's browser build, installed by `npm ci` from the repository's package.json.
AXE_JS = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
#: The rules of WCAG 2.0 and 2.1, levels A and AA.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: What axe rates as a barrier (not a mere inconvenience).
BARRIERS = ("serious", "critical")
RUN_AXE = """tags => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
  .then(results => results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), impact: n.impact, summary: n.failureSummary})),
  })))"""


def require_axe() -> None:
    """axe-core is installed (`make test` runs npm ci), or the test skips; under CI it fails (conftest.missing)."""
    if not AXE_JS.exists():
        missing(f"axe-core not found at {AXE_JS}; `make test` installs it with npm ci.")


def axe_violations(page) -> list[str]:
    """What axe-core finds on the page against WCAG 2.1 AA that it rates serious or critical, one line per rule
    and element. axe is evaluated in the page, not added as a <script>, so the app's CSP stays as served."""
    require_axe()
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    found = []
    for violation in page.evaluate(RUN_AXE, WCAG_21_AA):
        for node in violation["nodes"]:
            if (node["impact"] or violation["impact"]) in BARRIERS:
                summary = " ".join(node["summary"].split())
                found.append(f"{violation['id']} ({node['impact']}) at {node['target']}: {summary}")
    return found
