"""Mounted at ``/liveagent/`` beside the v1 prefix (``/liveagent/api/``), which must come first in
helpdesk/urls.py so that these never shadow a v1 path."""

from django.urls import re_path

from liveagent.schema.views import LiveAgentDocsView, LiveAgentSchemaView

urlpatterns = [
    re_path(r"^schema/?$", LiveAgentSchemaView.as_view(), name="liveagent-schema"),
    re_path(r"^docs/?$", LiveAgentDocsView.as_view(), name="liveagent-docs"),
]
