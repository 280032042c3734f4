"""Outcome documents: import, editing and numbering, review, publication with a stored PDF, versions and
their differences, permissions, and the renderer's safety. PDFs are slow, so few are rendered."""

import hashlib
import http.server
import io
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import zipfile
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from conftest import csrf_token
from helpers import log_in_browser, pdf_info, pdf_meta, pdf_text, pdf_words, statements_sent, writes_among
from sqlalchemy import func, select, text

from eventmgr.documents import changes, importing, imports, publishing, services
from eventmgr.documents.models import Document, DocumentComment, DocumentVersion
from eventmgr.errors import ConflictError, EventMgrError
from eventmgr.events.models import Event
from eventmgr.jobs.models import Job
from eventmgr.jobs.services import run_due_jobs

#: Recommendations as a secretariat pastes them: a title, numbered sections, numbered paragraphs with bold leads,
#: lettered items run into the text, a heading mark that only continues a line (a page break in the source).
RECOMMENDATIONS = Path(__file__).resolve().parent / "fixtures" / "recommendations.txt"

PASTED = """# Recommendations of the Test Conference

## 1. Introduction

(1) The Conference was held in Almaty. It brought together border services: (a) of
Kazakhstan; (b) of Kyrgyzstan; (c) of Tajikistan.

(2) Participants thanked the hosts.

The following lessons were drawn.

## 2. Lessons learned

(1) **Information exchange is the basis of border security.** Services should share it at all levels.

(2) Делегаты подчеркнули важность трансграничного сотрудничества.

More text for the second lesson follows here, in a block of its own.

(3) Trade and transit need secure corridors.

## 3. Way forward

(1) The next conference will be held in 2026.
"""


@pytest.fixture
def staff(make_user, make_event, db):
    """An event with an organiser and a secretariat member, and an outsider with no role on it."""
    from eventmgr.events.services import grant_role

    organiser = make_user(name="Olga Organiser")
    secretariat = make_user(name="Sam Secretariat")
    outsider = make_user(name="Otto Outsider")
    event = make_event(
        organiser=organiser,
        kind="conference",
        venue_name="Hotel",
        venue_city="Almaty",
        venue_country="KZ",
        title="Test Conference on Borders",
    )
    grant_role(event, secretariat, "secretariat", organiser)
    db.session.commit()
    return {"event": event, "organiser": organiser, "secretariat": secretariat, "outsider": outsider}


@pytest.fixture
def new_document(staff, make_document):
    """Start a draft of the staff's event by its secretariat, read from the pasted recommendations (or `text`)."""

    def new(text=PASTED, **fields):
        return make_document(staff["event"], staff["secretariat"], text, **{"reference": "TC/2026/1"} | fields)

    return new


def numbers(content) -> list[tuple]:
    return [(s["number"], [p["number"] for p in s["paragraphs"]]) for s in content["sections"]]


# --- Import ---------------------------------------------------------------------------------------


def test_pasted_recommendations_are_read_with_their_structure(staff, db, new_document):
    parsed = importing.parse_text(RECOMMENDATIONS.read_text(encoding="utf-8"))
    assert parsed.title == (
        "Recommendations of the Regional Conference on Customs Co-operation along the Caspian "
        "Transit Corridor (14-15 May 2024, Aktau, Kazakhstan)"
    )
    assert [s.heading for s in parsed.sections] == ["Introduction", "Lessons learned", "Way forward"]
    intro, lessons, way = parsed.sections
    # Three numbered paragraphs, then the closing sentence as a paragraph of its own, without a number.
    assert [p.numbered for p in intro.paragraphs] == [True, True, True, False]
    assert intro.paragraphs[3].body == "The following lessons were drawn from two days of discussion."
    # The items (a) to (d) run into the first paragraph's text; the text before them stays its body.
    first = intro.paragraphs[0]
    assert first.body.startswith("The Regional Conference on Customs Co-operation")
    assert first.body.endswith("The participants set out to discuss:")
    assert [item.split()[:3] for item in first.items] == [
        ["the", "time", "that"],
        ["the", "exchange", "of"],
        ["joint", "risk", "profiles"],
        ["the", "training", "of"],
    ]
    assert first.items[-1].endswith("at ferry terminals.") and not any(p.lead for p in intro.paragraphs)
    # Every lesson has its first sentence as its lead: "# (2) ..." is a paragraph, not a heading, and the lead of
    # (3) goes on over the page break ("#### delays ...") into the next line.
    assert [p.lead for p in lessons.paragraphs] == [
        "Goods cross the sea faster than they clear the ports on either shore.",
        "Joint risk profiles are worth more than additional inspections, provided that each administration trusts "
        "the profiles the other has drawn up.",
        "Particular attention was given to small traders, who carry a growing share of the corridor's goods but "
        "know its procedures least and who suffer most from the cost of delays at the ports of the region.",
    ]
    assert [len(p.body.split("\n\n")) for p in lessons.paragraphs] == [2, 1, 3]
    assert lessons.paragraphs[0].body.startswith("Delegations reported ferry crossings")
    # The way forward: four numbered paragraphs, none with a lead, the first two closing with a semicolon.
    assert [(p.numbered, p.lead, p.body[-1]) for p in way.paragraphs] == [
        (True, "", ";"),
        (True, "", ";"),
        (True, "", "."),
        (True, "", "."),
    ]

    # Imported into a document, the numbering restarts in each section and skips the closing sentence.
    document = new_document(text=RECOMMENDATIONS.read_text(encoding="utf-8"))
    assert numbers(services.document_content(document)) == [(1, [1, 2, 3, None]), (2, [1, 2, 3]), (3, [1, 2, 3, 4])]


def test_markdown_bold_leads_items_and_plain_paragraphs_are_recognised():
    parsed = importing.parse_text(
        "Intro line without a section.\n\n1. Findings\n\n(1) **Bold lead.** Body text.\n"
        "(a) first item\n(b) second item\n  that wraps\n\n(2) Second.\n"
    )
    preamble, findings = parsed.sections
    assert preamble.heading == "" and preamble.paragraphs[0].numbered is False
    first = findings.paragraphs[0]
    assert (first.lead, first.body, first.items) == (
        "Bold lead.",
        "Body text.",
        ["first item", "second item that wraps"],
    )
    assert findings.paragraphs[1].body == "Second."


def test_bare_marks_bullets_and_headings_without_numbers_are_recognised():
    parsed = importing.parse_text(
        "###\n# The Title\n\n(a) a lettered line before any paragraph\n\n## Annex\n\n(1)\nThe text under its number.\n"
        "- a bullet\n- another bullet\n  wrapped\n\n(2) Two.\n\n# Second heading\n\n(3) Three.\n"
    )
    assert parsed.title == "The Title"  # the first level-1 heading; an empty heading line is skipped
    preamble, annex, second = parsed.sections
    # A lettered line with no paragraph to belong to is text of its own.
    assert [(p.numbered, p.body) for p in preamble.paragraphs] == [(False, "(a) a lettered line before any paragraph")]
    assert annex.heading == "Annex" and second.heading == "Second heading"
    assert [(p.body, p.items) for p in annex.paragraphs] == [
        ("The text under its number.", ["a bullet", "another bullet wrapped"]),
        ("Two.", []),
    ]
    assert [p.body for p in second.paragraphs] == ["Three."]


def test_a_heading_in_lower_case_continues_the_line_before_it_or_else_heads_a_section():
    parsed = importing.parse_text("## annex in lower case\n\n(1) The text runs\n### on over a page break\n")
    assert parsed.title == ""
    [(heading, paragraphs)] = [(s.heading, [p.body for p in s.paragraphs]) for s in parsed.sections]
    assert (heading, paragraphs) == ("annex in lower case", ["The text runs on over a page break"])


def test_pasted_text_is_read_in_time_however_it_is_spaced():
    started = time.monotonic()
    parsed = importing.parse_text(
        "# Title ##\n\n## 1. Findings\n\n(1) " + "a" + " " * 400_000 + "b\n\n# a" + " " * 60_000 + "b ##\n"
    )
    assert time.monotonic() - started < 1  # a heading pattern that backtracked took minutes over such spaces
    assert parsed.title == "Title" and [s.heading for s in parsed.sections] == ["Findings"]
    assert parsed.sections[0].paragraphs[0].body.split() == ["a", "b", "a", "b"]  # "# a ... b" goes on the text before


def test_import_refuses_empty_text(staff, db, make_document):
    document = make_document(staff["event"], staff["secretariat"], title="Empty")
    with pytest.raises(EventMgrError, match="No paragraphs"):
        services.import_text(document, "\n\n", staff["secretariat"])


def test_a_docx_export_imports_back_to_the_same_structure(staff, db, new_document, make_document):
    from eventmgr.documents.exporting import to_docx

    document = new_document()
    content = services.document_content(document)
    other = make_document(staff["event"], staff["secretariat"], title="Copy")
    services.import_docx(other, to_docx(content), staff["secretariat"])
    copy = services.document_content(other)
    assert copy["title"] == "Recommendations of the Test Conference"
    assert numbers(copy) == numbers(content)
    assert [(p["lead"], p["body"], p["items"]) for s in copy["sections"] for p in s["paragraphs"]] == [
        (p["lead"], p["body"], p["items"]) for s in content["sections"] for p in s["paragraphs"]
    ]
    with pytest.raises(EventMgrError, match="not a Word"):
        services.import_docx(other, b"PK not really a zip", staff["secretariat"])


def test_a_word_file_without_numbering_definitions_is_imported(staff, db, tmp_path, make_document):
    """Files from other editors may have no numbering part at all (python-docx's own always has one)."""
    from docx import Document as WordDocument
    from docx.opc.constants import RELATIONSHIP_TYPE

    word = WordDocument()
    word.add_heading("1. Findings", level=1)
    word.add_paragraph("(1) Borders are shared.")
    (numbering,) = [rel_id for rel_id, rel in word.part.rels.items() if rel.reltype == RELATIONSHIP_TYPE.NUMBERING]
    del word.part.rels[numbering]
    upload = tmp_path / "plain.docx"
    word.save(upload)
    document = make_document(staff["event"], staff["secretariat"], title="Plain")
    services.import_docx(document, upload.read_bytes(), staff["secretariat"])
    assert numbers(services.document_content(document)) == [(1, [1])]


def test_a_word_file_is_imported_and_the_draft_exported_and_previewed_through_the_editor(
    staff, client, login, post, db, tmp_path, make_document
):
    from docx import Document as WordDocument

    word = WordDocument()
    word.add_heading("Conclusions of the Word Meeting", level=0)
    word.add_heading("1. Findings", level=1)
    first = word.add_paragraph("(1) ")
    first.add_run("Borders are shared.").bold = True
    word.add_paragraph(
        "Both sides must act together, every day, at every post along the river, and tell each "
        "other what they see, so that nothing crosses unseen and every officer knows the others."
    )
    word.add_paragraph("(a) on patrols;")
    word.add_paragraph("(b) on data.")
    word.add_heading("2. Next steps", level=1)
    word.add_paragraph("(1) Meet again.")
    # Word's own automatic numbering, which is not in the text: level 1 numbers paragraphs, level 2 letters items.
    word.add_paragraph("Report to the ministers.", style="List Number")
    word.add_paragraph("in writing", style="List Number 2")
    upload = tmp_path / "conclusions.docx"
    word.save(upload)
    document = make_document(staff["event"], staff["secretariat"], title="Draft")
    login(staff["secretariat"])
    base = f"/manage/events/{staff['event'].id}/documents/{document.id}"
    with upload.open("rb") as file:
        response = post(
            f"{base}/import",
            {"file": (file, "conclusions.docx"), "replace": "y"},
            token_from=base,
            content_type="multipart/form-data",
        )
    assert response.status_code == 302
    db.session.expire_all()
    content = services.document_content(db.session.get(Document, document.id))
    assert content["title"] == "Conclusions of the Word Meeting"
    assert numbers(content) == [(1, [1]), (2, [1, 2])]
    assert content["sections"][1]["paragraphs"][1]["items"] == ["in writing"]
    lead = content["sections"][0]["paragraphs"][0]
    assert (lead["lead"], lead["items"]) == ("Borders are shared.", ["on patrols;", "on data."])
    exported = client.get(f"{base}/export.docx")
    assert exported.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in exported.headers["Content-Disposition"]
    preview = client.get(f"{base}/preview.pdf")
    assert preview.status_code == 200 and preview.headers["Cache-Control"] == "private, no-store"
    text = pdf_words(preview.data, tmp_path)
    assert "(1) Borders are shared." in text and "Draft, not for circulation" in text
    with (tmp_path / "conclusions.docx").open("rb") as file:
        bad = post(
            f"{base}/import",
            {"file": (file, "x.docx"), "text": ""},
            token_from=base,
            content_type="multipart/form-data",
        )
    assert bad.status_code == 302  # the same file again: fine
    broken = post(
        f"{base}/import",
        {"file": (io.BytesIO(b"not a zip"), "x.docx")},
        token_from=base,
        content_type="multipart/form-data",
    )
    assert broken.status_code == 422 and "not a Word" in broken.text


# --- Word files that are not what they seem -------------------------------------------------------------


@cache
def empty_word_file() -> bytes:
    from docx import Document as WordDocument

    out = io.BytesIO()
    WordDocument().save(out)
    return out.getvalue()


def word_file(body: bytes = b"<w:p><w:r><w:t>(1) Borders are shared.</w:t></w:r></w:p>", parts=None, drop=()) -> bytes:
    """python-docx's own empty Word file with `body` as its text, `parts` put in (or replaced) and `drop` left out."""
    source = zipfile.ZipFile(io.BytesIO(empty_word_file()))
    parts = dict(parts or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            data = parts.pop(info.filename, None)
            if data is None:
                data = source.read(info)
                if info.filename == "word/document.xml":
                    data = data.split(b"<w:body>")[0] + b"<w:body>" + body + b"<w:sectPr/></w:body></w:document>"
            target.writestr(info.filename, data)
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def with_every_part(data: bytes, method: int | None = None, flags: int = 0) -> bytes:
    """The zip with every part's compression method set to `method` and `flags` added to its flags, in its local
    header and in the central directory alike: what another tool than Word may write (an encrypted part, a method
    zipfile cannot unpack)."""
    import struct

    out = bytearray(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    places = [(info.header_offset + 6, info.header_offset + 8) for info in archive.infolist()]
    entry = archive.start_dir
    for _ in archive.infolist():
        places.append((entry + 8, entry + 10))
        names, extra, comment = struct.unpack_from("<HHH", out, entry + 28)
        entry += 46 + names + extra + comment
    for flag_at, method_at in places:
        struct.pack_into("<H", out, flag_at, struct.unpack_from("<H", out, flag_at)[0] | flags)
        if method is not None:
            struct.pack_into("<H", out, method_at, method)
    return bytes(out)


def many_paragraphs(count: int) -> bytes:
    """Short numbered paragraphs, each different, so that they pack no better than text does."""
    return b"".join(b"<w:p><w:r><w:t>(%d) Point %x.</w:t></w:r></w:p>" % (n, n * 7919) for n in range(count))


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><w:document xmlns:w="http://schemas.openxmlformats.org/'
    b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&c;</w:t></w:r></w:p></w:body></w:document>'
)
NOT_A_NUMBER = (
    b'<w:p><w:pPr><w:numPr><w:ilvl w:val="first"/><w:numId w:val="1"/></w:numPr></w:pPr>'
    b"<w:r><w:t>Meet again.</w:t></w:r></w:p>"
)
HOSTILE_FILES = {
    # name: (what the file is, the status, what the message at the file field says)
    "not a zip": (lambda: b"%PDF-1.7 not a Word file", 422, "This is not a Word (.docx) file."),
    "a zip of something else": (
        lambda: zip_of({"notes.txt": b"Borders are shared."}),
        422,
        "This file has no document text in it",
    ),
    "no document part": (lambda: word_file(drop=("word/document.xml",)), 422, "This file has no document text in it"),
    "text not well-formed": (lambda: word_file(b"<w:p><w:r><w:t>unclosed</w:p>"), 422, "The Word file is damaged"),
    "entities defined in a DTD": (
        lambda: word_file(parts={"word/document.xml": LAUGHS}),
        422,
        "The Word file is damaged",
    ),
    "parts packed by a method zipfile cannot unpack": (
        lambda: with_every_part(word_file(), method=99),
        422,
        "The Word file is damaged",
    ),
    "encrypted parts": (lambda: with_every_part(word_file(), flags=0x1), 422, "The Word file is damaged"),
    "styles named but missing": (lambda: word_file(drop=("word/styles.xml",)), 422, "This Word file cannot be read"),
    "numbering named but missing": (
        lambda: word_file(drop=("word/numbering.xml",)),
        422,
        "This Word file cannot be read",
    ),
    "styles not XML": (
        lambda: word_file(parts={"word/styles.xml": b"<w:styles"}),
        422,
        "This Word file cannot be read",
    ),
    "no content types": (lambda: word_file(drop=("[Content_Types].xml",)), 422, "This Word file cannot be read"),
    "a level python-docx cannot read": (lambda: word_file(NOT_A_NUMBER), 422, "This Word file cannot be read"),
    # 200,000 short paragraphs in a few hundred KB: such a file held a CPU for six minutes.
    "200,000 paragraphs": (lambda: word_file(many_paragraphs(200_000)), 422, "too many paragraphs (over 12,000)"),
    # 2 MB of zeros packed into 2 KB: what a zip bomb is made of.
    "a part packed 1,000 times": (
        lambda: word_file(parts={"word/media/image1.png": bytes(2 * 2**20)}),
        413,
        "The Word file unpacks to too much",
    ),
    "61 MB unpacked": (
        lambda: word_file(parts={f"word/media/image{n}.png": bytes(2**20) for n in range(61)}),
        413,
        "The Word file unpacks to too much",
    ),
    "501 parts": (
        lambda: zip_of({f"word/media/image{n}.png": b"" for n in range(501)}),
        413,
        "The Word file has too many parts",
    ),
    "over 10 MB": (lambda: b"PK" + secrets.token_bytes(10 * 2**20), 413, "The Word file is too large (over 10 MB)."),
}


def upload(post, url: str, data: dict, token_from: str):
    """POST a form with a file; the test client's copy of a large body (a temporary file) is closed after."""
    response = post(url, data, token_from=token_from, content_type="multipart/form-data")
    response.request.environ["wsgi.input"].close()
    return response


@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_a_word_file_that_is_not_what_it_seems_is_refused_at_the_file_field(
    name, staff, client, login, post, db, make_document
):
    make, status, message = HOSTILE_FILES[name]
    document = make_document(staff["event"], staff["secretariat"], title="Draft")
    login(staff["secretariat"])
    base = f"/manage/events/{staff['event'].id}/documents/{document.id}"
    started = time.monotonic()
    response = upload(post, f"{base}/import", {"file": (io.BytesIO(make()), "report.docx")}, base)
    assert time.monotonic() - started < 5
    assert response.status_code == status
    error = re.search(r'<p class="error" id="file-error">(.*?)</p>', response.text, re.S)
    assert error and message in error.group(1).replace("&#39;", "'"), response.text[:300]
    db.session.expire_all()
    assert db.session.get(Document, document.id).sections == [] and db.session.execute(select(Job)).all() == []


def test_a_request_over_the_upload_limit_is_refused_at_the_file_field_before_it_is_read(
    staff, client, login, post, db, make_document
):
    document = make_document(staff["event"], staff["secretariat"], title="Draft")
    login(staff["secretariat"])
    base = f"/manage/events/{staff['event'].id}/documents/{document.id}"
    response = upload(post, f"{base}/import", {"file": (io.BytesIO(bytes(12 * 2**20)), "huge.docx")}, base)
    assert response.status_code == 413
    assert re.search(r'<p class="error" id="file-error">The Word file is too large \(over 10 MB\)\.</p>', response.text)
    assert '<h2 class="doc-title">Draft</h2>' in response.text  # the editor, not an error page
    client.post("/logout", data={"csrf_token": csrf_token(client, base)})
    refused = upload(post, f"{base}/import", {"file": (io.BytesIO(bytes(12 * 2**20)), "huge.docx")}, "/login")
    assert refused.status_code == 413 and "Draft" not in refused.text  # nothing of the editor for anyone else


def test_the_paragraphs_are_counted_before_python_docx_is_given_the_file(monkeypatch):
    import docx

    def never(*args, **kwargs):
        raise AssertionError("python-docx was given a file the checks refuse")

    empty_word_file()  # made (once) by python-docx itself, before it is barred
    monkeypatch.setattr(docx, "Document", never)
    # Refused by the count alone: python-docx, barred above, never parses the 200,000 paragraphs (no timing here:
    # on a loaded machine a second proves nothing).
    with pytest.raises(importing.ImportProblem, match="too many paragraphs"):
        importing.parse_docx(word_file(many_paragraphs(200_000)))
    monkeypatch.setattr(importing, "MAX_WORD_ELEMENTS", 50)
    with pytest.raises(importing.ImportProblem, match="too complex"):
        importing.parse_docx(word_file(b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 20))


def test_reading_a_word_file_is_bounded_in_time(staff, db, make_document):
    document = make_document(staff["event"], staff["secretariat"], title="Slow")
    with pytest.raises(services.UnreadableFile, match="took too long"):
        services.import_docx(document, word_file(), staff["secretariat"], time_limit=0)
    assert document.sections == []


def test_a_document_as_long_as_a_document_may_be_is_imported_at_once(staff, db, make_document):
    from docx import Document as WordDocument

    word = WordDocument()
    for number in range(services.MAX_PARAGRAPHS):
        if number % 40 == 0:
            word.add_heading(f"{number // 40 + 1}. Part {number // 40 + 1}", level=1)
        paragraph = word.add_paragraph(f"({number % 40 + 1}) ")
        paragraph.add_run("A lead sentence in bold.").bold = True
        paragraph.add_run(" The body of the paragraph, which goes on for a while as official texts do.")
        if number % 4 == 0:
            for letter in "abc":
                word.add_paragraph(f"({letter}) an item of the list;")
    out = io.BytesIO()
    word.save(out)
    assert services.check_word_file(out.getvalue()).elements < imports.INLINE_IMPORT_ELEMENTS / 5
    document = make_document(staff["event"], staff["secretariat"], title="Long")
    parsed = services.import_word_file(document, out.getvalue(), "long.docx", staff["secretariat"])
    assert parsed.paragraph_count == services.MAX_PARAGRAPHS and len(parsed.sections) == 10


def test_a_long_word_file_is_imported_by_the_worker_while_the_editor_shows_its_progress(
    staff, client, login, post, db, monkeypatch, make_document
):
    from docx import Document as WordDocument

    monkeypatch.setattr(imports, "INLINE_IMPORT_ELEMENTS", 20)  # any file is long
    word = WordDocument()
    word.add_heading("Conclusions of the Word Meeting", level=0)
    word.add_heading("1. Findings", level=1)
    word.add_paragraph("(1) Borders are shared.")
    word.add_heading("2. Next steps", level=1)
    word.add_paragraph("(1) Meet again.")
    word.add_paragraph("(2) Report to the ministers.")
    upload = io.BytesIO()
    word.save(upload)
    document = make_document(staff["event"], staff["secretariat"], title="Draft")
    login(staff["secretariat"])
    base = f"/manage/events/{staff['event'].id}/documents/{document.id}"
    response = post(
        f"{base}/import",
        {"file": (io.BytesIO(upload.getvalue()), "conclusions.docx"), "replace": "y"},
        token_from=base,
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#import")
    waiting = client.get(base).text
    assert "Importing conclusions.docx… waiting for its turn" in waiting and "data-pending" in waiting
    db.session.expire_all()
    assert db.session.get(Document, document.id).sections == []  # nothing yet: the worker imports it

    assert run_due_jobs() == 1
    done = client.get(base).text
    assert "Imported 2 sections and 3 paragraphs from conclusions.docx." in done
    assert "data-pending" not in done and 'http-equiv="refresh"' not in done
    db.session.expire_all()
    content = services.document_content(db.session.get(Document, document.id))
    assert content["title"] == "Conclusions of the Word Meeting" and numbers(content) == [(1, [1]), (2, [1, 2])]
    job = db.session.execute(select(Job).where(Job.kind == services.IMPORT_JOB)).scalar_one()
    assert (job.state, job.payload, job.report) == ("done", None, {"sections": 2, "paragraphs": 3})
    # Reported until the text is next changed.
    first = db.session.get(Document, document.id).sections[0].paragraphs[0]
    services.update_paragraph(first, {"body": "Borders are shared by all."}, staff["secretariat"])
    db.session.commit()
    assert "Imported 2 sections" not in client.get(base).text

    # A file the worker finds nothing in is reported, not tried again.
    post(
        f"{base}/import",
        {"file": (io.BytesIO(word_file(b"<w:p/>" * 30)), "blank.docx")},
        token_from=base,
        content_type="multipart/form-data",
    )
    assert run_due_jobs() == 1
    failed = client.get(base).text
    assert "blank.docx could not be imported: No paragraphs were found in what you imported." in failed
    db.session.expire_all()
    assert db.session.get(Document, document.id).sections[0].paragraphs[0].body == "Borders are shared by all."


def test_page_margin_text_and_paragraph_numbers_are_escaped(app):
    from markupsafe import Markup

    from eventmgr.documents.views import css_string, numbered_first

    assert css_string('a"b</style><script>') == Markup('"a\\22 b\\3c /style\\3e \\3c script\\3e "')
    # Markup (text joined with ~ under autoescape) is the text its entities stand for, escaped for CSS alone; the
    # space after an escape ends it, so a space in the text is one more.
    assert css_string(Markup("Border &amp; Customs &lt;b&gt;")) == Markup('"Border \\26  Customs \\3c b\\3e "')
    # Shortened as text, so that an entity is never cut in half.
    assert css_string(Markup("Trade &amp; Transit &amp; Travel"), 16) == Markup('"Trade \\26  Transit…"')
    assert numbered_first(Markup("<p>Text</p>"), Markup("<b>(1)</b>")) == Markup("<p><b>(1)</b>Text</p>")
    assert numbered_first(Markup("<ul><li>x</li></ul>"), "<i>") == Markup("&lt;i&gt;<ul><li>x</li></ul>")
    adapter = app.url_map.bind("localhost")
    assert adapter.match("/events/e/documents/recommendations.pdf")[0] == "documents.pdf"
    assert adapter.match("/events/e/documents/recommendations/v2.pdf")[0] == "documents.version_pdf"
    assert adapter.match("/events/e/documents/recommendations/v2")[0] == "documents.version"


def test_the_running_header_and_footer_print_the_text_not_its_html_entities(staff, db, tmp_path, new_document):
    event = staff["event"]
    event.title = 'Border & Customs "Corridors" <2026>'
    db.session.commit()
    # Long enough for a second page, which alone has the running header.
    document = new_document(text=RECOMMENDATIONS.read_text(encoding="utf-8"), reference="B&C/2026/REC")
    pdf = services.render_content_pdf(services.document_content(document, number=1))
    # The page margins' lines, without spaces (pdftotext puts in or leaves out some, by the glyphs' spacing).
    margins = ["".join(line.split()) for line in pdf_text(pdf, tmp_path).splitlines() if "·" in line]
    assert 'Recommendations·Border&Customs"Corridors"<2026>' in margins  # the running header, on page 2
    header = next(line for line in pdf_text(pdf, tmp_path).splitlines() if "Corridors" in line)
    assert re.search(r'Border +& +Customs +"Corridors" +<2026>', header)  # the spaces after & and " kept
    assert sum(line.startswith("B&C/2026/REC·Version1") for line in margins) == 2  # the footer, on both pages
    assert not any("&amp;" in line or "&lt;" in line or "&#" in line for line in margins)


# --- Editing ---------------------------------------------------------------------------------------


def test_numbering_restarts_in_each_section_and_follows_edits(staff, db, new_document):
    document = new_document()
    content = services.document_content(document)
    assert numbers(content) == [(1, [1, 2, None]), (2, [1, 2, None, 3]), (3, [1])]
    assert content["place"] == "Almaty, Kazakhstan" and content["dates"]
    lessons = document.sections[1]
    assert lessons.paragraphs[0].lead == "Information exchange is the basis of border security."
    user = staff["secretariat"]
    services.add_paragraph(lessons, {"body": "Inserted first."}, user, position=0)
    services.delete_paragraph(lessons.paragraphs[3], user)  # the unnumbered block
    services.move_paragraph(document.sections[2].paragraphs[0], -1, user)  # into the end of section 2
    services.move_section(document.sections[2], -1, user)  # "Way forward", now empty, before "Lessons"
    content = services.document_content(document)
    assert [s["heading"] for s in content["sections"]] == ["Introduction", "Way forward", "Lessons learned"]
    assert numbers(content) == [(1, [1, 2, None]), (2, []), (3, [1, 2, 3, 4, 5])]
    assert content["sections"][2]["paragraphs"][0]["body"] == "Inserted first."
    with pytest.raises(EventMgrError, match="Write the paragraph"):
        services.add_paragraph(lessons, {"body": "  "}, user)


def test_a_paragraph_moved_into_a_section_not_yet_loaded_survives(staff, db, new_document):
    """Between leaving one section and joining the next a paragraph is an orphan: no flush may delete it."""
    document_id = new_document().id
    db.session.expire_all()
    document = db.session.get(Document, document_id)
    services.move_paragraph(document.sections[0].paragraphs[-1], 1, staff["secretariat"])
    db.session.commit()
    db.session.expire_all()
    content = services.document_content(db.session.get(Document, document_id))
    assert numbers(content) == [(1, [1, 2]), (2, [None, 1, 2, None, 3]), (3, [1])]
    assert content["sections"][1]["paragraphs"][0]["body"].startswith("The following lessons were drawn")


def test_a_paragraph_saved_by_someone_else_meanwhile_is_not_overwritten(staff, db, new_document):
    document = new_document()
    paragraph = document.sections[0].paragraphs[1]
    seen = paragraph.updated_at - timedelta(seconds=5)
    with pytest.raises(ConflictError):
        services.update_paragraph(paragraph, {"body": "Mine."}, staff["organiser"], seen_at=seen)
    services.update_paragraph(
        paragraph, {"body": "Mine.", "items": "(a) one\n(b) two"}, staff["organiser"], seen_at=paragraph.updated_at
    )
    assert (paragraph.body, paragraph.items) == ("Mine.", ["one", "two"])


def test_user_markdown_is_sanitised_on_the_page_and_in_the_editor(staff, client, login, db, new_document):
    document = new_document(text="1. One\n\n(1) <script>alert(1)</script> **bold** [x](javascript:alert(1))\n")
    login(staff["secretariat"])
    page = client.get(f"/manage/events/{staff['event'].id}/documents/{document.id}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "javascript:" not in page.text
    assert "<strong>bold</strong>" in page.text


# --- Workflow and permissions ----------------------------------------------------------------------


def test_review_comments_and_the_workflow(staff, client, login, post, db, new_document):
    document = new_document()
    base = f"/manage/events/{staff['event'].id}/documents/{document.id}"
    login(staff["organiser"])
    assert post(f"{base}/review", token_from=base).status_code == 302
    paragraph = document.sections[1].paragraphs[0]
    response = post(f"{base}/comments", {"body": "Say which services.", "paragraph_id": paragraph.id}, token_from=base)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Document, document.id).status == "review"
    comment = db.session.execute(select(DocumentComment)).scalar_one()
    assert (comment.paragraph_id, comment.author_id) == (paragraph.id, staff["organiser"].id)
    page = client.get(base)
    assert "Say which services." in page.text and "has-comments" in page.text
    assert post(f"{base}/comments/{comment.id}/resolve", token_from=base).status_code == 302
    db.session.expire_all()
    assert db.session.get(DocumentComment, comment.id).resolved_at is not None
    assert post(f"{base}/draft", token_from=base).status_code == 302
    db.session.expire_all()
    assert db.session.get(Document, document.id).status == "draft"
    # Structure through the editor: a section inserted before the second, a paragraph moved up, one deleted.
    assert post(f"{base}/sections", {"heading": "Context", "position": "1"}, token_from=base).status_code == 302
    second = document.sections[0].paragraphs[1]
    assert post(f"{base}/paragraphs/{second.id}/move", {"direction": "up"}, token_from=base).status_code == 302
    assert post(f"{base}/paragraphs/{paragraph.id}/delete", token_from=base).status_code == 302
    db.session.expire_all()
    content = services.document_content(db.session.get(Document, document.id))
    assert [s["heading"] for s in content["sections"]] == ["Introduction", "Context", "Lessons learned", "Way forward"]
    assert content["sections"][0]["paragraphs"][0]["body"] == "Participants thanked the hosts."
    assert numbers(content)[2] == (3, [1, None, 2])
    assert db.session.get(DocumentComment, comment.id).paragraph_id is None  # kept, about the whole document


MANAGE_PATHS = ["", "/{doc}", "/{doc}/paragraphs/{par}", "/{doc}/sections/{sec}/paragraphs", "/{doc}/export.docx"]
MANAGE_POSTS = [
    "/{doc}/publish",
    "/{doc}/review",
    "/{doc}/import",
    "/{doc}/comments",
    "/{doc}/delete",
    "/{doc}/sections",
    "/{doc}/sections/{sec}/delete",
    "/{doc}/paragraphs/{par}/delete",
    "/{doc}/paragraphs/{par}/move",
    "/{doc}/sections/{sec}/move",
    "/{doc}/sections/{sec}",
    "/{doc}/comments/1/resolve",
    "/{doc}/draft",
]


def _paths(staff, document, paths):
    values = {"doc": document.id, "sec": document.sections[0].id, "par": document.sections[0].paragraphs[0].id}
    return [f"/manage/events/{staff['event'].id}/documents" + p.format(**values) for p in paths]


def test_nobody_without_a_role_on_the_event_sees_drafts_or_publishes(
    staff, make_event, make_user, client, login, db, new_document, make_document
):
    from eventmgr.events.services import grant_role

    document = new_document()
    other_event = make_event(organiser=staff["outsider"], title="Another event")
    grant_role(other_event, staff["outsider"], "secretariat", staff["outsider"])
    db.session.commit()
    # Visitors: the draft has no public page, and the event page lists nothing.
    public = f"/events/{staff['event'].slug}/documents/{document.slug}"
    for path in (public, f"{public}.pdf", f"{public}/v1.pdf", f"{public}/changes"):
        assert client.get(path).status_code == 404
    assert "Outcome documents" not in client.get(f"/events/{staff['event'].slug}").text
    for path in _paths(staff, document, MANAGE_PATHS):
        assert client.get(path).status_code == 302  # to the login page
    # Someone with roles elsewhere only.
    login(staff["outsider"])
    token = csrf_token(client, f"/manage/events/{other_event.id}/documents")
    for path in _paths(staff, document, MANAGE_PATHS):
        assert client.get(path).status_code == 403, path
    for path in _paths(staff, document, MANAGE_POSTS):
        assert client.post(path, data={"csrf_token": token, "body": "x", "text": PASTED}).status_code == 403, path
    for path in _paths(staff, document, ["/{doc}/preview.pdf", "/letters"]):
        assert client.get(path).status_code == 403, path
    assert client.get(public).status_code == 404
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(DocumentVersion)).scalar_one() == 0
    assert db.session.get(Document, document.id).status == "draft"
    # The secretariat and the organiser may.
    for user in (staff["secretariat"], staff["organiser"]):
        client.post("/logout", data={"csrf_token": token})
        login(user)
        for path in _paths(staff, document, MANAGE_PATHS):
            assert client.get(path).status_code == 200, path
    # A document of another event is not reachable through this event's URLs.
    foreign = make_document(other_event, staff["outsider"], title="Theirs")
    assert client.get(f"/manage/events/{staff['event'].id}/documents/{foreign.id}").status_code == 404


def test_a_secretariat_member_cannot_edit_the_event_itself(staff, client, login):
    login(staff["secretariat"])
    assert client.get(f"/manage/events/{staff['event'].id}/edit").status_code == 403
    nav = client.get(f"/manage/events/{staff['event'].id}/documents").text
    assert "Documents" in nav and "/edit" not in nav


# --- Publication, versions, PDF ----------------------------------------------------------------------


@pytest.fixture
def published(staff, make_organisation, db, new_document, make_registration):
    """The pasted document published as version 1, with an annex of confirmed and attending delegates."""
    from eventmgr.events.services import set_organisations

    event = staff["event"]
    host = make_organisation("Ministry of Foreign Affairs of Japan", acronym="MOFA", kind="ministry")
    set_organisations(
        event, [(host.id, "host"), (make_organisation("BOMCA Programme").id, "co_organiser")], staff["organiser"]
    )
    make_registration(event, country="KZ", organisation_name="Border Service of Kazakhstan")
    make_registration(event, country="RU", organisation_name="Absent Agency", checked_in=True, status="cancelled")
    make_registration(event, country="FR", organisation_name="Never Confirmed", status="pending")
    make_registration(event, country="TJ", organisation_name="Border Troops of Tajikistan")
    document = new_document()
    version = services.publish(document, staff["secretariat"])
    db.session.commit()
    return document, version


def test_publishing_freezes_a_version_whose_stored_pdf_is_typeset_and_tagged(published, staff, client, db, tmp_path):
    document, version = published
    assert (version.number, document.status, version.published_by_id) == (1, "published", staff["secretariat"].id)
    assert version.pdf_sha256 == hashlib.sha256(version.pdf).hexdigest() and version.pdf_size == len(version.pdf)
    assert version.content["annex"]["countries"] == ["Kazakhstan", "Russia", "Tajikistan"]
    assert "Never Confirmed" not in version.content["annex"]["organisations"]
    text = pdf_text(version.pdf, tmp_path)
    flat = " ".join(text.split())
    # Numbering restarts in each section: (1) (2) in 1., (1) (2) (3) in 2., (1) in 3.
    found = re.findall(r"^\s*(\d\.\s+[A-Z][a-z ]+|\(\d\))", text, re.M)
    assert [f.strip() if f.startswith("(") else f.split()[0] for f in found] == [
        "1.",
        "(1)",
        "(2)",
        "2.",
        "(1)",
        "(2)",
        "(3)",
        "3.",
        "(1)",
    ]
    assert "Делегаты подчеркнули важность трансграничного сотрудничества." in flat
    assert "Participating countries and organisations" in flat and "Border Troops of Tajikistan" in flat
    assert "Ministry of Foreign Affairs of Japan (MOFA)" in flat and "BOMCA Programme" in flat
    assert "TC/2026/1" in flat and "Page 2 of" in flat
    info = pdf_info(version.pdf, tmp_path)
    assert info["Title"] == "Recommendations of the Test Conference"
    assert info["Tagged"] == "yes" and int(info["Pages"]) >= 2 and "A4" in info["Page size"]
    assert info["Author"] == "Ministry of Foreign Affairs of Japan (MOFA)" and info["Creator"] == "eventmgr"
    assert info["CreationDate"].endswith(f"{version.published_at.year} UTC")
    assert info["Subject"].startswith("Recommendations: Test Conference on Borders")
    assert 'pdfuaid:part="1"' in pdf_meta(version.pdf, tmp_path)
    fonts = subprocess.run(["pdffonts", "-"], input=version.pdf, capture_output=True).stdout.decode()  # noqa: S607
    assert "Noto" in fonts and all(" yes " in line for line in fonts.splitlines()[2:])  # all embedded

    # The public page, the event page and the stored PDF with its ETag.
    event = staff["event"]
    base = f"/events/{event.slug}/documents/{document.slug}"
    page = client.get(base)
    assert page.status_code == 200 and "Information exchange is the basis of border security." in page.text
    assert "Border Troops of Tajikistan" in page.text
    assert base in client.get(f"/events/{event.slug}").text
    pdf = client.get(f"{base}.pdf")
    assert pdf.data == version.pdf and pdf.headers["ETag"] == f'"{version.pdf_sha256}"'
    assert "max-age=300" in pdf.headers["Cache-Control"]
    again = client.get(f"{base}.pdf", headers={"If-None-Match": pdf.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    fixed = client.get(f"{base}/v1.pdf")
    assert fixed.data == version.pdf and "immutable" in fixed.headers["Cache-Control"]
    assert client.get(f"{base}/v2.pdf").status_code == 404
    assert client.get(f"{base}/v1.pdf", headers={"If-None-Match": fixed.headers["ETag"]}).status_code == 304
    # A private event's documents are as hidden as the event.
    event.visibility = "private"
    db.session.commit()
    for path in (base, f"{base}.pdf", f"{base}/v1.pdf", f"{base}/v1", f"{base}/changes"):
        assert client.get(path).status_code == 404, path


def test_a_correction_is_version_2_and_leaves_version_1_untouched(published, staff, client, db, tmp_path):
    document, first = published
    first_pdf, first_sha = first.pdf, first.pdf_sha256
    user = staff["organiser"]
    paragraph = document.sections[1].paragraphs[0]
    services.update_paragraph(paragraph, {"lead": paragraph.lead, "body": "Services should share it daily."}, user)
    assert document.status == "draft"
    with pytest.raises(EventMgrError, match="Say what this correction changes"):
        services.publish(document, user)
    services.delete_paragraph(document.sections[0].paragraphs[1], user)
    services.add_paragraph(document.sections[2], {"body": "A new closing paragraph."}, user)
    second = services.publish(document, user, note="Lesson 1 made precise.")
    db.session.commit()
    assert second.number == 2
    db.session.expire_all()
    stored = db.session.get(DocumentVersion, first.id)
    assert stored.pdf == first_pdf and stored.pdf_sha256 == first_sha == hashlib.sha256(stored.pdf).hexdigest()
    base = f"/events/{staff['event'].slug}/documents/{document.slug}"
    assert client.get(f"{base}/v1.pdf").data == first_pdf
    assert client.get(f"{base}.pdf").data != first_pdf
    old_page = client.get(f"{base}/v1")
    assert "Participants thanked the hosts." in old_page.text and "A newer version" in old_page.text
    changes = client.get(f"{base}/changes?from=1&to=2")
    assert changes.status_code == 200
    assert "<del>it</del>" in changes.text or "<del>" in changes.text
    assert "<ins>daily.</ins>" in changes.text or "daily." in changes.text
    entries = services.compare(first.content, second.content)
    states = {e["state"] for e in entries}
    assert states >= {"changed", "added", "removed", "unchanged"}
    removed = next(e for e in entries if e["state"] == "removed")
    assert removed["old_label"] == "1.(2)"
    # Paragraph 1.(3) of version 1 had no number; the removal renumbers nothing numbered after it.
    assert services.change_count(entries) == 3
    assert "Lesson 1 made precise." in client.get(base).text
    # The worker renders each version's archival PDF/A from its frozen content; it is served as stored.
    assert run_due_jobs() == 2
    archive = client.get(f"{base}/v1-archive.pdf")
    assert archive.status_code == 200 and "immutable" in archive.headers["Cache-Control"]
    assert 'pdfaid:part="3"' in pdf_meta(archive.data, tmp_path)
    assert "Participants thanked the hosts." in pdf_text(archive.data, tmp_path)
    db.session.expire_all()
    assert db.session.get(DocumentVersion, first.id).archive_sha256 == hashlib.sha256(archive.data).hexdigest()
    assert client.get(f"{base}/v1-archive.pdf").data == archive.data


def test_the_archival_pdf_is_made_by_the_worker_and_reading_it_writes_nothing(published, staff, client, db, tmp_path):
    document, version = published
    base = f"/events/{staff['event'].slug}/documents/{document.slug}"
    archive_url = f"{base}/v1-archive.pdf"
    with statements_sent(db) as sent:
        page = client.get(base)
        waiting = client.get(archive_url)
        missing = client.get(f"{base}/v2-archive.pdf")
    assert writes_among(sent) == []
    # Published, not yet archived: the page offers no archival PDF, and its URL says when to come back.
    assert page.status_code == 200 and archive_url not in page.text and "PDF/A" not in page.text
    assert waiting.status_code == 503 and waiting.headers["Retry-After"] == "30"
    assert "being made" in waiting.text and waiting.headers["Cache-Control"] == "no-store"
    assert missing.status_code == 404

    assert run_due_jobs() == 1
    db.session.expire_all()
    stored = db.session.get(DocumentVersion, version.id)
    assert stored.archive_sha256 == hashlib.sha256(stored.archive_pdf).hexdigest()
    with statements_sent(db) as sent:
        archive = client.get(archive_url)
        again = client.get(archive_url, headers={"If-None-Match": archive.headers["ETag"]})
        page = client.get(base)
    assert writes_among(sent) == []
    assert archive.status_code == 200 and archive.data == stored.archive_pdf
    assert archive.headers["ETag"] == f'"{stored.archive_sha256}"' and "immutable" in archive.headers["Cache-Control"]
    assert f'filename="{staff["event"].slug}-{document.slug}-v1-archive.pdf"' in archive.headers["Content-Disposition"]
    assert 'pdfaid:part="3"' in pdf_meta(archive.data, tmp_path)
    assert again.status_code == 304 and not again.data
    assert archive_url in page.text and "Archival PDF/A" in page.text
    assert run_due_jobs() == 0  # made once


def test_an_archival_pdf_that_failed_is_reported_to_the_secretariat_and_can_be_made_again(
    published, staff, app, client, login, runner, db, monkeypatch
):
    document, version = published
    real_render = publishing.render_content_pdf

    def failing(*args, **kwargs):
        raise services.RenderFailed("The PDF could not be rendered in time.")

    monkeypatch.setattr(publishing, "render_content_pdf", failing)
    assert run_due_jobs() == app.config["JOB_MAX_ATTEMPTS"]  # tried again after each failure, then given up
    base = f"/events/{staff['event'].slug}/documents/{document.slug}"
    assert client.get(f"{base}/v1-archive.pdf").status_code == 404  # nothing is being made any more
    login(staff["secretariat"])
    editor = f"/manage/events/{staff['event'].id}/documents/{document.id}"
    page = client.get(editor).text
    assert "The archival PDF (PDF/A) of version 1 could not be made: The PDF could not be rendered in time." in page
    # Once the cause is mended, the administrators have it made again.
    monkeypatch.setattr(publishing, "render_content_pdf", real_render)
    assert runner.invoke(args=["documents", "archive"]).output == "Queued 1 archival PDF for the worker.\n"
    assert runner.invoke(args=["documents", "archive"]).output.startswith("Queued 0 ")  # asked once is enough
    assert "is being made" in client.get(editor).text
    assert run_due_jobs() == 1
    assert "PDF/A" not in client.get(editor).text
    assert client.get(f"{base}/v1-archive.pdf").status_code == 200


def test_migration_0012_queues_the_archival_pdfs_that_were_never_made(tmp_path):
    """Before 0012 a version's archival PDF was made on a visitor's first request; those never asked for are
    queued for the worker on the way up, and the jobs of kinds the older code does not know go on the way down."""
    from conftest import new_database
    from flask_migrate import downgrade, upgrade

    from eventmgr import create_app
    from eventmgr.events.services import create_event
    from eventmgr.extensions import db
    from eventmgr.jobs.models import Job

    with new_database(tmp_path) as url:
        scratch = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test secret key"})
        with scratch.app_context():
            upgrade()
            start = datetime(2030, 5, 20, 4, tzinfo=UTC)
            event = create_event(
                {
                    "title": "Regional Conference on Border Security",
                    "kind": "webinar",
                    "timezone": "Asia/Almaty",
                    "start_at": start,
                    "end_at": start + timedelta(days=2),
                    "visibility": "public",
                    "registration_policy": "open",
                },
                None,
            )
            document = Document(event=event, slug="recommendations", kind="recommendations", title="Recommendations")
            never_asked = DocumentVersion(
                document=document, number=1, content={}, pdf=b"%PDF-1.7", pdf_sha256="1" * 64, pdf_size=8
            )
            asked = DocumentVersion(
                document=document,
                number=2,
                content={},
                pdf=b"%PDF-1.7",
                pdf_sha256="2" * 64,
                pdf_size=8,
                archive_pdf=b"%PDF-1.7 PDF/A",
                archive_sha256="3" * 64,
            )
            db.session.add_all([document, never_asked, asked])  # as before 0012: versions, no archive jobs
            db.session.commit()
            ids = (event.id, never_asked.id)
            db.session.remove()
            downgrade(revision="0009")
            db.session.remove()

            upgrade()
            assert db.session.execute(select(Job.kind, Job.params, Job.state, Job.event_id)).all() == [
                ("document-archive", {"version_id": ids[1]}, "queued", ids[0])
            ]
            db.session.remove()
            downgrade(revision="0009")
            assert db.session.execute(text("SELECT count(*) FROM jobs")).scalar_one() == 0
            db.session.remove()
            db.engine.dispose()


def test_a_failed_render_publishes_nothing_and_leaves_the_published_version_alone(
    published, staff, app, db, monkeypatch
):
    document, first = published
    first_pdf = first.pdf
    services.update_paragraph(document.sections[0].paragraphs[0], {"body": "Corrected."}, staff["secretariat"])
    db.session.commit()
    monkeypatch.setitem(app.config, "DOCUMENT_RENDER_TIMEOUT", 0.05)  # the renderer is killed after 50 ms
    with pytest.raises(services.RenderFailed):
        services.publish(document, staff["secretariat"], note="Correction.")
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Document, document.id).status == "draft"
    versions = db.session.execute(select(DocumentVersion)).scalars().all()
    assert [(v.number, v.pdf) for v in versions] == [(1, first_pdf)]


def test_a_failed_render_shows_an_error_and_keeps_the_draft(
    staff, app, client, login, post, db, monkeypatch, new_document
):
    document = new_document()
    monkeypatch.setitem(app.config, "DOCUMENT_RENDER_TIMEOUT", 0.05)
    login(staff["secretariat"])
    base = f"/manage/events/{staff['event'].id}/documents/{document.id}"
    response = post(f"{base}/publish", token_from=base)
    assert response.status_code == 503 and "nothing was published" in response.text
    db.session.expire_all()
    assert db.session.get(Document, document.id).status == "draft"


def test_starting_the_app_registers_the_document_jobs(tmp_path):
    # In a fresh interpreter: this one has long imported every module, whatever the app imports by itself.
    script = (
        "from eventmgr import create_app; from eventmgr.jobs.services import _kinds; "
        "create_app({'TESTING': True, 'SQLALCHEMY_DATABASE_URI': 'sqlite://'}); print(' '.join(sorted(_kinds)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,  # noqa: S603
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "EVENTMGR_INSTANCE_PATH": str(tmp_path)},
    )
    assert {"document-import", "document-archive", "certificates", "badges"} <= set(result.stdout.split())


def test_a_comparison_marks_each_paragraph_by_its_key_whatever_its_number():
    def paragraph(key, number, body, lead="", items=()):
        return {"key": key, "number": number, "lead": lead, "body": body, "items": list(items)}

    old = {
        "sections": [
            {
                "number": 1,
                "heading": "Findings",
                "paragraphs": [
                    paragraph(1, 1, "Borders are shared."),
                    paragraph(2, 2, "Risks <grow>.", lead="Risk."),
                    paragraph(3, None, "Closing."),
                ],
            }
        ]
    }
    new = {
        "sections": [
            {"number": None, "heading": "", "paragraphs": [paragraph(4, None, "A preamble & more.")]},
            {
                "number": 1,
                "heading": "Findings",
                "paragraphs": [
                    paragraph(2, 1, "Risks <grow> fast.", lead="Risk.", items=["one", "two"]),
                    paragraph(1, 2, "Borders are shared."),
                ],
            },
        ]
    }
    entries = changes.compare(old, new)
    assert [(e["state"], e["label"], e.get("old_label"), str(e["text"])) for e in entries] == [
        ("section", "", None, ""),
        ("added", "¶", "", "<ins>A preamble &amp; more.</ins>"),
        ("section", "1.", None, "Findings"),
        (
            "changed",
            "1.(1)",
            "1.(2)",
            "Risk.<br>Risks <del>&lt;grow&gt;.</del><ins>&lt;grow&gt; fast.<br>(a) one<br>(b) two</ins>",
        ),
        ("unchanged", "1.(2)", "1.(1)", "Borders are shared."),
        ("removed", "", "1.¶", "<del>Closing.</del>"),
    ]
    assert changes.change_count(entries) == 3


# --- The renderer fetches nothing it should not ----------------------------------------------------------


@pytest.fixture
def bait_server():
    """An HTTP server on 127.0.0.1 that counts requests and redirects some to file:// and to itself."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            hits.append(self.path)
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd" if "file" in self.path else "/final.png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.hits = hits
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    server.server_close()


def test_the_renderer_fetches_nothing_but_the_apps_own_files(app, bait_server, staff, db, tmp_path, new_document):
    from eventmgr.pdf import INTERNAL_ORIGIN, AppURLFetcher, RefusedURL, html_to_pdf

    url = bait_server.url
    html = f"""<html><head><link rel="stylesheet" href="{url}/style.css">
      <link rel="stylesheet" href="file:///etc/passwd"><link rel="stylesheet" href="pdf/document.css"></head>
      <body><p>Safe.</p><img src="file:///etc/hostname"><img src="{url}/redirect-to-file.png">
      <img src="{url}/redirect.png"><img src="http://localhost:{bait_server.server_port}/x.png">
      <img src="{INTERNAL_ORIGIN}/events/{staff["event"].slug}"><img src="{INTERNAL_ORIGIN}/static/../../etc/passwd">
      <iframe src="{url}/frame"></iframe><object data="{url}/object"></object></body></html>"""
    with app.test_request_context():
        fetched = []
        original = AppURLFetcher.fetch

        def spy(self, target, headers=None):
            fetched.append(target)
            return original(self, target, headers)

        AppURLFetcher.fetch = spy
        try:
            pdf = html_to_pdf(html, variant="pdf/ua-1", timeout=60)
            in_process = html_to_pdf(html)
        finally:
            AppURLFetcher.fetch = original
        for refused in (f"{url}/style.css", "file:///etc/passwd", f"{INTERNAL_ORIGIN}/events/{staff['event'].slug}"):
            with pytest.raises(RefusedURL):
                AppURLFetcher().fetch(refused)
    assert pdf.startswith(b"%PDF") and in_process.startswith(b"%PDF")
    assert bait_server.hits == []
    assert f"{INTERNAL_ORIGIN}/static/pdf/document.css" in fetched  # the app's own files are still served
    assert "Safe." in pdf_text(pdf, tmp_path)

    # Document content cannot smuggle a fetch in either: images and raw HTML are removed before rendering.
    document = new_document(
        text=f'1. One\n\n(1) ![x]({url}/md.png) <img src="file:///etc/passwd"> '
        f'<link rel=stylesheet href="{url}/c.css"> [link]({url}/link)\n'
    )
    with app.test_request_context():
        services.render_content_pdf(services.document_content(document))
    assert bait_server.hits == []


# --- In the browser ------------------------------------------------------------------------------------


def test_the_secretariat_pastes_fixes_and_publishes_and_a_visitor_downloads_the_pdf(
    page, live_server, staff, db, tmp_path, make_registration
):
    make_registration(staff["event"], country="TJ", organisation_name="Border Troops of Tajikistan")
    page.on("dialog", lambda dialog: dialog.accept())
    log_in_browser(page, staff["secretariat"])
    page.goto(f"/manage/events/{staff['event'].id}")
    page.click("nav.subnav >> text=Documents")
    page.fill("#title", "Recommendations")
    page.fill("#reference", "TC/2026/REC")
    page.click("text=Create draft")
    page.fill("#text", PASTED)
    page.click("button:has-text('Import')")
    assert page.locator(".flash-success").inner_text().startswith("Imported 3 sections")
    # Fix paragraph 1.(2).
    page.locator(".editor-para", has_text="Participants thanked the hosts.").locator("text=Edit").click()
    page.fill("#body", "Participants warmly thanked the hosts, the Government of Kazakhstan.")
    page.click("text=Save paragraph")
    assert page.locator(".editor-para", has_text="warmly thanked").locator(".para-number").inner_text() == "(2)"
    page.click(".publish-form button")
    page.wait_for_url(f"**/events/{staff['event'].slug}/documents/recommendations")
    assert "Version 1 is published." in page.locator(".flash-success").inner_text()

    visitor = page.context.browser.new_context(base_url=live_server.url, accept_downloads=True)
    try:
        tab = visitor.new_page()
        tab.goto(f"/events/{staff['event'].slug}")
        tab.click(".event-documents >> text=Recommendations of the Test Conference")
        assert "warmly thanked the hosts" in tab.locator(".published-doc").inner_text()
        with tab.expect_download() as download_info:
            tab.click("text=Download PDF")
        path = tmp_path / "downloaded.pdf"
        download_info.value.save_as(path)
    finally:
        visitor.close()
    pdf = path.read_bytes()
    layout = pdf_text(pdf, tmp_path)
    found = re.findall(r"^\s*(\d\.\s+[A-Z][a-z ]+|\(\d\))", layout, re.M)
    assert [f.strip() if f.startswith("(") else f.split()[0] for f in found] == [
        "1.",
        "(1)",
        "(2)",
        "2.",
        "(1)",
        "(2)",
        "(3)",
        "3.",
        "(1)",
    ]
    text = " ".join(layout.split())
    assert "(2) Participants warmly thanked the hosts, the Government of Kazakhstan." in text
    assert "Делегаты подчеркнули" in text and "Border Troops of Tajikistan" in text
    info = pdf_info(pdf, tmp_path)
    assert info["Tagged"] == "yes" and info["Title"] == "Recommendations of the Test Conference"
    assert int(info["Pages"]) >= 2
    db.session.expire_all()
    assert db.session.execute(select(DocumentVersion.pdf_sha256)).scalar_one() == hashlib.sha256(pdf).hexdigest()


# --- Demo data ---------------------------------------------------------------------------------------


def test_the_demo_documents_load_once(make_event, make_user, db):
    from eventmgr.demo.documents import BOROVOE_SLUG, JAPAN_EU_SLUG, load_document_demo

    make_user(email="secretariat@example.org")
    japan_eu = make_event(
        slug=JAPAN_EU_SLUG,
        title="Japan-EU Conference",
        kind="conference",
        venue_name="Hall",
        venue_city="Dushanbe",
        venue_country="TJ",
    )
    borovoe = make_event(slug=BOROVOE_SLUG, title="Borovoe conference")
    report = load_document_demo(echo=lambda line: None)
    db.session.commit()
    assert "Japan-EU recommendations" in report and "Borovoe" in report
    recommendations = services.public_document(japan_eu, "recommendations")
    assert recommendations.latest_version.number == 1
    content = recommendations.latest_version.content
    assert [s["heading"] for s in content["sections"]] == ["Introduction", "Lessons learned", "Way forward"]
    assert numbers(content) == [(1, [1, 2, 3, None]), (2, [1, 2, 3]), (3, [1, 2, 3, 4])]
    assert content["place"] == "Dushanbe, Tajikistan"
    conclusions, russian = db.session.execute(
        select(Document).where(Document.event_id == borovoe.id).order_by(Document.id)
    ).scalars()
    assert conclusions.status == "published" and len(conclusions.versions) == 1
    # Its Russian version, linked to it, is published as it is: their pages link to each other.
    assert (russian.language, russian.translation_of_id, russian.status) == ("ru", conclusions.id, "published")
    assert load_document_demo(echo=lambda line: None).endswith("nothing to add")
    assert db.session.execute(select(func.count()).select_from(DocumentVersion)).scalar_one() == 3


# --- Letters, certificates and badges ----------------------------------------------------------------------


def test_certificates_visa_letters_and_badges(staff, client, login, post, db, tmp_path, make_registration):
    event = staff["event"]
    attended = make_registration(
        event, family_name="Rahimov", country="TJ", organisation_name="Border Troops", checked_in=True
    )
    asking = make_registration(
        event, family_name="Ahmadzai", country="AF", organisation_name="Afghan Border Police", needs_visa_letter=True
    )
    not_confirmed = make_registration(
        event, family_name="Pending", country="KG", needs_visa_letter=True, status="pending"
    )
    base = f"/manage/events/{event.id}/documents/letters"
    login(staff["secretariat"])  # letters concern delegates' data: organisers only
    for path in (base, f"{base}/certificate/{attended.id}.pdf"):
        assert client.get(path).status_code == 403
    assert (
        client.post(
            f"{base}/badges", data={"csrf_token": csrf_token(client, f"/manage/events/{event.id}/documents")}
        ).status_code
        == 403
    )
    client.post("/logout", data={"csrf_token": csrf_token(client, f"/manage/events/{event.id}/documents")})
    login(staff["organiser"])
    assert (
        post(
            base,
            {
                "letterhead": "Border Management Programme",
                "signatory_name": "Anna Director",
                "signatory_title": "Programme Manager",
            },
        ).status_code
        == 302
    )
    page = client.get(base).text
    assert asking.full_name in page and not_confirmed.full_name not in page
    assert client.get(f"{base}/visa/{asking.id}.pdf").status_code == 409  # not approved yet
    assert post(f"{base}/visa/{asking.id}/approve", token_from=base).status_code == 302
    letter = client.get(f"{base}/visa/{asking.id}.pdf")
    assert letter.status_code == 200 and letter.headers["Cache-Control"] == "private, no-store"
    text = pdf_words(letter.data, tmp_path)
    assert "Visa support letter" in text and asking.full_name in text and "Border Management Programme" in text
    assert f"{event.id}/001" in text and "Anna Director" in text
    assert post(f"{base}/visa/{not_confirmed.id}/approve", token_from=base).status_code == 302
    assert client.get(f"{base}/visa/{not_confirmed.id}.pdf").status_code == 409

    # Attendance is certified once the event has ended: before, the desk is told when.
    refused = client.get(f"{base}/certificate/{attended.id}.pdf")
    assert refused.status_code == 409 and "issued once the event has ended" in refused.text
    ended = db.session.get(Event, event.id)
    ended.start_at, ended.end_at = ended.start_at - timedelta(days=60), ended.end_at - timedelta(days=60)
    db.session.commit()
    certificate = client.get(f"{base}/certificate/{attended.id}.pdf")
    text = pdf_words(certificate.data, tmp_path)
    assert "Certificate of attendance" in text and attended.full_name in text and "Test Conference on Borders" in text
    assert client.get(f"{base}/certificate/{asking.id}.pdf").status_code == 409  # never checked in

    # Delegates download their own letters through their private link, and nobody else's.
    own = f"/events/{event.slug}/registration/{asking.access_token}"
    assert client.get(f"{own}/visa-letter.pdf").data.startswith(b"%PDF")
    assert client.get(f"{own}/certificate.pdf").status_code == 404  # not checked in
    assert client.get(f"/events/{event.slug}/registration/{attended.access_token}/certificate.pdf").status_code == 200
    assert (
        client.get(f"/events/{event.slug}/registration/{not_confirmed.access_token}/visa-letter.pdf").status_code == 404
    )  # approved by mistake, but never confirmed
    assert client.get(f"/events/{event.slug}/registration/{'x' * 43}/visa-letter.pdf").status_code == 404
    from eventmgr.documents.views import delegate_documents

    with client.application.test_request_context():
        assert [label for label, _url in delegate_documents(asking)] == ["Visa support letter"]
        assert [label for label, _url in delegate_documents(attended)] == ["Certificate of attendance"]

    # Badges are a job: asked for here, rendered by the worker, then downloaded from the page.
    assert post(f"{base}/badges", token_from=base).status_code == 302
    assert "Being prepared" in client.get(base).text
    assert run_due_jobs() == 1
    link = re.search(r'href="([^"]+/letters/jobs/\d+\.pdf)"', client.get(base).text).group(1)
    badges = client.get(link)
    assert badges.headers["Cache-Control"] == "private, no-store"
    text = pdf_words(badges.data, tmp_path)
    assert asking.family_name in text and "Afghan Border Police" in text and "Afghanistan" in text
    assert not_confirmed.family_name not in text
