"""The FreeScout API's webhook endpoints: create, list, show, delete. Admin keys only, for every method:
a webhook shows its secret."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.api.errors import service_errors
from helpdesk.api.permissions import IsAdmin
from helpdesk.api.views import ApiViewSet
from webhooks import services
from webhooks.inputs import WebhookCreateInput
from webhooks.models import Webhook
from webhooks.payloads import webhook_payload, webhook_payload_by_id, webhooks_for_output


class WebhookViewSet(ApiViewSet):
    hal_name = "webhooks"
    lookup_value_regex = r"[0-9]+"
    permission_classes = [IsAdmin]

    def get_queryset(self) -> QuerySet[Webhook]:
        return Webhook.objects.all()

    def list(self, request: Request) -> Response:
        return self.paginated(webhooks_for_output(self.get_queryset()).order_by("id"), webhook_payload)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(webhook_payload(get_object_or_404(webhooks_for_output(self.get_queryset()), pk=pk)))

    def create(self, request: Request) -> Response:
        given = WebhookCreateInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            webhook = services.webhook_create(url=data["url"], events=data["events"], mailboxes=data["mailboxes"])
        except DjangoValidationError as error:
            raise service_errors(error) from None
        return self.created(webhook_payload_by_id(webhook.pk))

    def destroy(self, request: Request, pk: str) -> Response:
        services.webhook_delete(webhook=get_object_or_404(self.get_queryset(), pk=pk))
        return self.no_content()
