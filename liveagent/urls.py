"""The LiveAgent API v1, mounted at ``/liveagent/api/`` (reference §1: its paths collide with FreeScout's
under ``/api/``). Each area lists its routes in its own module (``urlpatterns``); unknown paths get the
dialect's 404 from ``helpdesk.dialects.handler404``."""

from liveagent import agents, files, knowledgebase, presence, tags, widgets
from liveagent.application import ApplicationStatusView
from liveagent.conversations import labels as conversation_labels
from liveagent.conversations import messages as conversation_messages
from liveagent.conversations import urls as conversations
from liveagent.customers import urls as customers
from liveagent.departments import DepartmentListView, DepartmentView
from liveagent.overview import CallsOverviewView, ChatsOverviewView
from liveagent.plumbing.routes import endpoint
from liveagent.reports import urls as reports

# A path value ends lazily ("[^/]+?") so that it leaves a format suffix to the route.
urlpatterns = [
    endpoint(r"application/status", ApplicationStatusView.as_view(), name="liveagent-application-status"),
    endpoint(r"departments", DepartmentListView.as_view(), name="liveagent-departments"),
    endpoint(r"departments/(?P<departmentid>[^/]+?)", DepartmentView.as_view(), name="liveagent-department"),
    endpoint(r"chats/overview", ChatsOverviewView.as_view(), name="liveagent-chats-overview"),
    endpoint(r"calls/overview", CallsOverviewView.as_view(), name="liveagent-calls-overview"),
    *agents.urlpatterns,
    *files.urlpatterns,
    *tags.urlpatterns,
    *conversations.urlpatterns,
    *conversation_messages.urlpatterns,
    *conversation_labels.urlpatterns,
    *customers.urlpatterns,
    *knowledgebase.urlpatterns,
    *widgets.urlpatterns,
    *presence.urlpatterns,
    *reports.urlpatterns,
]
