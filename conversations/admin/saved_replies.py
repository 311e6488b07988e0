"""The composer's saved replies (issue 19): the conversation's mailbox's replies, filled for it, as JSON
for ``helpdesk/static/helpdesk/saved_replies.js``. Agents only read them here; admins manage them in the
mailboxes' admin (``mailboxes.admin.SavedReplyAdmin``)."""

from dataclasses import asdict

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from conversations.saved_replies import saved_replies_filled
from conversations.selectors import conversations_visible_to
from helpdesk.admin import admin_user


@require_GET
def saved_replies_view(request: HttpRequest, object_id: str) -> HttpResponse:
    user = admin_user(request)
    conversation = (
        conversations_visible_to(user=user).select_related("customer", "mailbox").filter(pk=int(object_id)).first()
        if object_id.isdigit()
        else None
    )
    if conversation is None:
        raise Http404
    replies = saved_replies_filled(conversation=conversation, agent=user)
    return JsonResponse({"replies": [asdict(reply) for reply in replies]})
