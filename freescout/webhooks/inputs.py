"""Request body of ``POST /api/webhooks``, validated into plain values for ``webhook_create``.

Event names are only shape-checked here: the service drops the unknown ones and refuses a list with none
left. Mailbox ids must exist (admins, the only callers, see every mailbox)."""

from rest_framework import serializers

from freescout.plumbing.fields import IdField
from mailboxes.models import Mailbox
from webhooks.services import WEBHOOK_URL_MAX_LENGTH


class WebhookCreateInput(serializers.Serializer):
    url = serializers.CharField(max_length=WEBHOOK_URL_MAX_LENGTH)
    events = serializers.ListField(child=serializers.CharField(allow_blank=True, max_length=100))
    mailboxes = serializers.ListField(child=IdField(), required=False, allow_null=True, default=list)

    def validate_mailboxes(self, value: list[int] | None) -> list[Mailbox]:
        ids = value or []
        found = Mailbox.objects.in_bulk(set(ids))
        unknown = {str(index): [f"No mailbox with id {pk}."] for index, pk in enumerate(ids) if pk not in found}
        if unknown:
            raise serializers.ValidationError(unknown, code="invalid")
        return list({pk: found[pk] for pk in ids}.values())
