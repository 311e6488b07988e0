"""Every write to conversations and their threads, tags, custom fields and timelogs.

The API, the admin, email ingestion and the commands all call these functions. Each validates, writes,
keeps the derived columns (folder, preview, threads_count, last reply) right, and records a line item for
changes an agent makes, all in one transaction. Errors are the kinds of ``helpdesk.errors``: ``Invalid``
keyed by the name of the argument at fault, ``Conflict`` when what exists stands in the way. What an API
client sends (references, downloads, ids) is taken in by ``intake``, for every dialect alike.
"""

from conversations.services.agent_start import conversation_start_by_agent
from conversations.services.agent_ui import (
    agent_preferences_update,
    conversation_viewer_heartbeat,
    conversation_viewer_leave,
)
from conversations.services.attachments import (
    attachment_create,
    attachment_download_count,
    attachments_unattached_purge,
)
from conversations.services.common import body_sanitise, folder_type_for, text_preview
from conversations.services.drafts import thread_draft_discard, thread_draft_save
from conversations.services.forward import conversation_forward
from conversations.services.intake import (
    AttachmentSource,
    CustomerRef,
    ThreadIntake,
    attachment_base64_decode,
    attachment_intake,
    attachments_fetch,
    conversation_intake,
    thread_intake,
)
from conversations.services.labels import (
    conversation_custom_field_values_add,
    conversation_custom_field_values_delete,
    conversation_custom_fields_set,
    conversation_tags_set,
    custom_field_values_clean,
    tag_create,
    tag_name_normalise,
    tag_update,
)
from conversations.services.lifecycle import (
    conversation_assign,
    conversation_change_customer,
    conversation_change_status,
    conversation_change_subject,
    conversation_create,
    conversation_delete,
    conversation_delete_forever,
    conversation_move,
    conversation_restore,
    conversation_star,
    conversation_update,
)
from conversations.services.merge import conversation_customer_change, conversation_merge
from conversations.services.tally import conversation_tally_compact
from conversations.services.threads import NewAttachment, NewThread, thread_create
from conversations.services.timelogs import timelog_record, timelog_start, timelog_stop

__all__ = [
    "AttachmentSource",
    "CustomerRef",
    "NewAttachment",
    "NewThread",
    "ThreadIntake",
    "agent_preferences_update",
    "attachment_base64_decode",
    "attachment_create",
    "attachment_download_count",
    "attachment_intake",
    "attachments_fetch",
    "attachments_unattached_purge",
    "body_sanitise",
    "conversation_assign",
    "conversation_change_customer",
    "conversation_change_status",
    "conversation_change_subject",
    "conversation_create",
    "conversation_custom_field_values_add",
    "conversation_custom_field_values_delete",
    "conversation_custom_fields_set",
    "conversation_customer_change",
    "conversation_delete",
    "conversation_delete_forever",
    "conversation_forward",
    "conversation_intake",
    "conversation_merge",
    "conversation_move",
    "conversation_restore",
    "conversation_star",
    "conversation_start_by_agent",
    "conversation_tags_set",
    "conversation_tally_compact",
    "conversation_update",
    "conversation_viewer_heartbeat",
    "conversation_viewer_leave",
    "custom_field_values_clean",
    "folder_type_for",
    "tag_create",
    "tag_name_normalise",
    "tag_update",
    "text_preview",
    "thread_create",
    "thread_draft_discard",
    "thread_draft_save",
    "thread_intake",
    "timelog_record",
    "timelog_start",
    "timelog_stop",
]
