"""The outcome document's Word file: Word's own numbering (read back from numbering.xml, rendered by LibreOffice,
renumbered after an insertion), its properties (no python-docx leftovers), and importing it again."""

import copy
import io
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime

import pytest
from conftest import missing
from helpers import pdf_info, pdf_text
from lxml import etree

from eventmgr.documents import exporting, services
from eventmgr.documents.structure import add_paragraph, add_section

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
HOST = "Organisation for Security and Co-operation in Europe"


def w(name: str) -> str:
    return f"{{{W}}}{name}"


#: The document's sections as (heading, [(numbered, lead, body, items)]): a preamble of two blocks, paragraphs with
#: and without lead, body blocks and items, paragraphs without a number (with items, and with items only), a
#: numbered paragraph of items only, a heading in lower case.
STRUCTURE = [
    ("", [(False, "", "The Conference was held in Almaty.\n\nIt brought together border services.", [])]),
    (
        "Introduction",
        [
            (True, "", "The participants set out to discuss:", ["trade;", "*transit*;", "security."]),
            (
                True,
                "Information exchange is the basis of border security.",
                "Services should share it.\n\nAt every level.",
                ["on patrols;", "on data."],
            ),
            (False, "", "The following lessons were drawn:", ["first;", "second."]),
            (False, "", "", ["a list of its own;", "without text."]),
            (True, "", "Trade and transit need secure corridors.", []),
        ],
    ),
    ("lessons learned", [(True, "", "", ["patrols;", "data."]), (True, "", "Meet again in **2027**.", [])]),
]


@pytest.fixture
def document(make_user, make_event, make_organisation, make_document, db):
    """A draft of an event hosted by an organisation, with the sections above, and its secretariat member."""
    from eventmgr.events.services import grant_role, set_organisations

    organiser, secretariat = make_user(name="Olga Organiser"), make_user(name="Sam Secretariat")
    event = make_event(
        organiser=organiser, kind="conference", venue_name="Hotel", venue_city="Almaty", venue_country="KZ"
    )
    set_organisations(
        event,
        [(make_organisation(HOST, acronym="OSCE").id, "host"), (make_organisation("BOMCA").id, "host")],
        organiser,
    )
    grant_role(event, secretariat, "secretariat", organiser)
    document = make_document(event, secretariat, title="Recommendations of the Test Conference", reference="TC/1")
    for heading, paragraphs in STRUCTURE:
        section = add_section(document, heading, secretariat)
        for numbered, lead, body, items in paragraphs:
            add_paragraph(section, {"numbered": numbered, "lead": lead, "body": body, "items": items}, secretariat)
    db.session.commit()
    return document, secretariat


def structure(content: dict) -> list:
    return [
        (s["heading"], [(p["number"] is not None, p["lead"], p["body"], p["items"]) for p in s["paragraphs"]])
        for s in content["sections"]
    ]


def exported(client, login, document, secretariat) -> bytes:
    """The Word file the editor's export button gives."""
    login(secretariat)
    response = client.get(f"/manage/events/{document.event_id}/documents/{document.id}/export.docx")
    assert response.status_code == 200
    return response.data


def parts(docx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def word_paragraphs(document_xml: bytes) -> list[tuple[str, str | None, str | None, str]]:
    """Each Word paragraph as (style, ilvl, numId, text)."""
    body = etree.fromstring(document_xml).find(w("body"))
    rows = []
    for p in body.iter(w("p")):
        style = p.find("w:pPr/w:pStyle", NS)
        ilvl, num_id = p.find("w:pPr/w:numPr/w:ilvl", NS), p.find("w:pPr/w:numPr/w:numId", NS)
        rows.append(
            (
                style.get(w("val")) if style is not None else "Normal",
                ilvl.get(w("val")) if ilvl is not None else None,
                num_id.get(w("val")) if num_id is not None else None,
                "".join(t.text or "" for t in p.iter(w("t"))),
            )
        )
    return rows


def test_paragraphs_items_and_headings_are_numbered_by_word_and_start_again_in_each_section(document, client, login):
    docx = exported(client, login, *document)
    files = parts(docx)
    numbering = etree.fromstring(files["word/numbering.xml"])
    abstract = {a.get(w("abstractNumId")): a for a in numbering.findall("w:abstractNum", NS)}
    instances = {n.get(w("numId")): n for n in numbering.findall("w:num", NS)}

    def level(num_id: str, ilvl: str) -> tuple[str, str]:
        definition = abstract[instances[num_id].find("w:abstractNumId", NS).get(w("val"))]
        lvl = definition.find(f"w:lvl[@w:ilvl='{ilvl}']", NS)
        return lvl.find("w:numFmt", NS).get(w("val")), lvl.find("w:lvlText", NS).get(w("val"))

    def starts_again(num_id: str, ilvl: str) -> bool:
        override = instances[num_id].find(f"w:lvlOverride[@w:ilvl='{ilvl}']/w:startOverride", NS)
        return override is not None and override.get(w("val")) == "1"

    rows = word_paragraphs(files["word/document.xml"])
    # No number is typed: Word writes them all.
    assert not [text for *_, text in rows if re.match(r"\s*(\(\d+\)|\([a-z]\)|\d+\.\s)", text)]
    headings = [(num_id, text) for style, _ilvl, num_id, text in rows if style == "Heading1"]
    assert [text for _, text in headings] == ["Introduction", "lessons learned"]
    assert {level(num_id, "0") for num_id, _ in headings} == {("decimal", "%1.")}
    assert len({num_id for num_id, _ in headings}) == 1  # 1., 2. through the document

    numbered = [(ilvl, num_id, text) for _style, ilvl, num_id, text in rows if num_id]
    by_text = {text: (ilvl, num_id) for ilvl, num_id, text in numbered if text}
    paragraphs = [by_text[t] for t in ("The participants set out to discuss:", "Meet again in 2027.")]
    assert all(level(num_id, ilvl) == ("decimal", "(%1)") for ilvl, num_id in paragraphs)
    assert by_text["Information exchange is the basis of border security."][0] == "0"  # the lead carries the number
    assert [ilvl for ilvl, num_id, text in numbered if text == ""] == ["0"]  # (1) of the items-only paragraph
    items = [by_text[t] for t in ("trade;", "transit;", "on data.", "first;", "without text.", "patrols;")]
    assert all(ilvl == "1" and level(num_id, ilvl) == ("lowerLetter", "(%2)") for ilvl, num_id in items)
    # Every numbered paragraph of the content has Word's number, and nothing else at level 0 has one.
    assert sum(1 for _style, ilvl, num_id, _ in rows if num_id and ilvl == "0") == 2 + 5  # 2 headings, 5 paragraphs
    # (1) again in each section: each section's paragraphs are an instance of their own that starts at (1), (a).
    first_section, second_section = paragraphs[0][1], paragraphs[1][1]
    assert first_section != second_section
    assert all(starts_again(num_id, ilvl) for num_id in (first_section, second_section) for ilvl in ("0", "1"))
    assert by_text["on data."][1] == first_section  # a paragraph's items are of its list: Word letters them again
    # Items of a paragraph without a number are lettered from (a) in a list of their own, each.
    own_lists = {by_text["first;"][1], by_text["without text."][1]}
    assert len(own_lists) == 2 and first_section not in own_lists and all(starts_again(n, "1") for n in own_lists)
    # Unnumbered text has no number, and the blocks after a paragraph's first are styled as continuing it.
    plain = {text: (style, num_id) for style, _ilvl, num_id, text in rows}
    assert plain["The Conference was held in Almaty."] == ("Normal", None)
    assert plain["It brought together border services."] == ("BodyText", None)
    assert plain["The following lessons were drawn:"] == ("Normal", None)
    assert plain["Services should share it."] == ("BodyText", None)


def libreoffice(tmp_path, target: str, *docx_files: bytes) -> list[bytes]:
    """The Word files as LibreOffice opens them and saves them again (target "pdf": as it lays them out and
    prints them; "docx": as a reader who edits them in LibreOffice sends them back), in one run for all."""
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        missing("LibreOffice is not installed (Debian: libreoffice-writer-nogui)")
    names = []
    for n, data in enumerate(docx_files):
        (tmp_path / f"file{n}.docx").write_bytes(data)
        names.append(f"file{n}.docx")
    out = tmp_path / target
    subprocess.run(  # noqa: S603 - our own files, in a profile of their own
        [
            office,
            "--headless",
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            *names,
        ],
        cwd=tmp_path,
        capture_output=True,
        timeout=180,
        check=True,
    )
    return [(out / name.replace(".docx", f".{target}")).read_bytes() for name in names]


#: Numbers at the start of a line as LibreOffice lays them out: (1), (a), or a heading's 1.
LABEL_RE = re.compile(r"^\s*(\(\d{1,3}\)|\([a-z]\)|\d{1,2}\.)(?:\s+(\S.*))?$")


def labels(text: str) -> list[tuple[str, str]]:
    """(number, what follows it) of every numbered line."""
    return [(m.group(1), " ".join((m.group(2) or "").split())) for m in map(LABEL_RE.match, text.splitlines()) if m]


def with_inserted_paragraph(docx: bytes) -> bytes:
    """The file as a delegation changes it in Word: a paragraph inserted after (1)'s items, in the same list."""
    files = parts(docx)
    root = etree.fromstring(files["word/document.xml"])
    paragraphs = list(root.iter(w("p")))
    first = next(p for p in paragraphs if "".join(p.itertext()) == "The participants set out to discuss:")
    second = next(p for p in paragraphs if "".join(p.itertext()).startswith("Information exchange"))
    inserted = copy.deepcopy(first)
    runs = inserted.findall(w("r"))
    for run in runs[1:]:
        inserted.remove(run)
    runs[0].find(w("t")).text = "Inserted by a delegation."
    second.addprevious(inserted)
    files["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_libreoffice_shows_words_numbers_in_order_and_renumbers_an_inserted_paragraph(
    document, client, login, tmp_path
):
    docx = exported(client, login, *document)
    original, changed = libreoffice(tmp_path, "pdf", docx, with_inserted_paragraph(docx))
    expected = [
        ("1.", "Introduction"),
        ("(1)", "The participants set out to discuss:"),
        ("(a)", "trade;"),
        ("(b)", "transit;"),
        ("(c)", "security."),
        ("(2)", "Information exchange is the basis of border security."),
        ("(a)", "on patrols;"),
        ("(b)", "on data."),
        ("(a)", "first;"),
        ("(b)", "second."),
        ("(a)", "a list of its own;"),
        ("(b)", "without text."),
        ("(3)", "Trade and transit need secure corridors."),
        ("2.", "lessons learned"),
        ("(1)", ""),
        ("(a)", "patrols;"),
        ("(b)", "data."),
        ("(2)", "Meet again in 2027."),
    ]
    assert labels(pdf_text(original, tmp_path)) == expected
    # Word's numbers follow the text: the paragraphs after the inserted one are numbered one more.
    assert labels(pdf_text(changed, tmp_path)) == [
        *expected[:5],
        ("(2)", "Inserted by a delegation."),
        ("(3)", "Information exchange is the basis of border security."),
        *expected[6:12],
        ("(4)", "Trade and transit need secure corridors."),
        *expected[13:],
    ]
    # LibreOffice reads the properties: title, author, subject, keywords and language.
    info = pdf_info(original, tmp_path)
    assert info["Title"] == "Recommendations of the Test Conference"
    assert info["Author"] == HOST
    assert info["Keywords"] == "TC/1"
    assert "Recommendations" in info["Subject"]
    import pikepdf

    with pikepdf.open(io.BytesIO(original)) as pdf:
        assert str(pdf.Root.Lang) == "en-GB"


def core_properties(docx: bytes) -> dict[str, str]:
    """docProps/core.xml as {local name: text}."""
    root = etree.fromstring(parts(docx)["docProps/core.xml"])
    return {etree.QName(child).localname: child.text or "" for child in root}


def test_the_file_carries_the_documents_properties_and_nothing_of_python_docxs_template(
    document, client, login, db, make_event, make_document
):
    doc, secretariat = document
    before = datetime.now(UTC).replace(microsecond=0)
    docx = exported(client, login, doc, secretariat)
    files = parts(docx)
    everything = b"".join(files.values()).decode("utf-8", "replace")
    assert "python-docx" not in everything and "2013-12-23" not in everything and "Macintosh" not in everything
    # No blank thumbnail, no bibliography, no copy of the styles for Word 2010.
    assert set(files) == {
        "[Content_Types].xml",
        "_rels/.rels",
        "docProps/core.xml",
        "docProps/app.xml",
        "word/document.xml",
        "word/_rels/document.xml.rels",
        "word/styles.xml",
        "word/numbering.xml",
        "word/settings.xml",
        "word/fontTable.xml",
        "word/webSettings.xml",
        "word/theme/theme1.xml",
    }
    assert b"thumbnail" not in files["_rels/.rels"] and b"jpeg" not in files["[Content_Types].xml"]
    core = core_properties(docx)
    assert set(core) == {"title", "subject", "creator", "keywords", "description", "language", "created", "modified"}
    assert core["title"] == "Recommendations of the Test Conference"
    assert core["creator"] == HOST  # the first host, without its acronym
    assert core["subject"] == "Recommendations: Central Asia Border Challenges"
    assert core["keywords"] == "TC/1"
    assert core["description"] == "Draft, not for circulation"
    assert core["language"] == "en-GB"
    created = datetime.fromisoformat(core["created"])
    assert core["modified"] == core["created"] and before <= created <= datetime.now(UTC)  # a draft: written now
    assert b"<Company>Organisation for Security and Co-operation in Europe</Company>" in files["docProps/app.xml"]
    assert b'<w:lang w:val="en-GB"' in files["word/styles.xml"]
    assert b'<w:themeFontLang w:val="en-GB"' in files["word/settings.xml"]
    assert not re.search(rb"savePreviewPicture|proofState|docId", files["word/settings.xml"])

    # A published version's file is dated when the version was published, and is no draft. A title longer than
    # Word allows a property is cut (python-docx refused to write it).
    published_at = datetime(2031, 5, 21, 14, 30, tzinfo=UTC)
    content = services.document_content(doc, number=1) | {"published_at": published_at.isoformat(), "title": "T" * 500}
    version = core_properties(exporting.to_docx(content, author=exporting.secretariat_name(doc.event)))
    assert version["created"] == version["modified"] == "2031-05-21T14:30:00Z"
    assert "description" not in version and version["creator"] == HOST
    assert version["title"] == "T" * 254 + "…"

    # A Russian document of an event without hosts: written in Russian, by the site.
    event = make_event(title="Конференция")
    russian = make_document(event, secretariat, "(1) Текст.", title="Рекомендации", language="ru")
    docx = exporting.document_docx(russian)
    core, files = core_properties(docx), parts(docx)
    assert (core["language"], core["creator"], core["subject"]) == ("ru-RU", "eventmgr", "Рекомендации: Конференция")
    assert "keywords" not in core  # no reference
    assert b'<w:lang w:val="ru-RU"' in files["word/styles.xml"]
    assert "Черновик" in core["description"]


def test_our_own_file_and_one_with_typed_numbers_import_to_the_right_structure(
    document, client, login, db, make_document, tmp_path
):
    from docx import Document as WordDocument

    doc, secretariat = document
    content = services.document_content(doc)
    assert structure(content) == [
        (heading, [(n, lead, body, items) for n, lead, body, items in paragraphs]) for heading, paragraphs in STRUCTURE
    ]
    docx = exported(client, login, doc, secretariat)
    copy_of = make_document(doc.event, secretariat, title="Copy")
    services.import_docx(copy_of, docx, secretariat)
    copied = services.document_content(copy_of)
    assert copied["title"] == "Recommendations of the Test Conference"
    assert structure(copied) == structure(content)
    # The file as a delegation sends it back from LibreOffice, which writes the numbering its own way (an instance
    # where the numbering starts again, the others continuing the list).
    (resaved,) = libreoffice(tmp_path, "docx", docx)
    assert b"startOverride" in parts(resaved)["word/numbering.xml"]
    from_libreoffice = make_document(doc.event, secretariat, title="Back from LibreOffice")
    services.import_docx(from_libreoffice, resaved, secretariat)
    assert structure(services.document_content(from_libreoffice)) == structure(content)

    # A file whose numbers are typed, as eventmgr wrote them before and others still do.
    word = WordDocument()
    word.add_heading("Conclusions of the Typed Meeting", level=0)
    word.add_heading("1. Findings", level=1)
    word.add_paragraph("(1) Borders are shared.")
    word.add_paragraph("(2) ").add_run("Information is the basis.").bold = True
    word.add_paragraph("Services should share it at all levels, every day, at every post along the river.")
    word.add_paragraph("(a) on patrols;")
    word.add_paragraph("(b) on data.")
    word.add_heading("2. lessons learned", level=1)
    word.add_paragraph("(1) Meet again.")
    typed = io.BytesIO()
    word.save(typed)
    other = make_document(doc.event, secretariat, title="Typed")
    services.import_docx(other, typed.getvalue(), secretariat)
    assert structure(services.document_content(other)) == [
        (
            "Findings",
            [
                (True, "", "Borders are shared.", []),
                (
                    True,
                    "Information is the basis.",
                    "Services should share it at all levels, every day, at every post along the river.",
                    ["on patrols;", "on data."],
                ),
            ],
        ),
        ("lessons learned", [(True, "", "Meet again.", [])]),
    ]
