from rest_framework import mixins, viewsets
from rest_framework.request import Request

from conversations.models import Conversation
from conversations.selectors import conversations_for_output, conversations_visible_to
from conversations.serializers import ConversationSerializer

EMBEDDABLE = frozenset({"threads", "timelogs", "tags"})


def embed_param(request: Request, default: frozenset[str] = frozenset()) -> frozenset[str]:
    raw = request.query_params.get("embed")
    if raw is None:
        return default
    return frozenset(part.strip() for part in raw.split(",")) & EMBEDDABLE


class ConversationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ConversationSerializer
    hal_name = "conversations"

    def get_embed(self) -> frozenset[str]:
        return embed_param(self.request, default=frozenset({"threads"}) if self.action == "retrieve" else frozenset())

    def get_queryset(self):
        queryset = conversations_visible_to(user=self.request.user)
        if self.action == "list":
            # The documented default: active conversations, newest first (filters come with the API issue).
            queryset = queryset.filter(status=Conversation.Status.ACTIVE).exclude(state=Conversation.State.DELETED)
            queryset = queryset.order_by("-created_at", "-id")
        return conversations_for_output(queryset, embed=self.get_embed())

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "embed": self.get_embed()}
