"""A document's content as a Word file, shaped so that importing it again gives the same structure."""

import re
from io import BytesIO

from docx import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

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


def to_docx(content: dict) -> bytes:
    """Write the content (services.document_content) as .docx: headings "1. Introduction", paragraphs "(1)"."""
    content = _xml_safe(content)
    word = WordDocument()
    section = word.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(25)
    word.styles["Normal"].font.name = "Noto Serif"
    word.styles["Normal"].font.size = Pt(11)
    word.core_properties.title = content["title"]
    word.core_properties.subject = f"{content['kind_label']}: {content['event']['title']}"
    word.core_properties.language = content.get("language", "en")

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
