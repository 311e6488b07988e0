"""Conversations as #9 lists them and #10 shows one (reference §3.4), fields in the seed's order, scalars as
strings. The owner is the customer (``ownername``, ``owneremail`` = its first email, ``ownernote`` = its
notes); ``datedue`` is null (no SLA here); ``assignedto`` is the assignee's userid; ``tags`` the tag ids,
comma-joined without spaces (§5.7); ``messagegroupsin``/``out`` count the published customer and agent
messages. Everything a page needs comes in a fixed number of queries (``conversations_for_payload``)."""

from typing import Any

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from conversations.models import Conversation, ConversationTag, CustomFieldValue, SourceVia, Thread
from customers.models import CustomerEmail
from liveagent.agents import agent_userid
from liveagent.conversations.codes import channel_code, status_code
from liveagent.conversations.lookup import conversation_id
from liveagent.departments import department_id
from liveagent.plumbing.dates import datetime_out
from liveagent.tags import tag_id


def _published_messages(via: str) -> Coalesce:
    """A count per row rather than a join and GROUP BY: the database then counts for the rows of the page
    only, not for every conversation before it sorts and cuts the page."""
    threads = Thread.objects.filter(
        conversation_id=OuterRef("pk"), type__in=Thread.MESSAGE_TYPES, state=Thread.State.PUBLISHED, source_via=via
    )
    counted = threads.order_by().values("conversation_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


# What the payloads read, and nothing else: a page builds 150 model instances, each as cheap as its columns.
_COLUMNS = (
    "id",
    "code",
    "public_url_code",
    "created_at",
    "updated_at",
    "subject",
    "preview",
    "state",
    "status",
    "acknowledged_at",
    "type",
    "source_type",
    "source_via",
    "assignee_id",
    "mailbox__name",
    "customer__first_name",
    "customer__last_name",
    "customer__notes",
)


def conversations_for_payload(queryset: QuerySet[Conversation], *, with_fields: bool = False) -> list[Any]:
    """The conversations of ``queryset`` (sliced to a page already) with what the payloads read: their
    mailbox and customer joined, the customer's first email and the message counts in the same statement,
    then the tag ids (``tag_ids``) in one more, and with ``with_fields`` the custom field values in one more.
    Tags are read as plain pairs rather than prefetched: a related manager per row costs more than the row."""
    first_email = CustomerEmail.objects.filter(customer_id=OuterRef("customer_id")).order_by("id").values("email")
    if with_fields:
        values = CustomFieldValue.objects.select_related("field").order_by("id")
        queryset = queryset.prefetch_related(Prefetch("custom_field_values", queryset=values))
    conversations = list(
        queryset.select_related("mailbox", "customer")
        .only(*_COLUMNS)
        .annotate(
            owner_email=Subquery(first_email[:1]),
            messages_in=_published_messages(SourceVia.CUSTOMER),
            messages_out=_published_messages(SourceVia.USER),
        )
    )
    tag_ids: dict[int, list[int]] = {conversation.pk: [] for conversation in conversations}
    if conversations:
        links = ConversationTag.objects.filter(conversation_id__in=list(tag_ids)).order_by("id")
        for conversation_pk, tag_pk in links.values_list("conversation_id", "tag_id"):
            tag_ids[conversation_pk].append(tag_pk)
    for conversation in conversations:
        conversation.tag_ids = tag_ids[conversation.pk]  # type: ignore[attr-defined]
    return conversations


def _head(conversation: Any) -> dict[str, Any]:
    customer = conversation.customer
    return {
        "conversationid": conversation_id(conversation.pk),
        "code": conversation.code,
        "datecreated": datetime_out(conversation.created_at),
        "datechanged": datetime_out(conversation.updated_at),
        "datedue": None,
        "departmentname": conversation.mailbox.name,
        "departmentid": department_id(conversation.mailbox_id),
        "status": status_code(conversation),
        "ownername": customer.get_full_name() if customer is not None else None,
        "owneremail": conversation.owner_email,
        "subject": conversation.subject,
    }


def _tail(conversation: Any) -> dict[str, Any]:
    return {
        "tags": ",".join(tag_id(pk) for pk in conversation.tag_ids),
        "channel_type": channel_code(conversation),
        "messagegroupsin": str(conversation.messages_in),
        "messagegroupsout": str(conversation.messages_out),
    }


def conversation_row_payload(conversation: Any) -> dict[str, Any]:
    """#9's row, of a conversation read through ``conversations_for_payload``."""
    return {
        **_head(conversation),
        "preview": conversation.preview,
        "publicurlcode": conversation.public_url_code,
        **_tail(conversation),
    }


def conversation_payload(conversation: Any) -> dict[str, Any]:
    """#10, of a conversation read through ``conversations_for_payload(…, with_fields=True)``."""
    customer = conversation.customer
    return {
        **_head(conversation),
        "ownernote": (customer.notes or None) if customer is not None else None,
        "preview": conversation.preview,
        "publicurlcode": conversation.public_url_code,
        "assignedto": agent_userid(conversation.assignee_id) if conversation.assignee_id else None,
        **_tail(conversation),
        "customfields": [{"code": v.field.code, "value": v.value} for v in conversation.custom_field_values.all()],
    }
