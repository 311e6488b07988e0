import secrets
import string
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Left, Lower
from django.utils import timezone

from customers.models import Customer
from helpdesk.fields import HEX_COLOR_REGEX
from helpdesk.outbox import OutboxItem, OutboxStatus
from mailboxes.models import CustomField, Folder, Mailbox

if TYPE_CHECKING:
    from helpdesk.models import User

SUBJECT_SORT_LENGTH = 255


class Status(models.TextChoices):
    ACTIVE = "active"
    PENDING = "pending"
    CLOSED = "closed"
    SPAM = "spam"


class SourceVia(models.TextChoices):
    CUSTOMER = "customer"
    USER = "user"


class SourceType(models.TextChoices):
    EMAIL = "email"
    WEB = "web"
    API = "api"


def _q_one_author() -> models.Q:
    return models.Q(created_by_user__isnull=True) | models.Q(created_by_customer__isnull=True)


class ConversationType(models.TextChoices):
    EMAIL = "email"
    PHONE = "phone"
    CHAT = "chat"


class ConversationState(models.TextChoices):
    DRAFT = "draft"
    PUBLISHED = "published"
    DELETED = "deleted"


class ThreadType(models.TextChoices):
    CUSTOMER = "customer"
    MESSAGE = "message", "Agent reply"
    NOTE = "note"
    LINEITEM = "lineitem", "Line item"
    CHAT = "chat"


class ThreadStatus(models.TextChoices):
    # The conversation's status this thread left it in.
    ACTIVE = "active"
    PENDING = "pending"
    CLOSED = "closed"
    SPAM = "spam"
    NOCHANGE = "nochange"


class ThreadState(models.TextChoices):
    DRAFT = "draft"
    PUBLISHED = "published"
    HIDDEN = "hidden"


class SendStatus(models.TextChoices):
    # Whether the email of an agent reply left: pending in the outbox, sent, given up, or bounced back.
    NONE = "", "Not emailed"
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    BOUNCED = "bounced"


# A conversation's code as LiveAgent writes it ("ABC-DEFGH-123"): stored upper-case, so that the unique index
# also serves the case-insensitive lookup (``conversation_by_reference``).
CONVERSATION_CODE_REGEX = r"^[A-Z0-9]{3}-[A-Z0-9]{5}-[A-Z0-9]{3}$"
CONVERSATION_CODE_ALPHABET = string.ascii_uppercase + string.digits
# The code of a conversation's public page: 16 random letters and digits (95 bits), case-sensitive.
PUBLIC_URL_CODE_REGEX = r"^[A-Za-z0-9]{16}$"
PUBLIC_URL_CODE_ALPHABET = string.ascii_letters + string.digits


def conversation_code_new() -> str:
    """A random code in the ``CONVERSATION_CODE_REGEX`` format (36¹¹ of them; the unique index refuses a repeat)."""
    chars = "".join(secrets.choice(CONVERSATION_CODE_ALPHABET) for _ in range(11))
    return f"{chars[:3]}-{chars[3:8]}-{chars[8:]}"


def public_url_code_new() -> str:
    return "".join(secrets.choice(PUBLIC_URL_CODE_ALPHABET) for _ in range(16))


class Conversation(models.Model):
    Type = ConversationType

    State = ConversationState

    class LastReplyFrom(models.TextChoices):
        NONE = "", "Nobody"
        CUSTOMER = "customer"
        USER = "user"

    Status = Status

    number = models.BigIntegerField(unique=True, editable=False)
    # Given to every new conversation by its default, whoever makes it (the services, a bulk insert). Unique by
    # constraints rather than ``unique=True``, which ``full_clean`` would check with a query on every save.
    code = models.CharField(max_length=13, default=conversation_code_new, editable=False)
    public_url_code = models.CharField(max_length=16, default=public_url_code_new, editable=False)
    type = models.CharField(max_length=5, choices=Type.choices, default=Type.EMAIL)
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.ACTIVE)
    state = models.CharField(max_length=9, choices=State.choices, default=State.PUBLISHED)
    subject = models.CharField(max_length=998, blank=True)
    preview = models.CharField(max_length=255, blank=True)
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="conversations")
    # Always one of the mailbox's own folders, chosen by ``conversations.services.folder_type_for``.
    folder = models.ForeignKey(Folder, on_delete=models.RESTRICT, related_name="conversations")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_conversations"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="conversations"
    )
    customer_email = models.EmailField(max_length=191, blank=True)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    created_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by_customer = models.ForeignKey(Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    source_type = models.CharField(max_length=5, choices=SourceType.choices, default=SourceType.EMAIL)
    source_via = models.CharField(max_length=8, choices=SourceVia.choices, default=SourceVia.CUSTOMER)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    user_updated_at = models.DateTimeField(null=True, blank=True)
    # When an agent first took the conversation up: their first published reply, or a status set to "open"
    # through the LiveAgent API. None while nobody has (LiveAgent's New, against its Open).
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    last_reply_at = models.DateTimeField(null=True, blank=True)
    last_reply_from = models.CharField(max_length=8, choices=LastReplyFrom.choices, blank=True, default="")
    # Published customer and agent messages; kept by the services that add and remove threads.
    threads_count = models.PositiveIntegerField(default=0)
    imported = models.BooleanField(default=False)
    # Set when the conversation was merged into another (``conversation_merge``): it sits in Deleted and its
    # id, number and codes lead to that one. Always the final survivor (pointers are flattened), never a chain.
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    starred_by: "models.ManyToManyField[User, ConversationStar]" = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ConversationStar", related_name="starred_conversations", blank=True
    )
    tags: "models.ManyToManyField[Tag, ConversationTag]" = models.ManyToManyField(
        "Tag", through="ConversationTag", related_name="conversations", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The documented filters and sorts; every sort breaks ties by id.
            models.Index(fields=["mailbox", "status", "created_at", "id"], name="conv_mailbox_status_created"),
            models.Index(fields=["mailbox", "status", "updated_at", "id"], name="conv_mailbox_status_updated"),
            models.Index(fields=["mailbox", "status", "last_reply_at", "id"], name="conv_mailbox_status_waiting"),
            # Subjects sort by their first SUBJECT_SORT_LENGTH characters: a whole subject (998 characters,
            # up to 4 bytes each) can exceed what a B-tree entry holds.
            models.Index(
                F("mailbox"),
                F("status"),
                Left("subject", SUBJECT_SORT_LENGTH),
                F("id"),
                name="conv_mailbox_status_subject",
            ),
            # The exact totalElements of the default list (mailbox + status, not deleted) as an index-only count.
            models.Index(fields=["mailbox", "status", "state"], name="conv_mailbox_status_state"),
            models.Index(fields=["created_at", "id"], name="conv_created"),
            models.Index(fields=["updated_at", "id"], name="conv_updated"),
            models.Index(fields=["folder", "created_at", "id"], name="conv_folder_created"),
            models.Index(fields=["assignee", "mailbox", "status"], name="conv_assignee"),
            models.Index(fields=["customer", "created_at", "id"], name="conv_customer"),
            models.Index(fields=["customer_email"], name="conv_customer_email"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(type__in=ConversationType.values), name="conversation_type_valid"
            ),
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="conversation_status_valid"),
            models.CheckConstraint(
                condition=models.Q(state__in=ConversationState.values), name="conversation_state_valid"
            ),
            models.CheckConstraint(condition=_q_one_author(), name="conversation_one_creator"),
            models.CheckConstraint(
                condition=models.Q(status="closed") | models.Q(closed_at__isnull=True, closed_by__isnull=True),
                name="conversation_closed_fields_only_when_closed",
            ),
            models.UniqueConstraint(fields=["code"], name="conversation_code_unique"),
            models.UniqueConstraint(fields=["public_url_code"], name="conversation_public_url_code_unique"),
            models.CheckConstraint(
                condition=models.Q(code__regex=CONVERSATION_CODE_REGEX), name="conversation_code_format"
            ),
            models.CheckConstraint(
                condition=models.Q(public_url_code__regex=PUBLIC_URL_CODE_REGEX),
                name="conversation_public_url_code_format",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"


class ConversationTally(models.Model):
    """How many conversations each (mailbox, status, state) holds, kept by PostgreSQL itself: triggers
    (migration 0005) append a +1 row for every conversation inserted or moved into a combination and a -1
    row for every one deleted or moved out, in the writer's transaction. The exact ``totalElements`` of the
    usual lists is then a sum over a few rows (``conversations_tally``) instead of a count of thousands.

    Rows are only ever appended, so concurrent writers never wait on (or deadlock over) a counter row;
    ``conversation_tally_compact`` folds them into one row per combination. No foreign key: the triggers
    write while a mailbox's conversations are being deleted with it. On SQLite the table stays empty (a
    test database's flush there deletes tables in no fixed order, which would fire the triggers after the
    tally was emptied) and lists count rows."""

    mailbox_id = models.BigIntegerField()
    status = models.CharField(max_length=7)
    state = models.CharField(max_length=9)
    # Keyed by assignee too (migration 0016), so that the folder counters are sums as well (``conversations.tallies``).
    assignee_id = models.BigIntegerField(null=True, blank=True)
    delta = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["mailbox_id", "status", "state", "delta"], name="conv_tally")]

    def __str__(self) -> str:
        return f"mailbox {self.mailbox_id} {self.status}/{self.state}: {self.delta:+d}"


class Thread(models.Model):
    """One entry of a conversation's timeline: a customer message, an agent reply, a note, a chat
    message, or a line item recording a change."""

    Type = ThreadType

    Status = ThreadStatus

    State = ThreadState

    class Action(models.TextChoices):
        NONE = "", "None"
        CHANGED_STATUS = "changed-ticket-status"
        CHANGED_ASSIGNEE = "changed-ticket-assignee"
        MOVED_FROM_MAILBOX = "moved-from-mailbox"
        CHANGED_CUSTOMER = "changed-ticket-customer"
        DELETED = "deleted-ticket"
        RESTORED = "restore-ticket"
        MERGED = "merged"
        IMPORTED = "imported"

    MESSAGE_TYPES = (Type.CUSTOMER, Type.MESSAGE, Type.CHAT)

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="threads")
    type = models.CharField(max_length=8, choices=Type.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.NOCHANGE)
    state = models.CharField(max_length=9, choices=State.choices, default=State.PUBLISHED)
    action_type = models.CharField(max_length=30, choices=Action.choices, blank=True, default="")
    # What the action changed, by id and value (e.g. {"status": "closed"}, {"from_mailbox_id": 3}), so the
    # text can be rendered again in any language and the entities listed.
    action_data = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True, help_text="HTML, sanitised before it is stored.")
    source_type = models.CharField(max_length=5, choices=SourceType.choices, default=SourceType.EMAIL)
    source_via = models.CharField(max_length=8, choices=SourceVia.choices, default=SourceVia.CUSTOMER)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by_customer = models.ForeignKey(Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to = models.JSONField(default=list, blank=True)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    message_id = models.CharField(max_length=998, blank=True, help_text="The email's Message-ID, without <>.")
    headers = models.TextField(blank=True, help_text="Raw headers of the email this thread came from.")
    send_status = models.CharField(max_length=7, choices=SendStatus.choices, blank=True, default=SendStatus.NONE)
    first = models.BooleanField(default=False, help_text="The conversation's first message.")
    imported = models.BooleanField(default=False)
    opened_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["conversation", "created_at", "id"], name="thread_conversation_timeline"),
            models.Index(fields=["message_id"], name="thread_message_id", condition=~models.Q(message_id="")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(type__in=ThreadType.values),
                name="thread_type_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ThreadStatus.values),
                name="thread_status_valid",
            ),
            models.CheckConstraint(condition=models.Q(state__in=ThreadState.values), name="thread_state_valid"),
            models.CheckConstraint(condition=_q_one_author(), name="thread_one_creator"),
            models.CheckConstraint(
                condition=~models.Q(type="lineitem") | ~models.Q(action_type=""), name="thread_lineitem_has_action"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} #{self.pk} in {self.conversation_id}"


def _attachment_token() -> str:
    return secrets.token_hex(16)


def _attachment_path(instance: "Attachment", filename: str) -> str:
    # The random token keeps stored paths unguessable and free of collisions between equal names.
    return f"attachments/{instance.token[:2]}/{instance.token}/{filename}"


class Attachment(models.Model):
    """A file of a thread; without a thread, a file uploaded to be attached to a message later (LiveAgent's
    ``POST /files``), purged when still unattached after ``HELPDESK_UNATTACHED_FILE_DAYS``."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments")
    token = models.CharField(max_length=32, unique=True, default=_attachment_token, editable=False)
    file = models.FileField(upload_to=_attachment_path, max_length=255)
    file_name = models.CharField(max_length=255)
    mime_type = models.CharField(max_length=127, default="application/octet-stream")
    size = models.PositiveBigIntegerField(default=0)
    # Inline images of an HTML body are referenced as cid:<content_id>.
    content_id = models.CharField(max_length=255, blank=True)
    inline = models.BooleanField(default=False)
    # Downloads through the LiveAgent API's file URL (``attachment_download_count``).
    downloads = models.PositiveIntegerField(default=0)
    # Who uploaded a file on its own (``attachment_upload``): until a message takes it, only they and admins may
    # see it. None for files that came with their thread (and once the uploader's row is gone).
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["created_at"], condition=models.Q(thread__isnull=True), name="attachment_unattached"),
        ]

    def __str__(self) -> str:
        return self.file_name


class OutgoingEmail(OutboxItem):
    """The outbox row of one email: written with the change that causes it, sent by
    ``conversations.tasks.outgoing_email_send``. The message is built once, here, so every attempt sends the
    same bytes with the same Message-ID (at-least-once delivery shows once in the customer's client)."""

    class Kind(models.TextChoices):
        REPLY = "reply", "Agent reply"
        AUTO_REPLY = "auto_reply", "Auto-reply"
        NOTIFICATION = "notification"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="outgoing_emails")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, null=True, blank=True, related_name="outgoing_emails"
    )
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="outgoing_emails")
    # The envelope (To, Cc and Bcc); ``recipient`` is the main To, which the auto-reply limit counts.
    sender = models.CharField(max_length=191)
    recipients = models.JSONField(default=list)
    recipient = models.CharField(max_length=191)
    message_id = models.CharField(max_length=998)
    message = models.BinaryField()
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="outgoing_email_due"),
            models.Index(fields=["mailbox", "kind", "recipient", "created_at"], name="outgoing_email_by_recipient"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=OutboxStatus.values), name="outgoing_email_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {', '.join(self.recipients)} ({self.status})"


class ReceivedEmail(models.Model):
    """The ledger of every email a mailbox took in, kept to drop duplicates (reliability.md): the same
    Message-ID with the same content is dropped, with other content it is taken under a suffixed id."""

    class Outcome(models.TextChoices):
        CREATED = "created", "Started a conversation"
        THREADED = "threaded", "Added to a conversation"
        BOUNCE = "bounce", "Bounce of our mail"
        IGNORED = "ignored", "Ignored"

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="received_emails")
    message_id = models.CharField(max_length=998)
    content_hash = models.CharField(max_length=64)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    thread = models.ForeignKey(Thread, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "message_id"], name="received_email_once_per_mailbox"),
        ]

    def __str__(self) -> str:
        return f"<{self.message_id}> ({self.outcome})"


class Tag(models.Model):
    """Names are unique case-insensitively; the FreeScout API stores them trimmed and lower-cased. FreeScout
    colours a tag by an index into its palette (``color``), LiveAgent by two hexadecimal colours."""

    name = models.CharField(max_length=100)
    color = models.PositiveSmallIntegerField(default=0, help_text="FreeScout's colour index (0 = none).")
    text_color = models.CharField(
        max_length=6, blank=True, default="", help_text="LiveAgent's title colour, six hexadecimal digits (FFFFFF)."
    )
    background_color = models.CharField(
        max_length=6, blank=True, default="", help_text="LiveAgent's background colour, six hexadecimal digits."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="tag_name_unique_ci"),
            models.CheckConstraint(condition=~models.Q(name=""), name="tag_name_not_empty"),
            models.CheckConstraint(condition=models.Q(text_color__regex=HEX_COLOR_REGEX), name="tag_text_color_hex"),
            models.CheckConstraint(
                condition=models.Q(background_color__regex=HEX_COLOR_REGEX), name="tag_background_color_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ConversationTag(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "tag"], name="conversation_tag_unique")]
        indexes = [models.Index(fields=["tag", "conversation"], name="conversation_tag_by_tag")]

    def __str__(self) -> str:
        return f"{self.tag_id} on {self.conversation_id}"


class ConversationStar(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="conversation_star_unique")]
        indexes = [models.Index(fields=["user", "conversation"], name="conversation_star_by_user")]

    def __str__(self) -> str:
        return f"{self.conversation_id} starred by {self.user_id}"


class CustomFieldValue(models.Model):
    """Several rows per field are allowed (the LiveAgent API keeps every value); the FreeScout API shows
    the newest and replaces all of a field's rows when it writes."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="custom_field_values")
    field = models.ForeignKey(CustomField, on_delete=models.CASCADE, related_name="values")
    value = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "field", "id"], name="custom_field_value_lookup")]

    def __str__(self) -> str:
        return f"{self.field.name}={self.value}"


class Timelog(models.Model):
    """Time an agent spent on a conversation. A running timer has ``running_since``; pausing adds the
    elapsed time to ``time_spent`` and clears it."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="timelogs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="timelogs")
    conversation_status = models.CharField(max_length=7, choices=Status.choices)
    time_spent = models.PositiveIntegerField(default=0, help_text="Seconds.")
    running_since = models.DateTimeField(null=True, blank=True)
    paused = models.BooleanField(default=False)
    finished = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["conversation", "created_at", "id"], name="timelog_conversation")]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], condition=models.Q(finished=False), name="timelog_one_open_per_user"
            ),
            models.CheckConstraint(
                condition=models.Q(finished=False) | models.Q(running_since__isnull=True, paused=False),
                name="timelog_finished_is_stopped",
            ),
            models.CheckConstraint(
                condition=~models.Q(paused=True, running_since__isnull=False), name="timelog_paused_is_not_running"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} on #{self.conversation_id}: {self.time_spent}s"


class ConversationViewer(models.Model):
    """Who has a conversation open in the agent UI, and whether they are writing a reply (issue 18): one
    row per agent and conversation, refreshed by the page's heartbeat and ignored once older than
    ``conversations.selectors.VIEWER_FRESH_SECONDS``. Kept in the database rather than the cache so that it
    is right across processes whatever the cache backend (the default is per-process memory)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    replying = models.BooleanField(default=False)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="conversation_viewer_unique")]
        indexes = [models.Index(fields=["seen_at"], name="conversation_viewer_seen")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.conversation_id}"


class AgentPreferences(models.Model):
    """What the agent UI remembers per agent: the timeline's order, where to go after sending, and the
    list's saved filters (``[{"name": ..., "query": ...}]``, query strings of the conversation list)."""

    class AfterSend(models.TextChoices):
        STAY = "stay", "Stay on the conversation"
        NEXT = "next", "Go to the next conversation"
        FOLDER = "folder", "Go back to the folder"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="agent_preferences"
    )
    newest_first = models.BooleanField(default=False)
    after_send = models.CharField(max_length=6, choices=AfterSend.choices, default=AfterSend.STAY)
    saved_filters = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"


class DelayedReply(OutboxItem):
    """A reply sent from the agent UI, waiting out its undo window (``HELPDESK_UNDO_SEND_SECONDS``) before
    ``conversations.services.delayed_replies`` publishes it through ``thread_create``. Not a thread yet, so
    no API lists it, no report counts it, and no webhook or email leaves until then. ``next_attempt_at`` is
    when it is due; the outbox's claim makes the on-commit task and beat's sweep publish it once. Undone
    rows are deleted; published ones keep ``thread`` (so a late Undo can say "already sent") for a day."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=8, choices=ThreadType.choices, default=ThreadType.MESSAGE)
    body = models.TextField(help_text="HTML, sanitised.")
    to = models.JSONField(default=list, blank=True)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    # Files waiting with the reply: attachments on no thread yet, adopted by the thread when it is published.
    attachment_tokens = models.JSONField(default=list, blank=True)
    # The status chosen with the reply ("": as usual), applied when it is published.
    conversation_status = models.CharField(max_length=8, choices=Status.choices, blank=True, default="")
    thread = models.ForeignKey(Thread, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="delayed_reply_due"),
            models.Index(fields=["conversation", "user"], name="delayed_reply_of_agent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=OutboxStatus.values), name="delayed_reply_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"reply by {self.user_id} in {self.conversation_id} ({self.status})"
