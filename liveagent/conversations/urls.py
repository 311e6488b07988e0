"""The routes of the conversations themselves (#5, #6, #9, #10, #13); their messages, tags and fields have
their own modules."""

from django.urls import URLPattern

from liveagent.conversations.views import (
    ConversationAttendantsView,
    ConversationListView,
    ConversationStatusView,
    ConversationView,
)
from liveagent.plumbing.routes import endpoint

_CONVERSATION = r"conversations/(?P<conversationid>[^/]+?)"

urlpatterns: list[URLPattern] = [
    endpoint(r"conversations", ConversationListView.as_view(), name="liveagent-conversations"),
    endpoint(_CONVERSATION, ConversationView.as_view(), name="liveagent-conversation"),
    endpoint(rf"{_CONVERSATION}/status", ConversationStatusView.as_view(), name="liveagent-conversation-status"),
    endpoint(
        rf"{_CONVERSATION}/attendants", ConversationAttendantsView.as_view(), name="liveagent-conversation-attendants"
    ),
]
