"""Files are our attachments (reference §4.2): #30 ``GET /files/{fileid}``, #31 ``POST /files``, and the
download their ``downloadUrl`` points to (``/liveagent/scripts/file.php``, LiveAgent's own script name).

``fileid`` is the attachment's random token (32 hex digits: a download URL must not be guessable). A regular
key sees the files of its mailboxes' conversations and those it uploaded that no message took yet
(``attachment_visible_to``); any other file is unknown (404). A file uploaded here and never attached is
purged after ``HELPDESK_UNATTACHED_FILE_DAYS`` (the seed's two weeks)."""

from urllib.parse import urlencode

from django.http import FileResponse, HttpResponseBase
from django.urls import re_path, reverse
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.models import Attachment
from conversations.selectors import attachment_visible_to
from conversations.services import AttachmentSource, attachment_base64_decode, attachment_download_count
from conversations.services.intake import attachment_upload
from conversations.views import INLINE_TYPES
from helpdesk.errors import fields_under
from helpdesk.links import absolute_url
from helpdesk.models import User
from liveagent.plumbing.dates import datetime_out
from liveagent.plumbing.errors import InvalidParameter, service_errors_at
from liveagent.plumbing.routes import endpoint
from liveagent.plumbing.views import LiveAgentView, NonAtomicLiveAgentView

# The upload's refusals (``attachment_upload``'s fields) under #31's parameter names.
UPLOAD_PARAMETERS = {"content": "data", "mime_type": "type", "file_name": "name", "url": "downloadUrl"}


def file_visible(*, user: User, fileid: str) -> Attachment:
    attachment = attachment_visible_to(user=user, token=fileid) if fileid.strip() else None
    if attachment is None:
        raise NotFound(f"File {fileid} not found.")
    return attachment


def file_download_url(token: str) -> str:
    """``//<host>/liveagent/scripts/file.php?view=Y&file=<fileid>``: protocol-relative as LiveAgent writes it,
    on this installation's public base (``HELPDESK_BASE_URL``), where this module serves it. The key is not
    in it: the client adds its ``apikey`` (LiveAgent ≥ 4.47)."""
    url = absolute_url(reverse("liveagent-file-download"))
    return f"//{url.split('://', 1)[1]}?{urlencode({'view': 'Y', 'file': token})}"


def file_payload(attachment: Attachment) -> dict[str, str | None]:
    return {
        "fileid": attachment.token,
        "created": datetime_out(attachment.created_at),
        "filename": attachment.file_name,
        "filesize": str(attachment.size),
        "filetype": attachment.mime_type,
        "downloads": str(attachment.downloads),
        "downloadUrl": file_download_url(attachment.token),
    }


class FileView(LiveAgentView):
    def get(self, request: Request, fileid: str) -> Response:
        return self.answer(file_payload(file_visible(user=self.user, fileid=fileid)))


class FilesView(NonAtomicLiveAgentView):
    """#31: ``data`` (base64, with ``name`` and ``type``), else ``downloadUrl``, fetched through the guard
    against server-side request forgery before any transaction opens (hence not atomic)."""

    def post(self, request: Request) -> Response:
        params = self.params()
        # PHP's chunk_split(base64_encode(…)) breaks the data into lines.
        data = "".join(params.get("data", "").split())
        name, mime_type = params.get("name", "").strip(), params.get("type", "").strip()
        if data:
            for parameter, value in (("name", name), ("type", mime_type)):
                if not value:
                    raise InvalidParameter(parameter, f"{parameter}: required with data.")
            with service_errors_at(UPLOAD_PARAMETERS), fields_under("content"):
                source = AttachmentSource(
                    file_name=name, content=attachment_base64_decode(data=data), mime_type=mime_type
                )
        else:
            url = params.get("downloadUrl", "").strip()
            if not url:
                raise InvalidParameter("data", "data: give the file's data (base64) or its downloadUrl.")
            source = AttachmentSource(file_name=name, url=url, mime_type=mime_type)
        with service_errors_at(UPLOAD_PARAMETERS):
            attachment = attachment_upload(source=source, uploaded_by=self.user)
        return self.answer(file_payload(attachment))


class FileDownloadView(LiveAgentView):
    """``file.php?file=<fileid>`` with the key (``apikey`` as a GET or POST parameter, or a header), as
    LiveAgent ≥ 4.47 serves ``downloadUrl``; each download counted (``attachment_download_count``). With
    ``view=Y`` a type a browser shows safely (``INLINE_TYPES``) opens inline; anything else downloads, so an
    uploaded page never runs on our origin. Errors are LiveAgent's envelope (``/liveagent/scripts/`` is the
    dialect's prefix too)."""

    def get(self, request: Request) -> HttpResponseBase:
        return self._download(count=True)

    def post(self, request: Request) -> HttpResponseBase:
        return self._download(count=True)

    def head(self, request: Request) -> HttpResponseBase:
        return self._download(count=False)

    def _download(self, *, count: bool) -> HttpResponseBase:
        params = self.params()
        fileid = params.get("file", "").strip()
        if not fileid:
            raise InvalidParameter("file", "file: the file id is required.")
        attachment = file_visible(user=self.user, fileid=fileid)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise NotFound(f"File {fileid} not found.") from None
        if count:
            attachment_download_count(attachment=attachment)
        response = FileResponse(
            handle,
            content_type=attachment.mime_type,
            as_attachment=not (params.get("view") == "Y" and attachment.mime_type in INLINE_TYPES),
            filename=attachment.file_name,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response


urlpatterns = [
    endpoint(r"files", FilesView.as_view(), name="liveagent-files"),
    endpoint(r"files/(?P<fileid>[^/]+?)", FileView.as_view(), name="liveagent-file"),
]

# Mounted at /liveagent/scripts/ by helpdesk/urls.py (liveagent.scripts), outside the v1 prefix as
# LiveAgent's own /scripts/ is outside /api/.
script_urlpatterns = [
    re_path(r"^file\.php$", FileDownloadView.as_view(), name="liveagent-file-download"),
]
