from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from conversations.views import attachment_download

admin.site.site_header = "Helpdesk"
admin.site.site_title = "Helpdesk"
# Agents land on their mailboxes and folders; admins see the apps below them.
admin.site.index_template = "admin/helpdesk/index.html"
admin.site.index_title = "Dashboard"
# There is no public site to view.
admin.site.site_url = None


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("admin/", admin.site.urls),
    # Public documentation, before the API's routes: no key needed.
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="api-schema"),
    re_path(r"^api/docs/?$", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/redoc/?$", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/", include("helpdesk.api.urls")),
    path("attachments/<str:token>/<str:file_name>", attachment_download, name="attachment-download"),
    path("healthz", healthz),
]

handler404 = "helpdesk.api.errors.handler404"
handler500 = "helpdesk.api.errors.handler500"
