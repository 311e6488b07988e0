"""The conversation page: header with who else is viewing and previous/next, the composer first, the
timeline (oldest or newest first, as the agent chose), properties, tags, custom fields and the customer
sidebar. Reads come from the page loader the APIs use (``page_context``), so the timeline shows what their
JSON shows; writes go through ``PAGE_FORMS``. The page keeps itself current through ``admin/live.py``
(helpdesk/static/helpdesk/conversation.js)."""

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, Model, OuterRef, Q, Subquery, Value
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse

from conversations.admin import undo_send
from conversations.admin.forms import PAGE_FORMS, PageForm, ReplyForm
from conversations.admin.live import POLL_SECONDS, presence_text
from conversations.admin.widget_html import WidgetsInPython
from conversations.models import AgentPreferences, Conversation, ConversationStar, Tag, Thread
from conversations.pages import (
    CONVERSATION_COLUMNS,
    CustomerShort,
    PageContext,
    UserShort,
    line_item_text,
    page_context,
    waiting_since_friendly,
)
from conversations.selectors import (
    agent_preferences_of,
    conversation_live_version,
    conversations_in_folder,
    conversations_visible_to,
    viewers_of,
)
from conversations.services import agent_preferences_update
from conversations.services.forward import FORWARD_SUBTYPE
from customers.models import Customer, CustomerEmail, CustomerPhone, CustomerSocialProfile, CustomerWebsite
from helpdesk.admin import admin_user
from helpdesk.notification_services import notifications_mark_read
from mailboxes.selectors import folder_visible_to

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

OTHER_CONVERSATIONS = 10


def _person(person: UserShort | CustomerShort | None) -> str:
    if person is None:
        return "System"
    return person.full_name or person.email or "—"


def _timeline(conversation_id: int, context: PageContext, *, newest_first: bool, user_id: int) -> list[dict[str, Any]]:
    entries = []
    # ``page_context`` loads threads newest first, as the API lists them; the page reads oldest first
    # unless the agent chose otherwise.
    threads = context.threads.get(conversation_id, [])
    for thread in threads if newest_first else reversed(threads):
        if thread["state"] == Thread.State.DRAFT and thread["created_by_user_id"] == user_id:
            continue  # the agent's own draft is in the composer
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
                "bcc": thread["bcc"],
                "forward": (thread["action_data"] or {}).get("subtype") == FORWARD_SUBTYPE,
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


# The customer card's contacts: (name in the template, model, the column shown, the column of its type).
CONTACTS: tuple[tuple[str, type[Model], str, str], ...] = (
    ("emails", CustomerEmail, "email", "type"),
    ("phones", CustomerPhone, "value", "type"),
    ("websites", CustomerWebsite, "value", ""),
    ("social_profiles", CustomerSocialProfile, "value", "type"),
)


def _customer_contacts(customer_id: int) -> dict[str, list[dict[str, str]]]:
    """The customer's emails, phones, websites and social profiles, each oldest first, in one statement
    rather than four prefetches. Each is a dict with ``value`` (``email`` for an email) and ``type``."""
    parts = [
        model._default_manager.filter(customer_id=customer_id)
        .order_by()
        .annotate(
            contact_kind=Value(kind),
            contact_id=F("pk"),
            contact_value=F(column),
            contact_type=F(type_column) if type_column else Value(""),
        )
        .values_list("contact_kind", "contact_id", "contact_value", "contact_type")
        for kind, (_name, model, column, type_column) in enumerate(CONTACTS)
    ]
    contacts: dict[str, list[dict[str, str]]] = {name: [] for name, *_ in CONTACTS}
    for kind, _id, value, type_ in parts[0].union(*parts[1:], all=True).order_by("contact_kind", "contact_id"):
        name, _model, column, _type_column = CONTACTS[kind]
        contacts[name].append({column: value, "type": type_})
    return contacts


def _customer_sidebar(user: Any, conversation: Conversation) -> dict[str, Any]:
    if conversation.customer_id is None:
        return {"customer": None, "contacts": {}, "others": []}
    customer = Customer.objects.select_related("company").get(pk=conversation.customer_id)
    others = (
        conversations_visible_to(user=user)
        .filter(customer_id=customer.pk)
        .exclude(pk=conversation.pk)
        .filter(merged_into__isnull=True)  # a merged one lives on in the one it was merged into
        .only("number", "subject", "status")
        .order_by("-created_at", "-id")[:OTHER_CONVERSATIONS]
    )
    return {"customer": customer, "contacts": _customer_contacts(customer.pk), "others": list(others)}


CHANGELIST = "admin:conversations_conversation_changelist"
CHANGE = "admin:conversations_conversation_change"


def _navigation(request: HttpRequest, conversation: Conversation) -> dict[str, Any]:
    """The folder the agent came from (the list's ``_changelist_filters``, else the conversation's own)
    and the conversations before and after this one there, in the list's default order (newest first).
    Two queries, whatever the folder holds."""
    user = admin_user(request)
    came_from = request.GET.get("_changelist_filters", "")
    value = QueryDict(came_from).get("folder", "")
    folder = folder_visible_to(user=user, folder_id=int(value if value.isdigit() else conversation.folder_id))
    if folder is None:
        return {"folder": None, "folder_url": reverse(CHANGELIST), "previous_url": "", "next_url": ""}
    in_folder = conversations_in_folder(queryset=conversations_visible_to(user=user), folder=folder)
    at, pk = conversation.created_at, conversation.pk
    # The plain bound on created_at lets the folder's index start at the conversation (the OR alone scanned
    # the folder from its end: 600 ms at 100k conversations).
    newer = in_folder.filter(Q(created_at__gt=at) | Q(created_at=at, pk__gt=pk), created_at__gte=at)
    older = in_folder.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk), created_at__lte=at)
    newer, older = newer.order_by("created_at", "id"), older.order_by("-created_at", "-id")
    keep = "?" + urlencode({"_changelist_filters": came_from or f"folder={folder.pk}"})
    previous_id, next_id = (
        Conversation.objects.filter(pk=pk)
        .annotate(previous_id=Subquery(newer.values("pk")[:1]), next_id=Subquery(older.values("pk")[:1]))
        .values_list("previous_id", "next_id")
        .get()
    )
    return {
        "folder": folder,
        "folder_url": f"{reverse(CHANGELIST)}?{came_from or f'folder={folder.pk}'}",
        "previous_url": reverse(CHANGE, args=[previous_id]) + keep if previous_id else "",
        "next_url": reverse(CHANGE, args=[next_id]) + keep if next_id else "",
    }


def _forms(
    request: HttpRequest, conversation: Conversation, bound: PageForm | None, *, preloaded: dict[str, dict[str, Any]]
) -> dict[str, PageForm]:
    """The page's forms, ``bound`` among them when one was posted; ``preloaded`` holds, by form, what the
    page has read already (the form would read it again)."""
    user = admin_user(request)
    forms = {op: form(conversation=conversation, user=user, **preloaded.get(op, {})) for op, form in PAGE_FORMS.items()}
    if bound is not None:
        forms[bound.op] = bound
    for form in forms.values():
        form.renderer = WidgetsInPython(form.renderer)
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
        return HttpResponseRedirect(reverse(CHANGELIST))
    if isinstance(form, ReplyForm):
        then = _after_send(request, conversation, form.cleaned_data["after_send"])
        if form.delayed is not None:
            # The reply can be undone on this page only: stay, and move on once it is out.
            return HttpResponseRedirect(undo_send.page_while_sending(request, then))
        return HttpResponseRedirect(then)
    return HttpResponseRedirect(request.get_full_path())


def _after_send(request: HttpRequest, conversation: Conversation, after_send: str) -> str:
    """Where the agent goes after sending, remembered as their choice for next time."""
    user = admin_user(request)
    if after_send and after_send != agent_preferences_of(user=user).after_send:
        agent_preferences_update(user=user, after_send=after_send)
    if after_send == AgentPreferences.AfterSend.STAY or not after_send:
        return request.get_full_path()
    navigation = _navigation(request, conversation)
    if after_send == AgentPreferences.AfterSend.NEXT and navigation["next_url"]:
        return navigation["next_url"]
    return navigation["folder_url"]


def conversation_page(model_admin: "ModelAdmin", request: HttpRequest, conversation: Conversation) -> HttpResponse:
    bound = None
    if request.method == "POST":
        if not model_admin.has_change_permission(request, conversation):
            raise PermissionDenied
        result = _submit(request, conversation)
        if isinstance(result, HttpResponse):
            return result
        bound = result
    user = admin_user(request)
    # Read again (a posted form may have changed it) with what the page shows beside its columns, in one
    # statement: its mailbox, its assignee and whether this agent starred it. The columns are the row the
    # APIs' page loader reads.
    starred_by_user = Exists(ConversationStar.objects.filter(conversation=OuterRef("pk"), user=user))
    conversation = (
        Conversation.objects.select_related("mailbox", "assignee")
        .annotate(starred_by_user=starred_by_user)
        .get(pk=conversation.pk)
    )
    row = {column: getattr(conversation, column) for column in CONVERSATION_COLUMNS}
    starred = getattr(conversation, "starred_by_user")  # noqa: B009 - an annotation, unknown to the model's type
    context = page_context([row], embed=frozenset({"threads", "tags"}))
    # Opening the conversation reads its notices: the bell's count drops (one UPDATE, whatever their number).
    notifications_mark_read(user=user, conversation_id=conversation.pk)
    preferences = agent_preferences_of(user=user)
    threads = context.threads.get(conversation.pk, [])
    viewers = viewers_of(user=user, conversation_ids=[conversation.pk]).get(conversation.pk, [])
    field_values = context.field_values.get(conversation.pk, {})
    preloaded: dict[str, dict[str, Any]] = {
        "reply": {"after_send": preferences.after_send},
        "fields": {"custom_fields": [f for f, _value in context.custom_field_values(row)], "values": field_values},
    }
    forms = _forms(request, conversation, bound, preloaded=preloaded)
    stale = bound is not None and bound.has_error("__all__", code="stale")
    return TemplateResponse(
        request,
        "admin/conversations/conversation/page.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": f"#{conversation.number} {conversation.subject}",
            "conversation": conversation,
            "can_change": model_admin.has_change_permission(request, conversation),
            "forward_url": reverse("admin:conversations_conversation_forward", args=[conversation.pk]),
            "starred": starred,
            "tags": [tag["tag__name"] for tag in context.tags.get(conversation.pk, ())],
            "known_tags": Tag.objects.order_by("name").values_list("name", flat=True)[:200],
            "custom_fields": [
                {"name": f.name, "value": value, "text": f.option_label(value)}
                for f, value in context.custom_field_values(row)
            ],
            "waiting_since": waiting_since_friendly(conversation.last_reply_at),
            "timeline": _timeline(conversation.pk, context, newest_first=preferences.newest_first, user_id=user.pk),
            "delayed_replies": undo_send.delayed_replies_shown(conversation_id=conversation.pk, user=user),
            "newest_first": preferences.newest_first,
            "forms": forms,
            "composer_is_note": forms["reply"]["type"].value() == Thread.Type.NOTE,
            "stale": stale,
            # The newest thread shown: a reply sent over threads that arrived after it asks first.
            "last_thread_id": next((t["id"] for t in threads if t["state"] != Thread.State.DRAFT), 0),
            "live_version": conversation_live_version(user=user, conversation_id=conversation.pk),
            "poll_seconds": POLL_SECONDS,
            "viewers": viewers,
            "presence": presence_text(viewers),
            **_navigation(request, conversation),
            **_customer_sidebar(user, conversation),
        },
        # 409: the reply was held back because the conversation moved on; 400: the input was refused.
        status=409 if stale else 400 if bound is not None else 200,
    )
