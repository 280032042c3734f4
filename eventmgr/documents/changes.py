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
    old_paragraphs = {
        paragraph["key"]: (section, paragraph) for section in old["sections"] for paragraph in section["paragraphs"]
    }
    entries = []
    for section in new["sections"]:
        entries.append(
            {
                "state": "section",
                "label": f"{section['number']}." if section["number"] else "",
                "text": Markup.escape(section["heading"]),
            }
        )
        entries += [
            _paragraph_entry(section, paragraph, old_paragraphs.get(paragraph["key"]))
            for paragraph in section["paragraphs"]
        ]
    kept = {paragraph["key"] for section in new["sections"] for paragraph in section["paragraphs"]}
    entries += [
        {
            "state": "removed",
            "label": "",
            "old_label": _label(section, paragraph),
            "text": Markup("<del>%s</del>") % _paragraph_text(paragraph),
        }
        for key, (section, paragraph) in old_paragraphs.items()
        if key not in kept
    ]
    return entries


def _paragraph_entry(section: dict, paragraph: dict, old: tuple[dict, dict] | None) -> dict:
    """How a paragraph of the new version compares with the same one in the old (None: it is new)."""
    label, text = _label(section, paragraph), _paragraph_text(paragraph)
    if old is None:
        return {"state": "added", "label": label, "old_label": "", "text": Markup("<ins>%s</ins>") % text}
    old_label, old_text = _label(*old), _paragraph_text(old[1])
    if old_text == text:
        state, shown = "unchanged", Markup.escape(text).replace("\n", Markup("<br>"))
    else:
        state, shown = "changed", _word_diff(old_text, text)
    return {"state": state, "label": label, "old_label": old_label if old_label != label else "", "text": shown}


def change_count(entries: list[dict]) -> int:
    return sum(1 for e in entries if e["state"] in ("changed", "added", "removed"))
