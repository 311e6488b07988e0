"""The response that serves a stored file to a browser or an API client."""

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponseBase, HttpResponseRedirect
from django.utils.http import content_disposition_header

from helpdesk.storage.backends import FollowsTransactions


def file_download_response(
    *, file: FieldFile, file_name: str, mime_type: str, inline: bool, cache_control: str
) -> HttpResponseBase:
    """From the local disk, the file itself, with headers that keep it from running on our origin. From an
    object store, a redirect to a signed URL that works for a few minutes (``querystring_expire``) and makes
    the store answer with the same type and disposition; so stored HTML and API payloads keep our own,
    permanent URL, and the bytes do not pass through this process. ``Http404`` when the file is missing."""
    storage = file.storage
    if isinstance(storage, FollowsTransactions) and storage.signed_urls:
        disposition = content_disposition_header(as_attachment=not inline, filename=file_name) or "attachment"
        url = storage.signed_url(file.name or "", content_type=mime_type, disposition=disposition)
        response: HttpResponseBase = HttpResponseRedirect(url)
        # The signed URL expires: a cached redirect would outlive it.
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=mime_type, as_attachment=not inline, filename=file_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = cache_control
    return response
