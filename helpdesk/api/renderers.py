import orjson
from rest_framework.renderers import JSONRenderer


class OrjsonRenderer(JSONRenderer):
    """``application/json`` through orjson: compact UTF-8, several times faster than the json module on
    pages of conversations. Lazy strings (DRF's OPTIONS metadata) fall back to ``str``."""

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(data, default=str)
