"""The JSON request parser both API dialects use: DRF's, with the failures of hostile bodies answered as the
parse errors they are (400 in the dialect's shape) rather than 500s.

- Nesting: Python's decoder recurses, so a 2 KB body of ~1,000 nested ``[`` raised ``RecursionError``, which
  DRF does not catch.
- Lone surrogates: JSON's ``\\ud800``-style escapes can spell one; Python's decoder accepts it, but neither
  PostgreSQL, SQLite's UTF-8 text nor the renderers can encode it. A dialect that names the parameter at
  fault itself (LiveAgent) turns this check off.
- NUL characters (``\\u0000``), anywhere: PostgreSQL can neither store nor compare text holding one, and a
  value in a JSON column (custom field values) meets no CharField validator first. Off with the surrogates'
  check, for LiveAgent, which names the parameter itself.
- Numbers past a double's range: ``1e400`` decodes to infinity (only the ``Infinity`` token is refused by
  strict JSON), which no column stores and no JSON answer quoting it can write.

Infrastructure: imports no app."""

import codecs
import json
import math
from collections.abc import Mapping
from typing import Any, ClassVar

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is beyond the range of a number")
    return value


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _has_nul(data: Any) -> bool:
    # A loop rather than recursion: the decoder took the nesting, a recursive walk might not.
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class SafeJSONParser(JSONParser):
    refuse_lone_surrogates: ClassVar[bool] = True

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            # DRF's JSONParser.parse, with floats checked as they are read.
            data = json.load(codecs.getreader(encoding)(stream), parse_float=_finite_float, parse_constant=_no_constant)
            if self.refuse_lone_surrogates:
                json.dumps(data, ensure_ascii=False).encode()
                if _has_nul(data):
                    raise ParseError("JSON parse error - null characters are not allowed.")
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        except UnicodeEncodeError:
            raise ParseError("JSON parse error - a \\u escape spells a lone surrogate.") from None
        except (ValueError, LookupError) as error:  # LookupError: an unknown charset in the Content-Type
            raise ParseError(f"JSON parse error - {str(error)[:200]}") from None
        return data
