"""The parts of the composer shared by the reply form, the forward form, drafts and undo send: the
conversation an agent may write in, address lists as the agent types them, the rich editor's HTML
(composer.js) or the plain text box's text, and the mailbox's signature shown under it."""

import html
import re
from typing import Any

import nh3
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.html import linebreaks

from conversations.models import Conversation
from conversations.selectors import conversations_visible_to
from customers.services import email_normalise
from helpdesk.admin import admin_user
from mailboxes.models import Mailbox

# Agents paste lists from mail clients: "a@x.com, b@y.com; c@z.com", one a line, or with names in
# angle brackets ("Ana <ana@x.com>").
_SEPARATORS = re.compile(r"[,;\s]+")
_NAMED = re.compile(r"[^<>,;]*<([^<>]+)>")


def addresses_split(value: str) -> list[str]:
    """The addresses in ``value`` as typed, names dropped, each once; not validated."""
    value = _NAMED.sub(lambda match: f" {match.group(1)} ", value or "")
    return list(dict.fromkeys(part for part in _SEPARATORS.split(value) if part))


def addresses_valid(value: str) -> list[str]:
    """The valid addresses of ``value``, normalised (a draft keeps these while the agent is still typing)."""
    valid = []
    for address in addresses_split(value):
        try:
            valid.append(email_normalise(address))
        except ValidationError:
            continue
    return list(dict.fromkeys(valid))


class AddressesField(forms.CharField):
    """Email addresses separated by commas, semicolons or spaces; every one must be valid."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "name@example.com"}),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        addresses = []
        for address in addresses_split(super().to_python(value) or ""):
            try:
                addresses.append(email_normalise(address))
            except ValidationError:
                raise ValidationError(
                    f"{address} is not a valid email address.", code="invalid", params={"value": address}
                ) from None
        return list(dict.fromkeys(addresses))


def signature_html(mailbox: Mailbox) -> str:
    """The mailbox's signature as the reply's email carries it (``conversations.mail.compose``)."""
    return nh3.clean(mailbox.signature or "")


def conversation_to_write_in(request: HttpRequest, object_id: str) -> Conversation:
    """The conversation if the agent may see it (else 404, as for one that does not exist) and write in it."""
    user = admin_user(request)
    conversation = (
        conversations_visible_to(user=user).filter(pk=int(object_id)).first() if object_id.isdigit() else None
    )
    if conversation is None:
        raise Http404
    if not user.has_perm("conversations.change_conversation"):
        raise PermissionDenied
    return conversation


_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PARAGRAPHS = re.compile(r"</p>\s*<p>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def html_text(value: str) -> str:
    """The text of ``value`` (HTML), blank when it has none (an editor left with an empty paragraph)."""
    return html.unescape(nh3.clean(value or "", tags=set())).strip()


def composer_body(text: str) -> str:
    """The HTML the composer's plain text is stored as, sent or kept as a draft alike."""
    return linebreaks(text.strip(), autoescape=True)


def composer_html(html: str, text: str) -> str:
    """The body of what the composer sent: the rich editor's HTML when JavaScript ran (composer.js; the
    thread's services sanitise it with nh3), else the plain textarea's text."""
    return html if html_text(html) else composer_body(text)


def composer_text(body: str) -> str:
    """The composer's text back from a stored body: exact for what ``composer_body`` made; for a draft
    the API wrote in other HTML, its text with the paragraphs and line breaks kept."""
    text = _PARAGRAPHS.sub("\n\n", _BREAK.sub("\n", body.replace("\n", "")))
    return html.unescape(_TAG.sub("", text)).strip()
