"""#2 ``GET /application/status``: the versions we claim and when this installation was set up and updated."""

import functools
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version

from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Max, Min
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from liveagent.plumbing.dates import datetime_out
from liveagent.plumbing.views import LiveAgentView


@functools.cache
def gpf_version() -> str:
    """Our own version, where LiveAgent gives its framework's."""
    try:
        return version("helpdesk")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def migration_dates() -> tuple[datetime | None, datetime | None]:
    """When the first and the latest migration were applied: installation and latest update."""
    dates = MigrationRecorder(connection).migration_qs.aggregate(first=Min("applied"), latest=Max("applied"))
    return dates["first"], dates["latest"]


class ApplicationStatusView(LiveAgentView):
    def get(self, request: Request) -> Response:
        installed, updated = migration_dates()
        return self.answer(
            {
                # settings.LIVEAGENT_VERSION, 4.47.0.0 by default (reference §4.5): at least 4.47, from
                # which the seed says file downloads take the apikey (as ours do), and below 5.25, from which
                # clients fetch ticket attachments through the v3 API, which we do not serve. It also covers
                # every operation's "available from" (at most 4.26.0.1) and message attachments (4.29).
                "liveagentversion": settings.LIVEAGENT_VERSION,
                "gpfversion": gpf_version(),
                "dateinstalled": datetime_out(installed),
                "datelatestupdate": datetime_out(updated),
                "current_server_time": datetime_out(timezone.now()),
            }
        )
