"""The FreeScout API's user endpoints, and the extensions that let a script set up agents and their API keys.

Any key may read users (clients list them to pick an assignee); every write and anything about API keys
needs an admin's key."""

import re
import zoneinfo

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from freescout.conversations.inputs import acting_user
from freescout.payloads import date_out, user_payload
from freescout.plumbing.errors import service_errors_at
from freescout.plumbing.fields import EmailListField, EnumField
from freescout.plumbing.params import ID_PATTERN, param_error, positive_id
from freescout.plumbing.permissions import IsAdmin
from freescout.plumbing.views import ApiViewSet
from helpdesk import services
from helpdesk.models import ApiKey, User
from mailboxes.models import Mailbox

# Request names of the user fields, as the services name them.
USER_FIELDS = {
    "firstName": "first_name",
    "lastName": "last_name",
    "email": "email",
    "alternateEmails": "alternate_emails",
    "jobTitle": "job_title",
    "phone": "phone",
    "timezone": "timezone",
    "language": "language",
    "role": "role",
    "status": "status",
    "password": "password",
}
SERVICE_PATHS = {service: path for path, service in USER_FIELDS.items()}


def _timezone_validate(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise serializers.ValidationError(f"Unknown time zone: {value!r}.", code="invalid")


class UserProfileInput(serializers.Serializer):
    """Lengths are the columns' (the docs give none for users)."""

    firstName = serializers.CharField(max_length=40)
    lastName = serializers.CharField(max_length=40, allow_blank=True)
    email = serializers.EmailField(max_length=191)
    alternateEmails = EmailListField(required=False)
    jobTitle = serializers.CharField(required=False, allow_blank=True, max_length=100)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=60)
    timezone = serializers.CharField(required=False, max_length=60, validators=[_timezone_validate])
    language = serializers.CharField(required=False, max_length=12)

    def validate_alternateEmails(self, value: list[str]) -> str:
        return ",".join(value)

    def as_kwargs(self) -> dict:
        return {USER_FIELDS[name]: value for name, value in self.validated_data.items()}


class UserCreateInput(UserProfileInput):
    """Documented: no role (always a regular user). ``photoUrl`` is ignored like any unknown field."""

    password = serializers.CharField(required=False, min_length=8, max_length=128, trim_whitespace=False)


class UserUpdateInput(UserProfileInput):
    """An extension; every field optional. Deleting is DELETE's job, so ``status`` cannot be "deleted"."""

    role = EnumField(User.Role.values, required=False)
    status = EnumField([User.Status.ACTIVE, User.Status.DISABLED], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in ("firstName", "lastName", "email"):
            self.fields[field].required = False


class ApiKeyCreateInput(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")


def api_key_payload(api_key: ApiKey) -> dict:
    return {
        "id": api_key.pk,
        "name": api_key.name,
        "prefix": api_key.prefix,
        "createdAt": date_out(api_key.created_at),
        "lastUsedAt": date_out(api_key.last_used_at),
        "revokedAt": date_out(api_key.revoked_at),
    }


_ASSIGN_TO = re.compile(r"^assignTo\[([^\]]*)\]$")


def _assign_to_params(request: Request) -> list[tuple[str, str, str]]:
    """``(path, mailbox id, user id)`` for each ``assignTo[MAILBOX_ID]=USER_ID``. The docs' own example sends
    the pair as the value of a plain ``assignTo`` (``assignTo=assignTo[2]=7``); that is read too."""
    pairs = [(key, value) for key, values in request.query_params.lists() for value in values]
    for value in request.query_params.getlist("assignTo"):
        parts = (part.partition("=") for part in value.split("&"))
        pairs += [(key, item) for key, equals, item in parts if equals]
    found = []
    for key, value in pairs:
        if match := _ASSIGN_TO.match(key):
            found.append((key, match.group(1), value))
    return found


def _reassign_param(request: Request, deleted: User) -> dict[int, User | None]:
    """``{mailbox id: new assignee or None}``; an empty or 0 user id means unassign."""
    reassign: dict[int, User | None] = {}
    for path, raw_mailbox, raw_user in _assign_to_params(request):
        raw_mailbox, raw_user = raw_mailbox.strip(), raw_user.strip()
        if not raw_mailbox.isascii() or not raw_mailbox.isdigit() or int(raw_mailbox) < 1:
            raise param_error(path, "Expected assignTo[MAILBOX_ID] with a mailbox id.")
        mailbox = Mailbox.objects.filter(pk=int(raw_mailbox)).first()
        if mailbox is None:
            raise param_error(path, f"No mailbox with id {raw_mailbox}.")
        if raw_user in ("", "0"):
            reassign[mailbox.pk] = None
            continue
        if not raw_user.isascii() or not raw_user.isdigit():
            raise param_error(path, "Expected a user id.")
        assignee = User.objects.filter(pk=int(raw_user), status=User.Status.ACTIVE).exclude(pk=deleted.pk).first()
        if assignee is None:
            raise param_error(path, f"No active user with id {raw_user} other than the deleted one.")
        # Access to the mailbox is checked by user_delete, with the other rules of the deletion.
        reassign[mailbox.pk] = assignee
    return reassign


class UserViewSet(ApiViewSet):
    hal_name = "users"

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return super().get_permissions()
        return [*super().get_permissions(), IsAdmin()]

    def get_queryset(self) -> QuerySet[User]:
        # Deleted users still answer GET /api/users/{id}, so history can name its author.
        return User.objects.all()

    def get_user(self) -> User:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def list(self, request: Request) -> Response:
        users = self.get_queryset().exclude(status=User.Status.DELETED)
        if email := request.query_params.get("email", "").strip():
            users = users.filter(email__iexact=email)
        return self.paginated(users.order_by("id"), user_payload)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(user_payload(self.get_user()))

    def create(self, request: Request) -> Response:
        given = UserCreateInput(data=request.data)
        given.is_valid(raise_exception=True)
        with service_errors_at(SERVICE_PATHS):
            user = services.user_create(**given.as_kwargs())
        return self.created(user_payload(user))

    def update(self, request: Request, pk: str) -> Response:
        user = self.get_user()
        given = UserUpdateInput(data=request.data)
        given.is_valid(raise_exception=True)
        with service_errors_at(SERVICE_PATHS):
            services.user_update(user=user, **given.as_kwargs())
        return self.no_content()

    def destroy(self, request: Request, pk: str) -> Response:
        user = self.get_user()
        raw = request.query_params.get("byUserId", "").strip()
        if raw == "":
            raise ValidationError({"byUserId": ["This field is required."]}, code="required")
        try:
            by_user = acting_user(request, positive_id("byUserId", raw))
        except ValidationError as error:
            detail = error.detail.get("byUserId", error.detail) if isinstance(error.detail, dict) else error.detail
            raise ValidationError({"byUserId": detail}) from None
        reassign = _reassign_param(request, user)
        with service_errors_at({"reassign": "assignTo"}):
            services.user_delete(user=user, by_user=by_user, reassign=reassign)
        return self.no_content()

    @action(detail=True, methods=["get", "post"], url_path="api_keys")
    def api_keys(self, request: Request, pk: str) -> Response:
        user = self.get_user()
        if request.method == "GET":
            self.hal_name = "api_keys"
            return self.paginated(user.api_keys.order_by("id"), api_key_payload)
        given = ApiKeyCreateInput(data=request.data)
        given.is_valid(raise_exception=True)
        # The user is the URL's, not a field of the body: a refusal names no field.
        with service_errors_at({"user": ""}):
            api_key, raw_key = services.api_key_create(user=user, name=given.validated_data["name"])
        return self.created({**api_key_payload(api_key), "key": raw_key})

    @action(detail=True, methods=["delete"], url_path=rf"api_keys/(?P<key_id>{ID_PATTERN})")
    def api_key(self, request: Request, pk: str, key_id: str) -> Response:
        user = self.get_user()
        services.api_key_revoke(api_key=get_object_or_404(user.api_keys, pk=key_id))
        return self.no_content()
