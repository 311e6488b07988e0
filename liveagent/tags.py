"""Tags: #63 ``GET /tags``, #65 ``POST /tags``, #64 ``GET``, #66 ``PUT`` and #62 ``DELETE /tags/{tagid}``;
``tag_id``, the id every payload naming a tag uses, and ``tag_visible``, the lookup of a tag id.

A key sees the tags of ``tags_visible_to`` (reference §1: a regular key those used in its mailboxes or
nowhere); any other is unknown (404). Creating, changing and deleting tags is configuration: an admin's key
only (403). Names are stored as typed (the FreeScout API lower-cases them) and stay unique whatever the
case: a duplicate is a 400 like any bad input. ``color`` and ``bg_color`` are our ``text_color`` and
``background_color``: six hexadecimal digits, or "" for none."""

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.models import Tag
from conversations.selectors import tags_visible_to
from conversations.services import labels as services
from helpdesk.models import User
from liveagent.ids import Kind, id_encode, pk_decode
from liveagent.plumbing.errors import InvalidParameter, service_errors_at
from liveagent.plumbing.permissions import HasApiKey, IsAdminKey
from liveagent.plumbing.routes import endpoint
from liveagent.plumbing.views import LiveAgentView

# The domain's names of what the requests call color and bg_color.
COLOUR_PARAMETERS = {"text_color": "color", "background_color": "bg_color"}


def tag_id(pk: int) -> str:
    return id_encode(Kind.TAG, pk)


def tag_visible(*, user: User, tagid: str) -> Tag:
    """The tag ``tagid`` names, if ``user``'s key may see it; else 404."""
    pk = pk_decode(Kind.TAG, tagid.strip())
    tag = tags_visible_to(user=user).filter(pk=pk).first() if pk is not None else None
    if tag is None:
        raise NotFound(f"Tag {tagid} not found.")
    return tag


def tag_short_payload(tag: Tag) -> dict[str, str]:
    """A tag in a list (#15, #63)."""
    return {"id": tag_id(tag.pk), "name": tag.name}


def tag_payload(tag: Tag) -> dict[str, str]:
    """#64, and what #65 created."""
    return {**tag_short_payload(tag), "color": tag.text_color, "bg_color": tag.background_color}


class AdminKeyToChange(IsAdminKey):
    """Any key reads; only an admin's changes (tags are configuration: reference §1)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return HasApiKey.has_permission(self, request, view)
        return super().has_permission(request, view)


class TagListView(LiveAgentView):
    permission_classes = [AdminKeyToChange]

    def get(self, request: Request) -> Response:
        tags = tags_visible_to(user=self.user).only("id", "name").order_by("id")
        return self.answer({"tags": [tag_short_payload(tag) for tag in tags]})

    def post(self, request: Request) -> Response:
        params = self.params()
        if "name" not in params:
            raise InvalidParameter("name", "Parameter name is missing.")
        with service_errors_at(COLOUR_PARAMETERS):
            tag = services.tag_create(
                name=params["name"],
                text_color=params.get("color", ""),
                background_color=params.get("bg_color", ""),
                keep_case=True,
            )
        # #65 alone among the actions gives its statuscode as a string (reference §1, §5.4).
        return self.answer({"status": "OK", "statuscode": "0", **tag_payload(tag)})


class TagView(LiveAgentView):
    permission_classes = [AdminKeyToChange]

    def get(self, request: Request, tagid: str) -> Response:
        return self.answer(tag_payload(tag_visible(user=self.user, tagid=tagid)))

    def put(self, request: Request, tagid: str) -> Response:
        tag = tag_visible(user=self.user, tagid=tagid)
        params = self.params()
        with service_errors_at(COLOUR_PARAMETERS):
            services.tag_update(
                tag=tag,
                name=params.get("name"),
                text_color=params.get("color"),
                background_color=params.get("bg_color"),
                keep_case=True,
            )
        return self.ok()

    def delete(self, request: Request, tagid: str) -> Response:
        services.tag_delete(tag=tag_visible(user=self.user, tagid=tagid))
        return self.ok()


urlpatterns = [
    endpoint(r"tags", TagListView.as_view(), name="liveagent-tags"),
    endpoint(r"tags/(?P<tagid>[^/]+?)", TagView.as_view(), name="liveagent-tag"),
]
