"""#71 ``GET /chats/overview`` and #72 ``GET /calls/overview``: this helpdesk has no live chat or phone
channel, so every counter is 0 by construction (reference §4.5), as JSON ints (§1). ``department``, when
given, must name a department the key can see."""

from rest_framework.request import Request
from rest_framework.response import Response

from liveagent.departments import department_visible
from liveagent.plumbing.views import LiveAgentView


class _OverviewView(LiveAgentView):
    name = ""
    counters: tuple[str, ...] = ()

    def get(self, request: Request) -> Response:
        if department := self.params().get("department"):
            department_visible(user=self.user, departmentid=department)
        return self.answer({self.name: [dict.fromkeys(self.counters, 0)]})


class ChatsOverviewView(_OverviewView):
    name = "chatsOverview"
    counters = ("visitors", "chats", "ringing", "queue", "agents")


class CallsOverviewView(_OverviewView):
    name = "callsOverview"
    counters = ("running", "ringing", "inqueue")
