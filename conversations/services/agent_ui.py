"""What the agent UI itself records: who has a conversation open (the page's heartbeat) and each agent's
preferences. Neither is part of a conversation's history, so there are no line items or webhook events."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from conversations.models import AgentPreferences, Conversation, ConversationViewer
from conversations.selectors import VIEWER_FRESH_SECONDS
from helpdesk.errors import Invalid
from helpdesk.models import User

SAVED_FILTERS_MAX = 12
SAVED_FILTER_NAME_MAX = 40
SAVED_FILTER_QUERY_MAX = 1000


def conversation_viewer_heartbeat(
    *, conversation: Conversation, user: User, replying: bool, at: datetime.datetime | None = None
) -> None:
    """Records that ``user`` has the conversation open now, writing a reply or not. One upsert, so that
    two tabs (or two processes) beating at once cannot collide on the unique row. The agent's rows gone
    stale elsewhere (a page closed without a goodbye) are dropped on the way: the table holds about one
    row per open page, with no sweeper to schedule."""
    at = at or timezone.now()
    ConversationViewer.objects.bulk_create(
        [ConversationViewer(conversation=conversation, user=user, replying=replying, seen_at=at)],
        update_conflicts=True,
        unique_fields=["conversation", "user"],
        update_fields=["replying", "seen_at"],
    )
    stale = at - datetime.timedelta(seconds=VIEWER_FRESH_SECONDS)
    ConversationViewer.objects.filter(user=user, seen_at__lt=stale).exclude(conversation=conversation).delete()


def conversation_viewer_leave(*, conversation: Conversation, user: User) -> None:
    """The page was closed: the agent stops being shown at once rather than when the row goes stale."""
    ConversationViewer.objects.filter(conversation=conversation, user=user).delete()


def _saved_filters_clean(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or len(value) > SAVED_FILTERS_MAX:
        raise Invalid({"saved_filters": f"At most {SAVED_FILTERS_MAX} saved filters."})
    cleaned: list[dict[str, str]] = []
    for index, item in enumerate(value):
        name = " ".join(str(item.get("name", "")).split()) if isinstance(item, dict) else ""
        query = str(item.get("query", "")).lstrip("?") if isinstance(item, dict) else ""
        if not name or len(name) > SAVED_FILTER_NAME_MAX:
            raise Invalid({f"saved_filters[{index}].name": f"A name of 1 to {SAVED_FILTER_NAME_MAX} characters."})
        if len(query) > SAVED_FILTER_QUERY_MAX:
            raise Invalid({f"saved_filters[{index}].query": "Too long."})
        cleaned = [f for f in cleaned if f["name"].lower() != name.lower()]  # the same name replaces
        cleaned.append({"name": name, "query": query})
    return cleaned


@transaction.atomic
def agent_preferences_update(
    *,
    user: User,
    newest_first: bool | None = None,
    after_send: str | None = None,
    saved_filters: list[dict[str, str]] | None = None,
) -> AgentPreferences:
    """Changes what is given (None: unchanged); ``Invalid`` names the argument at fault."""
    preferences, _ = AgentPreferences.objects.select_for_update().get_or_create(user=user)
    if after_send is not None:
        if after_send not in AgentPreferences.AfterSend.values:
            raise Invalid({"after_send": "Choose stay, next or folder."})
        preferences.after_send = after_send
    if newest_first is not None:
        preferences.newest_first = newest_first
    if saved_filters is not None:
        preferences.saved_filters = _saved_filters_clean(saved_filters)
    preferences.save()
    return preferences
