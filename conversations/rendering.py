"""How a thread's body reads on the conversation page (for UI-LIVE's page and anything else that shows a
message to an agent): ``thread_body_render`` splits the message into what the customer wrote now and the
quoted history under it, hides the reply token, keeps inline images in place (and says which attachments they
are, so the list under the message does not repeat them), and blocks remote images until the agent asks for
them, which then load through our image proxy (``conversations.image_proxy``), so the sender never sees the
agent's address, browser or the moment they read. The template partial is
``admin/conversations/thread_body.html``, rendered by ``{% thread_body entry %}`` (``helpdesk_admin`` tags).

The body is the stored HTML, sanitised again with nh3 (``body_sanitise``, which keeps the few class names mail
clients mark quotes with), then read into a small tree with the standard library's parser. Where the quoted
history starts is decided by the first of these, in document order, that leaves something before it:

- the markers mail clients write: Gmail's ``div.gmail_quote``, Thunderbird's ``div.moz-cite-prefix``,
  Outlook's ``div#divRplyFwdMsg`` (with the ``<hr>`` before it), Apple Mail's ``blockquote type=cite``;
- an Outlook header block (``From: … Sent: …`` or ``Date:``), with the separator line or ``<hr>`` before it,
  and ``-----Original Message-----``;
- an attribution line (``On … wrote:`` and its French, German, Spanish, Italian, Portuguese, Dutch and
  Russian forms) that has content after it;
- a trailing ``<blockquote>`` or trailing plain-text ``>`` lines (a quote inside the reply, answered below
  it, stays shown), with an attribution line just before it.

Everything from that point to the end is the quoted part; nothing is dropped, only folded away. A forwarded
message is not folded (it is what the customer sends).
"""

import re
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from conversations.services import body_sanitise

VOID_TAGS = frozenset({"area", "br", "col", "hr", "img", "wbr"})
MAX_DEPTH = 100
# Longer bodies are shown whole: finding the quote costs time in proportion to size times depth.
FOLD_MAX_CHARS = 500_000
BLOCK_TAGS = frozenset(
    {"p", "div", "blockquote", "table", "ul", "ol", "pre", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "section"}
)
IMAGE_PROXY_SALT = "conversations.image-proxy"

# "[hd-12-0123456789ab]": the token our mail carries so that replies thread back; it means nothing to agents.
_REPLY_TOKEN = re.compile(r"\[?\bhd-\d{1,18}-[0-9a-f]{12}\b\]?")
_ATTRIBUTION = re.compile(
    r"^\s*(On\b.{4,300}\bwrote:"  # Gmail, Apple Mail, Thunderbird (English)
    r"|Le\b.{4,300}\ba écrit\s?:"
    r"|Am\b.{4,300}\bschrieb\b.{0,200}:"
    r"|El\b.{4,300}\bescribió:"
    r"|Il\b.{4,300}\bha scritto:"
    r"|Em\b.{4,300}\bescreveu:"
    r"|Op\b.{4,300}\bschreef\b.{0,200}:"
    r".{4,300}\bнаписал[а]?\s?:)\s*$",  # noqa: RUF001 - Russian, on purpose
    re.IGNORECASE | re.DOTALL,
)
_OUTLOOK_HEADER = re.compile(
    r"^\s*(From|Von|De|Van|От):\s.{1,400}?\n\s*(Sent|Date|Gesendet|Envoyé|Enviado|Verzonden|Отправлено):\s",
    re.IGNORECASE | re.DOTALL,
)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{3,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine)\s*-{3,}", re.I
)
_SEPARATOR_LINE = re.compile(r"^\s*_{10,}\s*$")
_FORWARDED = re.compile(r"^\s*-{3,}\s*(Forwarded message|Begin forwarded message)|^\s*Begin forwarded message:", re.I)
_ATTACHMENT_PATH = re.compile(r"^/attachments/([^/]+)/")
_CLIENT_MARKERS = frozenset({"gmail_quote", "moz-cite-prefix"})


@dataclass
class _Node:
    tag: str  # "" for the root
    attrs: list[tuple[str, str | None]] = field(default_factory=list)
    children: list["_Node | str"] = field(default_factory=list)
    parent: "_Node | None" = None

    def attr(self, name: str) -> str:
        return next((value or "" for key, value in self.attrs if key == name), "")

    def classes(self) -> set[str]:
        return set(self.attr("class").split())


class _TreeBuilder(HTMLParser):
    """The tree of nh3's output, which is well formed: every element closed, entities as text. Elements nested
    deeper than MAX_DEPTH are left out (their content is kept, one level up), so that the recursive walks
    below stay far from Python's recursion limit whatever a sender nests."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("")
        self.current = self.root
        self.depth = 0
        self.dropped: list[str] = []  # open tags left out for depth, innermost last

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_TAGS:
            self.current.children.append(_Node(tag, attrs, parent=self.current))
            return
        if self.depth >= MAX_DEPTH:
            self.dropped.append(tag)
            return
        node = _Node(tag, attrs, parent=self.current)
        self.current.children.append(node)
        self.current = node
        self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(_Node(tag, attrs, parent=self.current))

    def handle_endtag(self, tag: str) -> None:
        if self.dropped:
            if self.dropped[-1] == tag:
                self.dropped.pop()
            return
        node: _Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            while self.current is not node.parent and self.current.parent is not None:
                self.current = self.current.parent
                self.depth -= 1

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def _text(node: "_Node | str") -> str:
    if isinstance(node, str):
        return node
    if node.tag == "br":
        return "\n"
    if node.tag == "img":
        return "\ufffc"  # an image counts as content
    return "".join(_text(child) for child in node.children)


def _meaningful(text: str) -> bool:
    return bool(_REPLY_TOKEN.sub("", text).replace("\xa0", " ").strip())


# A position is a path of child indices from the root: the quoted part starts at that child.
Position = tuple[int, ...]


def _position(node: _Node) -> Position:
    path: list[int] = []
    while node.parent is not None:
        path.append(next(i for i, child in enumerate(node.parent.children) if child is node))
        node = node.parent
    return tuple(reversed(path))


def _split(node: _Node, path: Position, *, before: bool) -> list["_Node | str"]:
    """The children of ``node`` on one side of ``path``; ancestors of the position are copied shallowly."""
    index, rest = path[0], path[1:]
    children = node.children
    if before:
        kept: list[_Node | str] = list(children[:index])
        if rest:
            child = children[index]
            assert isinstance(child, _Node)
            kept.append(_Node(child.tag, child.attrs, _split(child, rest, before=True)))
        return kept
    if rest:
        child = children[index]
        assert isinstance(child, _Node)
        return [_Node(child.tag, child.attrs, _split(child, rest, before=False)), *children[index + 1 :]]
    return list(children[index:])


def _previous_block(node: _Node) -> "_Node | None":
    """The element sibling just before ``node``, skipping whitespace and ``<br>``."""
    assert node.parent is not None
    siblings = node.parent.children
    index = next(i for i, child in enumerate(siblings) if child is node)
    for sibling in reversed(siblings[:index]):
        if isinstance(sibling, str):
            if sibling.strip():
                return None
            continue
        if sibling.tag == "br":
            continue
        return sibling
    return None


def _with_lead_in(node: _Node) -> _Node:
    """``node`` or, when an attribution line, an ``<hr>`` or Outlook's line of underscores comes just before
    it, that one: the lead-in belongs to the history too."""
    previous = _previous_block(node)
    if previous is not None:
        text = _text(previous)
        if previous.tag == "hr" or _SEPARATOR_LINE.match(text) or _ATTRIBUTION.match(text):
            return previous
    return node


def _leaf_block(node: _Node) -> bool:
    return not any(isinstance(child, _Node) and child.tag in BLOCK_TAGS for child in node.children)


def _quoted_lines_split(node: _Node) -> "tuple[_Node, int] | None":
    """In a text paragraph (text and ``<br>``), the child where its trailing plain-text ``>`` lines begin,
    with the attribution line just before them."""
    if node.tag not in ("p", "div") or any(isinstance(c, _Node) and c.tag != "br" for c in node.children):
        return None
    lines: list[tuple[int, str]] = []  # (index of the line's first child, its text)
    start, buffer = 0, ""
    for index, child in enumerate(node.children):
        if isinstance(child, _Node):  # <br>
            lines.append((start, buffer))
            start, buffer = index + 1, ""
        else:
            buffer += child
    lines.append((start, buffer))
    quoted_from = None
    for index in range(len(lines) - 1, -1, -1):
        text = lines[index][1].strip()
        if text.startswith(">"):
            quoted_from = index
        elif text and not _REPLY_TOKEN.fullmatch(text):
            break
    if quoted_from is None:
        return None
    if quoted_from > 0 and _ATTRIBUTION.match(lines[quoted_from - 1][1]):
        quoted_from -= 1
    return node, lines[quoted_from][0]


def _trailing(position: Position, root: _Node) -> bool:
    """Nothing but whitespace and the reply token after the element at ``position`` (and its subtree)."""
    after = _split(root, (*position[:-1], position[-1] + 1), before=False) if position else []
    return not _meaningful("".join(_text(n) for n in after))


def _candidates(root: _Node) -> list[Position]:
    found: list[Position] = []

    def visit(node: _Node) -> None:
        for child in node.children:
            if not isinstance(child, _Node):
                continue
            start = _start_of_quote(child, root)
            if start is not None:
                found.append(start)
            visit(child)

    visit(root)
    return found


def _start_of_quote(node: _Node, root: _Node) -> Position | None:
    classes = node.classes()
    if node.tag == "div" and (classes & _CLIENT_MARKERS or node.attr("id") == "divRplyFwdMsg"):
        return _position(_with_lead_in(node) if node.attr("id") == "divRplyFwdMsg" else node)
    if node.tag == "blockquote" and (node.attr("type") == "cite" or "gmail_quote" in classes):
        return _position(_with_lead_in(node))
    if node.tag not in BLOCK_TAGS or node.tag == "hr":
        return None
    text = _text(node)
    if _leaf_block(node) or node.tag == "div":
        if _OUTLOOK_HEADER.match(text) or _ORIGINAL_MESSAGE.match(text):
            return _position(_with_lead_in(node))
        if len(text) < 400 and _ATTRIBUTION.match(text):
            return _position(node)
    if node.tag == "blockquote" and _trailing(_position(node), root):
        return _position(_with_lead_in(node))
    split = _quoted_lines_split(node)
    if split is not None:
        paragraph, child_index = split
        if _trailing(_position(paragraph), root):
            return (*_position(paragraph), child_index)
    return None


@dataclass
class RenderedBody:
    html: SafeString  # what the customer or agent wrote now
    quoted: SafeString  # the quoted history, "" when none was found
    remote_images: int  # remote images held back (0 once they load through the proxy)
    inline_tokens: frozenset[str]  # the attachments shown in place


def image_proxy_url(url: str) -> str:
    """Our URL for a remote image: signed, so that the proxy fetches only what a message showed."""
    return f"{reverse('image-proxy')}?u={signing.dumps(url, salt=IMAGE_PROXY_SALT, compress=True)}"


def image_proxy_target(signed: str) -> str | None:
    """The remote URL a proxy link stands for; None when the link was not made by us."""
    try:
        url = signing.loads(signed, salt=IMAGE_PROXY_SALT)
    except signing.BadSignature:
        return None
    return url if isinstance(url, str) else None


class _Renderer:
    def __init__(self, *, load_images: bool) -> None:
        self.load_images = load_images
        self.remote_images = 0
        self.inline_tokens: set[str] = set()
        base = urlsplit(settings.HELPDESK_BASE_URL)
        self.own_hosts = {base.netloc.lower(), ""}

    def render(self, nodes: list["_Node | str"]) -> str:
        return "".join(self._node(node) for node in nodes)

    def _node(self, node: "_Node | str") -> str:
        if isinstance(node, str):
            return escape(_REPLY_TOKEN.sub("", node), quote=False)
        if node.tag == "img":
            return self._image(node)
        attrs = "".join(f' {key}="{escape(value or "")}"' for key, value in node.attrs)
        if node.tag in VOID_TAGS:
            return f"<{node.tag}{attrs}>"
        return f"<{node.tag}{attrs}>{self.render(node.children)}</{node.tag}>"

    def _image(self, node: _Node) -> str:
        src = node.attr("src").strip()
        parts = urlsplit(src)
        alt = node.attr("alt")
        size = "".join(f' {key}="{escape(node.attr(key))}"' for key in ("width", "height") if node.attr(key))
        own = _ATTACHMENT_PATH.match(parts.path)
        if own and parts.netloc.lower() in self.own_hosts and parts.scheme in ("", "http", "https"):
            self.inline_tokens.add(own.group(1))
            return f'<img src="{escape(src)}" alt="{escape(alt)}"{size} class="hd-inline-image">'
        if parts.scheme in ("http", "https") and parts.netloc:
            if self.load_images:
                return (
                    f'<img src="{escape(image_proxy_url(src))}" alt="{escape(alt)}"{size}'
                    ' referrerpolicy="no-referrer" loading="lazy">'
                )
            self.remote_images += 1
            label = f"Image: {alt}" if alt else "Remote image"
            return f'<span class="hd-blocked-image" title="Blocked remote image">{escape(label)}</span>'
        # "cid:" left unresolved (the part was missing or too large) or any other scheme: nothing to show.
        return f'<span class="hd-blocked-image">{escape(alt or "Image not available")}</span>'


def _quote_start(root: _Node) -> Position | None:
    for position in _candidates(root):
        before = _split(root, position, before=True)
        after = _split(root, position, before=False)
        after_text = "".join(_text(n) for n in after)
        if _meaningful("".join(_text(n) for n in before)) and _meaningful(after_text):
            if _FORWARDED.search(after_text.lstrip()[:200]):
                return None
            return position
    return None


def _blank(node: "_Node | str") -> bool:
    """Whitespace, a line break or an element holding nothing else (Outlook's ``<p>&nbsp;</p>``)."""
    if isinstance(node, str):
        return not node.replace("\xa0", " ").strip()
    return (
        node.tag not in ("img", "hr")
        and not any(isinstance(c, _Node) and c.tag in ("img", "hr") for c in node.children)
        and not _meaningful(_text(node).replace("\ufffc", "x"))
    )


def _trimmed(nodes: list["_Node | str"]) -> list["_Node | str"]:
    """The new part without the blank lines that stood before the quote."""
    nodes = list(nodes)
    while nodes and _blank(nodes[-1]):
        nodes.pop()
    if nodes and isinstance(nodes[-1], _Node) and nodes[-1].tag not in VOID_TAGS:
        last = nodes[-1]
        nodes[-1] = _Node(last.tag, last.attrs, _trimmed(last.children))
    return nodes


def thread_body_render(body: str, *, load_images: bool = False, fold_quotes: bool = True) -> RenderedBody:
    """The body split into the new part and the quoted history (``fold_quotes=False`` keeps it whole, for
    an agent's own reply or note), images handled as the module docstring says."""
    builder = _TreeBuilder()
    builder.feed(body_sanitise(body))
    builder.close()
    root = builder.root
    renderer = _Renderer(load_images=load_images)
    position = _quote_start(root) if fold_quotes and len(body) <= FOLD_MAX_CHARS else None
    if position is None:
        new, quoted = renderer.render(root.children), ""
    else:
        new = renderer.render(_trimmed(_split(root, position, before=True)))
        quoted = renderer.render(_split(root, position, before=False))
    return RenderedBody(
        html=mark_safe(new),  # noqa: S308 - built from nh3's output, every text and attribute escaped again
        quoted=mark_safe(quoted),  # noqa: S308 - as above
        remote_images=renderer.remote_images,
        inline_tokens=frozenset(renderer.inline_tokens),
    )


def attachments_listed(attachments: list[dict[str, Any]], rendered: RenderedBody) -> list[dict[str, Any]]:
    """The attachments to list under the message: not those already shown in place."""
    return [a for a in attachments if a.get("token") not in rendered.inline_tokens]
