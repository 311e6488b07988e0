"""The Reports page of the admin (admins only): conversations created and resolved per day, the first response
time distribution, and per-agent and per-tag tables, over a date range and optionally one mailbox. Charts are
SVG drawn by the template (no script: the strict CSP allows none inline, and nothing comes from a CDN). The
numbers are ``reports.selectors``', as the LiveAgent API's reports (a test compares them)."""

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from conversations.models import Tag
from helpdesk.models import User
from mailboxes.models import Mailbox
from reports.models import Grain, HourlyFigure
from reports.selectors import Figures, average, bucket_bounds, figures_by, figures_series, new_answer_counts

# First response times, in seconds: the bars of the distribution.
RESPONSE_BANDS = ((3600, "< 1 h"), (4 * 3600, "1-4 h"), (24 * 3600, "4-24 h"), (None, "> 24 h"))
MAX_DAYS = 366
# The dates the page accepts: a range near ``date.min`` or ``date.max`` would overflow once widened to the
# zone's midnights (a 500), and no conversation is that old or that far ahead.
EARLIEST, LATEST = date(1970, 1, 1), date(9998, 12, 31)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.LIVEAGENT_TIME_ZONE)


def _day(raw: str | None, default: date) -> date:
    try:
        day = date.fromisoformat(raw) if raw else default
    except ValueError:
        return default
    return day if EARLIEST <= day <= LATEST else default


def report_page_context(*, first: date, last: date, mailbox: Mailbox | None) -> dict[str, Any]:
    zone = _zone()
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    mailbox_ids = [mailbox.pk] if mailbox else None
    days = bucket_bounds(start=start, end=end, group_by="day", zone=zone, first=0, count=MAX_DAYS)
    series = figures_series(buckets=days, mailbox_ids=mailbox_ids)
    peak = max([1, *(max(f["created"], f["resolved"]) for f in series)])
    width = max(2, 640 // max(1, len(days)))
    bars = [
        {
            "label": s.astimezone(zone).strftime("%Y-%m-%d"),
            "x": index * width,
            "resolved_x": index * width + width // 2,
            "created": f["created"],
            "resolved": f["resolved"],
            "created_height": round(160 * f["created"] / peak),
            "resolved_height": round(160 * f["resolved"] / peak),
        }
        for index, ((s, _), f) in enumerate(zip(days, series, strict=True))
    ]
    limits = [limit for limit, _ in RESPONSE_BANDS]
    counts = new_answer_counts(start=start, end=end, limits=limits, mailbox_ids=mailbox_ids)
    most = max([1, *counts])
    distribution = [
        {"label": label, "count": count, "y": index * 36, "width": round(400 * count / most)}
        for index, ((_, label), count) in enumerate(zip(RESPONSE_BANDS, counts, strict=True))
    ]
    by_agent = figures_by(grain=Grain.AGENT, start=start, end=end, mailbox_ids=mailbox_ids)
    agents = User.objects.filter(pk__in=[k for k in by_agent if k]).order_by("first_name", "last_name", "pk")
    by_tag = figures_by(grain=Grain.TAG, start=start, end=end, mailbox_ids=mailbox_ids)
    tags = Tag.objects.filter(pk__in=list(by_tag)).order_by("name", "pk")
    return {
        "first": first,
        "last": last,
        "mailbox": mailbox,
        "mailboxes": Mailbox.objects.order_by("name", "pk"),
        "bars": bars,
        "bar_width": max(1, width // 2 - 1),
        "chart_width": max(640, len(bars) * width),
        "distribution": distribution,
        "agents": [_row(agent.get_full_name() or agent.email, by_agent[agent.pk]) for agent in agents],
        "tags": [_row(tag.name, by_tag[tag.pk]) for tag in tags],
        "totals": _row("All", sum(series, Figures())),
    }


def _row(name: str, figures: Figures) -> dict[str, Any]:
    return {
        "name": name,
        "answers": figures["answers"],
        "new_answer": average(figures, "new_answers", "new_answer_seconds"),
        "next_answer": average(figures, "next_answers", "next_answer_seconds"),
        "created": figures["created"],
        "resolved": figures["resolved"],
        "notes": figures["notes"],
        "incoming": figures["incoming"],
    }


@admin.register(HourlyFigure)
class ReportsAdmin(admin.ModelAdmin):
    """Not a list of rows: the model's changelist is the Reports page."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(getattr(request.user, "is_admin", False))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.now().astimezone(_zone()).date()
        last = _day(request.GET.get("date_to"), today)
        first = _day(request.GET.get("date_from"), last - timedelta(days=29))
        if first > last:
            first, last = last, first
        first = max(first, last - timedelta(days=MAX_DAYS - 1), EARLIEST)
        mailbox = None
        # ``isdigit`` alone would let "²" through to ``int``, which refuses it.
        if (raw := request.GET.get("mailbox", "")).isascii() and raw.isdigit():
            mailbox = Mailbox.objects.filter(pk=int(raw)).first()
        context = {
            **self.admin_site.each_context(request),
            "title": "Reports",
            "opts": self.model._meta,
            **report_page_context(first=first, last=last, mailbox=mailbox),
        }
        return TemplateResponse(request, "admin/reports/page.html", context)
