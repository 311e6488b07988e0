"""The FreeScout API's webhook endpoints: create, list, show, delete; and, as extensions, a test ping, the
delivery log and redelivery. Admin keys only, for every method: a webhook shows its secret."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from freescout.plumbing.params import ID_PATTERN
from freescout.plumbing.permissions import IsAdmin
from freescout.plumbing.views import NonAtomicApiViewSet
from freescout.webhooks.inputs import WebhookCreateInput
from freescout.webhooks.payloads import (
    deliveries_for_output,
    delivery_payload,
    delivery_payload_by_id,
    webhook_payload,
    webhook_payload_by_id,
    webhooks_for_output,
)
from webhooks import delivery, services
from webhooks.models import Webhook


class WebhookViewSet(NonAtomicApiViewSet):
    """Non-atomic: the test ping waits on the receiver, and no transaction may stay open meanwhile; every
    write opens its own (services)."""

    hal_name = "webhooks"
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
        webhook = services.webhook_create(url=data["url"], events=data["events"], mailboxes=data["mailboxes"])
        return self.created(webhook_payload_by_id(webhook.pk))

    def destroy(self, request: Request, pk: str) -> Response:
        services.webhook_delete(webhook=get_object_or_404(self.get_queryset(), pk=pk))
        return self.no_content()

    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str) -> Response:
        """Sends a ``freescout.test`` event now, once, and answers with its delivery and attempt."""
        sent = delivery.webhook_ping(webhook=get_object_or_404(self.get_queryset(), pk=pk))
        return Response(delivery_payload_by_id(sent.pk))

    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str) -> Response:
        webhook = get_object_or_404(self.get_queryset(), pk=pk)
        self.hal_name = "deliveries"
        return self.paginated(
            deliveries_for_output(webhook.deliveries.order_by("-created_at", "-id")), delivery_payload
        )

    @action(detail=True, methods=["post"], url_path=rf"deliveries/(?P<delivery_id>{ID_PATTERN})/redeliver")
    def redeliver(self, request: Request, pk: str, delivery_id: str) -> Response:
        """Sends the delivery again, same event id and bytes; it answers at once, the send is queued."""
        webhook = get_object_or_404(self.get_queryset(), pk=pk)
        redelivered = delivery.delivery_redeliver(delivery=get_object_or_404(webhook.deliveries, pk=delivery_id))
        return Response(delivery_payload_by_id(redelivered.pk))
