"""Entity JSON as the FreeScout API shows it. One function per entity, used by the API's GETs and by
webhook bodies, so the two cannot drift. Inputs come from selectors with their related rows loaded."""

import datetime

from helpdesk.links import file_url, stored_file_url
from helpdesk.models import User

DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def date_out(moment: datetime.datetime | None) -> str | None:
    """``YYYY-MM-DDThh:mm:ssZ`` in UTC; ``None`` stays ``None`` (never "")."""
    return None if moment is None else moment.astimezone(datetime.UTC).strftime(DATE_FORMAT)


def user_short_payloads(user_ids: set[int]) -> dict[int, dict]:
    """``{id: UserShort}`` for these users, in one query."""
    if not user_ids:
        return {}
    rows = User.objects.filter(pk__in=user_ids).values_list("id", "first_name", "last_name", "photo", "email")
    return {
        pk: {
            "id": pk,
            "type": "user",
            "firstName": first,
            "lastName": last,
            "photoUrl": stored_file_url(photo),
            "email": email,
        }
        for pk, first, last, photo, email in rows
    }


def user_payload(user: User) -> dict:
    return {
        "id": user.pk,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "email": user.email,
        "role": user.role,
        "alternateEmails": user.alternate_emails or None,
        "jobTitle": user.job_title,
        "phone": user.phone,
        "timezone": user.timezone,
        "photoUrl": file_url(user.photo),
        "language": user.language,
        "createdAt": date_out(user.created_at),
        "updatedAt": date_out(user.updated_at),
    }
