"""The FreeScout API's mailbox endpoints (read only for now): mailboxes, their custom fields and folders,
scoped to the mailboxes the key's user can access."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.api.params import id_param
from helpdesk.api.views import ApiViewSet
from helpdesk.models import User
from mailboxes.models import CustomField, Mailbox
from mailboxes.payloads import custom_field_payload, folder_payload, mailbox_payload
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
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Mailbox]:
        return mailboxes_accessible_by(user=self.request.user)

    def get_mailbox(self) -> Mailbox:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def list(self, request: Request) -> Response:
        mailboxes = self.get_queryset()
        # A regular user's key sees only its own mailboxes, whoever userId names.
        if (user := _user_param(request, "userId")) is not None:
            mailboxes = mailboxes.filter(pk__in=mailboxes_accessible_by(user=user).values("pk"))
        return self.paginated(mailboxes.order_by("id"), mailbox_payload)

    @action(detail=True, methods=["get"], url_path="custom_fields")
    def custom_fields(self, request: Request, pk: str) -> Response:
        mailbox = self.get_mailbox()
        self.hal_name = "custom_fields"
        fields = CustomField.objects.filter(mailbox=mailbox).order_by("sort_order", "id")
        return self.paginated(fields, custom_field_payload)

    @action(detail=True, methods=["get"])
    def folders(self, request: Request, pk: str) -> Response:
        mailbox = self.get_mailbox()
        self.hal_name = "folders"
        folders = folders_visible_to(user=request.user, mailbox=mailbox, owner=_user_param(request, "userId"))
        if (folder_id := id_param(request, "folderId")) is not None:
            folders = folders.filter(pk=folder_id)
        page = self.paginate_queryset(folders.order_by("type", "id"))
        counts = folder_counts(folders=page)
        return self.get_paginated_response([folder_payload(folder, counts[folder.pk]) for folder in page])
