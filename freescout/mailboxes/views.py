"""The FreeScout API's mailbox endpoints: mailboxes, their custom fields and folders, scoped to the
mailboxes the key's user can access; and the admin-only extensions that set an installation up by script
(create, change and delete mailboxes and their custom fields, grant and revoke access)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from freescout.mailboxes.inputs import CUSTOM_FIELD_ERROR_PATHS, MAILBOX_ERROR_PATHS, CustomFieldInput, MailboxInput
from freescout.mailboxes.payloads import folder_payload, mailbox_payload
from freescout.payloads import field_definition_payload
from freescout.plumbing.authentication import api_user
from freescout.plumbing.errors import service_errors_at
from freescout.plumbing.params import ID_PATTERN, id_param
from freescout.plumbing.permissions import IsAdmin
from freescout.plumbing.views import ApiViewSet
from helpdesk.models import User
from mailboxes import services
from mailboxes.models import CustomField, Folder, Mailbox
from mailboxes.selectors import folder_counts, folders_visible_to, mailboxes_accessible_by


def _user_param(request: Request, name: str) -> User | None:
    user_id = id_param(request, name)
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise serializers.ValidationError({name: [f"No user with id {user_id}."]}, code="invalid")
    return user


class MailboxViewSet(ApiViewSet):
    hal_name = "mailboxes"

    def get_permissions(self):
        # Any key reads (its own mailboxes); only an admin's key writes, whichever the method.
        if getattr(self.request, "method", None) in ("GET", "HEAD", "OPTIONS"):
            return super().get_permissions()
        return [*super().get_permissions(), IsAdmin()]

    def get_queryset(self) -> QuerySet[Mailbox]:
        return mailboxes_accessible_by(user=api_user(self.request))

    def get_mailbox(self) -> Mailbox:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def list(self, request: Request) -> Response:
        mailboxes = self.get_queryset()
        # A regular user's key sees only its own mailboxes, whoever userId names.
        if (user := _user_param(request, "userId")) is not None:
            mailboxes = mailboxes.filter(pk__in=mailboxes_accessible_by(user=user).values("pk"))
        return self.paginated(mailboxes.order_by("id"), mailbox_payload)

    def create(self, request: Request) -> Response:
        given = MailboxInput(data=request.data)
        given.is_valid(raise_exception=True)
        with service_errors_at(MAILBOX_ERROR_PATHS):
            mailbox = services.mailbox_create(**given.mailbox_kwargs())
        return self.created(mailbox_payload(mailbox))

    def update(self, request: Request, pk: str) -> Response:
        mailbox = self.get_mailbox()
        given = MailboxInput(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        with service_errors_at(MAILBOX_ERROR_PATHS):
            services.mailbox_update(mailbox=mailbox, **given.mailbox_kwargs())
        return self.no_content()

    def destroy(self, request: Request, pk: str) -> Response:
        services.mailbox_delete(mailbox=self.get_mailbox())
        return self.no_content()

    @action(detail=True, methods=["put", "delete"], url_path=rf"users/(?P<user_id>{ID_PATTERN})")
    def user_access(self, request: Request, pk: str, user_id: str) -> Response:
        mailbox = self.get_mailbox()
        user = get_object_or_404(User.objects.exclude(status=User.Status.DELETED), pk=user_id)
        if request.method == "PUT":
            services.mailbox_user_grant(mailbox=mailbox, user=user)
        else:
            services.mailbox_user_revoke(mailbox=mailbox, user=user)
        return self.no_content()

    @action(detail=True, methods=["get", "post"], url_path="custom_fields")
    def custom_fields(self, request: Request, pk: str) -> Response:
        mailbox = self.get_mailbox()
        if request.method == "POST":
            given = CustomFieldInput(data=request.data)
            given.is_valid(raise_exception=True)
            with service_errors_at(CUSTOM_FIELD_ERROR_PATHS):
                field = services.custom_field_create(mailbox=mailbox, **given.custom_field_kwargs())
            return self.created(field_definition_payload(field))
        self.hal_name = "custom_fields"
        fields = CustomField.objects.filter(mailbox=mailbox).order_by("sort_order", "id")
        return self.paginated(fields, field_definition_payload)

    @action(detail=True, methods=["put", "delete"], url_path=rf"custom_fields/(?P<field_id>{ID_PATTERN})")
    def custom_field(self, request: Request, pk: str, field_id: str) -> Response:
        field = get_object_or_404(CustomField.objects.filter(mailbox=self.get_mailbox()), pk=field_id)
        if request.method == "DELETE":
            services.custom_field_delete(field=field)
            return self.no_content()
        given = CustomFieldInput(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        with service_errors_at(CUSTOM_FIELD_ERROR_PATHS):
            services.custom_field_update(field=field, **given.custom_field_kwargs())
        return self.no_content()

    @action(detail=True, methods=["get"])
    def folders(self, request: Request, pk: str) -> Response:
        mailbox = self.get_mailbox()
        self.hal_name = "folders"
        folders = folders_visible_to(user=api_user(request), mailbox=mailbox, owner=_user_param(request, "userId"))
        if (folder_id := id_param(request, "folderId")) is not None:
            folders = folders.filter(pk=folder_id)

        def payloads(page: list[Folder]) -> list[dict]:
            counts = folder_counts(folders=page)
            return [folder_payload(folder, counts[folder.pk]) for folder in page]

        return self.paginated_batch(folders.order_by("type", "id"), payloads)
