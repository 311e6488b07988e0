"""The FreeScout API's JSON parser: DRF's, refusing text that no string can hold."""

import json
from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class StrictJSONParser(JSONParser):
    """JSON's ``\\ud800``-style escapes can spell a lone surrogate, which Python's decoder accepts but neither
    PostgreSQL, SQLite's UTF-8 text nor the renderer can encode (a 500 once it reached them): refused here as
    the parse error it is (400)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        try:
            json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise ParseError("JSON parse error - a \\u escape spells a lone surrogate.") from None
        return data
