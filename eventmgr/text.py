"""User-written rich text: Markdown rendered, then sanitised with an allow-list."""

import html
from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "u", "s", "sub", "sup", "code", "pre", "blockquote",
    "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1024)
def render_markdown(source: str | None) -> Markup:
    """Render Markdown to HTML that is safe to put in a page."""
    if not source:
        return Markup("")
    html = markdown.markdown(source, extensions=["extra", "sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def plain_text(source: str | None, length: int = 200) -> str:
    """A short plain-text excerpt of Markdown, for listings and meta descriptions."""
    if not source:
        return ""
    text = html.unescape(nh3.clean(markdown.markdown(source), tags=set()))
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"
