"""Inline Markdown for a document's lead sentences and items: bold, italic, links; nothing that makes blocks."""

from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup

INLINE_TAGS = {"strong", "em", "b", "i", "u", "s", "sub", "sup", "code", "a", "br"}


@lru_cache(maxsize=2048)
def inline_markdown(source: str | None) -> Markup:
    """Render one line of Markdown to safe inline HTML (no paragraphs, headings or images)."""
    if not source:
        return Markup("")
    html = markdown.markdown(source, output_format="html")
    clean = nh3.clean(html, tags=INLINE_TAGS, attributes={"a": {"href"}}, url_schemes={"http", "https", "mailto"},
                      link_rel="noopener noreferrer nofollow")
    return Markup(clean.strip())  # noqa: S704 - sanitised by nh3 just above
