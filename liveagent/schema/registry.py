"""What the registry holds: one ``Operation`` per (URL name, method), with its declared parameters."""

from dataclasses import dataclass
from typing import Literal

from liveagent.schema.blocks import Schema, envelope, error_body

Location = Literal["path", "query", "body"]
# text: any string; int: a whole number; datetime: YYYY-MM-DD HH:MM:SS; opdatetime: a datetime with an
# optional "op:" prefix (§1); json: a string holding JSON; flag: Y or N; codes: one of ``values`` (or, with
# ``many``, a comma list of them).
ParamType = Literal["text", "int", "datetime", "opdatetime", "json", "flag", "codes"]
Method = Literal["GET", "POST", "PUT", "DELETE"]


@dataclass(frozen=True)
class Param:
    name: str
    location: Location
    required: bool = False
    type: ParamType = "text"
    description: str = ""
    values: tuple[str, ...] = ()
    many: bool = False


@dataclass(frozen=True)
class Operation:
    """``number`` is the operation's row in the reference's §2; ``path`` is relative to the v1 mount
    (``/conversations/{conversationid}``) and must equal the route's; ``body`` is the schema of what
    ``{"response": …}`` holds on success (``liveagent.schema.entities`` builds them); ``admin`` marks the
    operations only an admin's key may call (403 otherwise)."""

    number: int
    name: str
    method: Method
    path: str
    summary: str
    body: Schema
    params: tuple[Param, ...] = ()
    admin: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return self.name, self.method

    @property
    def success(self) -> Schema:
        return envelope(self.body)


def error_envelope() -> Schema:
    return envelope(error_body())


def path_param(name: str, description: str) -> Param:
    return Param(name, "path", required=True, description=description)
