"""No English a person reads stays outside the catalogue: errors raised by services, rule messages, flashes and
counts in Python; visible text and attributes in the templates; the labels of kinds, statuses and roles.

The Russian catalogue is written apart: these tests check that what is shown is *marked* for translation (and so
extracted by `make messages`), and where it can be seen without a catalogue (Babel's months), that it is made in
the reader's language when it is raised, not in the language of whoever imported the module.
"""

import ast
import importlib
import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po
from flask_babel.speaklater import LazyString
from helpers import extract_messages, field_errors

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "eventmgr"
TEMPLATES = ROOT / "templates"

# --- Python: messages are translated where they are made -------------------------------------------------------

#: Exceptions raised with English on purpose: what only a developer or the site's operator reads. {(module path or
#: "*/name.py" for every such module, exception): why}.
DEVELOPER_ERRORS = {
    ("*/__init__.py", "AttributeError"): "a feature package's lazy __getattr__: a misspelt name in the code",
    ("eventmgr/__init__.py", "ValueError"): "configuration checked at start-up, read by the operator in the log",
    ("eventmgr/config.py", "ValueError"): "configuration checked at start-up, read by the operator in the log",
    ("eventmgr/registration/payments.py", "ValueError"): "PAYMENT_PROVIDER checked at start-up, for the operator",
    ("eventmgr/limits.py", "ValueError"): "werkzeug's type= turns it into the argument's default; nobody sees it",
    ("eventmgr/database.py", "ValueError"): "a naive datetime given to a UTC column is a bug in the code",
    ("eventmgr/jobs/services.py", "ValueError"): "queuing a job of no registered kind is a bug in the code",
    ("eventmgr/auth/permissions.py", "RuntimeError"): "the app was built without its rules: a bug in the factory",
    ("eventmgr/pdf.py", "RenderError"): "logged; its callers show the reader a translated message instead",
    ("eventmgr/pdf.py", "RefusedURL"): "WeasyPrint asked for a URL it may not fetch: logged, never shown",
}
#: Calls whose text is shown to the user as given (the first argument, or `message=`), besides the domain's errors.
SHOWN_CALLS = {"flash", "ValidationError", "StopValidation", "ClickException", "JobFailed", "echo", "abort"}


def domain_errors() -> set[str]:
    """The names of every error whose message is shown: EventMgrError and the import's problems, with subclasses."""
    import eventmgr.documents.importing
    from eventmgr import create_app  # noqa: F401 - imports every feature, and so every error class
    from eventmgr.errors import EventMgrError

    classes, names = [EventMgrError, eventmgr.documents.importing.ImportProblem], set()
    while classes:
        cls = classes.pop()
        names.add(cls.__name__)
        classes += cls.__subclasses__()
    return names


def python_modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        # Alembic revisions are for the database; the demo's content is data, written in its own languages.
        if "/migrations/" in relative or relative.startswith("eventmgr/demo/"):
            continue
        yield relative, ast.parse(path.read_text(), relative)


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def _is_text(node) -> bool:
    """A literal a person would read: a string with letters in it, or an f-string (English around values). Text
    given to _() or ngettext() is a call, not a literal: it is marked."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[^\W\d_]{2,}", node.value))
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.Constant) and re.search(r"[^\W\d_]{2,}", part.value) for part in node.values)
    if isinstance(node, ast.BinOp):  # "..." + "..." or "..." % values
        return _is_text(node.left) or _is_text(node.right)
    if isinstance(node, ast.IfExp):
        return _is_text(node.body) or _is_text(node.orelse)
    return False


def _message_of(call: ast.Call):
    if call.args:
        return call.args[-1] if _called_name(call) == "abort" else call.args[0]
    return next((k.value for k in call.keywords if k.keyword in ("message", "description")), None)


def _allowed(path: str, exception: str) -> bool:
    name = "*/" + path.rsplit("/", 1)[-1]
    return (path, exception) in DEVELOPER_ERRORS or (name, exception) in DEVELOPER_ERRORS


def untranslated_messages() -> list[str]:
    """Each place in the package where an English literal reaches the user without going through the catalogue."""
    found, shown_errors = [], domain_errors()
    for path, tree in python_modules():
        for node in ast.walk(tree):
            where = f"{path}:{getattr(node, 'lineno', '?')}"
            # raise SomethingError("..."), SomethingError(f"..."), return EventMgrError("...") ...
            if isinstance(node, ast.Call) and (name := _called_name(node)):
                shown = name in SHOWN_CALLS or name in shown_errors or name.endswith("Error")
                if shown and _is_text(_message_of(node)) and not _allowed(path, name):
                    found.append(f"{where}: {name}({ast.unparse(_message_of(node))[:70]})")
            # errors["field"] = "..." in the *_rule_errors checks
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Subscript) and ast.unparse(t.value) == "errors" for t in node.targets)
                and _is_text(node.value)
            ):
                found.append(f"{where}: {ast.unparse(node)[:80]}")
            # return {"field": "..."} and {key: "..." for ...} in the *_errors checks
            if isinstance(node, ast.FunctionDef) and node.name.endswith("_errors"):
                for inner in ast.walk(node):
                    values = inner.values if isinstance(inner, ast.Dict) else []
                    values = [inner.value] if isinstance(inner, ast.DictComp) else values
                    found += [f"{path}:{v.lineno}: {ast.unparse(v)[:80]}" for v in values if _is_text(v)]
    return sorted(set(found), key=lambda line: (line.split(":")[0], int(line.split(":")[1])))


def test_errors_flashes_and_rule_messages_are_marked_for_translation():
    assert untranslated_messages() == []


def test_the_scan_finds_english_raised_as_it_was_before(monkeypatch):
    """The scan itself: each way an untranslated message was written is found, a translated one is not."""
    tree = ast.parse(
        "def _x_errors(data):\n"
        "    errors = {}\n"
        "    errors['a'] = 'Give the event a title.'\n"
        "    return {'b': f'Use at least {n} characters.'}\n"
        "raise EventMgrError('Only a draft can be published.')\n"
        "raise DocumentError(f'A document may have at most {n} sections.', field='x')\n"
        "flash('Saved.', 'success')\n"
        "raise EventMgrError(_('Only a draft can be published.'))\n"
        "raise PhotoError(ngettext('%(num)d MB', '%(num)d MB', n))\n"
        "raise ValueError(f'no job kind {kind!r}')\n"
        "raise UnreadableFile('This is not a Word (.docx) file.')\n"
    )
    monkeypatch.setattr(__import__(__name__), "python_modules", lambda: iter([("eventmgr/example.py", tree)]))
    found = untranslated_messages()
    assert [line.split(": ", 1)[0] for line in found] == [f"eventmgr/example.py:{n}" for n in (3, 4, 5, 6, 7, 10, 11)]


def test_every_developer_error_allowed_in_english_is_still_raised_there():
    """The allow-list stays short and true: an entry whose module no longer raises that exception goes."""
    raised = set()
    for path, tree in python_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                name = _called_name(node.exc)
                raised |= {(path, name), ("*/" + path.rsplit("/", 1)[-1], name)}
    assert set(DEVELOPER_ERRORS) - raised == set()


# --- Labels: lazy where they are defined, plain strings where they are kept -------------------------------------


#: Every module-level mapping of labels people read: "module:name".
LABELS = [
    "eventmgr.events.models:EVENT_KINDS",
    "eventmgr.events.models:EVENT_FORMATS",
    "eventmgr.events.models:ATTENDANCE_MODES",
    "eventmgr.events.models:EVENT_STATUSES",
    "eventmgr.events.models:EVENT_PHASES",
    "eventmgr.events.models:VISIBILITIES",
    "eventmgr.events.models:VISIBILITY_NAMES",
    "eventmgr.events.models:REGISTRATION_POLICIES",
    "eventmgr.events.models:REGISTRATION_POLICY_NAMES",
    "eventmgr.events.models:ORGANISATION_ROLES",
    "eventmgr.events.models:EVENT_ROLES",
    "eventmgr.agenda.models:SESSION_KINDS",
    "eventmgr.agenda.models:PARTICIPANT_ROLES",
    "eventmgr.agenda.models:FEATURED_ROLE_SUGGESTIONS",
    "eventmgr.registration.models:REGISTRATION_STATUSES",
    "eventmgr.registration.models:QUESTION_KINDS",
    "eventmgr.registration.delegation_views:MEMBER_STATUSES",
    "eventmgr.registration.delegation_views:MODES",
    "eventmgr.documents.models:DOCUMENT_KINDS",
    "eventmgr.documents.models:DOCUMENT_STATUSES",
    "eventmgr.organisations.models:ORGANISATION_KINDS",
    "eventmgr.people.models:HONORIFIC_LABELS",
    "eventmgr.locales:ZONE_REGIONS",
    "eventmgr.errors:HTTP_ERRORS",
]


@pytest.mark.parametrize("where", LABELS)
def test_labels_are_lazy_strings_read_in_the_readers_language(where):
    """A label made at import would be fixed in the language of the process that imported it."""
    module, name = where.split(":")
    labels = getattr(importlib.import_module(module), name)
    values = list(labels.values() if isinstance(labels, dict) else labels)
    values = [text for value in values for text in (value if isinstance(value, tuple) else (value,))]
    assert values and [type(value).__name__ for value in values if not isinstance(value, LazyString)] == []


def test_label_properties_and_stored_labels_are_plain_strings(
    app, db, make_event, make_user, make_session, make_document, make_organisation
):
    """What is compared, put in JSON or CSV, or stored is a str: a lazy string is none of these."""
    user = make_user()
    event = make_event(organiser=user)
    opening = make_session(event, "  ", kind="opening")
    document = make_document(event, user)
    organisation = make_organisation()
    with app.test_request_context():
        labels = [opening.kind_label, document.kind_label, document.status_label, organisation.kind_label]
    assert [type(label) for label in labels] == [str] * 4
    assert type(opening.title) is str and opening.title == "Opening or welcoming remarks"
    assert document.slug == "recommendations"  # from the kind's code, whatever the reader's language


# --- Extraction: what is marked reaches the catalogue ------------------------------------------------------------


@pytest.fixture(scope="module")
def extraction(tmp_path_factory) -> tuple[dict, str]:
    """The catalogue template `make messages` writes, made with the Makefile's own command (its keywords are what
    this checks too): {(context, msgid): message}, and what pybabel said while extracting."""
    path = tmp_path_factory.mktemp("pot") / "messages.pot"
    said = extract_messages(path)
    with open(path, "rb") as pot:
        catalogue = read_po(pot)
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in catalogue if m.id}, said


def test_messages_labels_and_counts_are_extracted_with_their_contexts_and_plurals(extraction):
    messages, _said = extraction
    for wanted in [
        (None, "Choose conference, webinar, meeting or workshop."),  # a rule of *_rule_errors
        (None, "Only a draft can be published."),  # a service's EventMgrError
        (None, "%(name)s is already in this session."),  # an f-string before, a placeholder now
        (None, "A delegation has at most %(num)d member, its head included."),  # a count
        (None, "The session must start within the event's time (%(span)s)."),
        (None, "Opening or welcoming remarks"),  # a label
        ("event status", "Draft"),  # a label that Russian agrees with its noun
        ("document status", "Published"),
        ("organisation role", "Host"),  # not the host of a session
        (None, "About this webinar"),  # a template
        (None, "Reminders queued: %(reminders)d; calendar updates queued: %(updates)d; messages delivered: %(count)d."),
        (None, "Bad request"),  # an error page
    ]:
        assert wanted in messages, wanted
    counted = messages[(None, "A delegation has at most %(num)d member, its head included.")]
    assert counted.pluralizable and counted.id[1] == "A delegation has at most %(num)d members, its head included."


def test_no_message_is_an_f_string(extraction):
    """Babel skips an f-string with values given to _() (and says so): such text can never be translated."""
    _messages, said = extraction
    assert "Skipping f-string" not in said, said


# --- Templates: no visible English outside _() -------------------------------------------------------------------

#: Jinja's own syntax, removed before the HTML is read: {% trans %} blocks whole, then comments, tags and output.
JINJA = re.compile(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}|\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
#: Attributes people read (or hear, from a screen reader).
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "aria-roledescription", "label"}
#: Words that are the same in every language: {word: why}.
SAME_IN_EVERY_LANGUAGE = {
    "eventmgr": "the product's name",
    "PDF": "the file format's name",
    "SHA": "SHA-256, the name of the checksum",
}


class _VisibleText(HTMLParser):
    """Text nodes and read attributes (and those scripts show: data-*) of HTML whose Jinja has been removed."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str, str]] = []
        self.in_script = 0

    def handle_starttag(self, tag, attrs):
        self.in_script += tag in ("script", "style")
        attributes = dict(attrs)
        for name, value in attrs:
            button_value = name == "value" and tag == "input" and attributes.get("type") in ("submit", "button")
            if value and (name in READ_ATTRIBUTES or name.startswith("data-") or button_value):
                self.check(value, f"<{tag} {name}>")

    def handle_endtag(self, tag):
        self.in_script -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.in_script:
            self.check(data, "text")

    def check(self, text: str, where: str):
        if not [w for w in re.findall(r"[^\W\d_]{2,}", text) if w not in SAME_IN_EVERY_LANGUAGE]:
            return
        # data-* attributes also carry JSON, classes and codes for scripts: only sentences count there.
        if " data-" in where and not re.search(r"[A-Za-z]+ [a-z]+", text):
            return
        self.found.append((self.getpos()[0], where, " ".join(text.split())[:80]))


def visible_english(source: str) -> list[tuple[int, str, str]]:
    # Jinja is replaced by a space (and its line breaks), so that line numbers stay those of the file.
    parser = _VisibleText()
    parser.feed(JINJA.sub(lambda m: " " + "\n" * m.group(0).count("\n"), source))
    parser.close()
    return parser.found


def page_templates():
    return sorted(p for p in TEMPLATES.rglob("*.html") if "email" not in p.relative_to(TEMPLATES).parts)


def test_templates_show_no_english_outside_the_catalogue():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {where}: {text}"
        for path in page_templates()
        for line, where, text in visible_english(path.read_text())
    ]
    assert found == []


def test_the_template_scan_finds_text_attributes_and_script_messages():
    source = (
        '<h1>{{ _("Events") }}</h1><p>Times are shown in {{ zone }}.</p>'
        '<img src="x" alt="Photo of {{ name }}"><input type="submit" value="Save">'
        '<button aria-label="{{ _("Close") }}">×</button>{% trans %}Hello{% endtrans %}'
        '<div data-found="Code read; checking in" data-zone-aliases=\'{"a":"b"}\'></div>'
        "<footer>eventmgr · PDF</footer>"
    )
    assert [where for _, where, _ in visible_english(source)] == [
        "text",
        "<img alt>",
        "<input value>",
        "<div data-found>",
    ]


#: Templates that translate a value rather than a literal, and why that is right there.
TRANSLATED_VALUES = {
    "pdf/document.html": "a version keeps its kind's label as it was published; one in English is put in the "
    "document's language when the PDF is made again",
}


def test_templates_translate_literals_not_values():
    """_(event.kind|capitalize) looks up a msgid nobody extracted: labels come from the lazy label dicts."""
    found = []
    for path in page_templates():
        if path.relative_to(TEMPLATES).as_posix() in TRANSLATED_VALUES:
            continue
        for block in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", path.read_text(), re.S):
            found += [f"{path.relative_to(ROOT)}: {m}" for m in re.findall(r"\b(?:_|gettext)\(\s*[^\s\"')]", block)]
    assert found == []


def test_scripts_take_their_words_from_the_page():
    """What a script shows comes from data-* attributes the template filled through _(): no English in the JS."""
    found = []
    for path in sorted((PACKAGE / "static").glob("*.js")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = re.sub(r"//.*$", "", line)
            for literal in re.findall(r"\"([^\"]*)\"|'([^']*)'", code):
                text = literal[0] or literal[1]
                assigned = re.search(r"(textContent|innerText|value|title|alert|confirm|placeholder)\b.*", code)
                if assigned and re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", text):
                    found.append(f"{path.name}:{number}: {text}")
    assert found == []


# --- In the reader's language, made when raised ------------------------------------------------------------------


def test_a_rule_broken_is_explained_in_the_language_of_the_reader_who_broke_it(db, make_event, make_user, login, post):
    """The message is made for the request that raised it: a Russian organiser's error names the event's days in
    Russian (Babel's months, which need no catalogue), an English one's in English."""
    zone = ZoneInfo("Asia/Almaty")
    start, end = datetime(2030, 7, 24, 9, tzinfo=zone), datetime(2030, 7, 25, 18, tzinfo=zone)
    for language, month in (("ru", "июля"), ("en", "July")):
        organiser = make_user(name=f"Olga {language}")
        organiser.language = language
        db.session.commit()
        event = make_event(organiser=organiser, start_at=start, end_at=end)
        login(organiser)
        url = f"/manage/events/{event.id}/agenda/new"
        response = post(url, {"kind": "panel", "title": "Risk", "start": "2030-07-26T10:00", "end": "2030-07-26T11:00"})
        assert response.status_code == 422
        message = field_errors(response)["start"]
        assert f"24 {month} 2030" in message and "Asia/Almaty" in message, message
        assert post("/logout", {}, token_from=url).status_code == 302


def test_an_error_page_explains_itself_in_the_catalogues_words_not_werkzeugs(client):
    """A method the address does not take: the page's heading and text are ours (and so translated)."""
    response = client.delete("/login")
    assert response.status_code == 405
    assert (
        "405 Not allowed here" in response.text and "This address does not take this kind of request." in response.text
    )
    assert "Method Not Allowed" not in response.text and "The method is not allowed" not in response.text
    as_json = client.delete("/login", headers={"Accept": "application/json"}).get_json()
    assert as_json == {"error": "Method Not Allowed", "description": "This address does not take this kind of request."}
