"""JSON of conversations and what they embed, as the FreeScout API shows them (also used in webhook bodies).

Callers pass querysets from ``conversations.selectors`` (related rows prefetched) and ``embed`` in the
context: a set of "threads", "timelogs", "tags".
"""

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from conversations.models import Attachment, Conversation, Tag, Thread, Timelog
from customers.serializers import CustomerShortSerializer
from helpdesk.links import absolute_url
from helpdesk.serializers import UserShortSerializer, UtcDateTimeField


def _author(user, customer) -> dict | None:
    if user is not None:
        return UserShortSerializer(user).data
    if customer is not None:
        return CustomerShortSerializer(customer).data
    return None


def waiting_since_friendly(moment, now=None) -> str:
    """ "Just now", "10 minutes ago", "10 hours ago", then the date ("Mar 5", or "Mar 5, 2024" in another year)."""
    if moment is None:
        return ""
    now = now or timezone.now()
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return "Just now"
    for divisor, unit, limit in ((60, "minute", 60), (3600, "hour", 24)):
        count = seconds // divisor
        if count < limit:
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    label = f"{moment:%b} {moment.day}"
    return label if moment.year == now.year else f"{label}, {moment.year}"


class AttachmentSerializer(serializers.ModelSerializer):
    fileName = serializers.CharField(source="file_name")
    fileUrl = serializers.SerializerMethodField()
    mimeType = serializers.CharField(source="mime_type")

    class Meta:
        model = Attachment
        fields = ["id", "fileName", "fileUrl", "mimeType", "size"]

    def get_fileUrl(self, attachment: Attachment) -> str:
        return absolute_url(reverse("attachment-download", args=[attachment.token, attachment.file_name]))


def line_item_text(thread: Thread) -> str:
    who = thread.created_by_user.get_full_name() if thread.created_by_user else "System"
    data = thread.action_data or {}
    match thread.action_type:
        case Thread.Action.CHANGED_STATUS:
            return f"{who} marked as {str(data.get('status', thread.status)).capitalize()}"
        case Thread.Action.CHANGED_ASSIGNEE:
            if thread.assigned_to is None:
                return f"{who} unassigned the conversation"
            return f"{who} assigned to {thread.assigned_to.get_full_name()}"
        case Thread.Action.MOVED_FROM_MAILBOX:
            from mailboxes.models import Mailbox

            source = Mailbox.objects.filter(pk=data.get("from_mailbox_id")).values_list("name", flat=True).first()
            return f"{who} moved the conversation from {source or 'another mailbox'}"
        case Thread.Action.CHANGED_CUSTOMER:
            return f"{who} changed the customer"
        case Thread.Action.DELETED:
            return f"{who} deleted the conversation"
        case Thread.Action.RESTORED:
            return f"{who} restored the conversation"
        case Thread.Action.MERGED:
            return f"{who} merged conversations"
        case Thread.Action.IMPORTED:
            return "Imported"
    return ""


class ThreadSerializer(serializers.ModelSerializer):
    action = serializers.SerializerMethodField()
    source = serializers.SerializerMethodField()
    customer = CustomerShortSerializer(allow_null=True)
    createdBy = serializers.SerializerMethodField()
    assignedTo = UserShortSerializer(source="assigned_to", allow_null=True)
    createdAt = UtcDateTimeField(source="created_at")
    openedAt = UtcDateTimeField(source="opened_at", allow_null=True)
    _embedded = serializers.SerializerMethodField()

    class Meta:
        model = Thread
        fields = [
            "id",
            "type",
            "status",
            "state",
            "action",
            "body",
            "source",
            "customer",
            "createdBy",
            "assignedTo",
            "to",
            "cc",
            "bcc",
            "createdAt",
            "openedAt",
            "_embedded",
        ]

    def get_action(self, thread: Thread) -> dict:
        text = line_item_text(thread) if thread.type == Thread.Type.LINEITEM else ""
        return {"type": thread.action_type, "text": text, "associatedEntities": []}

    def get_source(self, thread: Thread) -> dict:
        return {"type": thread.source_type, "via": thread.source_via}

    def get_createdBy(self, thread: Thread) -> dict | None:
        return _author(thread.created_by_user, thread.created_by_customer)

    def get__embedded(self, thread: Thread) -> dict:
        return {"attachments": AttachmentSerializer(thread.attachments.all(), many=True).data}


class TagShortSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name"]


class TimelogSerializer(serializers.ModelSerializer):
    conversationStatus = serializers.CharField(source="conversation_status")
    userId = serializers.IntegerField(source="user_id")
    timeSpent = serializers.SerializerMethodField()
    createdAt = UtcDateTimeField(source="created_at")
    updatedAt = UtcDateTimeField(source="updated_at")

    class Meta:
        model = Timelog
        fields = ["id", "conversationStatus", "userId", "timeSpent", "paused", "finished", "createdAt", "updatedAt"]

    def get_timeSpent(self, timelog: Timelog) -> int:
        if timelog.running_since is None:
            return timelog.time_spent
        return timelog.time_spent + max(0, int((timezone.now() - timelog.running_since).total_seconds()))


class ConversationSerializer(serializers.ModelSerializer):
    threadsCount = serializers.IntegerField(source="threads_count")
    folderId = serializers.IntegerField(source="folder_id")
    mailboxId = serializers.IntegerField(source="mailbox_id")
    assignee = UserShortSerializer(allow_null=True)
    createdBy = serializers.SerializerMethodField()
    createdAt = UtcDateTimeField(source="created_at")
    updatedAt = UtcDateTimeField(source="updated_at")
    closedBy = serializers.IntegerField(source="closed_by_id", allow_null=True)
    closedByUser = UserShortSerializer(source="closed_by", allow_null=True)
    closedAt = UtcDateTimeField(source="closed_at", allow_null=True)
    userUpdatedAt = UtcDateTimeField(source="user_updated_at", allow_null=True)
    customerWaitingSince = serializers.SerializerMethodField()
    source = serializers.SerializerMethodField()
    customer = CustomerShortSerializer(allow_null=True)
    customFields = serializers.SerializerMethodField()
    _embedded = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = [
            "id",
            "number",
            "threadsCount",
            "type",
            "folderId",
            "status",
            "state",
            "subject",
            "preview",
            "mailboxId",
            "assignee",
            "createdBy",
            "createdAt",
            "updatedAt",
            "closedBy",
            "closedByUser",
            "closedAt",
            "userUpdatedAt",
            "customerWaitingSince",
            "source",
            "cc",
            "bcc",
            "customer",
            "customFields",
            "_embedded",
        ]

    def get_createdBy(self, conversation: Conversation) -> dict | None:
        return _author(conversation.created_by_user, conversation.created_by_customer)

    def get_customerWaitingSince(self, conversation: Conversation) -> dict:
        return {
            "time": UtcDateTimeField().to_representation(conversation.last_reply_at)
            if conversation.last_reply_at
            else None,
            "friendly": waiting_since_friendly(conversation.last_reply_at),
            "latestReplyFrom": conversation.last_reply_from,
        }

    def get_source(self, conversation: Conversation) -> dict:
        return {"type": conversation.source_type, "via": conversation.source_via}

    def get_customFields(self, conversation: Conversation) -> list[dict]:
        latest = {value.field_id: value.value for value in conversation.custom_field_values.all()}
        return [
            {
                "id": field.pk,
                "name": field.name,
                "value": latest.get(field.pk, ""),
                "text": field.option_label(latest.get(field.pk, "")),
            }
            for field in conversation.mailbox.custom_fields.all()
        ]

    def get__embedded(self, conversation: Conversation) -> dict:
        embed = self.context.get("embed", frozenset())
        embedded = {}
        if "threads" in embed:
            # Newest first, as FreeScout lists them.
            threads = sorted(conversation.threads.all(), key=lambda t: (t.created_at, t.pk), reverse=True)
            embedded["threads"] = ThreadSerializer(threads, many=True).data
        if "timelogs" in embed:
            embedded["timelogs"] = TimelogSerializer(conversation.timelogs.all(), many=True).data
        if "tags" in embed:
            embedded["tags"] = TagShortSerializer(conversation.tags.all(), many=True).data
        return embedded
