from django.apps import AppConfig
from django.core import checks


class LiveAgentConfig(AppConfig):
    name = "liveagent"
    verbose_name = "LiveAgent API v1"

    def ready(self) -> None:
        from liveagent.plumbing.dates import check_time_zone

        checks.register(check_time_zone)
