import base64
import secrets
import uuid

from django.db import models
from django.utils import timezone

from helpdesk.fields import EncryptedTextField
from helpdesk.outbox import OutboxItem, OutboxStatus
from mailboxes.models import Mailbox


class Event(models.TextChoices):
    CONVO_ASSIGNED = "convo.assigned"
    CONVO_CREATED = "convo.created"
    CONVO_DELETED = "convo.deleted"
    CONVO_DELETED_FOREVER = "convo.deleted_forever"
    CONVO_RESTORED = "convo.restored"
    CONVO_MOVED = "convo.moved"
    CONVO_STATUS = "convo.status"
    CONVO_CUSTOMER_REPLY_CREATED = "convo.customer.reply.created"
    CONVO_AGENT_REPLY_CREATED = "convo.agent.reply.created"
    CONVO_NOTE_CREATED = "convo.note.created"
    CUSTOMER_CREATED = "customer.created"
    CUSTOMER_UPDATED = "customer.updated"


def webhook_secret_generate() -> str:
    """``whsec_`` + base64 of 32 random bytes, the Standard Webhooks format."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class Webhook(models.Model):
    url = models.URLField(max_length=2000)
    # Subscribed event names (values of ``Event``).
    events = models.JSONField(default=list)
    # Conversation events only from these mailboxes; none means every mailbox.
    mailboxes = models.ManyToManyField(Mailbox, blank=True, related_name="webhooks")
    # Encrypted at rest (helpdesk.crypto), yet readable: admins are shown it to configure their receivers.
    secret = EncryptedTextField(max_length=100, default=webhook_secret_generate)
    # After a rotation the old secret still signs (a second Standard Webhooks signature) until it expires,
    # so receivers can switch without dropping requests.
    previous_secret = EncryptedTextField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=255, blank=True)
    # Start of the current run of failures: five days of it disable the webhook.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class WebhookEvent(models.Model):
    """One event to send: its body is serialised once, here, and every delivery of it sends these bytes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=40)
    payload = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} {self.id}"


class WebhookDelivery(OutboxItem):
    """The outbox row for one webhook and one event: written in the transaction that caused the event."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="webhook_delivery_due"),
            models.Index(fields=["webhook", "created_at"], name="webhook_delivery_by_webhook"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["event", "webhook"], name="webhook_delivery_once_per_webhook"),
            models.CheckConstraint(
                condition=models.Q(status__in=OutboxStatus.values), name="webhook_delivery_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event.name} → {self.webhook.url} ({self.status})"


class WebhookAttempt(models.Model):
    RESPONSE_BODY_LIMIT = 2048

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_body = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["delivery", "started_at"], name="webhook_attempt_by_delivery")]

    def __str__(self) -> str:
        return f"{self.status_code or self.error} at {self.started_at:%Y-%m-%d %H:%M:%S}"
