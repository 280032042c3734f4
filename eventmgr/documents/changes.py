"""What changed from one version of a document to another, paragraph by paragraph, with the words marked."""

import difflib
import html
import re

from markupsafe import Markup


def _paragraph_text(paragraph: dict) -> str:
    parts = [paragraph.get("lead", ""), paragraph.get("body", "")]
    parts += [f"({chr(ord('a') + i)}) {item}" for i, item in enumerate(paragraph.get("items", []))]
    return "\n".join(p for p in parts if p)


def _word_diff(old: str, new: str) -> Markup:
    """The new text with words removed in <del> and added in <ins>; everything escaped."""
    old_words, new_words = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    out = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            out.append(html.escape("".join(new_words[b0:b1])))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{html.escape(''.join(old_words[a0:a1]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{html.escape(''.join(new_words[b0:b1]))}</ins>")
    return Markup("".join(out).replace("\n", "<br>"))  # noqa: S704 - every piece is escaped above


def _label(section: dict, paragraph: dict) -> str:
    number = f"({paragraph['number']})" if paragraph.get("number") else "¶"
    return f"{section['number']}.{number}" if section.get("number") else number


def compare(old: dict, new: dict) -> list[dict]:
    """What changed from one version's content to another's, paragraph by paragraph, in the new order.

    Each entry: state (unchanged, changed, added, removed), label (e.g. "2.(3)", with the old label when it
    moved), and the text with insertions and deletions marked.
    """
    old_paragraphs = {}
    for section in old["sections"]:
        for paragraph in section["paragraphs"]:
            old_paragraphs[paragraph["key"]] = (section, paragraph)
    seen = set()
    entries = []
    for section in new["sections"]:
        heading = section["heading"]
        entries.append({"state": "section", "label": f"{section['number']}." if section["number"] else "",
                        "text": Markup.escape(heading)})
        for paragraph in section["paragraphs"]:
            label = _label(section, paragraph)
            text = _paragraph_text(paragraph)
            if paragraph["key"] in old_paragraphs:
                seen.add(paragraph["key"])
                old_section, old_paragraph = old_paragraphs[paragraph["key"]]
                old_text = _paragraph_text(old_paragraph)
                old_label = _label(old_section, old_paragraph)
                state = "unchanged" if old_text == text else "changed"
                entries.append({"state": state, "label": label, "old_label": old_label if old_label != label else "",
                                "text": _word_diff(old_text, text) if state == "changed" else
                                Markup.escape(text).replace("\n", Markup("<br>"))})
            else:
                entries.append({"state": "added", "label": label, "old_label": "",
                                "text": Markup("<ins>%s</ins>") % text})
    for key, (section, paragraph) in old_paragraphs.items():
        if key not in seen:
            entries.append({"state": "removed", "label": "", "old_label": _label(section, paragraph),
                            "text": Markup("<del>%s</del>") % _paragraph_text(paragraph)})
    return entries


def change_count(entries: list[dict]) -> int:
    return sum(1 for e in entries if e["state"] in ("changed", "added", "removed"))
