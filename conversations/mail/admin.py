"""Read-only admin pages of email: the outgoing outbox, the ledger of received mail, the IMAP cursors.
Imported by ``conversations.admin``."""

from django.contrib import admin

from conversations.models import OutgoingEmail, ReceivedEmail
from helpdesk.admin import ReadOnlyAdminMixin
from mailboxes.models import MailboxFetchCursor


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "kind", "mailbox", "recipient", "status", "attempts_count", "next_attempt_at", "last_error"]
    list_filter = ["status", "kind", "mailbox"]
    list_select_related = ["mailbox"]
    search_fields = ["recipient", "message_id"]
    exclude = ["message"]
    ordering = ["-created_at", "-id"]


@admin.register(ReceivedEmail)
class ReceivedEmailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "mailbox", "message_id", "outcome", "thread", "received_at"]
    list_filter = ["outcome", "mailbox"]
    list_select_related = ["mailbox", "thread"]
    search_fields = ["message_id"]
    ordering = ["-received_at", "-id"]


@admin.register(MailboxFetchCursor)
class MailboxFetchCursorAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "mailbox", "folder", "uid_validity", "last_uid", "updated_at"]
    list_select_related = ["mailbox"]
    ordering = ["mailbox_id", "folder"]
