"""The agent UI (the conversation list and page) and the admin-only pages of conversations' records.
The email pages (outgoing emails, received emails, IMAP cursors) live with the email code."""

import conversations.mail.admin  # noqa: F401 - registers the email pages
from conversations.admin.conversation import ConversationAdmin
from conversations.admin.records import AttachmentAdmin, TagAdmin, ThreadAdmin, TimelogAdmin

__all__ = ["AttachmentAdmin", "ConversationAdmin", "TagAdmin", "ThreadAdmin", "TimelogAdmin"]
