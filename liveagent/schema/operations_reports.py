"""Schemas of the reports operations (issue 17), joined to the others in ``liveagent/schema/__init__.py``.

liveagent-reports-agents                        /reports/agents                        GET #41
liveagent-reports-channels                      /reports/channels                      GET #42
liveagent-reports-departments                   /reports/departments                   GET #43
liveagent-reports-performance                   /reports/performance                   GET #44
liveagent-reports-tags                          /reports/tags                          GET #45
liveagent-reports-tickets-agentsavailability    /reports/tickets/agentsavailability    GET #46
liveagent-reports-tickets-load                  /reports/tickets/load                  GET #47
liveagent-reports-tickets-slacompliance         /reports/tickets/slacompliance         GET #48
liveagent-reports-tickets-slalog                /reports/tickets/slalog                GET #49
liveagent-reports-chats-agentsavailability      /reports/chats/agentsavailability      GET #50
liveagent-reports-chats-availability            /reports/chats/availability            GET #51
liveagent-reports-chats-load                    /reports/chats/load                    GET #52
liveagent-reports-chats-slacompliance           /reports/chats/slacompliance           GET #53
liveagent-reports-chats-slalog                  /reports/chats/slalog                  GET #54
liveagent-reports-calls-agentsavailability      /reports/calls/agentsavailability      GET #55
liveagent-reports-calls-availability            /reports/calls/availability            GET #56
liveagent-reports-calls-load                    /reports/calls/load                    GET #57
liveagent-reports-calls-slacompliance           /reports/calls/slacompliance           GET #58
liveagent-reports-calls-slalog                  /reports/calls/slalog                  GET #59
liveagent-reports-ranking                       /reports/ranking                       GET #60
"""

from liveagent.schema import entities_reports as entities
from liveagent.schema.blocks import Schema
from liveagent.schema.registry import Operation, Param

_DATES_HELP = "YYYY-MM-DD or YYYY-MM-DD HH:MM:SS, account time zone"


def _dates(*, required: bool) -> tuple[Param, ...]:
    return (
        Param(
            "date_from",
            "query",
            required=required,
            type="datetime",
            description=f"From ({_DATES_HELP}; a date: 00:00:00).",
        ),
        Param(
            "date_to", "query", required=required, type="datetime", description=f"To ({_DATES_HELP}; a date: 23:59:59)."
        ),
        Param(
            "datetime", "query", description="L30D (last 30 days, the default), TM, LM or YYYY-MM; explicit dates win."
        ),
    )


_PAGE = (
    Param("limitcount", "query", type="int", description="Rows, default 100, at most 1000."),
    Param("limitfrom", "query", type="int", description="Start row, default 0."),
)
_COLUMNS = (Param("columns", "query", description="Comma list of the columns to keep; an unknown one is a 400."),)
_NARROW = (
    Param("departmentid", "query", description="Department id."),
    Param("agentid", "query", description="Agent id."),
)


def _report(number: int, path: str, summary: str, body: Schema, params: tuple[Param, ...]) -> Operation:
    name = "liveagent-reports-" + path.strip("/").split("/", 1)[1].replace("/", "-")
    return Operation(number, name, "GET", path, summary, body, params, admin=True)


_FIGURES = (*_dates(required=True), *_COLUMNS, *_PAGE)

ALL: tuple[Operation, ...] = (
    _report(41, "/reports/agents", "Agents report", entities.agents(), _FIGURES),
    _report(42, "/reports/channels", "Channels report", entities.channels(), _FIGURES),
    _report(43, "/reports/departments", "Departments report", entities.departments(), _FIGURES),
    _report(
        44,
        "/reports/performance",
        "Performance report",
        entities.performance(),
        (*_FIGURES, Param("group_by", "query", type="codes", values=("hour", "day", "week", "month"))),
    ),
    _report(45, "/reports/tags", "Tags report", entities.tags(), _FIGURES),
    _report(
        46,
        "/reports/tickets/agentsavailability",
        "Tickets Agent availability report",
        entities.agents_availability(),
        (*_dates(required=False), *_COLUMNS, *_PAGE, *_NARROW),
    ),
    _report(
        47,
        "/reports/tickets/load",
        "Tickets Load report",
        entities.loads(),
        (*_dates(required=False), *_PAGE, *_NARROW),
    ),
)

_SLA_COMPLIANCE = (
    *_dates(required=False),
    *_PAGE,
    Param("departmentid", "query", description="Department id."),
    Param("userid", "query", description="Assigned agent id."),
    Param("slalevelid", "query", description="SLA level id (none exist: any is a 404)."),
)
_SLA_LOG = (
    *_dates(required=True),
    *_COLUMNS,
    *_PAGE,
    *_NARROW,
    Param("requesterid", "query", description="Requester contact id."),
    Param("slalevelid", "query", description="SLA level id (none exist: any is a 404)."),
)
_CHANNEL_NAMES = {"tickets": "Tickets", "chats": "Chats", "calls": "Calls"}
# The first number of each channel's block (§2): tickets #46-#49, chats #50-#54, calls #55-#59.
_FIRST = {"tickets": 46, "chats": 50, "calls": 55}
for _channel in ("tickets", "chats", "calls"):
    _base = _FIRST[_channel] + 1
    _title = _CHANNEL_NAMES[_channel]
    if _channel != "tickets":
        ALL += (
            _report(
                _base - 1,
                f"/reports/{_channel}/agentsavailability",
                f"{_title} Agent availability report (no live channels: empty)",
                entities.agents_availability(),
                (*_dates(required=False), *_COLUMNS, *_PAGE, *_NARROW),
            ),
            _report(
                _base,
                f"/reports/{_channel}/availability",
                f"{_title} availability report (no live channels: empty)",
                entities.availability(),
                (*_dates(required=False), *_PAGE, *_NARROW),
            ),
            _report(
                _base + 1,
                f"/reports/{_channel}/load",
                f"{_title} Load report (no live channels: empty)",
                entities.loads(),
                (*_dates(required=False), *_PAGE, *_NARROW),
            ),
        )
    _sla = 48 if _channel == "tickets" else _base + 2
    ALL += (
        _report(
            _sla,
            f"/reports/{_channel}/slacompliance",
            f"{_title} SLA Compliance report (no SLA levels: empty)",
            entities.sla_compliances(),
            _SLA_COMPLIANCE,
        ),
        _report(
            _sla + 1,
            f"/reports/{_channel}/slalog",
            f"{_title} SLA Log report (no SLA levels: empty)",
            entities.sla_logs(),
            _SLA_LOG,
        ),
    )
ALL += (
    _report(
        60,
        "/reports/ranking",
        "Ranking agents report (no ratings yet: empty)",
        entities.ranks(),
        (
            *_dates(required=True),
            *_COLUMNS,
            *_PAGE,
            Param("agentid", "query", description="Agent contact id."),
            Param("contactid", "query", description="Requester contact id."),
            Param("types", "query", type="codes", values=("W", "P"), many=True),
        ),
    ),
)
