"""Finding the conversation a path names: ``{conversationid}`` is tried as our id, then as the code
(``ABC-DEFGH-123``, any case), then as the public URL code (reference §4.1). Only conversations the key may
see are found; any other is unknown (404). A conversation merged into another stands for that one, for reads
and writes alike, as LiveAgent's merged tickets do."""

from rest_framework.exceptions import NotFound

from conversations.models import Conversation
from conversations.selectors import conversation_by_reference, conversation_survivor, conversations_visible_to
from helpdesk.models import User
from liveagent.ids import Kind, id_encode, pk_decode


def conversation_id(pk: int) -> str:
    return id_encode(Kind.CONVERSATION, pk)


def conversation_visible(*, user: User, conversationid: str) -> Conversation:
    visible = conversations_visible_to(user=user)
    pk = pk_decode(Kind.CONVERSATION, conversationid)
    found = visible.filter(pk=pk).first() if pk is not None else None
    found = found or conversation_by_reference(reference=conversationid, queryset=visible)
    # A merged conversation's id, code and public code name the conversation it was merged into.
    found = conversation_survivor(conversation=found, queryset=visible) if found is not None else None
    if found is None:
        raise NotFound(f"Conversation {conversationid} not found.")
    return found
