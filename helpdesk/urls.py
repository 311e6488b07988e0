from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from conversations.views import attachment_download

admin.site.site_header = "Helpdesk"
admin.site.site_title = "Helpdesk"


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("helpdesk.api.urls")),
    path("attachments/<str:token>/<str:file_name>", attachment_download, name="attachment-download"),
    path("healthz", healthz),
]

handler404 = "helpdesk.api.errors.handler404"
handler500 = "helpdesk.api.errors.handler500"
