"""Schemas of the presence operations (issue 17), joined to the others in ``liveagent/schema/__init__.py``.

liveagent-onlinestatus-agents       /onlinestatus/agents                       GET #39
liveagent-onlinestatus-departments  /onlinestatus/departments                  GET #40
"""

from liveagent.schema import entities_presence
from liveagent.schema.registry import Operation

ALL: tuple[Operation, ...] = (
    Operation(
        39,
        "liveagent-onlinestatus-agents",
        "GET",
        "/onlinestatus/agents",
        "Agents: the services each agent offers (presetStatus) and offers now (onlineStatus, F when offline)",
        entities_presence.agents_online_states(),
    ),
    Operation(
        40,
        "liveagent-onlinestatus-departments",
        "GET",
        "/onlinestatus/departments",
        "Departments: the services their online agents offer now (F when nobody is online)",
        entities_presence.departments_online_states(),
    ),
)
