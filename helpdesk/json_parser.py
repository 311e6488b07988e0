"""The JSON request parser both API dialects use: DRF's, with the failures of hostile bodies answered as the
parse errors they are (400 in the dialect's shape) rather than 500s.

- Nesting: Python's decoder recurses, so a 2 KB body of ~1,000 nested ``[`` raised ``RecursionError``, which
  DRF does not catch.
- Lone surrogates: JSON's ``\\ud800``-style escapes can spell one; Python's decoder accepts it, but neither
  PostgreSQL, SQLite's UTF-8 text nor the renderers can encode it. A dialect that names the parameter at
  fault itself (LiveAgent) turns this check off.

Infrastructure: imports no app."""

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    refuse_lone_surrogates: ClassVar[bool] = True

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
            if self.refuse_lone_surrogates:
                json.dumps(data, ensure_ascii=False).encode()
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        except UnicodeEncodeError:
            raise ParseError("JSON parse error - a \\u escape spells a lone surrogate.") from None
        return data
