"""User-written rich text: Markdown rendered, then sanitised with one allow-list."""

import html
from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup

#: Tags of running text: all a document's lead sentences and lettered items may hold.
INLINE_TAGS = {"strong", "em", "b", "i", "u", "s", "sub", "sup", "code", "a", "br"}
#: Tags of descriptions and bios: blocks too (paragraphs, lists, headings below the page's own, tables).
ALLOWED_TAGS = INLINE_TAGS | {
    "p",
    "hr",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def sanitise(html_text: str, tags: set[str] = ALLOWED_TAGS) -> str:
    """Keep only the allowed tags (of `tags`), attributes and link schemes; links get rel=nofollow and friends."""
    return nh3.clean(
        html_text,
        tags=tags,
        attributes={tag: names for tag, names in ALLOWED_ATTRIBUTES.items() if tag in tags},
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


@lru_cache(maxsize=1024)
def render_markdown(source: str | None) -> Markup:
    """Render Markdown to HTML that is safe to put in a page."""
    if not source:
        return Markup("")
    rendered = markdown.markdown(source, extensions=["extra", "sane_lists"], output_format="html")
    return Markup(sanitise(rendered))  # noqa: S704 - sanitised by nh3


@lru_cache(maxsize=2048)
def inline_markdown(source: str | None) -> Markup:
    """Render one line of Markdown to safe inline HTML (bold, italic, links; no paragraphs, headings or images)."""
    if not source:
        return Markup("")
    rendered = markdown.markdown(source, output_format="html")
    return Markup(sanitise(rendered, INLINE_TAGS).strip())  # noqa: S704 - sanitised by nh3


@lru_cache(maxsize=1024)
def plain_text(source: str | None, length: int = 200) -> str:
    """A short plain-text excerpt of Markdown, for listings and meta descriptions."""
    if not source:
        return ""
    text = html.unescape(nh3.clean(markdown.markdown(source), tags=set()))
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"
