"""The bodies of #41-#60 (reference §3.10), column for column in the seed's order. Every cell is a string;
``columns`` may keep only some, so no column is required, but none other is allowed and the order holds."""

from liveagent.reports import columns as cols
from liveagent.schema.blocks import DATETIME_PATTERN, Schema, array, identifier, pattern, text, whole_number

TWO_DECIMALS = r"^[0-9]+\.[0-9]{2}$"
DATE_OR_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2})?$"

_TEXT_COLUMNS = {"firstname", "lastname", "channelName", "departmentName", "tagName", "department_name"}
_ID_COLUMNS = {"id", "contactid", "userid", "departmentid"}


def _cell(column: str, *, numeric_ids: bool = False) -> Schema:
    if column.endswith(("_p", "_ph")) or (column.startswith("avg") and column[3:] in ("Queue", "Slots", "Service")):
        return pattern(TWO_DECIMALS)
    if column in _TEXT_COLUMNS:
        return text()
    if column in _ID_COLUMNS:
        return whole_number() if numeric_ids else identifier()
    if column in ("date", "dateto", "from_date"):
        return pattern(DATETIME_PATTERN)
    if column == "datetime":
        return pattern(DATE_OR_DATETIME)
    return whole_number()


def _row(columns: tuple[str, ...], **overrides: Schema) -> Schema:
    properties = {column: overrides.get(column) or _cell(column) for column in columns}
    # ``columns`` may keep any subset: nothing required, marked so that the schema tests know it.
    return {
        "type": "object",
        "properties": properties,
        "required": [],
        "additionalProperties": False,
        "x-liveagent-columns": True,
    }


def agents() -> Schema:
    return _list("agents", _row(cols.AGENT_COLUMNS))


def channels() -> Schema:
    return _list("channels", _row(cols.CHANNEL_COLUMNS, id=pattern(r"^[EBMICWFATQS]$")))


def departments() -> Schema:
    return _list("departments", _row(cols.DEPARTMENT_COLUMNS))


def performance() -> Schema:
    return _list("performance", _row(cols.PERFORMANCE_COLUMNS))


def tags() -> Schema:
    return _list("tags", _row(cols.TAG_COLUMNS))


def agents_availability() -> Schema:
    return _list(
        "agentsavailability",
        _row(
            cols.AGENTS_AVAILABILITY_COLUMNS,
            id=whole_number(),
            hours_online=pattern(r"^[0-9]{2,}:[0-5][0-9]:[0-5][0-9]$"),
            to_date=pattern(DATETIME_PATTERN[:-1] + "|^now$"),
        ),
    )


def loads() -> Schema:
    return _list("loads", _row(cols.LOAD_COLUMNS))


def sla_compliances() -> Schema:
    return _list("slacompliances", _row(cols.SLA_COMPLIANCE_COLUMNS))


def sla_logs() -> Schema:
    return _list("slalogs", _row(cols.SLA_LOG_COLUMNS, id=whole_number(), sla=text(), code=text()))


def availability() -> Schema:
    return _list("availability", _row(cols.AVAILABILITY_COLUMNS, pct=pattern(r"^[0-9]+(\.[0-9]+)?$")))


def ranks() -> Schema:
    return _list(
        "ranks",
        _row(
            cols.RANK_COLUMNS, id=whole_number(), rankingType=pattern("^[WP]$"), datecreated=pattern(DATETIME_PATTERN)
        ),
    )


def _list(container: str, row: Schema) -> Schema:
    return {
        "type": "object",
        "properties": {container: array(row)},
        "required": [container],
        "additionalProperties": False,
    }
