from typing import Any

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import pre_migrate


def _migrations_without_statement_timeout(sender: AppConfig, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """``migrate`` is not bound by ``DATABASE_STATEMENT_TIMEOUT_MS``, a limit for requests: on a large
    database a migration that fills a column or builds an index runs for minutes, and a timeout would roll it
    back every time. For the rest of the migrating connection's session."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")


class HelpdeskConfig(AppConfig):
    # The app's own; the admin's below is named in INSTALLED_APPS by its path.
    default = True
    name = "helpdesk"
    verbose_name = "Helpdesk"

    def ready(self) -> None:
        pre_migrate.connect(_migrations_without_statement_timeout, dispatch_uid="helpdesk.migrations_timeout")


class HelpdeskAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with ``helpdesk.admin_site.HelpdeskAdminSite`` as ``admin.site``."""

    default = False
    default_site = "helpdesk.admin_site.HelpdeskAdminSite"
