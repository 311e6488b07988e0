"""The FreeScout API's user endpoints (read only for now). Any key may read users: clients list them to
pick an assignee."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.api.views import ApiViewSet
from helpdesk.models import User
from helpdesk.payloads import user_payload


class UserViewSet(ApiViewSet):
    hal_name = "users"
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[User]:
        # Deleted users still answer GET /api/users/{id}, so history can name its author.
        return User.objects.all()

    def list(self, request: Request) -> Response:
        users = self.get_queryset().exclude(status=User.Status.DELETED)
        if email := request.query_params.get("email", "").strip():
            users = users.filter(email__iexact=email)
        return self.paginated(users.order_by("id"), user_payload)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(user_payload(get_object_or_404(self.get_queryset(), pk=pk)))
