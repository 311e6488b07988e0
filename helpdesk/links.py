from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile


def absolute_url(path: str) -> str:
    """A URL on this installation's public base (``HELPDESK_BASE_URL``), never built from the request."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.HELPDESK_BASE_URL}/{path.lstrip('/')}"


def file_url(file: FieldFile | None) -> str:
    return absolute_url(file.url) if file else ""


def stored_file_url(name: str | None) -> str:
    """The public URL of a file in the default storage, from its stored name ("" when there is none)."""
    return absolute_url(default_storage.url(name)) if name else ""
