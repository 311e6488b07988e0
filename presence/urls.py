"""Mounted under ``admin/presence/`` (helpdesk/urls.py), before the admin's catch-all."""

from django.urls import path

from presence.views import heartbeat_view, preset_view

urlpatterns = [
    path("status", preset_view, name="presence-preset"),
    path("heartbeat", heartbeat_view, name="presence-heartbeat"),
]
