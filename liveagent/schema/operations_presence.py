"""Schemas of the presence operations (issue 17), joined to the others in ``liveagent/schema/__init__.py``."""

from liveagent.schema.registry import Operation

ALL: tuple[Operation, ...] = ()
