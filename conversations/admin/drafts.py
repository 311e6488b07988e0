"""The composer's draft (``conversations.services.drafts``): ``POST <id>/draft/`` keeps what the agent is
writing (``type``, ``text``; no text discards it), ``POST <id>/draft/discard/`` drops it. The page's
drafts.js autosaves a few seconds after the text changes and when the page is left; the page opens
with the draft in the composer (``ReplyForm``), on any device."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_POST

from conversations.admin.composer import addresses_valid, composer_html, conversation_to_write_in
from conversations.services import thread_draft_discard, thread_draft_save
from helpdesk.admin import admin_user


@require_POST
def draft_save_view(request: HttpRequest, object_id: str) -> HttpResponse:
    """200 ``{"draft": id or null, "savedAt": …}``; 400 ``{"errors": {…}}`` for a type that is no draft's."""
    conversation = conversation_to_write_in(request, object_id)
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
    thread_draft_discard(conversation=conversation_to_write_in(request, object_id), user=admin_user(request))
    return HttpResponse(status=204)
