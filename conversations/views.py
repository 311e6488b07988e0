from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from conversations.models import Attachment

# Types a browser may show inline; anything else downloads, so uploaded HTML or SVG never runs on our origin.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"})


@require_safe
def attachment_download(request: HttpRequest, token: str, file_name: str) -> FileResponse:
    """An attachment's download link, as the APIs give it: the 128-bit random token in the path is the
    authorisation."""
    attachment = get_object_or_404(Attachment, token=token)
    if attachment.file_name != file_name:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=attachment.mime_type,
        as_attachment=attachment.mime_type not in INLINE_TYPES,
        filename=attachment.file_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
