"""Routes of LiveAgent #41-#60 (``liveagent.reports.views``), joined in ``liveagent/urls.py``."""

from django.urls import URLPattern

from liveagent.plumbing.routes import endpoint
from liveagent.reports import views

urlpatterns: list[URLPattern] = [
    endpoint(r"reports/agents", views.AgentsReportView.as_view(), name="liveagent-reports-agents"),
    endpoint(r"reports/channels", views.ChannelsReportView.as_view(), name="liveagent-reports-channels"),
    endpoint(r"reports/departments", views.DepartmentsReportView.as_view(), name="liveagent-reports-departments"),
    endpoint(r"reports/performance", views.PerformanceReportView.as_view(), name="liveagent-reports-performance"),
    endpoint(r"reports/tags", views.TagsReportView.as_view(), name="liveagent-reports-tags"),
    endpoint(r"reports/ranking", views.RankingView.as_view(), name="liveagent-reports-ranking"),
    endpoint(
        r"reports/tickets/agentsavailability",
        views.TicketsAgentsAvailabilityView.as_view(),
        name="liveagent-reports-tickets-agentsavailability",
    ),
    endpoint(r"reports/tickets/load", views.TicketsLoadView.as_view(), name="liveagent-reports-tickets-load"),
]
for _channel in ("tickets", "chats", "calls"):
    urlpatterns += [
        endpoint(
            rf"reports/{_channel}/slacompliance",
            views.SlaComplianceView.as_view(),
            name=f"liveagent-reports-{_channel}-slacompliance",
        ),
        endpoint(
            rf"reports/{_channel}/slalog", views.SlaLogView.as_view(), name=f"liveagent-reports-{_channel}-slalog"
        ),
    ]
for _channel in ("chats", "calls"):
    urlpatterns += [
        endpoint(
            rf"reports/{_channel}/agentsavailability",
            views.LiveAgentsAvailabilityView.as_view(),
            name=f"liveagent-reports-{_channel}-agentsavailability",
        ),
        endpoint(
            rf"reports/{_channel}/availability",
            views.LiveAvailabilityView.as_view(),
            name=f"liveagent-reports-{_channel}-availability",
        ),
        endpoint(rf"reports/{_channel}/load", views.LiveLoadView.as_view(), name=f"liveagent-reports-{_channel}-load"),
    ]
