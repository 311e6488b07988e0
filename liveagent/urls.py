"""The LiveAgent API v1, mounted at ``/liveagent/api/`` (reference §1: its paths collide with FreeScout's
under ``/api/``). Unknown paths get the dialect's 404 from ``helpdesk.dialects.handler404``."""

from liveagent.application import ApplicationStatusView
from liveagent.plumbing.routes import endpoint

urlpatterns = [
    endpoint(r"application/status", ApplicationStatusView.as_view(), name="liveagent-application-status"),
]
