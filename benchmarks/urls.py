"""The project's URLs plus the floor of the comparison: Django views answering static JSON.

They run through the same middleware as the API, in the same gunicorn workers, but touch no database
(``non_atomic_requests``, because ``ATOMIC_REQUESTS`` would otherwise open a transaction, and with
``CONN_HEALTH_CHECKS`` a ``SELECT 1``, for every request).
"""

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path

from helpdesk.urls import handler404, handler500  # noqa: F401
from helpdesk.urls import urlpatterns as project_urlpatterns

PAGE_SIZE = 50


def _date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _person(pk: int, kind: str) -> dict:
    return {
        "id": pk,
        "type": kind,
        "firstName": "Margaret",
        "lastName": "Hamilton",
        "photoUrl": "",
        "email": f"margaret.hamilton{pk}@example.com",
    }


def _conversation(index: int) -> dict:
    """Shaped like ``freescout.conversations.payloads.conversation_payload`` without threads, with values of the
    same length as the loaded data, so the bare page costs as much JSON encoding as a real one."""
    created = datetime(2025, 3, 1, 9, 30, tzinfo=UTC) + timedelta(hours=index * 7)
    return {
        "id": 100_000 - index,
        "number": 100_000 - index,
        "threadsCount": 4,
        "type": "email",
        "folderId": 3,
        "status": "active",
        "state": "published",
        "subject": "Invoice 4411 shows the wrong VAT rate after the plan change",
        "preview": (
            "Thanks for your patience. I have looked into this and the export job failed because the file was "
            "larger than the limit on your current plan. I have raised the limit for your account and re-run "
            "the export, you should receive the link by email within the next hour."
        ),
        "mailboxId": 1,
        "assignee": _person(7, "user"),
        "createdBy": _person(20_000 + index, "customer"),
        "createdAt": _date(created),
        "updatedAt": _date(created + timedelta(days=2)),
        "closedBy": None,
        "closedByUser": None,
        "closedAt": None,
        "userUpdatedAt": _date(created + timedelta(days=2)),
        "customerWaitingSince": {
            "time": _date(created + timedelta(days=2)),
            "friendly": "Mar 3",
            "latestReplyFrom": "user",
        },
        "source": {"type": "email", "via": "customer"},
        "cc": [],
        "bcc": [],
        "customer": _person(20_000 + index, "customer"),
        "customFields": [],
        "_embedded": {},
    }


STATIC_PAGE = {
    "_embedded": {"conversations": [_conversation(index) for index in range(PAGE_SIZE)]},
    "page": {"size": PAGE_SIZE, "totalElements": 20_000, "totalPages": 400, "number": 1},
}
STATIC_SMALL = {"status": "ok"}


@transaction.non_atomic_requests
def bare_page(request: HttpRequest) -> JsonResponse:
    """A static page of 50 conversations (the floor, 1.00, of the comparison)."""
    return JsonResponse(STATIC_PAGE)


@transaction.non_atomic_requests
def bare_small(request: HttpRequest) -> JsonResponse:
    """A tiny static document: Django's request/response cost without JSON encoding."""
    return JsonResponse(STATIC_SMALL)


urlpatterns = [
    path("bench/bare", bare_page),
    path("bench/bare-small", bare_small),
    *project_urlpatterns,
]
