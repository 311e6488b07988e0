"""Online status of agents and departments: #39 ``GET /onlinestatus/agents``, #40 ``GET /onlinestatus/departments``
(issue 17)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
