"""A document's content as a Word file, shaped so that importing it again gives the same structure."""

import re
from io import BytesIO

from babel.core import get_global, parse_locale
from docx import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from flask_babel import gettext as _

from eventmgr.documents.structure import document_locale
from eventmgr.languages import in_language
from eventmgr.limits import xml_safe

#: **bold**, *italic* and [text](url) spans of inline Markdown, in the order they appear.
INLINE_RE = re.compile(r"\*\*(.+?)\*\*|\*(.+?)\*|\[([^\]]+)\]\([^)]+\)")


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


def _set_text_language(word, language: str) -> None:
    """Mark all text as written in the document's language, so that Word checks it in that language."""
    defaults = word.styles.element.find(qn("w:docDefaults"))
    run_properties = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = run_properties.find(qn("w:lang"))
    if lang is None:
        lang = run_properties.makeelement(qn("w:lang"), {})
        run_properties.append(lang)
    lang.set(qn("w:val"), word_language_tag(language))


def to_docx(content: dict) -> bytes:
    """Write the content (services.document_content) as .docx: headings "1. Introduction", paragraphs "(1)"."""
    content = _xml_safe(content)
    language = content.get("language") or "en"
    word = WordDocument()
    section = word.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(25)
    word.styles["Normal"].font.name = "Noto Serif"
    word.styles["Normal"].font.size = Pt(11)
    _set_text_language(word, language)
    word.core_properties.title = content["title"]
    word.core_properties.language = language
    with in_language(language):
        kind = _(content["kind_label"])
        word.core_properties.subject = f"{kind}: {content['event']['title']}"
        word.core_properties.keywords = ", ".join(
            p for p in (kind, content["event"]["title"], content.get("reference")) if p
        )
        word.core_properties.comments = _("Draft, not for circulation") if not content.get("version") else ""

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
            number = f"{doc_section['number']}. " if doc_section["number"] else ""
            word.add_heading(f"{number}{doc_section['heading']}", level=1)
        for paragraph in doc_section["paragraphs"]:
            prefix = f"({paragraph['number']}) " if paragraph["number"] else ""
            blocks = [b for b in paragraph["body"].split("\n\n") if b.strip()]
            first = word.add_paragraph()
            first.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            if prefix:
                first.add_run(prefix)
            if paragraph["lead"]:
                _add_runs(first, paragraph["lead"], bold=True)
            elif blocks:
                _add_runs(first, " ".join(blocks.pop(0).split()))
            for block in blocks:
                extra = word.add_paragraph()
                extra.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
                extra.paragraph_format.left_indent = Mm(10)
                _add_runs(extra, " ".join(block.split()))
            for index, item in enumerate(paragraph["items"]):
                line = word.add_paragraph()
                line.paragraph_format.left_indent = Mm(10)
                line.add_run(f"({chr(ord('a') + index)}) ")
                _add_runs(line, item)
    out = BytesIO()
    word.save(out)
    return out.getvalue()
