from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from conversations.image_proxy import image_proxy
from conversations.views import attachment_download
from helpdesk.notification_views import notification_list, notification_open, notifications_read_all

admin.site.site_header = "Helpdesk"
admin.site.site_title = "Helpdesk"
# Agents land on their mailboxes and folders; admins see the apps below them.
admin.site.index_template = "admin/helpdesk/index.html"
admin.site.index_title = "Dashboard"
# "View site": the public help center.
admin.site.site_url = "/help/"


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    # Before the admin's catch-all: remote images in messages, fetched for signed-in staff (signed URLs only).
    path("admin/image-proxy", image_proxy, name="image-proxy"),
    path("admin/notifications/", notification_list, name="notification-list"),
    path("admin/notifications/<int:pk>/open", notification_open, name="notification-open"),
    path("admin/notifications/read", notifications_read_all, name="notifications-read-all"),
    path("admin/presence/", include("presence.urls")),
    path("admin/", admin.site.urls),
    # One mount per API dialect (settings.HELPDESK_API_DIALECTS gives their prefixes to helpdesk.dialects).
    path("api/", include("freescout.urls")),
    path("liveagent/api/", include("liveagent.urls")),
    path("liveagent/scripts/", include("liveagent.scripts")),
    path("liveagent/", include("liveagent.schema.urls")),
    path("widgets/", include("widgets.urls")),
    path("help/", include("helpcenter.urls")),
    path("attachments/<str:token>/<str:file_name>", attachment_download, name="attachment-download"),
    path("healthz", healthz),
]

handler400 = "helpdesk.dialects.handler400"
handler403 = "helpdesk.dialects.handler403"
handler404 = "helpdesk.dialects.handler404"
handler500 = "helpdesk.dialects.handler500"
