from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from helpdesk.fields import EncryptedTextField, FieldDefinition, FieldType

if TYPE_CHECKING:
    from helpdesk.models import User


class Mailbox(models.Model):
    """A shared inbox (a LiveAgent *department*): its address, how it sends and how it receives mail."""

    class FromName(models.TextChoices):
        MAILBOX = "mailbox", "Mailbox name"
        USER = "user", "Agent's name"
        CUSTOM = "custom", "Custom name"

    class Encryption(models.TextChoices):
        NONE = "none"
        SSL = "ssl"
        TLS = "tls", "STARTTLS"

    class OutMethod(models.TextChoices):
        # The installation's Django email backend (EMAIL_URL), or this mailbox's own SMTP server.
        DEFAULT = "default", "Installation default"
        SMTP = "smtp", "SMTP server"

    name = models.CharField(max_length=40)
    email = models.EmailField(max_length=191, unique=True)
    aliases = models.TextField(blank=True, help_text="Comma-separated addresses that also deliver here.")
    signature = models.TextField(blank=True, help_text="HTML appended to agent replies.")
    from_name = models.CharField(max_length=10, choices=FromName.choices, default=FromName.MAILBOX)
    from_name_custom = models.CharField(max_length=128, blank=True)

    auto_reply_enabled = models.BooleanField(default=False)
    auto_reply_subject = models.CharField(max_length=128, blank=True)
    auto_reply_message = models.TextField(blank=True)

    out_method = models.CharField(max_length=10, choices=OutMethod.choices, default=OutMethod.DEFAULT)
    out_server = models.CharField(max_length=255, blank=True)
    out_port = models.PositiveIntegerField(null=True, blank=True)
    out_username = models.CharField(max_length=255, blank=True)
    # Encrypted at rest (helpdesk.crypto); the admin never sends them back to the browser.
    out_password = EncryptedTextField(max_length=255, blank=True)
    out_encryption = models.CharField(max_length=4, choices=Encryption.choices, default=Encryption.TLS)

    in_server = models.CharField(max_length=255, blank=True)
    in_port = models.PositiveIntegerField(null=True, blank=True)
    in_username = models.CharField(max_length=255, blank=True)
    in_password = EncryptedTextField(max_length=255, blank=True)
    in_encryption = models.CharField(max_length=4, choices=Encryption.choices, default=Encryption.SSL)
    in_validate_cert = models.BooleanField(default=True)
    in_imap_folders = models.TextField(default="INBOX", help_text="Comma-separated IMAP folders to fetch.")

    users: "models.ManyToManyField[User, MailboxUser]" = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="MailboxUser", related_name="mailboxes"
    )

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "mailboxes"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(name=""), name="mailbox_name_not_empty"),
            models.CheckConstraint(condition=models.Q(out_port__lte=65535), name="mailbox_out_port_valid"),
            models.CheckConstraint(condition=models.Q(in_port__lte=65535), name="mailbox_in_port_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def fetches_mail(self) -> bool:
        return bool(self.in_server and self.in_username)


class MailboxFetchCursor(models.Model):
    """How far IMAP fetching got in one folder: UIDs only mean something within one UIDVALIDITY."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="fetch_cursors")
    folder = models.CharField(max_length=255)
    uid_validity = models.BigIntegerField()
    last_uid = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mailbox", "folder"], name="mailbox_fetch_cursor_unique")]

    def __str__(self) -> str:
        return f"{self.mailbox_id} {self.folder}: {self.uid_validity}/{self.last_uid}"


class MailboxUser(models.Model):
    """A regular user's access to a mailbox (admins can access every mailbox without a row)."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "mailbox access"
        verbose_name_plural = "mailbox access"
        constraints = [models.UniqueConstraint(fields=["mailbox", "user"], name="mailbox_user_unique")]
        indexes = [models.Index(fields=["user", "mailbox"], name="mailbox_user_by_user")]

    def __str__(self) -> str:
        return f"{self.user} → {self.mailbox}"


class FolderType(models.IntegerChoices):
    UNASSIGNED = 1, "Unassigned"
    MINE = 20, "Mine"
    STARRED = 25, "Starred"
    DRAFTS = 30, "Drafts"
    ASSIGNED = 40, "Assigned"
    CLOSED = 60, "Closed"
    SPAM = 80, "Spam"
    DELETED = 110, "Deleted"


# Mine and Starred belong to a user; the others to the mailbox.
PERSONAL_FOLDER_TYPES = (FolderType.MINE, FolderType.STARRED)
MAILBOX_FOLDER_TYPES = (
    FolderType.UNASSIGNED,
    FolderType.DRAFTS,
    FolderType.ASSIGNED,
    FolderType.CLOSED,
    FolderType.SPAM,
    FolderType.DELETED,
)


class Folder(models.Model):
    """FreeScout's system folders. Mailbox folders hold conversations (``Conversation.folder``); the
    personal ones (Mine, Starred) are views over the user's assigned and starred conversations."""

    Type = FolderType

    PERSONAL_TYPES = PERSONAL_FOLDER_TYPES
    MAILBOX_TYPES = MAILBOX_FOLDER_TYPES

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="folders")
    type = models.PositiveSmallIntegerField(choices=Type.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["mailbox_id", "type", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "type"], condition=models.Q(user__isnull=True), name="folder_mailbox_type_unique"
            ),
            models.UniqueConstraint(
                fields=["mailbox", "type", "user"],
                condition=models.Q(user__isnull=False),
                name="folder_mailbox_type_user_unique",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(type__in=PERSONAL_FOLDER_TYPES, user__isnull=False)
                    | models.Q(type__in=MAILBOX_FOLDER_TYPES, user__isnull=True)
                ),
                name="folder_type_scope_valid",
            ),
        ]

    def __str__(self) -> str:
        owner = f" of {self.user}" if self.user_id else ""
        return f"{self.get_type_display()}{owner} ({self.mailbox.name})"

    @property
    def name(self) -> str:
        return self.get_type_display()


class CustomField(FieldDefinition):
    """A conversation field defined per mailbox; values live on ``conversations.CustomFieldValue``."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="custom_fields")

    class Meta:
        ordering = ["mailbox_id", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "name"], name="custom_field_name_unique_per_mailbox"),
            models.CheckConstraint(
                condition=models.Q(type__in=FieldType.values),
                name="custom_field_type_valid",
            ),
            models.UniqueConstraint(F("mailbox"), Lower("code"), name="custom_field_code_unique_per_mailbox"),
            models.CheckConstraint(condition=~models.Q(code=""), name="custom_field_code_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.mailbox.name})"


class SavedReply(models.Model):
    """A common answer of one mailbox, inserted by agents from the composer with its placeholders filled
    (``conversations/saved_replies.py`` lists the placeholders). ``body`` is stored sanitised."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="saved_replies")
    name = models.CharField(max_length=100)
    body = models.TextField(help_text="HTML. Placeholders such as {customer.first_name} are filled on insert.")
    sort_order = models.IntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "saved replies"
        ordering = ["mailbox_id", "sort_order", "name", "id"]
        constraints = [
            models.UniqueConstraint(F("mailbox"), Lower("name"), name="saved_reply_name_unique_per_mailbox"),
            models.CheckConstraint(condition=~models.Q(name=""), name="saved_reply_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.mailbox.name})"
