"""LiveAgent's conversation codes against our columns, both ways, in one place (reference §4.3): the status a
conversation shows (``status``), the statuses #9 filters by, the three #13 may set, and the channel
(``channel_type``).

Our conversation has a status (active, pending, closed, spam) and a state (published, draft, deleted);
LiveAgent has one status letter, so the state wins: Deleted X, Init I (a draft), then Spam B, Resolved R,
Answered A, and active splits into New N (no agent has taken it up: ``acknowledged_at`` is None) and Open C.
Calling P, Chatting T and Postponed W are never produced (no live calls or chats, no snooze) and match
nothing."""

from django.db.models import Q

from conversations.models import Conversation, ConversationState, ConversationType, SourceType, SourceVia, Status

_PUBLISHED = Q(state=ConversationState.PUBLISHED)
_NOTHING = Q(pk__in=[])

# Each status letter as a condition on conversations; they partition every conversation.
STATUS_FILTERS: dict[str, Q] = {
    "A": _PUBLISHED & Q(status=Status.PENDING),
    "P": _NOTHING,
    "T": _NOTHING,
    "X": Q(state=ConversationState.DELETED),
    "B": _PUBLISHED & Q(status=Status.SPAM),
    "I": Q(state=ConversationState.DRAFT),
    "C": _PUBLISHED & Q(status=Status.ACTIVE, acknowledged_at__isnull=False),
    "R": _PUBLISHED & Q(status=Status.CLOSED),
    "N": _PUBLISHED & Q(status=Status.ACTIVE, acknowledged_at__isnull=True),
    "W": _NOTHING,
}

# What #13 may set (reference §2: only A, R and C), as our status.
STATUSES_SETTABLE: dict[str, str] = {"A": Status.PENDING, "R": Status.CLOSED, "C": Status.ACTIVE}
# Setting Open records that an agent took the conversation up, so that it reads back C rather than N.
STATUS_ACKNOWLEDGES = "C"

# Our conversation types as LiveAgent's channels. An email conversation that a customer started on the web
# is a contact widget's (widgets.services.widget_submission): channel M. The other channels (invitation, call
# button, Facebook, Twitter, forum, suggestion) have no conversations here.
_CHANNELS: dict[str, str] = {
    ConversationType.EMAIL: "E",
    ConversationType.CHAT: "B",
    ConversationType.PHONE: "C",
}
CONTACT_FORM = "M"
_CONTACT_FORM = Q(type=ConversationType.EMAIL, source_type=SourceType.WEB, source_via=SourceVia.CUSTOMER)
CHANNEL_FILTERS: dict[str, Q] = {
    code: Q(type__in=[kind for kind, channel in _CHANNELS.items() if channel == code])
    for code in ("E", "B", "M", "I", "C", "W", "F", "A", "T", "Q", "S")
}
CHANNEL_FILTERS["E"] &= ~_CONTACT_FORM
CHANNEL_FILTERS[CONTACT_FORM] = _CONTACT_FORM


def status_code(conversation: Conversation) -> str:
    """The status letter of a conversation (the same partition as ``STATUS_FILTERS``)."""
    if conversation.state == ConversationState.DELETED:
        return "X"
    if conversation.state == ConversationState.DRAFT:
        return "I"
    if conversation.status == Status.SPAM:
        return "B"
    if conversation.status == Status.CLOSED:
        return "R"
    if conversation.status == Status.PENDING:
        return "A"
    return "N" if conversation.acknowledged_at is None else "C"


def channel_code(conversation: Conversation) -> str:
    if (
        conversation.type == ConversationType.EMAIL
        and conversation.source_type == SourceType.WEB
        and conversation.source_via == SourceVia.CUSTOMER
    ):
        return CONTACT_FORM
    return _CHANNELS.get(conversation.type, "E")
