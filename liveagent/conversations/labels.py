"""A conversation's tags (#14 ``DELETE``, #15 ``GET``, #16 ``POST /conversations/{conversationid}/tags``) and
custom field values (#7 ``DELETE``, #8 ``POST /conversations/{conversationid}/fields``).

Any key that sees the conversation may change them, as the FreeScout API lets any agent of the mailbox set
tags and custom fields. A tag is named by ``id`` (one the key may see, else 404) or by ``name`` (any case;
created when unknown, as the FreeScout API's tag list does; stored as typed); ``id`` wins when both are
given. Assigning a tag twice or removing one that is not there answers OK (reference §4.3). Neither tag
changes nor field values fire a webhook: the FreeScout side has no such event."""

from rest_framework.request import Request
from rest_framework.response import Response

from conversations.models import ConversationTag, Tag
from conversations.services import labels as services
from liveagent.conversations.lookup import conversation_visible
from liveagent.custom_fields import CUSTOM_FIELDS_AT, custom_field_values_param, field_code_param
from liveagent.plumbing.errors import InvalidParameter, service_errors_at
from liveagent.plumbing.routes import endpoint
from liveagent.plumbing.views import LiveAgentView
from liveagent.tags import tag_short_payload, tag_visible


class ConversationTagsView(LiveAgentView):
    def get(self, request: Request, conversationid: str) -> Response:
        conversation = conversation_visible(user=self.user, conversationid=conversationid)
        # In the order they were put on it.
        on_it = ConversationTag.objects.filter(conversation=conversation).select_related("tag").order_by("id")
        return self.answer({"tags": [tag_short_payload(row.tag) for row in on_it]})

    def post(self, request: Request, conversationid: str) -> Response:
        conversation = conversation_visible(user=self.user, conversationid=conversationid)
        tag, name = self._tag_given()
        services.conversation_tag_add(conversation=conversation, tag=tag, name=name, keep_case=True)
        return self.ok()

    def delete(self, request: Request, conversationid: str) -> Response:
        conversation = conversation_visible(user=self.user, conversationid=conversationid)
        tag, name = self._tag_given()
        services.conversation_tag_remove(conversation=conversation, tag=tag, name=name)
        return self.ok()

    def _tag_given(self) -> tuple[Tag | None, str]:
        """The tag ``id`` names, or the ``name`` given (for the service to find or create)."""
        params = self.params()
        tagid = params.get("id", "").strip()
        if tagid:
            return tag_visible(user=self.user, tagid=tagid), ""
        name = params.get("name", "")
        if not name.strip():
            raise InvalidParameter("id", "Either id or name must be given.")
        return None, name


class ConversationFieldsView(LiveAgentView):
    def post(self, request: Request, conversationid: str) -> Response:
        conversation = conversation_visible(user=self.user, conversationid=conversationid)
        values = custom_field_values_param(self.params())
        with service_errors_at(CUSTOM_FIELDS_AT):
            services.conversation_custom_field_values_add(conversation=conversation, values=values)
        return self.ok()

    def delete(self, request: Request, conversationid: str) -> Response:
        conversation = conversation_visible(user=self.user, conversationid=conversationid)
        # An unknown code is Invalid at "code", the parameter's own name.
        services.conversation_custom_field_values_delete(
            conversation=conversation, code=field_code_param(self.params())
        )
        return self.ok()


urlpatterns = [
    endpoint(
        r"conversations/(?P<conversationid>[^/]+?)/tags",
        ConversationTagsView.as_view(),
        name="liveagent-conversation-tags",
    ),
    endpoint(
        r"conversations/(?P<conversationid>[^/]+?)/fields",
        ConversationFieldsView.as_view(),
        name="liveagent-conversation-fields",
    ),
]
