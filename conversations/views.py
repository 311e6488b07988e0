from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from conversations.models import Attachment
from helpdesk.storage.downloads import file_download_response

# Types a browser may show inline; anything else downloads, so uploaded HTML or SVG never runs on our origin.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"})


@require_safe
def attachment_download(request: HttpRequest, token: str, file_name: str) -> HttpResponseBase:
    """An attachment's download link, as the APIs and the agents' pages give it: the 128-bit random token in
    the path is the authorisation. The link is permanent; with an object store it redirects to a signed URL
    that works for a few minutes (``helpdesk.storage.downloads``)."""
    attachment = get_object_or_404(Attachment, token=token)
    if attachment.file_name != file_name:
        raise Http404
    return file_download_response(
        file=attachment.file,
        file_name=attachment.file_name,
        mime_type=attachment.mime_type,
        inline=attachment.mime_type in INLINE_TYPES,
        cache_control="private, max-age=3600",
    )
