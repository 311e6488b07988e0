"""The composer's draft (``conversations.services.drafts``): ``POST <id>/draft/`` keeps what the agent is
writing (``type``, ``text``; no text discards it), ``POST <id>/draft/discard/`` drops it. The page's
drafts.js autosaves a few seconds after the text changes and when the page is left; the page opens
with the draft in the composer (``ReplyForm``), on any device."""

import html
import re

import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.html import linebreaks
from django.views.decorators.http import require_POST

from conversations.admin.composer import addresses_valid
from conversations.models import Conversation
from conversations.selectors import conversations_visible_to
from conversations.services import thread_draft_discard, thread_draft_save
from helpdesk.admin import admin_user

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


def _conversation(request: HttpRequest, object_id: str) -> Conversation:
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


@require_POST
def draft_save_view(request: HttpRequest, object_id: str) -> HttpResponse:
    """200 ``{"draft": id or null, "savedAt": …}``; 400 ``{"errors": {…}}`` for a type that is no draft's."""
    conversation = _conversation(request, object_id)
    try:
        draft = thread_draft_save(
            conversation=conversation,
            user=admin_user(request),
            type=request.POST.get("type", ""),
            body=composer_html(request.POST.get("html", ""), request.POST.get("text", "")),
            # Addresses still being typed are left out, not refused: the text must not wait for them.
            **{name: addresses_valid(request.POST.get(name, "")) for name in ("to", "cc", "bcc")},
        )
    except ValidationError as error:
        return JsonResponse({"errors": error.message_dict}, status=400)
    return JsonResponse(
        {"draft": draft.pk if draft else None, "savedAt": draft.updated_at.isoformat() if draft else None}
    )


@require_POST
def draft_discard_view(request: HttpRequest, object_id: str) -> HttpResponse:
    thread_draft_discard(conversation=_conversation(request, object_id), user=admin_user(request))
    return HttpResponse(status=204)
