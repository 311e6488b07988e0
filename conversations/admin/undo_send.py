"""Undo send in the agent UI (``conversations.services.delayed_replies``). After Send, the conversation page
stays open and shows the agent's reply at the end of the timeline as "Sending in 8 s… Undo" (undo_send.js
counts down); the conversation's status is unchanged until the reply is published, and nobody else sees it.

``POST <id>/undo-send/<reply id>/`` takes the reply back: 200 with its text, status and recipients for the
composer (which undo_send.js fills), 409 ``{"error": …}`` once it is published, 404 for a reply that is not
the agent's (or not waiting in this conversation). Without JavaScript the form posts plainly and the page
opens again with the text in the composer (it is the agent's draft again). ``GET`` of the same URL says
whether the reply is still waiting, so that the page can move on after sending as the agent chose."""

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from conversations.admin.composer import composer_text, conversation_to_write_in
from conversations.models import DelayedReply
from conversations.selectors import delayed_replies_waiting, delayed_reply_of
from conversations.services.delayed_replies import delayed_reply_undo
from helpdesk.admin import admin_user
from helpdesk.errors import Conflict, NotFound
from helpdesk.models import User
from helpdesk.outbox import OutboxStatus

# What the page's "then" fragment carries: where to go once the reply is published.
THEN = "then="


def delayed_replies_shown(*, conversation_id: int, user: User) -> list[dict[str, Any]]:
    """The agent's waiting replies as the timeline shows them (``thread_body`` entries with the countdown)."""
    now = timezone.now()
    shown = []
    for reply in delayed_replies_waiting(conversation_id=conversation_id, user=user):
        shown.append(
            {
                "id": f"delayed-{reply.pk}",
                "body": reply.body,
                "to": reply.to,
                "cc": reply.cc,
                "bcc": reply.bcc,
                "status": reply.conversation_status,
                "seconds_left": max(0.0, (reply.next_attempt_at - now).total_seconds()),
                "url": reverse("admin:conversations_conversation_undo_send", args=[conversation_id, reply.pk]),
                "attachments": [],
                "files": _file_names(reply),
            }
        )
    return shown


def _file_names(reply: DelayedReply) -> list[str]:
    from conversations.models import Attachment

    return list(Attachment.objects.filter(token__in=reply.attachment_tokens).values_list("file_name", flat=True))


def page_while_sending(request: HttpRequest, then: str) -> str:
    """Where Send leads while the reply waits: this page, where it can be undone. ``then`` (where the agent
    chose to go after sending) rides in the fragment, for undo_send.js to follow once the reply is out."""
    here = request.get_full_path()
    return here if then == here else f"{here}#{THEN}{quote(then, safe='/?=&')}"


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


@require_http_methods(["GET", "POST"])
def undo_send_view(request: HttpRequest, object_id: str, reply_id: int) -> HttpResponse:
    conversation = conversation_to_write_in(request, object_id)
    user = admin_user(request)
    reply = delayed_reply_of(reply_id=reply_id, user=user)
    if reply is None or reply.conversation_id != conversation.pk:
        raise Http404
    if request.method == "GET":
        states: dict[str, str] = {OutboxStatus.PENDING: "waiting", OutboxStatus.SUCCEEDED: "sent"}
        state = states.get(reply.status, "failed")
        return JsonResponse({"state": state, "thread": reply.thread_id})
    page = reverse("admin:conversations_conversation_change", args=[conversation.pk])
    try:
        undone = delayed_reply_undo(reply_id=reply.pk, user=user)
    except NotFound:
        raise Http404 from None
    except Conflict as error:
        text = " ".join(error.messages)
        if _wants_json(request):
            return JsonResponse({"error": text}, status=409)
        messages.error(request, text)
        return HttpResponseRedirect(page)
    removed = f" Attach again: {', '.join(undone.removed_files)}." if undone.removed_files else ""
    if not _wants_json(request):
        messages.success(request, f"Sending undone: your reply is back in the composer.{removed}")
        return HttpResponseRedirect(page)
    return JsonResponse(
        {
            "type": undone.type,
            "text": composer_text(undone.body),
            "html": undone.body,
            "status": undone.status,
            "to": undone.to,
            "cc": undone.cc,
            "bcc": undone.bcc,
            "removedFiles": undone.removed_files,
            "message": f"Sending undone.{removed}",
        }
    )
