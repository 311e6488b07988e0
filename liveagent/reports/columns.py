"""The columns of the report rows (reference §3.10), in the seed's order, and how each is computed from the
domain's figures (``reports.selectors``). Chat, call and rating columns are 0 by construction: we have no
live chats, calls or ratings (§4.5); ``*Sla`` equal the plain values (no SLA business hours)."""

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from reports.selectors import Figures, average

# Block M (§3.10), in order.
BLOCK_M: tuple[str, ...] = (
    "answers", "newAnswerAvgTime", "newAnswerAvgTimeSla", "nextAnswerAvgTime", "nextAnswerAvgTimeSla",
    "chat_answers", "chats", "missed_chats", "chat_pickup", "chatPickupAvgTime", "chatAvgTime", "calls",
    "missed_calls", "call_seconds", "not_ranked", "not_ranked_p", "rewards", "rewards_p", "punishments",
    "punishments_p", "i_messages", "i_chats", "i_calls", "f_chats", "f_calls", "created_tickets",
    "resolved_tickets", "u_chats", "u_calls", "notes", "firstAssignAvgTime", "firstAssignAvgTimeSla",
    "firstResolveAvgTime", "firstResolveAvgTimeSla", "calls_outgoing", "call_outgoing_seconds",
    "call_outgoing_avg_time", "call_pickup_avg_time", "call_avg_time", "calls_internal", "call_internal_avg_time",
    "call_internal_seconds", "o_calls",
)  # fmt: skip
AGENT_COLUMNS: tuple[str, ...] = (
    "id", "contactid", "firstname", "lastname", "worktime", "answers", "answers_ph", "newAnswerAvgTime",
    "newAnswerAvgTimeSla", "nextAnswerAvgTime", "nextAnswerAvgTimeSla", "calls", "calls_ph", "missed_calls",
    "missed_calls_ph", "call_seconds", "call_seconds_ph", "chats", "chats_ph", "chat_answers", "chat_answers_ph",
    "missed_chats", "missed_chats_ph", "chat_pickup", "chatPickupAvgTime", "chatAvgTime", "not_ranked",
    "not_ranked_p", "not_ranked_ph", "rewards", "rewards_p", "rewards_ph", "punishments", "punishments_p",
    "punishments_ph", *BLOCK_M[BLOCK_M.index("created_tickets") :],
)  # fmt: skip
CHANNEL_COLUMNS: tuple[str, ...] = ("id", "channelName", *BLOCK_M)
DEPARTMENT_COLUMNS: tuple[str, ...] = ("id", "departmentName", *BLOCK_M)
TAG_COLUMNS: tuple[str, ...] = ("id", "tagName", *BLOCK_M)
PERFORMANCE_COLUMNS: tuple[str, ...] = ("datetime", "dateto", *BLOCK_M)
AGENTS_AVAILABILITY_COLUMNS: tuple[str, ...] = (
    "id", "userid", "firstname", "lastname", "contactid", "departmentid", "department_name", "hours_online",
    "from_date", "to_date",
)  # fmt: skip
LOAD_COLUMNS: tuple[str, ...] = (
    "date", "avgQueue", "maxQueue", "minQueue", "avgSlots", "maxSlots", "minSlots", "avgService", "maxService",
    "minService",
)  # fmt: skip
SLA_COMPLIANCE_COLUMNS: tuple[str, ...] = (
    "date", "fulfilled", "avgFulfilledTime", "maxFulfilledTime", "minFulfilledTime", "unfulfilled",
    "avgUnfulfilledTime", "maxUnfulfilledTime", "minUnfulfilledTime",
)  # fmt: skip
SLA_LOG_COLUMNS: tuple[str, ...] = (
    "id", "conversationid", "code", "departmentid", "department_name", "levelid", "sla_level_name", "sla",
    "date_created", "date_closed", "server_date_closed", "date_due", "server_date_due", "sla_level_id", "agentid",
    "agent_firstname", "agent_lastname", "req_contactid", "req_firstname", "req_lastname",
)  # fmt: skip
AVAILABILITY_COLUMNS: tuple[str, ...] = ("date", "mins", "pct")
RANK_COLUMNS: tuple[str, ...] = (
    "id", "rankingType", "datecreated", "conversationid", "agentcontactid", "agentEmail", "agent", "contactid",
    "requesterEmail", "requester", "comment",
)  # fmt: skip

_COMPUTED: dict[str, Callable[[Figures], int]] = {
    "answers": lambda f: f["answers"],
    "newAnswerAvgTime": lambda f: average(f, "new_answers", "new_answer_seconds"),
    "nextAnswerAvgTime": lambda f: average(f, "next_answers", "next_answer_seconds"),
    "i_messages": lambda f: f["incoming"],
    "created_tickets": lambda f: f["created"],
    "resolved_tickets": lambda f: f["resolved"],
    "notes": lambda f: f["notes"],
    "firstAssignAvgTime": lambda f: average(f, "first_assigns", "first_assign_seconds"),
    "firstResolveAvgTime": lambda f: average(f, "first_resolves", "first_resolve_seconds"),
}
for _name in ("newAnswerAvgTime", "nextAnswerAvgTime", "firstAssignAvgTime", "firstResolveAvgTime"):
    _COMPUTED[f"{_name}Sla"] = _COMPUTED[_name]

HUNDREDTH = Decimal("0.01")


def two_decimals(value: Decimal | int) -> str:
    return str(Decimal(value).quantize(HUNDREDTH, rounding=ROUND_HALF_UP))


def figure_cells(columns: tuple[str, ...], figures: Figures, *, worktime_minutes: int = 0) -> dict[str, str]:
    """The cells of every figure column among ``columns`` (identity columns are the caller's): counts and
    averages as whole numbers, ``_p`` (ratings: none) and ``_ph`` (per hour of ``worktime``) with two decimals."""
    cells: dict[str, str] = {}
    for column in columns:
        if column.endswith("_ph"):
            base = column[: -len("_ph")]
            value = _COMPUTED[base](figures) if base in _COMPUTED else 0
            per_hour = Decimal(value * 60) / worktime_minutes if worktime_minutes else Decimal(0)
            cells[column] = two_decimals(per_hour)
        elif column.endswith("_p"):
            cells[column] = "0.00"
        elif column in _COMPUTED:
            cells[column] = str(_COMPUTED[column](figures))
        elif column in BLOCK_M or column in AGENT_COLUMNS:
            cells[column] = "0"
    return cells


def pick(row: Mapping[str, str], columns: tuple[str, ...], wanted: frozenset[str] | None) -> dict[str, str]:
    """``row``'s cells in the documented order, only the ``wanted`` ones when the client named some."""
    return {column: row[column] for column in columns if wanted is None or column in wanted}
