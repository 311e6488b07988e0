"""``GET /api/conversations`` parameters (freescout-behaviour.md §3). Filters AND together; every sort
breaks ties by id in the same direction, so paging is stable."""

import django_filters
from django.db import connection
from django.db.models import QuerySet
from django.db.models.functions import Left, Lower
from rest_framework.exceptions import ValidationError

from conversations.models import SUBJECT_SORT_LENGTH, Conversation, ConversationTag, Tag
from conversations.search import conversations_search, search_text_clean
from conversations.selectors import TalliedConversations, conversations_in_folder
from conversations.services import tag_name_normalise
from customers.models import CustomerEmail, CustomerPhone
from customers.services import phone_digits
from freescout.plumbing.params import expected_one_of, param_error, positive_id, sort_ordering, sort_param
from helpdesk.errors import Invalid
from helpdesk.models import User
from mailboxes.models import Folder

STATUSES = ["active", "pending", "closed", "spam"]
# The parameters whose filtering the conversation tally can count.
TALLIED = {"mailboxId", "status", "state"}
SORT_FIELDS = {
    "createdAt": "created_at",
    "mailboxId": "mailbox_id",
    "number": "number",
    "subject": Left("subject", SUBJECT_SORT_LENGTH),  # as indexed (conv_mailbox_status_subject)
    "updatedAt": "updated_at",
    "waitingSince": "last_reply_at",
}


def _invalid(name: str, message: str) -> ValidationError:
    return param_error(name, message)


def _expected(name: str, choices) -> ValidationError:
    return param_error(name, expected_one_of(choices))


def _id_list(name: str, raw: str) -> list[int]:
    parts = [part for part in raw.split(",") if part.strip()]
    if not parts:
        raise _invalid(name, "Expected a number or a comma-separated list of numbers.")
    return [positive_id(name, part) for part in parts]


def _active_by_default(data) -> bool:
    """The documented default (active only) applies when the client names no status, folder or number."""
    return not {"status", "folderId", "number"} & set(data)


def _deleted_hidden_by_default(data) -> bool:
    return not {"state", "folderId"} & set(data)


def _statuses(value: str) -> list[str] | None:
    """The statuses a ``status`` value names; None for ``all``."""
    statuses = [part.strip() for part in value.split(",") if part.strip()]
    if statuses == ["all"]:
        return None
    if not statuses or set(statuses) - set(STATUSES):
        raise _expected("status", [*STATUSES, "all"])
    return statuses


def _choice(name: str, value: str) -> str:
    choices = {"state": Conversation.State.values, "type": Conversation.Type.values}[name]
    if value not in choices:
        raise _expected(name, choices)
    return value


class ConversationFilter(django_filters.FilterSet):
    mailboxId = django_filters.CharFilter(method="filter_mailbox")
    folderId = django_filters.CharFilter(method="filter_folder")
    status = django_filters.CharFilter(method="filter_status")
    state = django_filters.CharFilter(method="filter_choice", field_name="state")
    type = django_filters.CharFilter(method="filter_choice", field_name="type")
    assignedTo = django_filters.CharFilter(method="filter_assigned_to")
    customerEmail = django_filters.CharFilter(method="filter_customer_email")
    customerPhone = django_filters.CharFilter(method="filter_customer_phone")
    customerId = django_filters.CharFilter(method="filter_id", field_name="customer_id")
    number = django_filters.CharFilter(method="filter_id", field_name="number")
    subject = django_filters.CharFilter(field_name="subject", lookup_expr="icontains")
    tag = django_filters.CharFilter(method="filter_tag")
    # An extension: FreeScout's API has no text search (conversations/search.py).
    search = django_filters.CharFilter(method="filter_search")
    createdByUserId = django_filters.CharFilter(method="filter_id", field_name="created_by_user_id")
    createdByCustomerId = django_filters.CharFilter(method="filter_id", field_name="created_by_customer_id")
    createdSince = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    updatedSince = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Conversation
        fields: list[str] = []

    @property
    def qs(self) -> QuerySet[Conversation]:
        queryset = super().qs
        data = self.data
        if _active_by_default(data):
            queryset = queryset.filter(status=Conversation.Status.ACTIVE)
        if _deleted_hidden_by_default(data):
            queryset = queryset.exclude(state=Conversation.State.DELETED)
        # An empty assignedTo is documented as "unassigned"; django-filter skips empty values.
        if "assignedTo" in data and not data["assignedTo"].strip():
            queryset = queryset.filter(assignee__isnull=True)
        return queryset.order_by(*sort_ordering(self.data, SORT_FIELDS))

    def filter_mailbox(self, qs, name, value):
        return qs.filter(mailbox_id__in=_id_list("mailboxId", value))

    def filter_status(self, qs, name, value):
        statuses = _statuses(value)
        return qs if statuses is None else qs.filter(status__in=statuses)

    def filter_choice(self, qs, name, value):
        return qs.filter(**{name: _choice(name, value)})

    def filter_id(self, qs, name, value):
        param = {
            "customer_id": "customerId",
            "number": "number",
            "created_by_user_id": "createdByUserId",
            "created_by_customer_id": "createdByCustomerId",
        }[name]
        return qs.filter(**{name: positive_id(param, value)})

    def filter_folder(self, qs, name, value):
        folder = Folder.objects.filter(pk=positive_id("folderId", value)).first()
        if folder is None:
            return qs.none()
        return conversations_in_folder(queryset=qs, folder=folder)

    def filter_assigned_to(self, qs, name, value):
        # Empty (as documented), 0 or -1: unassigned.
        if value.strip() in ("", "0", "-1"):
            return qs.filter(assignee__isnull=True)
        return qs.filter(assignee_id=positive_id("assignedTo", value))

    def filter_customer_email(self, qs, name, value):
        owners = CustomerEmail.objects.filter(email=value.strip().lower()).values("customer_id")
        return qs.filter(customer_id__in=owners)

    def filter_customer_phone(self, qs, name, value):
        digits = phone_digits(value)
        if not digits:
            raise _invalid("customerPhone", "Expected a phone number.")
        return qs.filter(customer_id__in=CustomerPhone.objects.filter(digits__contains=digits).values("customer_id"))

    def filter_search(self, qs, name, value):
        try:
            text = search_text_clean(text=value)
        except Invalid as error:
            raise _invalid("search", " ".join(error.messages)) from None
        return conversations_search(queryset=qs, text=text)

    def filter_tag(self, qs, name, value):
        tags = Tag.objects.annotate(lower_name=Lower("name")).filter(lower_name=tag_name_normalise(value))
        return qs.filter(pk__in=ConversationTag.objects.filter(tag__in=tags).values("conversation_id"))


def conversation_listing(data, *, user: User, columns: tuple[str, ...]) -> TalliedConversations | None:
    """The listing of ``data`` (the query parameters) when they filter by nothing but mailbox, status and
    state and sort by a column: counted by the tally and paged by one written-out statement, with the
    FilterSet's rules (an empty value filters nothing, a named status or state lifts its default) and its
    errors, in the same order. None otherwise (and on SQLite): the FilterSet lists."""
    if set(data) & (set(ConversationFilter.base_filters) - TALLIED) or connection.vendor != "postgresql":
        return None
    values = {name: data.get(name, "").strip() for name in TALLIED}
    mailboxes = _id_list("mailboxId", values["mailboxId"]) if values["mailboxId"] else None
    statuses: list[str] | None
    if _active_by_default(data):
        statuses = [Conversation.Status.ACTIVE.value]
    else:
        statuses = _statuses(values["status"]) if values["status"] else None
    states: list[str] | None
    if _deleted_hidden_by_default(data):
        states = [state for state in Conversation.State.values if state != Conversation.State.DELETED]
    else:
        states = [_choice("state", values["state"])] if values["state"] else None
    order_by, descending = sort_param(data, SORT_FIELDS)
    if not isinstance(order_by, str):
        return None
    return TalliedConversations(
        user=user,
        mailbox_ids=mailboxes,
        statuses=statuses,
        states=states,
        order_by=order_by,
        descending=descending,
        columns=columns,
    )
