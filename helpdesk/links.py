from django.conf import settings
from django.db.models.fields.files import FieldFile


def absolute_url(path: str) -> str:
    """A URL on this installation's public base (``HELPDESK_BASE_URL``), never built from the request."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.HELPDESK_BASE_URL}/{path.lstrip('/')}"


def file_url(file: FieldFile | None) -> str:
    return absolute_url(file.url) if file else ""
