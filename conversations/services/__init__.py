"""Every write to conversations and their threads, tags, custom fields and timelogs.

The API, the admin, email ingestion and the commands all call these functions. Each validates, writes,
keeps the derived columns (folder, preview, threads_count, last reply) right, and records a line item for
changes an agent makes, all in one transaction. Validation errors are ``ValidationError``s keyed by the
name of the argument at fault.
"""

from conversations.services.common import body_sanitise, folder_type_for, text_preview
from conversations.services.labels import (
    conversation_custom_fields_set,
    conversation_tags_set,
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
from conversations.services.tally import conversation_tally_compact
from conversations.services.threads import NewAttachment, NewThread, thread_create
from conversations.services.timelogs import timelog_record, timelog_start, timelog_stop

__all__ = [
    "NewAttachment",
    "NewThread",
    "body_sanitise",
    "conversation_assign",
    "conversation_change_customer",
    "conversation_change_status",
    "conversation_change_subject",
    "conversation_create",
    "conversation_custom_fields_set",
    "conversation_delete",
    "conversation_delete_forever",
    "conversation_move",
    "conversation_restore",
    "conversation_star",
    "conversation_tags_set",
    "conversation_tally_compact",
    "conversation_update",
    "folder_type_for",
    "tag_create",
    "tag_name_normalise",
    "tag_update",
    "text_preview",
    "thread_create",
    "timelog_record",
    "timelog_start",
    "timelog_stop",
]
