"""Read a document's structure from pasted text, Markdown or a Word file.

Secretariats write outcome documents in Word and paste them around, so the parser recognises the shapes
they use rather than a strict syntax: "2. Lessons learned" (with or without Markdown's #) starts a
section, "(1)" a numbered paragraph, "(a)" a lettered item. A paragraph whose first block is one sentence
followed by more text (more than a closing line) has that sentence as its bold lead, as has one that
starts with **bold** text. A heading-marked line that starts in lower case is a line broken off the
paragraph before it (a page break in the source), and joins it again.

A Word file may number its paragraphs itself (Word's numbering, as eventmgr's own export does): the numbers are then
not in the text, and the file says where each paragraph starts. A paragraph Word numbers at the first level starts a
numbered paragraph, one at a deeper level or lettered is an item; text after it continues it when it is indented
or styled as continuing text ("Body Text", "List Continue"), and otherwise starts a paragraph without a number.
"""

import re
import time
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from docx.oxml.ns import qn
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from lxml import etree

SECTION_RE = re.compile(r"^(?:section\s+)?(\d{1,2}|[IVX]{1,5})[.)]\s+(\S.{0,200})$", re.IGNORECASE)
PARAGRAPH_RE = re.compile(r"^\((\d{1,3})\)\s*(.*)$")
ITEM_RE = re.compile(r"^\(([a-z])\)\s+(.*)$")
BULLET_RE = re.compile(r"^[-*•]\s+(.*)$")
#: "## Heading ##": the closing #s are stripped in code, since a pattern for them backtracks over every space.
MD_HEADING_RE = re.compile(r"^(#{1,6})(.*)$")
BOLD_LEAD_RE = re.compile(r"^\*\*(.+?)\*\*\s*(.*)$", re.DOTALL)
#: A sentence end: . ! ? (maybe closed by a quote or bracket) then a space and the next sentence.
SENTENCE_BREAK_RE = re.compile(r"[.!?][\"')\]]?\s+(?=[\"'(\[]?[A-ZА-ЯЁ0-9])")

MAX_IMPORT_CHARS = 500_000
MAX_DOCX_BYTES = 10 * 1024 * 1024
# A Word file is a zip: what it unpacks to is bounded from its directory before anything is unpacked. A long
# report with pictures unpacks to a few megabytes in a few dozen parts; XML compresses some 10 to 30 times.
MAX_DOCX_PARTS = 500
MAX_DOCX_UNPACKED = 60 * 1024 * 1024
MAX_DOCX_PART = 30 * 1024 * 1024
#: Parts bigger than this may not unpack to more than MAX_DOCX_RATIO times their packed size: Word's XML packs
#: 10 to 100 times, a zip bomb some 1,000 times.
RATIO_CHECKED_FROM = 1024 * 1024
MAX_DOCX_RATIO = 250
#: Word paragraphs (headings, lettered items and empty lines each count) and XML elements of the text itself:
#: a document may hold 400 paragraphs of 26 items, and Word spends some ten elements on a paragraph.
MAX_WORD_PARAGRAPHS = 12_000
MAX_WORD_ELEMENTS = 600_000
WORD_NAMESPACES = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",
)
OFFICE_DOCUMENT = "/officeDocument/2006/relationships/officeDocument"


class ImportProblem(ValueError):
    """The text or file could not be read as a document."""


class ImportTooLarge(ImportProblem):
    """The file is (or unpacks to) more than a document may be."""


class ImportTimedOut(ImportProblem):
    """Reading the file took longer than allowed."""


@dataclass
class ParsedParagraph:
    numbered: bool = True
    lead: str = ""
    body: str = ""
    items: list[str] = field(default_factory=list)
    #: Blocks (runs of lines between blank lines) before they are split into lead and body.
    blocks: list[str] = field(default_factory=list)
    #: Whether a Word file said where the paragraph starts and which blocks are its own: its lead is then only
    #: bold text, and none of its blocks is guessed to be a paragraph of its own.
    explicit: bool = False


@dataclass
class ParsedSection:
    heading: str = ""
    paragraphs: list[ParsedParagraph] = field(default_factory=list)


@dataclass
class ParsedDocument:
    title: str = ""
    sections: list[ParsedSection] = field(default_factory=list)

    @property
    def paragraph_count(self) -> int:
        return sum(len(s.paragraphs) for s in self.sections)


def _is_single_sentence(text: str) -> bool:
    text = text.strip()
    return bool(text) and text[-1] in ".!?:;" and not SENTENCE_BREAK_RE.search(text) and len(text) <= 400


def _looks_like_section(text: str) -> re.Match | None:
    """'2. Lessons learned': a number and a short heading that is not a sentence."""
    match = SECTION_RE.match(text)
    if match and len(match.group(2)) <= 120 and not match.group(2).rstrip().endswith((".", ";", ",")):
        return match
    return None


def _too_long_message() -> str:
    return ngettext(
        "The text is too long to import (over %(limit)s character).",
        "The text is too long to import (over %(limit)s characters).",
        MAX_IMPORT_CHARS,
        limit=format_number(MAX_IMPORT_CHARS),
    )


def parse_text(text: str) -> ParsedDocument:
    """Recognise title, sections, numbered paragraphs and items in pasted text or Markdown."""
    if len(text) > MAX_IMPORT_CHARS:
        raise ImportProblem(_too_long_message())
    reader = _TextReader()
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        reader.read(line.strip())
    doc = reader.finish()
    _split_leads(doc)
    doc.sections = [s for s in doc.sections if s.heading or s.paragraphs]
    return doc


@dataclass
class _Line:
    """What a line of text starts, and its text without the marks that say so."""

    #: "paragraph" (1), "section" 2. Heading, "heading" (Markdown's #), "item" (a) or a bullet, or "text".
    kind: str
    #: The line without Markdown's heading marks.
    content: str
    #: What follows the number, letter or bullet; the heading of a section; else the content.
    text: str
    #: A Markdown heading's level (1 for #), 0 for other lines.
    level: int = 0


def _classify(line: str) -> _Line | None:
    """What a stripped, non-empty line starts; None for heading marks with no text."""
    heading = MD_HEADING_RE.match(line)
    level = len(heading.group(1)) if heading else 0
    content = heading.group(2).rstrip("#").strip() if heading else line
    if not content:
        return None
    # "# (2) ..." is a paragraph and "## 2. Lessons" a numbered section, whatever marks them.
    if number := PARAGRAPH_RE.match(content):
        return _Line("paragraph", content, number.group(2), level)
    if section := _looks_like_section(content):
        return _Line("section", content, section.group(2).strip().rstrip(":"), level)
    if level:
        return _Line("heading", content, content, level)
    if item := ITEM_RE.match(content) or BULLET_RE.match(content):
        return _Line("item", content, item.group(item.lastindex).strip())
    return _Line("text", content, content)


class _TextReader:
    """Builds a document line by line: the section and paragraph being filled, the block being read."""

    def __init__(self):
        self.doc = ParsedDocument()
        self.section: ParsedSection | None = None
        self.paragraph: ParsedParagraph | None = None
        #: Lines of the block being read, up to the next blank line or mark.
        self.block: list[str] = []
        #: Whether the previous line was an item, so that a wrapped line continues it.
        self.last_item = False

    def read(self, line: str) -> None:
        """Take in one stripped line."""
        if not line:
            self.close_block()
            self.last_item = False
            return
        classified = _classify(line)
        if classified is None:
            return
        if classified.kind == "paragraph":
            self.start_paragraph(classified.text)
        elif classified.kind == "section":
            self.start_section(classified.text)
        elif classified.kind == "heading":
            self.add_heading(classified)
        elif classified.kind == "item":
            self.add_item(classified)
        else:
            self.add_text(classified.content)

    def finish(self) -> ParsedDocument:
        """The document, with the last block added."""
        self.close_block()
        return self.doc

    def current_section(self) -> ParsedSection:
        """The section being filled; text before any heading makes one without a heading."""
        if self.section is None:
            self.section = ParsedSection()
            self.doc.sections.append(self.section)
        return self.section

    def close_block(self) -> None:
        """Add the block read so far to the paragraph; text before any number makes one without a number."""
        text = " ".join(self.block).strip()
        self.block = []
        if not text:
            return
        if self.paragraph is None:
            self.paragraph = ParsedParagraph(numbered=False)
            self.current_section().paragraphs.append(self.paragraph)
        self.paragraph.blocks.append(text)

    def start_section(self, heading: str) -> None:
        self.close_block()
        self.section = ParsedSection(heading=heading)
        self.doc.sections.append(self.section)
        self.paragraph = None
        self.last_item = False

    def start_paragraph(self, text: str, numbered: bool = True, explicit: bool = False) -> None:
        """Start a paragraph (numbered unless said otherwise), whose text begins on the same line or the next."""
        self.close_block()
        self.paragraph = ParsedParagraph(numbered=numbered, explicit=explicit)
        self.current_section().paragraphs.append(self.paragraph)
        if text:
            self.block.append(text)
        self.last_item = False

    def add_heading(self, line: _Line) -> None:
        """A Markdown heading: the title if it comes first, else a section; in lower case, the text before it
        broken off by a page break in the source."""
        if line.content[:1].islower() and (self.block or (self.paragraph and self.paragraph.blocks)):
            self.continue_text(line.content)
            return
        self.close_block()  # first: text before the heading makes a section, and the heading is then no title
        if line.level == 1 and not self.doc.title and not self.doc.sections:
            self.doc.title = line.content
            self.last_item = False
        else:
            self.start_section(line.content)

    def continue_text(self, text: str) -> None:
        """Join a line to the text before it, in the block being read or the paragraph's last block."""
        if self.block:
            self.block.append(text)
        else:
            self.paragraph.blocks[-1] += " " + text

    def add_item(self, line: _Line) -> None:
        """(a) or a bullet: an item of the paragraph being read; before any paragraph, a line of text."""
        if self.paragraph is None:
            self.add_text(line.content)
            return
        self.close_block()
        self.paragraph.items.append(line.text)
        self.last_item = True

    def add_text(self, text: str) -> None:
        """A line of text: it goes on the item before it, or into the block being read."""
        if self.last_item:
            self.paragraph.items[-1] += " " + text
        else:
            self.block.append(text)


def _split_leads(doc: ParsedDocument) -> None:
    """Turn each paragraph's blocks into lead and body; split off closing text that is a paragraph of its own."""
    for section in doc.sections:
        paragraphs = [part for paragraph in section.paragraphs for part in _split_lead(paragraph)]
        section.paragraphs = [p for p in paragraphs if p.lead or p.body or p.items]


def _split_lead(paragraph: ParsedParagraph) -> list[ParsedParagraph]:
    """The paragraph with its lead, body and items set, then any closing text that is a paragraph of its own."""
    blocks = list(paragraph.blocks)
    extra: list[ParsedParagraph] = []
    if blocks and (bold := BOLD_LEAD_RE.match(blocks[0])):
        paragraph.lead = bold.group(1).strip()
        blocks[0] = bold.group(2).strip()
        blocks = [b for b in blocks if b]
    elif paragraph.explicit:
        pass  # the file said which blocks are the paragraph's: none is guessed to be a lead or a paragraph apart
    elif (
        paragraph.numbered
        and _is_single_sentence(blocks[0] if blocks else "")
        and (len(blocks) > 2 or len(" ".join(blocks[1:])) > 150)
    ):
        paragraph.lead = blocks.pop(0)
    elif paragraph.numbered and len(blocks) > 1:
        # Without a lead, text after the first block is a paragraph of its own ("The following ...").
        extra = [ParsedParagraph(numbered=False, body=b) for b in blocks[1:]]
        blocks = blocks[:1]
    if blocks and not paragraph.items:
        blocks[-1], paragraph.items = _inline_items(blocks[-1])
    paragraph.body = "\n\n".join(blocks)
    paragraph.blocks = []
    return [paragraph, *extra]


INLINE_ITEM_RE = re.compile(r"(?:^|\s)\(([a-z])\)\s+")


def _inline_items(text: str) -> tuple[str, list[str]]:
    """Split "... to discuss: (a) this; (b) that." into the text before (a) and the items (a), (b) ..."""
    marks = list(INLINE_ITEM_RE.finditer(text))
    letters = [m.group(1) for m in marks]
    if len(marks) < 2 or letters != [chr(ord("a") + i) for i in range(len(marks))]:
        return text, []
    head = text[: marks[0].start()].strip()
    items = []
    for mark, following in zip(marks, marks[1:] + [None], strict=True):
        item = text[mark.end() : following.start() if following else len(text)].strip()
        items.append(item)
    return head, items


#: The compression methods zipfile can unpack (Word uses the first two); a part in another, or encrypted
#: (bit 0 of its flags), is refused before any part is opened.
READABLE_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
ENCRYPTED = 0x1


@dataclass
class WordFileShape:
    """What a Word file holds, found without parsing it: its paragraphs and the unpacked size of its text."""

    paragraphs: int
    #: XML elements of the text (paragraphs, runs, their properties): what reading it costs grows with them.
    elements: int
    text_bytes: int


def inspect_docx(data: bytes, deadline: float | None = None) -> WordFileShape:
    """Check a Word file against the bounds above from its zip directory and a streamed count of its
    paragraphs, before python-docx (which unpacks and parses every part at once) is given it.

    Raises ImportTooLarge (the file is, or unpacks to, too much) or ImportProblem (it is not a readable Word
    file, or has more paragraphs than a document may).
    """
    if len(data) > MAX_DOCX_BYTES:
        raise ImportTooLarge(_("The Word file is too large (over %(mb)d MB).", mb=MAX_DOCX_BYTES // 2**20))
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as error:
        raise ImportProblem(_("This is not a Word (.docx) file.")) from error
    if len(parts) > MAX_DOCX_PARTS:
        raise ImportTooLarge(_("The Word file has too many parts (over %(limit)d).", limit=MAX_DOCX_PARTS))
    # The sizes a zip declares are the ones it unpacks to: zipfile stops at them and fails the CRC past them.
    if sum(part.file_size for part in parts) > MAX_DOCX_UNPACKED or any(
        part.file_size > MAX_DOCX_PART
        or part.file_size > RATIO_CHECKED_FROM
        and part.file_size > MAX_DOCX_RATIO * max(part.compress_size, 1)
        for part in parts
    ):
        raise ImportTooLarge(
            _(
                "The Word file unpacks to too much (over %(mb)d MB, or compressed beyond what a document can be).",
                mb=MAX_DOCX_UNPACKED // 2**20,
            )
        )
    if any(part.compress_type not in READABLE_COMPRESSION or part.flag_bits & ENCRYPTED for part in parts):
        # Word writes neither; zipfile could read none of it, and would only say so when a part is opened.
        raise ImportProblem(_("The Word file is damaged: its text cannot be read."))
    name = _main_part_name(archive)
    try:
        with archive.open(name) as stream:
            return _count_paragraphs(stream, deadline)
    except ImportProblem:
        raise
    except KeyError as error:
        raise ImportProblem(_("This file has no document text in it: it is not a Word (.docx) file.")) from error
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, etree.XMLSyntaxError) as error:
        # A bad CRC, a part cut short, text that is not well-formed XML.
        raise ImportProblem(_("The Word file is damaged: its text cannot be read.")) from error


def _safe_parser(**options) -> etree.XMLParser:
    """An XML parser that expands no entities, reads no DTD and fetches nothing."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, **options)


def _main_part_name(archive: zipfile.ZipFile) -> str:
    """The part that holds the text, as the package's relationships name it (word/document.xml in Word's files)."""
    try:
        info = archive.getinfo("_rels/.rels")
        if info.file_size <= RATIO_CHECKED_FROM:
            rels = etree.fromstring(archive.read(info), _safe_parser())
            for rel in rels:
                if (rel.get("Type") or "").endswith(OFFICE_DOCUMENT) and rel.get("TargetMode") != "External":
                    return (rel.get("Target") or "").lstrip("/")
    except (KeyError, zipfile.BadZipFile, ValueError, etree.XMLSyntaxError):
        pass  # python-docx then says what is wrong; the count below looks where Word puts the text
    return "word/document.xml"


class _Counter:
    """A parser target that counts paragraphs and elements and builds nothing."""

    def __init__(self):
        self.paragraphs = 0
        self.elements = 0

    def start(self, tag, attrib, nsmap=None):
        self.elements += 1
        if tag[-2:] == "}p" and tag[1:-2] in WORD_NAMESPACES:
            self.paragraphs += 1

    def doctype(self, *args):
        # Word never writes one; a DTD only serves to define entities.
        raise ImportProblem(_("The Word file is damaged: its text cannot be read."))

    def close(self):
        return self


def _count_paragraphs(stream, deadline: float | None) -> WordFileShape:
    counter = _Counter()
    parser = _safe_parser(target=counter)
    size = 0
    while chunk := stream.read(64 * 1024):
        size += len(chunk)
        parser.feed(chunk)
        if counter.paragraphs > MAX_WORD_PARAGRAPHS:
            raise ImportProblem(
                _(
                    "The Word file has too many paragraphs (over %(limit)s) for one document.",
                    limit=format_number(MAX_WORD_PARAGRAPHS),
                )
            )
        if counter.elements > MAX_WORD_ELEMENTS:
            raise ImportProblem(_("The Word file's text is too complex to import (too much formatting)."))
        _check_deadline(deadline)
    parser.close()
    return WordFileShape(paragraphs=counter.paragraphs, elements=counter.elements, text_bytes=size)


def _check_deadline(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise ImportTimedOut(_("Reading the Word file took too long."))


def parse_docx(data: bytes, deadline: float | None = None) -> ParsedDocument:
    """Read title, sections, numbered paragraphs and items from a Word file, whether its numbers are typed in its
    text or Word's own; bold and italic runs are kept as Markdown.

    The file is checked first (inspect_docx); `deadline` (time.monotonic()) bounds the time spent reading it.
    """
    from docx import Document as WordDocument

    inspect_docx(data, deadline)
    try:
        doc = _WordReader(WordDocument(BytesIO(data)), deadline).read()
    except ImportProblem:
        raise
    except Exception as error:  # noqa: BLE001 - python-docx has no error of its own: whatever a file makes it raise
        raise ImportProblem(_("This Word file cannot be read; save it again from Word, or paste its text.")) from error
    _split_leads(doc)
    doc.sections = [s for s in doc.sections if s.heading or s.paragraphs]
    return doc


#: Number formats that letter items, (a) or A., wherever Word puts them.
LETTER_FORMATS = ("lowerLetter", "upperLetter")
#: Styles of text that continues the paragraph before it rather than starting one (Word's built-in names).
CONTINUING_STYLES = ("Body Text", "List Continue")


@dataclass
class _WordNumber:
    """How Word numbers a paragraph itself: the level, its format, and the numbering instance (w:num) that does."""

    level: int
    format: str
    num_id: str
    #: Whether the instance starts the level again (startOverride): Word's "restart numbering" at its first use.
    starts_again: bool = False

    @property
    def kind(self) -> str:
        """What the number makes the paragraph: "paragraph" (1), "item" (a) or "bullet"."""
        if self.format == "bullet":
            return "bullet"
        return "item" if self.level > 0 or self.format in LETTER_FORMATS else "paragraph"


class _WordReader:
    """Reads a Word file's paragraphs into a document, one _TextReader step for each."""

    def __init__(self, word, deadline: float | None):
        self.word = word
        self.deadline = deadline
        self.formats = _numbering_formats(word)
        self.reader = _TextReader()
        #: Numbered headings so far, so that one Word numbers reads as "2. Lessons learned".
        self.headings = 0
        self.chars = 0
        #: (numbering instance, level) met so far: an instance starts its level again only where it is first used.
        self.instances_used: set[tuple[str, int]] = set()
        #: Whether Word numbers the file's paragraphs itself, so that it says where each paragraph starts.
        self.numbered_by_word = False

    def read(self) -> ParsedDocument:
        """The document, before its blocks are split into leads and bodies."""
        styles: dict[str | None, object] = {}
        paragraphs = []
        for count, para in enumerate(self.word.paragraphs):
            if count % 200 == 0:
                _check_deadline(self.deadline)
            # python-docx looks a paragraph's style up among all the file's styles each time it is asked.
            style_id = para._p.style
            if style_id not in styles:
                styles[style_id] = para.style
            style = styles[style_id]
            style_name = (style.name if style is not None else "") or ""
            number = _numbering(para, style, self.formats)
            paragraphs.append((para, style, style_name, _runs_to_markdown(para).strip(), number))
            if number and number.kind == "paragraph" and not style_name.startswith(("Heading", "Title")):
                self.numbered_by_word = True
        for para, style, style_name, text, number in paragraphs:
            self.chars += len(text)
            if self.chars > MAX_IMPORT_CHARS:
                raise ImportProblem(_too_long_message())
            self.add(para, style, style_name, text, number)
        return self.reader.finish()

    def add(self, para, style, style_name: str, text: str, number: _WordNumber | None) -> None:
        """Read one Word paragraph."""
        if style_name == "Subtitle":
            return  # the title block's facts (event, place, dates, reference), kept in the editor's fields
        if style_name == "Title" or style_name.startswith("Heading"):
            if text:
                self.lines(self.heading_line(text, style_name, number))
            return
        typed = PARAGRAPH_RE.match(text) or ITEM_RE.match(text)
        if number and not typed:
            self.add_numbered(text, number)
        elif not text:
            return
        elif style_name.startswith("List") and not number and not typed:
            self.lines(f"- {text}")
        elif self.numbered_by_word and self.follows_word_numbering(text):
            self.add_text(para, style, text)
        else:
            self.lines(text)

    def lines(self, text: str) -> None:
        """Read text as pasted text is read, then a blank line: the Word paragraph ends there."""
        for line in text.split("\n"):
            self.reader.read(line.strip())
        self.reader.read("")

    def heading_line(self, text: str, style_name: str, number: _WordNumber | None) -> str:
        """# Title, or ## Heading, with the number Word gives it: a heading in lower case is then no line broken
        off the text before it."""
        if style_name == "Title":
            return f"# {text}"
        if number and number.kind != "bullet" and not _looks_like_section(text):
            self.headings += 1
            if _looks_like_section(numbered := f"{self.headings}. {text}"):
                return f"## {numbered}"
        return f"## {text}"

    def follows_word_numbering(self, text: str) -> bool:
        """Whether text without a number of its own goes by Word's numbering: plain text (no typed number or mark)
        after a paragraph Word numbered or in a new section, not after one whose number is typed."""
        paragraph = self.reader.paragraph
        line = _classify(text.split("\n")[0].strip())
        return (paragraph is None or paragraph.explicit) and line is not None and line.kind == "text"

    def add_numbered(self, text: str, number: _WordNumber) -> None:
        """A paragraph Word numbers: a numbered paragraph, or an item of the paragraph being read."""
        reader = self.reader
        instance = (number.num_id, number.level)
        restarted = number.starts_again and instance not in self.instances_used
        self.instances_used.add(instance)
        if number.kind == "paragraph":
            reader.start_paragraph(_one_line(text), explicit=True)
            reader.close_block()
            return
        if not text:
            return
        paragraph = reader.paragraph
        # Items before any paragraph, or lettered from (a) again after items of the paragraph (Word's "restart
        # numbering"): the items of a paragraph without a number.
        if self.numbered_by_word and (paragraph is None or (restarted and paragraph.explicit and paragraph.items)):
            reader.start_paragraph("", numbered=False, explicit=True)
        line = _one_line(text)
        reader.add_item(_Line("item", line, line))
        reader.last_item = False

    def add_text(self, para, style, text: str) -> None:
        """Text without a number: more of the paragraph before when indented or styled as continuing it, else a
        paragraph without a number."""
        reader = self.reader
        if reader.paragraph is not None and _continues(para, style):
            reader.close_block()
            reader.block.append(_one_line(text))
            reader.close_block()
        else:
            reader.start_paragraph(_one_line(text), numbered=False, explicit=True)
            reader.close_block()
        reader.last_item = False


def _one_line(text: str) -> str:
    """A Word paragraph's lines (broken by line breaks) as one block."""
    return " ".join(line.strip() for line in text.split("\n") if line.strip())


def _continues(para, style) -> bool:
    """Whether a Word paragraph continues the one before: indented, or in a style of continuing text."""
    for properties in (para._p.pPr, style.element.pPr if style is not None else None):
        indent = properties.find(qn("w:ind")) if properties is not None else None
        if indent is not None:
            value = indent.get(qn("w:left")) or indent.get(qn("w:start")) or "0"
            try:
                return float(value) > 0
            except ValueError:
                return False
    name = (style.name if style is not None else "") or ""
    return name.startswith(CONTINUING_STYLES)


def _numbering_formats(word) -> dict[tuple[str, int], tuple[str, bool]]:
    """{(numId, level): (format, starts again)} of the file's numbering instances: the level's format ("decimal",
    "lowerLetter", "bullet" ...), and whether the instance starts the level again (startOverride)."""
    from docx.opc.constants import RELATIONSHIP_TYPE

    # Looked up among the part's relationships: python-docx's `numbering_part` would try to create a
    # missing one (which it cannot do). A file without numbering numbers nothing by itself.
    parts = [
        rel.target_part
        for rel in word.part.rels.values()
        if rel.reltype == RELATIONSHIP_TYPE.NUMBERING and not rel.is_external
    ]
    if not parts:
        return {}
    numbering = parts[0].element
    abstract: dict[str, dict[int, str]] = {}
    for definition in numbering.findall(qn("w:abstractNum")):
        abstract[definition.get(qn("w:abstractNumId"))] = _level_formats(definition)
    formats = {}
    for num in numbering.findall(qn("w:num")):
        abstract_id = num.find(qn("w:abstractNumId"))
        abstract_id = abstract_id.get(qn("w:val")) if abstract_id is not None else None
        levels = dict(abstract.get(abstract_id, {}))
        starting_again = set()
        # An instance may give a level a format of its own, or start it again.
        for override in num.findall(qn("w:lvlOverride")):
            levels |= _level_formats(override)
            if override.find(qn("w:startOverride")) is not None:
                starting_again.add(override.get(qn("w:ilvl"), "0"))
        for level, fmt in levels.items():
            formats[(num.get(qn("w:numId")), level)] = (fmt, str(level) in starting_again)
    return formats


def _level_formats(element) -> dict[int, str]:
    """{level: format} of the w:lvl elements in a numbering definition or an instance's override."""
    levels = {}
    for level in element.findall(qn("w:lvl")):
        fmt = level.find(qn("w:numFmt"))
        try:
            levels[int(level.get(qn("w:ilvl"), "0"))] = fmt.get(qn("w:val")) if fmt is not None else "decimal"
        except ValueError:
            continue
    return levels


def _numbering(para, style, formats) -> _WordNumber | None:
    """How Word numbers this paragraph itself, directly or through its style; None when it does not."""
    for properties in (para._p.pPr, style.element.pPr if style is not None else None):
        num_pr = properties.numPr if properties is not None else None
        if num_pr is not None and num_pr.numId is not None and num_pr.numId.val:
            level = num_pr.ilvl.val if num_pr.ilvl is not None else 0
            style_level = re.search(r"(\d)$", style.name or "") if style is not None else None
            if num_pr.ilvl is None and style_level:  # "List Number 2" is the second level
                level = int(style_level.group(1)) - 1
            num_id = str(num_pr.numId.val)
            fmt, starts_again = formats.get((num_id, level), ("decimal", False))
            if fmt == "none":
                return None  # a number Word does not show
            return _WordNumber(level, fmt, num_id, starts_again)
    return None


def _runs_to_markdown(para) -> str:
    parts = []
    for run in para.runs:
        text = run.text
        if not text:
            continue
        stripped = text.strip()
        if stripped and run.bold and run.italic:
            parts.append(text.replace(stripped, f"***{stripped}***"))
        elif stripped and run.bold:
            parts.append(text.replace(stripped, f"**{stripped}**"))
        elif stripped and run.italic:
            parts.append(text.replace(stripped, f"*{stripped}*"))
        else:
            parts.append(text)
    # Adjacent bold runs (Word splits them at will) make one bold span.
    return re.sub(r"\*\*(\s*)\*\*", r"\1", "".join(parts))
