"""An entry's content and title in the shapes its readers need (LiveAgent reference §3.7): the sanitised HTML
stored, the plain text and the HTML without images that search rows carry, the title as a URL segment, and
the public path ``/help/<urlcode>-<Title-With-Dashes>`` that the help center serves and #38 returns.

Pure functions of their arguments: the services store ``content_sanitise``'s output, everyone else derives."""

import html
import re
import unicodedata

import nh3

# nh3's defaults (no scripts, event handlers, styles or javascript: URLs), minus nothing: an article may
# hold images, tables, code and links. Links get rel="noopener noreferrer" (nh3's default).
_SIMPLE_TAGS = frozenset(nh3.ALLOWED_TAGS) - {"img", "picture", "source", "map", "area"}
_BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|tr|td|th|blockquote|pre)>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_NOT_WORD = re.compile(r"[^\w]+")


def content_sanitise(content: str) -> str:
    """What an entry's ``content`` may hold, whichever way it arrives (API, admin, seed): the help center
    renders it as HTML."""
    return nh3.clean(content or "").strip()


def content_text(content: str) -> str:
    """The content as one line of plain text (LiveAgent's ``content_text``)."""
    # Block ends become spaces first, so that "<p>a</p><p>b</p>" reads "a b", not "ab".
    text = nh3.clean(_BLOCK_END.sub(" ", content or ""), tags=set())
    return " ".join(html.unescape(text).split())


def content_simple_html(content: str) -> str:
    """The content with its images removed (LiveAgent's ``content_simple_html``)."""
    return nh3.clean(content or "", tags=set(_SIMPLE_TAGS)).strip()


def title_clear(title: str) -> str:
    """The title as plain text on one line (LiveAgent's ``title_clear``)."""
    return " ".join(html.unescape(_TAG.sub("", title or "")).split())


def title_dashed(title: str) -> str:
    """``Article 1`` → ``Article-1``: the title as a URL segment, its case kept, any run of characters other
    than letters and digits one dash."""
    dashed = _NOT_WORD.sub("-", unicodedata.normalize("NFKC", title_clear(title))).strip("-_")
    return dashed[:80].rstrip("-") or "entry"


def entry_path(*, urlcode: str, title: str) -> str:
    """The entry's page on the public help center."""
    return f"/help/{urlcode}-{title_dashed(title)}"
