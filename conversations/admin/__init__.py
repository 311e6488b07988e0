"""The agent UI (the conversation list and page) and the admin-only pages of conversations' records."""

from conversations.admin.conversation import ConversationAdmin
from conversations.admin.records import AttachmentAdmin, TagAdmin, ThreadAdmin, TimelogAdmin

__all__ = ["AttachmentAdmin", "ConversationAdmin", "TagAdmin", "ThreadAdmin", "TimelogAdmin"]
