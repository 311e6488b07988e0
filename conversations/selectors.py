"""Reads of conversations, always scoped to what a user may see."""

from django.db.models import Prefetch, QuerySet

from conversations.models import Conversation, Thread
from customers.models import CustomerEmail
from helpdesk.models import User
from mailboxes.models import CustomField
from mailboxes.selectors import mailboxes_accessible_by

_CUSTOMER_EMAILS = Prefetch("customer__emails", queryset=CustomerEmail.objects.order_by("id"))


def conversations_visible_to(*, user: User) -> QuerySet[Conversation]:
    if user.is_active and user.is_admin:
        return Conversation.objects.all()  # no mailbox subquery in every count and page query
    return Conversation.objects.filter(mailbox__in=mailboxes_accessible_by(user=user))


def conversations_for_output(queryset: QuerySet[Conversation], *, embed: frozenset[str]) -> QuerySet[Conversation]:
    """Loads what ``ConversationSerializer`` shows in a constant number of queries."""
    queryset = queryset.select_related(
        "mailbox", "assignee", "customer", "created_by_user", "created_by_customer", "closed_by"
    ).prefetch_related(
        _CUSTOMER_EMAILS,
        Prefetch("created_by_customer__emails", queryset=CustomerEmail.objects.order_by("id")),
        Prefetch("mailbox__custom_fields", queryset=CustomField.objects.order_by("sort_order", "id")),
        "custom_field_values",
    )
    if "threads" in embed:
        queryset = queryset.prefetch_related(Prefetch("threads", queryset=threads_for_output(Thread.objects.all())))
    if "timelogs" in embed:
        queryset = queryset.prefetch_related("timelogs")
    if "tags" in embed:
        queryset = queryset.prefetch_related("tags")
    return queryset


def threads_for_output(queryset: QuerySet[Thread]) -> QuerySet[Thread]:
    """Loads what ``thread_payload`` shows."""
    return queryset.select_related(
        "customer", "created_by_user", "created_by_customer", "assigned_to"
    ).prefetch_related(
        "attachments",
        Prefetch("customer__emails", queryset=CustomerEmail.objects.order_by("id")),
        Prefetch("created_by_customer__emails", queryset=CustomerEmail.objects.order_by("id")),
    )
