"""LiveAgent #41-#60, the reports (reference §3.10, §4.5), for admins' keys only (403 otherwise).

#41-#45 read the figures of ``reports.selectors`` (answers, answer times, tickets, notes, incoming messages);
#46 the presence intervals; #47 the load samples beat takes; the SLA, chat and call reports and the ranking
validate their parameters and answer empty lists, as §4.5 decides (no SLA levels, live channels or ratings)."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, ClassVar

from rest_framework.request import Request
from rest_framework.response import Response

from conversations.models import Tag
from helpdesk.models import User
from liveagent.ids import Kind, id_encode
from liveagent.plumbing.dates import time_zone
from liveagent.plumbing.paging import Page
from liveagent.plumbing.permissions import IsAdminKey
from liveagent.plumbing.views import LiveAgentView
from liveagent.reports import columns as cols
from liveagent.reports.params import (
    ReportRange,
    agent_param,
    columns_param,
    customer_param,
    department_param,
    group_by_param,
    local_text,
    report_range,
    sla_level_param,
    types_param,
)
from mailboxes.models import Mailbox
from mailboxes.selectors import mailbox_ids_accessible_by_each
from presence.selectors import online_intervals, online_seconds
from reports.models import Channel, Grain
from reports.selectors import Figures, bucket_bounds, figures_by, figures_series, load_samples

# Our channels as LiveAgent's channel letters and names (§3.1; ``liveagent.conversations.codes``).
CHANNELS: tuple[tuple[str, str, str], ...] = (
    (Channel.EMAIL, "E", "Email"),
    (Channel.WEB_FORM, "M", "Contact form"),
    (Channel.CHAT, "B", "Contact button"),
    (Channel.PHONE, "C", "Call"),
)


class ReportView(LiveAgentView):
    permission_classes = [IsAdminKey]
    columns: ClassVar[tuple[str, ...]] = ()
    container: ClassVar[str] = ""
    dates_required: ClassVar[bool] = True

    def report_page(self) -> Page:
        return self.page(default_limit=100, max_limit=1000, limit_name="limitcount", offset_name="limitfrom")

    def range(self) -> ReportRange:
        return report_range(self.params(), required=self.dates_required)

    def wanted(self) -> frozenset[str] | None:
        return columns_param(self.params(), self.columns)

    def rows(self, rows: Iterable[dict[str, str]], wanted: frozenset[str] | None) -> Response:
        return self.answer({self.container: [cols.pick(row, self.columns, wanted) for row in rows]})


class _FiguresReport(ReportView):
    """#41, #42, #43, #45: one row per agent, channel, department or tag, over the range."""

    grain: ClassVar[Grain]

    def get(self, request: Request) -> Response:
        wanted, page, span = self.wanted(), self.report_page(), self.range()
        figures = figures_by(grain=self.grain, start=span.start, end=span.end)
        rows = self.identities(figures, span)[page.slice]
        cells = (
            {**cols.figure_cells(self.columns, figures.get(key, Figures()), worktime_minutes=minutes), **identity}
            for key, identity, minutes in rows
        )
        return self.rows(cells, wanted)

    def identities(self, figures: dict[Any, Figures], span: ReportRange) -> list[tuple[Any, dict[str, str], int]]:
        raise NotImplementedError


class AgentsReportView(_FiguresReport):
    columns, container, grain = cols.AGENT_COLUMNS, "agents", Grain.AGENT

    def identities(self, figures: dict[Any, Figures], span: ReportRange) -> list[tuple[Any, dict[str, str], int]]:
        agents = User.objects.filter(pk__in=[k for k in figures if k]) | User.objects.filter(status=User.Status.ACTIVE)
        agents = agents.distinct().order_by("first_name", "last_name", "pk")
        worktime = online_seconds(user_ids=[a.pk for a in agents], start=span.start, end=span.end)
        return [
            (
                agent.pk,
                {
                    "id": id_encode(Kind.AGENT_USER, agent.pk),
                    "contactid": id_encode(Kind.AGENT_CONTACT, agent.pk),
                    "firstname": agent.first_name,
                    "lastname": agent.last_name,
                    "worktime": str(worktime.get(agent.pk, 0) // 60),
                },
                worktime.get(agent.pk, 0) // 60,
            )
            for agent in agents
        ]


class ChannelsReportView(_FiguresReport):
    columns, container, grain = cols.CHANNEL_COLUMNS, "channels", Grain.CHANNEL

    def identities(self, figures: dict[Any, Figures], span: ReportRange) -> list[tuple[Any, dict[str, str], int]]:
        return [(channel, {"id": letter, "channelName": name}, 0) for channel, letter, name in CHANNELS]


class DepartmentsReportView(_FiguresReport):
    columns, container, grain = cols.DEPARTMENT_COLUMNS, "departments", Grain.MAILBOX

    def identities(self, figures: dict[Any, Figures], span: ReportRange) -> list[tuple[Any, dict[str, str], int]]:
        return [
            (m.pk, {"id": id_encode(Kind.DEPARTMENT, m.pk), "departmentName": m.name}, 0)
            for m in Mailbox.objects.order_by("name", "pk")
        ]


class TagsReportView(_FiguresReport):
    columns, container, grain = cols.TAG_COLUMNS, "tags", Grain.TAG

    def identities(self, figures: dict[Any, Figures], span: ReportRange) -> list[tuple[Any, dict[str, str], int]]:
        return [
            (t.pk, {"id": id_encode(Kind.TAG, t.pk), "tagName": t.name}, 0) for t in Tag.objects.order_by("name", "pk")
        ]


class PerformanceReportView(ReportView):
    """#44: one row for the whole range, or one per local hour, day, week or month with ``group_by``."""

    columns, container = cols.PERFORMANCE_COLUMNS, "performance"

    def get(self, request: Request) -> Response:
        wanted, page, span = self.wanted(), self.report_page(), self.range()
        group_by = group_by_param(self.params())
        if group_by is None:
            buckets = [(span.start, span.end)][page.slice]
        else:
            buckets = bucket_bounds(
                start=span.start, end=span.end, group_by=group_by, zone=time_zone(), first=page.offset, count=page.limit
            )
        series = figures_series(buckets=buckets)
        rows = []
        for (start, end), figures in zip(buckets, series, strict=True):
            rows.append(
                {
                    "datetime": local_text(start, date_only=group_by != "hour"),
                    "dateto": local_text(ReportRange(start=start, end=end).date_to),
                    **cols.figure_cells(self.columns, figures),
                }
            )
        return self.rows(rows, wanted)


class TicketsAgentsAvailabilityView(ReportView):
    """#46: the stretches each agent was online (presence), with the departments they could serve; the last
    one of an agent still online ends ``now``."""

    columns, container, dates_required = cols.AGENTS_AVAILABILITY_COLUMNS, "agentsavailability", False

    def get(self, request: Request) -> Response:
        params = self.params()
        wanted, page, span = self.wanted(), self.report_page(), self.range()
        mailbox = department_param(params, user=self.user)
        agent = agent_param(params)
        intervals = online_intervals(user_ids=[agent.pk] if agent else None, start=span.start, end=span.end)
        users = User.objects.in_bulk({i.user_id for i in intervals})
        mailboxes = list(Mailbox.objects.order_by("name", "pk")) if mailbox is None else [mailbox]
        accessible = mailbox_ids_accessible_by_each(users=users.values(), mailbox_ids=[box.pk for box in mailboxes])
        serves = {user_id: [box for box in mailboxes if box.pk in ids] for user_id, ids in accessible.items()}
        rows = []
        for number, interval in enumerate(intervals, start=1):
            user = users.get(interval.user_id)
            if user is None:
                continue
            for box in serves[user.pk]:
                seconds = int((interval.end - interval.start).total_seconds())
                rows.append(
                    {
                        "id": str(number),
                        "userid": id_encode(Kind.AGENT_USER, user.pk),
                        "firstname": user.first_name,
                        "lastname": user.last_name,
                        "contactid": id_encode(Kind.AGENT_CONTACT, user.pk),
                        "departmentid": id_encode(Kind.DEPARTMENT, box.pk),
                        "department_name": box.name,
                        "hours_online": f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}",
                        "from_date": local_text(interval.start),
                        "to_date": "now" if interval.open else local_text(interval.end),
                    }
                )
        return self.rows(rows[page.slice], wanted)


def _average(values: list[int]) -> str:
    return cols.two_decimals(Decimal(sum(values)) / len(values)) if values else "0.00"


class TicketsLoadView(ReportView):
    """#47: per hour, the average, highest and lowest queue, online agents and work in progress of the
    samples beat took (``reports.services.load_sample``)."""

    columns, container, dates_required = cols.LOAD_COLUMNS, "loads", False

    def get(self, request: Request) -> Response:
        params = self.params()
        page, span = self.report_page(), self.range()
        mailbox = department_param(params, user=self.user)
        agent = agent_param(params)
        hours = load_samples(
            start=span.start,
            end=span.end,
            mailbox_ids=[mailbox.pk] if mailbox else None,
            agent_id=agent.pk if agent else None,
        )
        rows = []
        for hour, samples in hours[page.slice]:
            row = {"date": local_text(hour)}
            for index, name in enumerate(("Queue", "Slots", "Service")):
                values = [sample[index] for sample in samples]
                row |= {f"avg{name}": _average(values), f"max{name}": str(max(values)), f"min{name}": str(min(values))}
            rows.append(row)
        return self.rows(rows, None)


class _EmptyReport(ReportView):
    """Reports of what does not exist here (§4.5): their parameters are checked, their list is empty."""

    dates_required = False
    agent_parameter: ClassVar[str] = "agentid"
    # The parameters the operation documents, each checked as the real reports check it.
    accepted: ClassVar[frozenset[str]] = frozenset()

    def get(self, request: Request) -> Response:
        params = self.params()
        self.report_page()
        self.range()
        if "columns" in self.accepted:
            self.wanted()
        if "departmentid" in self.accepted:
            department_param(params, user=self.user)
        if self.agent_parameter in self.accepted:
            agent_param(params, name=self.agent_parameter)
        if "slalevelid" in self.accepted:
            sla_level_param(params)
        if "requesterid" in self.accepted:
            customer_param(params, name="requesterid")
        return self.answer({self.container: []})


class SlaComplianceView(_EmptyReport):
    columns, container, agent_parameter = cols.SLA_COMPLIANCE_COLUMNS, "slacompliances", "userid"
    accepted = frozenset({"departmentid", "userid", "slalevelid"})


class SlaLogView(_EmptyReport):
    columns, container, dates_required = cols.SLA_LOG_COLUMNS, "slalogs", True
    accepted = frozenset({"columns", "departmentid", "agentid", "requesterid", "slalevelid"})


class LiveAgentsAvailabilityView(_EmptyReport):
    columns, container = cols.AGENTS_AVAILABILITY_COLUMNS, "agentsavailability"
    accepted = frozenset({"columns", "departmentid", "agentid"})


class LiveAvailabilityView(_EmptyReport):
    columns, container = cols.AVAILABILITY_COLUMNS, "availability"
    accepted = frozenset({"departmentid", "agentid"})


class LiveLoadView(_EmptyReport):
    columns, container = cols.LOAD_COLUMNS, "loads"
    accepted = frozenset({"departmentid", "agentid"})


class RankingView(_EmptyReport):
    """#60: no ratings exist yet (§4.4, wave 3), so no ranks."""

    columns, container, dates_required = cols.RANK_COLUMNS, "ranks", True
    accepted = frozenset({"columns"})

    def get(self, request: Request) -> Response:
        params = self.params()
        agent_param(params, name="agentid", kind=Kind.AGENT_CONTACT)
        customer_param(params, name="contactid")
        types_param(params)
        return super().get(request)
