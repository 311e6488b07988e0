from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class HelpdeskConfig(AppConfig):
    # The app's own; the admin's below is named in INSTALLED_APPS by its path.
    default = True
    name = "helpdesk"
    verbose_name = "Helpdesk"


class HelpdeskAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with ``helpdesk.admin_site.HelpdeskAdminSite`` as ``admin.site``."""

    default = False
    default_site = "helpdesk.admin_site.HelpdeskAdminSite"
