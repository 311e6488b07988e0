"""The conversation page: header, timeline (oldest first), reply and note form, properties, tags,
custom fields and the customer sidebar. Reads come from the page loader the APIs use (``page_context``), so
the timeline shows what their JSON shows; writes go through ``PAGE_FORMS``."""

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from conversations.admin.forms import PAGE_FORMS, PageForm
from conversations.models import Conversation, ConversationStar, Tag, Thread
from conversations.pages import (
    CONVERSATION_COLUMNS,
    CustomerShort,
    PageContext,
    UserShort,
    line_item_text,
    page_context,
    waiting_since_friendly,
)
from conversations.selectors import conversations_visible_to
from customers.models import Customer
from helpdesk.admin import admin_user

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

OTHER_CONVERSATIONS = 10


def _person(person: UserShort | CustomerShort | None) -> str:
    if person is None:
        return "System"
    return person.full_name or person.email or "—"


def _timeline(conversation_id: int, context: PageContext) -> list[dict[str, Any]]:
    entries = []
    # ``page_context`` loads threads newest first, as the API lists them; the page reads oldest first.
    for thread in reversed(context.threads.get(conversation_id, [])):
        is_line_item = thread["type"] == Thread.Type.LINEITEM
        author = context.author(thread["created_by_user_id"], thread["created_by_customer_id"])
        entries.append(
            {
                "id": thread["id"],
                "type": thread["type"],
                "type_label": Thread.Type(thread["type"]).label,
                "is_line_item": is_line_item,
                "text": line_item_text(thread, context) if is_line_item else "",
                "author": _person(author),
                "body": thread["body"],
                "to": thread["to"],
                "cc": thread["cc"],
                "created_at": thread["created_at"],
                "draft": thread["state"] == Thread.State.DRAFT,
                "status": "" if thread["status"] == Thread.Status.NOCHANGE or is_line_item else thread["status"],
                "attachments": [
                    {**a, "url": reverse("attachment-download", args=[a["token"], a["file_name"]])}
                    for a in context.attachments.get(thread["id"], ())
                ],
            }
        )
    return entries


def _customer_sidebar(user: Any, conversation: Conversation) -> dict[str, Any]:
    if conversation.customer_id is None:
        return {"customer": None, "others": []}
    customer = (
        Customer.objects.select_related("company")
        .prefetch_related("emails", "phones", "websites", "social_profiles")
        .get(pk=conversation.customer_id)
    )
    others = (
        conversations_visible_to(user=user)
        .filter(customer_id=customer.pk)
        .exclude(pk=conversation.pk)
        .select_related("mailbox")
        .order_by("-created_at", "-id")[:OTHER_CONVERSATIONS]
    )
    return {"customer": customer, "others": list(others)}


def _forms(request: HttpRequest, conversation: Conversation, bound: PageForm | None) -> dict[str, PageForm]:
    forms = {op: form(conversation=conversation, user=admin_user(request)) for op, form in PAGE_FORMS.items()}
    if bound is not None:
        forms[bound.op] = bound
    return forms


def _submit(request: HttpRequest, conversation: Conversation) -> PageForm | HttpResponse:
    """Runs the posted form: a redirect when it worked, else the bound form to show with its errors."""
    form_class = PAGE_FORMS.get(request.POST.get("op", ""))
    if form_class is None:
        return HttpResponseBadRequest("Unknown operation.")
    form = form_class(request.POST, request.FILES, conversation=conversation, user=admin_user(request))
    if not form.is_valid():
        return form
    try:
        with transaction.atomic():
            done = form.save()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return form
    messages.success(request, done)
    if not conversations_visible_to(user=admin_user(request)).filter(pk=conversation.pk).exists():
        # Moved to a mailbox the agent cannot open.
        return HttpResponseRedirect(reverse("admin:conversations_conversation_changelist"))
    return HttpResponseRedirect(request.get_full_path())


def conversation_page(model_admin: "ModelAdmin", request: HttpRequest, conversation: Conversation) -> HttpResponse:
    bound = None
    if request.method == "POST":
        if not model_admin.has_change_permission(request, conversation):
            raise PermissionDenied
        result = _submit(request, conversation)
        if isinstance(result, HttpResponse):
            return result
        bound = result
        conversation = Conversation.objects.select_related("mailbox", "assignee").get(pk=conversation.pk)
    row = Conversation.objects.filter(pk=conversation.pk).values(*CONVERSATION_COLUMNS).get()
    context = page_context([row], embed=frozenset({"threads", "tags"}))
    user = admin_user(request)
    return TemplateResponse(
        request,
        "admin/conversations/conversation/page.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": f"#{conversation.number} {conversation.subject}",
            "conversation": conversation,
            "can_change": model_admin.has_change_permission(request, conversation),
            "starred": ConversationStar.objects.filter(conversation=conversation, user=user).exists(),
            "tags": [tag["tag__name"] for tag in context.tags.get(conversation.pk, ())],
            "known_tags": Tag.objects.order_by("name").values_list("name", flat=True)[:200],
            "custom_fields": [
                {"name": f.name, "value": value, "text": f.option_label(value)}
                for f, value in context.custom_field_values(row)
            ],
            "waiting_since": waiting_since_friendly(conversation.last_reply_at),
            "timeline": _timeline(conversation.pk, context),
            "forms": _forms(request, conversation, bound),
            **_customer_sidebar(user, conversation),
        },
        status=400 if bound is not None else 200,
    )
