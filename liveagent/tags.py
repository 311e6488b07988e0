"""Tags. ``tag_id`` is the id every payload naming a tag uses."""

from liveagent.ids import Kind, id_encode


def tag_id(pk: int) -> str:
    return id_encode(Kind.TAG, pk)

urlpatterns: list = []
