"""The agents' queue: the conversation list (folders, search, filters, bulk actions) and the conversation
page. Every queryset is scoped to the mailboxes the signed-in user can access, and every change goes
through the conversation services, as the API's do."""

from collections.abc import Callable
from html import escape
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.forms.renderers import get_default_renderer
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.safestring import SafeString, mark_safe

from conversations.admin import drafts, live, merge, undo_send
from conversations.admin.forward import forward_view
from conversations.admin.list_count import TalliedChangeList, TalliedPaginator, list_filter_tallied
from conversations.admin.list_rows import checkbox_writer, tag_names_by_conversation, text_escaped
from conversations.admin.new_conversation import new_conversation_view
from conversations.admin.page import conversation_page
from conversations.admin.saved_replies import saved_replies_view
from conversations.admin.widget_html import WidgetsInPython
from conversations.models import Conversation, Status
from conversations.pages import waiting_since_friendly
from conversations.search import (
    SearchHighlight,
    conversation_search_highlights,
    conversations_search,
    search_text_clean,
)
from conversations.selectors import (
    agent_preferences_of,
    conversations_in_folder,
    conversations_live_version,
    conversations_visible_to,
    conversations_with_attachments,
    tags_visible_to,
)
from conversations.services import (
    conversation_assign,
    conversation_change_status,
    conversation_delete,
    conversation_delete_forever,
    conversation_move,
    conversation_restore,
    conversation_tags_set,
)
from conversations.tallies import conversations_count_tallied
from helpdesk.admin import admin_user
from helpdesk.errors import Invalid
from helpdesk.models import User
from mailboxes.models import Folder, Mailbox, MailboxUser
from mailboxes.selectors import folder_visible_to, mailboxes_accessible_by, users_sharing_a_mailbox_with

PREVIEW_LENGTH = 90
# A paperclip drawn inline (no icon font, no request), in the text's colour.
CLIP = mark_safe(
    '<svg width="12" height="12" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" '
    'stroke-width="2.2" stroke-linecap="round"><path d="M21 11.5 12.5 20a5 5 0 0 1-7-7l9-9a3.3 3.3 0 0 1 4.7 '
    '4.7l-9 9a1.7 1.7 0 0 1-2.4-2.4l8.3-8.3"/></svg>'
)
_STATUS_LABELS = dict(Status.choices)
_STATE_LABELS = dict(Conversation.State.choices)
FOLDER_PARAMETER = "folder"
UNASSIGN = "none"


def request_folder(request: HttpRequest) -> Folder | None:
    """The folder the list shows (``?folder=``), if the user may open it; looked up once per request."""
    if not hasattr(request, "_helpdesk_folder"):
        value = request.GET.get(FOLDER_PARAMETER, "")
        folder = folder_visible_to(user=admin_user(request), folder_id=int(value)) if value.isdigit() else None
        request._helpdesk_folder = folder  # type: ignore[attr-defined]
    return request._helpdesk_folder  # type: ignore[attr-defined]


class FolderFilter(admin.SimpleListFilter):
    """Mailbox → folder, as the sidebar links them; an unknown or foreign folder shows nothing."""

    title = "folder"
    parameter_name = FOLDER_PARAMETER

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        folder = request_folder(request)
        # The sidebar lists every folder; here only the chosen one, so that it can be cleared.
        return [(str(folder.pk), f"{folder.mailbox.name}: {folder.name}")] if folder else [("0", "—")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
        if self.value() is None:
            return queryset
        folder = request_folder(request)
        return conversations_in_folder(queryset=queryset, folder=folder) if folder else queryset.none()


class ScopedMailboxFilter(admin.RelatedFieldListFilter):
    """Only the mailboxes the user can access are offered."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        # In the order of their ids, as ``mailboxes_accessible_by`` reads them.
        return [(mailbox.pk, mailbox.name) for mailbox in sorted(request_mailboxes(request), key=lambda m: m.pk)]


class ScopedAssigneeFilter(admin.RelatedFieldListFilter):
    """The users who may hold the user's conversations, not Django's distinct assignees of every visible
    conversation (a scan of them all: 40 ms at a million)."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        users = users_sharing_a_mailbox_with(user=admin_user(request)).order_by("first_name", "last_name", "id")
        return [(user.pk, str(user)) for user in users]


class ScopedTagFilter(admin.RelatedFieldListFilter):
    """The tags the user may see (``tags_visible_to``), not Django's distinct tags of every visible
    conversation (a join of them all with their tags: 30 ms at 100k conversations)."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [(tag.pk, tag.name) for tag in tags_visible_to(user=admin_user(request)).order_by("name", "id")]


class BulkActionForm(ActionForm):
    """The action bar's extra inputs; their choices are set per request by ``ConversationAdmin`` and
    every value is looked up again, scoped, when the action runs."""

    # The widgets written in Python, the same HTML: the form template engine renders an include for each
    # option and each attribute of the action bar's four selects.
    default_renderer = WidgetsInPython(get_default_renderer())

    assignee = forms.CharField(required=False, label="Assignee", widget=forms.Select)
    status = forms.ChoiceField(required=False, label="Status", choices=[("", "—"), *Status.choices])
    mailbox = forms.CharField(required=False, label="Mailbox", widget=forms.Select)
    tags = forms.CharField(
        required=False, label="Tags", widget=forms.TextInput(attrs={"placeholder": "tag, another tag"})
    )


def rows_mark(changelist: ChangeList) -> None:
    """Marks the page's rows with their attachment clip and their tags' names, one query each once the page
    is read. As a subquery in the page's query PostgreSQL hashed every published thread instead (2 s at 100k
    conversations); Django's prefetch of the tags built a queryset for each row (a fifth of the list's time)."""
    rows = list(changelist.result_list)
    ids = [row.pk for row in rows]
    attached = conversations_with_attachments(conversation_ids=ids)
    tags = tag_names_by_conversation(conversation_ids=ids)
    for row in rows:
        row.has_attachments = row.pk in attached
        row.listed_tag_names = tags.get(row.pk, ())
    changelist.result_list = rows


def request_mailboxes(request: HttpRequest) -> list[Mailbox]:
    """The mailboxes the user can access by name (the database's collation), read once a request for the
    mailbox filter and the action bar's mailbox select."""
    if not hasattr(request, "_helpdesk_mailboxes"):
        mailboxes = mailboxes_accessible_by(user=admin_user(request)).order_by("name", "id")
        request._helpdesk_mailboxes = list(mailboxes)  # type: ignore[attr-defined]
    return request._helpdesk_mailboxes  # type: ignore[attr-defined]


def bulk_choices(form: forms.Form, request: HttpRequest) -> None:
    mailboxes = request_mailboxes(request)
    assignees = assignees_for(admin_user(request)).order_by("first_name", "last_name")
    form.fields["assignee"].widget.choices = [("", "—"), (UNASSIGN, "Nobody (unassign)")] + [
        (str(u.pk), f"{u.get_full_name()} <{u.email}>") for u in assignees
    ]
    form.fields["mailbox"].widget.choices = [("", "—")] + [(str(m.pk), m.name) for m in mailboxes]


def assignees_for(user: User) -> QuerySet[User]:
    """Who the user may pick as an assignee: active users with access to one of the user's mailboxes
    (the service checks access to the conversation's own mailbox)."""
    mailboxes = mailboxes_accessible_by(user=user)
    granted = MailboxUser.objects.filter(mailbox__in=mailboxes).values("user_id")
    return User.objects.filter(status=User.Status.ACTIVE).filter(Q(role=User.Role.ADMIN) | Q(pk__in=granted))


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    action_form = BulkActionForm
    list_display = [
        "number",
        "subject_and_preview",
        "customer_name",
        "status_badge",
        "assignee_name",
        "tag_names",
        "last_activity",
        "threads",
        "mailbox_name",
    ]
    list_display_links = ["number", "subject_and_preview"]
    list_filter = [
        FolderFilter,
        "status",
        ("mailbox", ScopedMailboxFilter),
        ("assignee", ScopedAssigneeFilter),
        ("tags", ScopedTagFilter),
        "type",
        "state",
    ]
    list_select_related = ["mailbox", "assignee", "customer"]
    list_per_page = 50
    # Both totals come from the tally (``TalliedChangeList``, ``get_paginator``), not a count of every row.
    show_full_result_count = False
    # What the search box finds; ``get_search_results`` hands it to conversations/search.py.
    search_fields = ["number", "subject", "customer_email", "customer__first_name", "customer__last_name", "threads"]
    search_help_text = "Words of the subject or a message, a number, or the customer's name or email"
    ordering = ["-created_at", "-id"]
    actions = ["assign", "change_status", "add_tags", "move", "move_to_deleted", "restore"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Conversation]:
        # The list reads its page's tags itself (``rows_mark``); the page reads them with its threads.
        return conversations_visible_to(user=admin_user(request))

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[TalliedChangeList]:
        return TalliedChangeList

    def get_paginator(
        self,
        request: HttpRequest,
        queryset: QuerySet[Conversation],
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
    ) -> TalliedPaginator:
        where = list_filter_tallied(request, request_folder(request))
        count = None if where is None else conversations_count_tallied(user=admin_user(request), where=where)
        return TalliedPaginator(
            queryset, per_page, orphans=orphans, allow_empty_first_page=allow_empty_first_page, tallied_count=count
        )

    def get_urls(self) -> list[URLPattern]:
        wrap, name = self.admin_site.admin_view, f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("new/", wrap(self.new_view), name=f"{name}_new"),
            path("live/", wrap(live.list_check), name=f"{name}_live"),
            path("preferences/", wrap(live.preferences_view), name=f"{name}_preferences"),
            path("saved-filters/", wrap(live.saved_filters_view), name=f"{name}_saved_filters"),
            path("<path:object_id>/live/", wrap(live.conversation_check), name=f"{name}_check"),
            path("<path:object_id>/presence/", wrap(live.presence_view), name=f"{name}_presence"),
            path("<path:object_id>/draft/", wrap(drafts.draft_save_view), name=f"{name}_draft"),
            path("<path:object_id>/draft/discard/", wrap(drafts.draft_discard_view), name=f"{name}_draft_discard"),
            path("<path:object_id>/saved-replies/", wrap(saved_replies_view), name=f"{name}_saved_replies"),
            path(
                "<path:object_id>/undo-send/<int:reply_id>/", wrap(undo_send.undo_send_view), name=f"{name}_undo_send"
            ),
            path("<path:object_id>/forward/", wrap(self.forward_view), name=f"{name}_forward"),
            path("<path:object_id>/merge/", wrap(self.merge_view), name=f"{name}_merge"),
            path("<path:object_id>/customer/", wrap(self.customer_view), name=f"{name}_customer"),
            path(
                "<path:object_id>/customer/suggestions/",
                wrap(self.customer_suggestions_view),
                name=f"{name}_customer_suggestions",
            ),
            *super().get_urls(),
        ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Conversations come from email, the API and the "New conversation" page (``new_view``), never the
        # admin's generic add form.
        return False

    def new_view(self, request: HttpRequest) -> HttpResponse:
        return new_conversation_view(request, dict(self.admin_site.each_context(request)))

    def forward_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return forward_view(request, object_id, dict(self.admin_site.each_context(request)))

    def merge_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        conversation = merge.page_of(self, request, object_id)
        context = dict(self.admin_site.each_context(request))
        return merge.merged_redirect(request, conversation) or merge.merge_view(request, conversation, context)

    def customer_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        conversation = merge.page_of(self, request, object_id)
        context = dict(self.admin_site.each_context(request))
        return merge.merged_redirect(request, conversation) or merge.customer_change_view(
            request, conversation, context
        )

    def customer_suggestions_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return merge.customer_suggestions_view(request, merge.page_of(self, request, object_id))

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Restoring and erasing are what the Deleted folder is for; elsewhere they are left out.
        actions = super().get_actions(request)
        folder = request_folder(request)
        if folder is None or folder.type != Folder.Type.DELETED:
            actions.pop("restore", None)
            actions.pop("delete_selected", None)
        else:
            actions.pop("move_to_deleted", None)
        return actions

    def get_list_display(self, request: HttpRequest) -> list[str | Callable[[Any], str | bool]]:
        # Inside a folder every row is of the folder's mailbox.
        if request_folder(request) is not None:
            return [name for name in self.list_display if name != "mailbox_name"]
        return list(self.list_display)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Conversation], search_term: str
    ) -> tuple[QuerySet[Conversation], bool]:
        if not search_term.strip():
            return queryset, False
        try:
            text = search_text_clean(text=search_term)
        except Invalid as error:
            self.message_user(request, " ".join(error.messages), messages.WARNING)
            return queryset.none(), False
        # One id per conversation: never duplicates, so no DISTINCT over the page. The page's customers,
        # mailboxes and assignees are fetched for its rows alone (``get_list_select_related``).
        found = conversations_search(queryset=queryset, text=text)
        return found.prefetch_related("customer", "mailbox", "assignee"), False

    def get_list_select_related(self, request: HttpRequest) -> Any:
        # A search's matches are all sorted before the page is cut: joined, each of thousands of them would
        # fetch its customer, mailbox and assignee first (a third of the statement at 1M conversations).
        if request.GET.get("q", "").strip():
            return []
        return super().get_list_select_related(request)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        user = admin_user(request)
        extra_context = {
            **(extra_context or {}),
            "current_folder": request_folder(request),
            "live_version": conversations_live_version(user=user),
            "saved_filters": agent_preferences_of(user=user).saved_filters,
            "filter_query": live.list_query(request.GET),
            # A folder alone is what the sidebar links already: nothing to save.
            "folder_query": f"folder={request.GET.get(FOLDER_PARAMETER, '')}",
        }
        response = super().changelist_view(request, extra_context)
        context = response.context_data if isinstance(response, TemplateResponse) else None
        if context is not None and context.get("action_form"):
            bulk_choices(context["action_form"], request)
        if context is not None and context.get("cl") is not None:
            rows_mark(context["cl"])
        if context is not None and context.get("cl") is not None and context["cl"].query.strip():
            _highlights_attach(context["cl"])
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        conversation = self.get_object(request, object_id)
        if conversation is None:
            # The same answer for a conversation of another mailbox as for one that does not exist.
            raise Http404("No such conversation.")
        return merge.merged_redirect(request, conversation) or conversation_page(self, request, conversation)

    # --- columns

    # The columns write their HTML with ``html.escape`` rather than ``format_html`` (a tenth of the list's
    # time); ``list_rows.conversation_rows`` calls them for each row of the page.

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj: Conversation) -> SafeString:
        # Django's own renders a CheckboxInput through the form template engine: a fifth of the list's time.
        return checkbox_writer()(obj)

    @admin.display(description="Subject", ordering="subject")
    def subject_and_preview(self, obj: Conversation) -> SafeString:
        preview = obj.preview if len(obj.preview) <= PREVIEW_LENGTH else obj.preview[: PREVIEW_LENGTH - 1] + "…"
        # A search marks its matches: in the subject, and in a passage of the message that matched.
        highlight: SearchHighlight | None = getattr(obj, "search_highlight", None)
        # Unanswered: the customer spoke last (bold); the row's id lets the list mark who is viewing it.
        unanswered = obj.last_reply_from == Conversation.LastReplyFrom.CUSTOMER and obj.status != Status.CLOSED
        subject = text_escaped((highlight.subject if highlight else obj.subject) or "(no subject)")
        clip = (
            f' <span class="hd-clip" title="Has attachments" aria-label="Has attachments">{CLIP}</span>'
            if getattr(obj, "has_attachments", False)
            else ""
        )
        shown = text_escaped(highlight.excerpt if highlight and highlight.excerpt else preview)
        return mark_safe(  # noqa: S308 - every value is escaped or already safe
            f'<span class="hd-subject{" hd-unanswered" if unanswered else ""}" data-conversation="{obj.pk}">'
            f'{subject}{clip}</span><span class="hd-preview">{shown}</span>'
            '<span class="hd-viewers" aria-live="polite"></span>'
        )

    @admin.display(description="Threads", ordering="threads_count")
    def threads(self, obj: Conversation) -> int:
        return obj.threads_count

    @admin.display(description="Last activity", ordering="updated_at")
    def last_activity(self, obj: Conversation) -> SafeString:
        # What happened last (a message, a reply, a change); the page keeps "waiting since" (the last message).
        moment = obj.updated_at
        return mark_safe(  # noqa: S308 - every value is escaped
            f'<time datetime="{escape(moment.isoformat())}" title="{escape(moment.strftime("%Y-%m-%d %H:%M UTC"))}">'
            f"{escape(waiting_since_friendly(moment))}</time>"
        )

    @admin.display(description="Customer", ordering="customer_email")
    def customer_name(self, obj: Conversation) -> str:
        name = obj.customer.get_full_name() if obj.customer else ""
        return name or obj.customer_email

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj: Conversation) -> SafeString:
        # The choices' labels (plain strings) looked up as ``get_status_display`` does, without its per-call work.
        published = obj.state == Conversation.State.PUBLISHED
        label = _STATUS_LABELS.get(obj.status, obj.status) if published else _STATE_LABELS.get(obj.state, obj.state)
        if obj.merged_into_id is not None:
            label = "Merged"
        return mark_safe(f'<span class="hd-badge hd-{escape(obj.status)}">{escape(label)}</span>')  # noqa: S308

    @admin.display(description="Assignee", ordering="assignee__first_name")
    def assignee_name(self, obj: Conversation) -> str:
        return obj.assignee.get_full_name() if obj.assignee else "—"

    @admin.display(description="Tags", empty_value="")
    def tag_names(self, obj: Conversation) -> SafeString:
        names = getattr(obj, "listed_tag_names", None)
        if names is None:
            names = [tag.name for tag in obj.tags.all()]
        return mark_safe(" ".join(f'<span class="hd-tag">{escape(name)}</span>' for name in names))  # noqa: S308

    @admin.display(description="Mailbox", ordering="mailbox__name")
    def mailbox_name(self, obj: Conversation) -> str:
        return obj.mailbox.name

    # --- bulk actions, one service call per conversation

    def _apply(
        self,
        request: HttpRequest,
        queryset: QuerySet[Conversation],
        change: Callable[[Conversation], Any],
        done: str,
        prefetch: list[str] | None = None,
    ) -> None:
        changed, errors = 0, []
        for conversation in queryset.select_related("folder", "mailbox", "assignee").prefetch_related(*prefetch or ()):
            try:
                change(conversation)
            except ValidationError as error:
                errors.append(f"#{conversation.number}: {' '.join(error.messages)}")
            else:
                changed += 1
        if changed:
            self.message_user(request, f"{done}: {changed} conversation(s).", messages.SUCCESS)
        if errors:
            self.message_user(request, "Not changed: " + "; ".join(errors), messages.ERROR)

    def _chosen(self, request: HttpRequest, name: str) -> str:
        value = request.POST.get(name, "")
        if not value:
            self.message_user(request, f"Choose a {name} for this action.", messages.WARNING)
        return value

    @admin.action(description="Assign to…", permissions=["change"])
    def assign(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> None:
        value = self._chosen(request, "assignee")
        if not value:
            return
        user = admin_user(request)
        assignee = None if value == UNASSIGN else assignees_for(user).filter(pk=value).first()
        if value != UNASSIGN and assignee is None:
            self.message_user(request, "No such user.", messages.ERROR)
            return
        self._apply(
            request,
            queryset,
            lambda c: conversation_assign(conversation=c, assignee=assignee, by_user=user),
            f"Assigned to {assignee.get_full_name()}" if assignee else "Unassigned",
        )

    @admin.action(description="Change status to…", permissions=["change"])
    def change_status(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> None:
        status = self._chosen(request, "status")
        if status not in Status.values:
            return
        user = admin_user(request)
        self._apply(
            request,
            queryset,
            lambda c: conversation_change_status(conversation=c, status=status, by_user=user),
            f"Marked as {Status(status).label}",
        )

    @admin.action(description="Add tags…", permissions=["change"])
    def add_tags(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> None:
        names = [name for name in self._chosen(request, "tags").split(",") if name.strip()]
        if not names:
            return
        self._apply(
            request,
            queryset,
            lambda c: conversation_tags_set(conversation=c, names=[t.name for t in c.tags.all()] + names),
            "Tagged",
            prefetch=["tags"],
        )

    @admin.action(description="Move to mailbox…", permissions=["change"])
    def move(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> None:
        value = self._chosen(request, "mailbox")
        user = admin_user(request)
        mailbox = mailboxes_accessible_by(user=user).filter(pk=value).first() if value.isdigit() else None
        if mailbox is None:
            if value:
                self.message_user(request, "No such mailbox.", messages.ERROR)
            return
        self._apply(
            request,
            queryset,
            lambda c: conversation_move(conversation=c, mailbox=mailbox, by_user=user),
            f"Moved to {mailbox.name}",
        )

    @admin.action(description="Move to Deleted", permissions=["change"])
    def move_to_deleted(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> None:
        user = admin_user(request)
        self._apply(request, queryset, lambda c: conversation_delete(conversation=c, by_user=user), "Moved to Deleted")

    @admin.action(description="Restore", permissions=["change"])
    def restore(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> None:
        user = admin_user(request)
        self._apply(request, queryset, lambda c: conversation_restore(conversation=c, by_user=user), "Restored")

    # --- deleting forever (admins, from the Deleted folder)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, Any, set[str], Any]:
        # Threads, attachments and timelogs are read-only in their own admins, yet go with their conversation.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_model(self, request: HttpRequest, obj: Conversation) -> None:
        conversation_delete_forever(conversation=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> None:
        for conversation in queryset:
            conversation_delete_forever(conversation=conversation)


def _highlights_attach(changelist: Any) -> None:
    """Marks the search's matches on the page's rows (``search_highlight``), computed for these rows only.
    The template iterates the same evaluated page, so the rows it renders are these."""
    try:
        text = search_text_clean(text=changelist.query)
    except Invalid:
        return
    rows = list(changelist.result_list)
    highlights = conversation_search_highlights(conversations=rows, text=text)
    for row in rows:
        row.search_highlight = highlights.get(row.pk)
