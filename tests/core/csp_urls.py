"""The project's URLs and two views that fail, for tests/core/test_csp_pages.py: Django's 500 page and the
admin's, under the Content-Security-Policy like every other page."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from helpdesk.urls import urlpatterns as project_urlpatterns


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("A view that fails, on purpose.")


urlpatterns = [path("boom", fail), path("admin/boom", fail), *project_urlpatterns]

handler400 = "helpdesk.dialects.handler400"
handler403 = "helpdesk.dialects.handler403"
handler404 = "helpdesk.dialects.handler404"
handler500 = "helpdesk.dialects.handler500"
