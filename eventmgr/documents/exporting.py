"""A document's content as a Word file, shaped so that importing it again gives the same structure.

Numbers are Word's own (word/numbering.xml), not typed text: sections "1.", paragraphs "(1)" starting again in each
section, lettered items "(a)" starting again in each paragraph. A delegation that inserts a paragraph in Word sees
the ones after it renumbered, as in the PDF. The file's properties name the secretariat and the version, not the
template python-docx starts from.
"""

import re
from datetime import UTC, datetime
from io import BytesIO
from xml.sax.saxutils import escape

from babel.core import get_global, parse_locale
from docx import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, Twips
from flask_babel import gettext as _

from eventmgr.database import utcnow
from eventmgr.documents.publishing import document_content
from eventmgr.documents.structure import document_locale
from eventmgr.languages import in_language
from eventmgr.limits import xml_safe

#: **bold**, *italic* and [text](url) spans of inline Markdown, in the order they appear.
INLINE_RE = re.compile(r"\*\*(.+?)\*\*|\*(.+?)\*|\[([^\]]+)\]\([^)]+\)")
#: Who a Word file names as its author when the event has no host organisation: the site, as the agenda PDF does.
SITE_NAME = "eventmgr"
#: Word 2010's copy of the styles, which later versions ignore; python-docx's template carries one.
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
#: The template's document id (w14:docId), which every file made from it would share.
WORD_2010_DOCUMENT_ID = "{http://schemas.microsoft.com/office/word/2010/wordml}docId"
#: Word's limit for a core property (title, subject, keywords ...), in characters.
MAX_PROPERTY_CHARS = 255
#: The hanging indents of the PDF (static/pdf/document.css), in twentieths of a point: a paragraph's text 11 mm in
#: from its number, an item's 8 mm in from its letter, a section's heading 8 mm in from its number.
PARAGRAPH_INDENT = 624
ITEM_INDENT = 454
HEADING_INDENT = 454
NUMBER_COLOUR = "163A5A"


def _add_runs(paragraph, text: str, bold: bool = False) -> None:
    """Add inline Markdown as runs: bold and italic become Word formatting, links their text."""
    position = 0
    for match in INLINE_RE.finditer(text):
        if match.start() > position:
            paragraph.add_run(text[position : match.start()]).bold = bold or None
        if match.group(1) is not None:
            paragraph.add_run(match.group(1)).bold = True
        elif match.group(2) is not None:
            run = paragraph.add_run(match.group(2))
            run.italic, run.bold = True, bold or None
        else:
            paragraph.add_run(match.group(3)).bold = bold or None
        position = match.end()
    if position < len(text):
        paragraph.add_run(text[position:]).bold = bold or None


def _xml_safe(value):
    """The content with every string made fit for XML: a stored control character must not break the file."""
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, dict):
        return {key: _xml_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_xml_safe(item) for item in value]
    return value


def word_language_tag(language: str) -> str:
    """The language as Word names it for spelling and hyphenation, with its region: 'ru-RU', 'en-GB', 'kk-KZ'."""
    locale = document_locale(language)
    territory = locale.territory
    if not territory:
        likely = get_global("likely_subtags").get(locale.language)
        territory = parse_locale(likely)[1] if likely else None
    return f"{locale.language}-{territory}" if territory else locale.language


def _set_text_language(word, tag: str) -> None:
    """Mark all text as written in the document's language, so that Word checks it in that language."""
    defaults = word.styles.element.find(qn("w:docDefaults"))
    run_properties = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = run_properties.find(qn("w:lang"))
    if lang is None:
        lang = run_properties.makeelement(qn("w:lang"), {})
        run_properties.append(lang)
    lang.set(qn("w:val"), tag)
    settings = word.settings.element
    theme_language = settings.find(qn("w:themeFontLang"))
    if theme_language is not None:
        theme_language.set(qn("w:val"), tag)


# --- Word's own numbering ----------------------------------------------------------------------------

#: Paragraphs "(1)" at level 0, bold as in the PDF; their lettered items "(a)" at level 1, which Word starts again
#: after each paragraph by itself.
PARAGRAPH_LEVELS = f"""
  <w:multiLevelType w:val="multilevel"/>
  <w:lvl w:ilvl="0">
    <w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="(%1)"/><w:lvlJc w:val="left"/>
    <w:pPr><w:ind w:left="{PARAGRAPH_INDENT}" w:hanging="{PARAGRAPH_INDENT}"/></w:pPr>
    <w:rPr><w:b/><w:bCs/><w:color w:val="{NUMBER_COLOUR}"/></w:rPr>
  </w:lvl>
  <w:lvl w:ilvl="1">
    <w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="(%2)"/><w:lvlJc w:val="left"/>
    <w:pPr><w:ind w:left="{PARAGRAPH_INDENT + ITEM_INDENT}" w:hanging="{ITEM_INDENT}"/></w:pPr>
  </w:lvl>"""
#: Section headings "1.", "2." through the document, as the PDF numbers them.
HEADING_LEVELS = f"""
  <w:multiLevelType w:val="singleLevel"/>
  <w:lvl w:ilvl="0">
    <w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/><w:lvlJc w:val="left"/>
    <w:pPr><w:ind w:left="{HEADING_INDENT}" w:hanging="{HEADING_INDENT}"/></w:pPr>
  </w:lvl>"""


class _Numbering:
    """The document's numbering definitions, added to those of python-docx's template (its List styles use them)."""

    def __init__(self, word):
        self.element = word.part.numbering_part.element
        used = [int(value) for value in self.element.xpath("./w:abstractNum/@w:abstractNumId")]
        self.next_abstract_id = max(used, default=-1) + 1
        self.paragraphs = self._add_abstract(PARAGRAPH_LEVELS)
        self.headings = self.element.add_num(self._add_abstract(HEADING_LEVELS)).numId

    def _add_abstract(self, levels: str) -> int:
        abstract_id = self.next_abstract_id
        self.next_abstract_id += 1
        # nsid: the list's identity, which Word uses to tell lists apart when text is pasted between files.
        definition = parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
            f'<w:nsid w:val="{0x45564D00 + abstract_id:08X}"/>{levels}</w:abstractNum>'
        )
        # Abstract definitions come before the numbering instances that use them.
        existing = self.element.findall(qn("w:abstractNum"))
        if existing:
            existing[-1].addnext(definition)
        else:
            self.element.insert(0, definition)
        return abstract_id

    def restarted(self) -> int:
        """A new instance of the paragraphs' numbering that starts again at (1) and (a): one per section, and one
        for the items of each paragraph without a number."""
        num = self.element.add_num(self.paragraphs)
        for level in (0, 1):
            num.add_lvlOverride(ilvl=level).add_startOverride(1)
        return num.numId


def _number(paragraph, num_id: int, level: int = 0) -> None:
    """Let Word number the paragraph, at the level of that numbering."""
    numbering = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    numbering.get_or_add_ilvl().val = level
    numbering.get_or_add_numId().val = num_id


# --- The file's properties ----------------------------------------------------------------------------


def _property(text: str) -> str:
    """The text within Word's limit for a property."""
    return text if len(text) <= MAX_PROPERTY_CHARS else text[: MAX_PROPERTY_CHARS - 1].rstrip() + "…"


def _written_at(content: dict) -> datetime:
    """When the version was published; a draft's file was written now."""
    published_at = content.get("published_at")
    if isinstance(published_at, str):
        try:
            published_at = datetime.fromisoformat(published_at)
        except ValueError:
            published_at = None
    if not isinstance(published_at, datetime):
        return utcnow()
    return published_at.astimezone(UTC) if published_at.tzinfo else published_at.replace(tzinfo=UTC)


def _set_properties(word, content: dict, author: str, tag: str) -> None:
    """Title, subject, author, keywords, dates and language of the document itself, and nothing of the template
    (python-docx's name and comment, its 2013 dates, revision, blank thumbnail, bibliography, Word 2010 styles)."""
    core = word.core_properties
    for leftover in list(core._element):
        core._element.remove(leftover)
    language = content.get("language") or "en"
    with in_language(language):
        kind = _(content["kind_label"])
        core.title = _property(content["title"])
        core.subject = _property(f"{kind}: {content['event']['title']}")
        if not content.get("version"):
            core.comments = _("Draft, not for circulation")
    core.author = _property(author)
    if content.get("reference"):
        core.keywords = _property(content["reference"])
    core.language = tag
    core.created = core.modified = _written_at(content)  # in UTC: python-docx writes "Z" whatever the zone
    package = word.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RELATIONSHIP_TYPE.THUMBNAIL:
            del package.rels[rel_id]
        elif rel.reltype == RELATIONSHIP_TYPE.EXTENDED_PROPERTIES:
            rel.target_part._blob = _application_properties(author)
    for rel_id, rel in list(word.part.rels.items()):
        if rel.reltype in (RELATIONSHIP_TYPE.CUSTOM_XML, STYLES_WITH_EFFECTS):
            del word.part.rels[rel_id]
    settings = word.settings.element
    # The template's "save a preview picture" brought the thumbnail; "spelling checked, clean" would stop Word
    # checking a text it has never seen; the template's document id would be every exported file's.
    for leftover in (qn("w:savePreviewPicture"), qn("w:proofState"), WORD_2010_DOCUMENT_ID):
        for element in settings.findall(leftover):
            settings.remove(element)


def _application_properties(company: str) -> bytes:
    """docProps/app.xml naming the application and the organisation, instead of the template's "Microsoft Macintosh
    Word" with its counts of an empty page."""
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"<Application>{SITE_NAME}</Application><Company>{escape(company)}</Company></Properties>"
    ).encode()


def secretariat_name(event) -> str:
    """Who writes the event's documents, as a Word file names its author: the first host, else the site."""
    hosts = event.hosts
    return hosts[0].name if hosts else SITE_NAME


def document_docx(document) -> bytes:
    """The document's working copy as a Word file, by its secretariat."""
    return to_docx(document_content(document), author=secretariat_name(document.event))


# --- The text -----------------------------------------------------------------------------------------


def to_docx(content: dict, author: str = SITE_NAME) -> bytes:
    """Write the content (services.document_content) as .docx: headings "1. Introduction", paragraphs "(1)", items
    "(a)", all numbered by Word."""
    content = _xml_safe(content)
    tag = word_language_tag(content.get("language") or "en")
    word = WordDocument()
    section = word.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(25)
    word.styles["Normal"].font.name = "Noto Serif"
    word.styles["Normal"].font.size = Pt(11)
    _set_text_language(word, tag)
    _set_properties(word, content, xml_safe(author), tag)
    numbering = _Numbering(word)

    word.add_heading(content["title"], level=0)
    # Subtitles are the title block's facts, which the editor fills in itself: importing skips them.
    word.add_paragraph(
        ", ".join(p for p in (content["event"]["title"], content.get("place"), content.get("dates")) if p),
        style="Subtitle",
    )
    if content.get("reference"):
        word.add_paragraph(content["reference"], style="Subtitle")
    for doc_section in content["sections"]:
        if doc_section["heading"]:
            heading = word.add_heading(doc_section["heading"], level=1)
            if doc_section["number"]:
                _number(heading, numbering.headings)
        section_numbers = numbering.restarted()
        for paragraph in doc_section["paragraphs"]:
            _add_paragraph(word, paragraph, section_numbers, numbering)
    out = BytesIO()
    word.save(out)
    return out.getvalue()


def _add_paragraph(word, paragraph: dict, section_numbers: int, numbering: _Numbering) -> None:
    """One paragraph of the content: its first block numbered (1) when it is numbered, its other blocks under it,
    its items lettered (a)."""
    numbered = bool(paragraph["number"])
    blocks = [b for b in paragraph["body"].split("\n\n") if b.strip()]
    first = word.add_paragraph()
    first.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if numbered:
        _number(first, section_numbers)
    if paragraph["lead"]:
        _add_runs(first, paragraph["lead"], bold=True)
    elif blocks:
        _add_runs(first, " ".join(blocks.pop(0).split()))
    # Its other blocks in Word's style for text that continues a paragraph, under its text when it is numbered: a
    # paragraph without a number is told from them when the file is imported again.
    for block in blocks:
        extra = word.add_paragraph(style="Body Text")
        extra.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if numbered:
            extra.paragraph_format.left_indent = Twips(PARAGRAPH_INDENT)
        _add_runs(extra, " ".join(block.split()))
    # An unnumbered paragraph's items are lettered from (a) in a numbering of their own, hanging from the margin.
    item_numbers = section_numbers if numbered else numbering.restarted()
    for item in paragraph["items"]:
        line = word.add_paragraph()
        _number(line, item_numbers, level=1)
        if not numbered:
            line.paragraph_format.left_indent = Twips(ITEM_INDENT)
            line.paragraph_format.first_line_indent = -Twips(ITEM_INDENT)
        _add_runs(line, item)
