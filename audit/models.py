from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    API_KEY_CREATED = "api_key.created", "API key created"
    API_KEY_REVOKED = "api_key.revoked", "API key revoked"
    API_KEY_LIMIT_CHANGED = "api_key.limit_changed", "API key's request limit changed"
    USER_CREATED = "user.created", "User created"
    USER_ROLE_CHANGED = "user.role_changed", "User's role changed"
    USER_STATUS_CHANGED = "user.status_changed", "User's status changed"
    USER_UPDATED = "user.updated", "User's details changed"
    USER_DELETED = "user.deleted", "User deleted"
    MAILBOX_CREATED = "mailbox.created", "Mailbox created"
    MAILBOX_UPDATED = "mailbox.updated", "Mailbox's address or connection changed"
    MAILBOX_DELETED = "mailbox.deleted", "Mailbox deleted"
    MAILBOX_ACCESS_GRANTED = "mailbox.access_granted", "Mailbox access granted"
    MAILBOX_ACCESS_REVOKED = "mailbox.access_revoked", "Mailbox access removed"
    WEBHOOK_CREATED = "webhook.created", "Webhook created"
    WEBHOOK_UPDATED = "webhook.updated", "Webhook changed"
    WEBHOOK_ENABLED = "webhook.enabled", "Webhook enabled"
    WEBHOOK_DISABLED = "webhook.disabled", "Webhook disabled"
    WEBHOOK_SECRET_ROTATED = "webhook.secret_rotated", "Webhook secret rotated"
    WEBHOOK_DELETED = "webhook.deleted", "Webhook deleted"
    LOGIN_LOCKED_OUT = "login.locked_out", "Sign-in locked out"
    WIDGET_CREATED = "widget.created", "Contact widget created"
    WIDGET_UPDATED = "widget.updated", "Contact widget changed"
    WIDGET_DELETED = "widget.deleted", "Contact widget deleted"


class AuditEntry(models.Model):
    """One security-relevant change, written by the service that made it in the same transaction (so an entry
    exists exactly when its change committed). Never changed or deleted by the product; secrets never appear
    in ``changes``."""

    Action = AuditAction

    created_at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=40, choices=Action.choices)
    # Who: the signed-in user or the API key's user, and the key when it was one; none for the system (mail
    # fetching, webhook delivery, management commands). The label keeps who it was if the rows change later.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="actor's user",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_api_key = models.ForeignKey(
        "helpdesk.ApiKey",
        verbose_name="actor's API key",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField("actor", max_length=255)
    target_type = models.CharField("target type", max_length=40)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField("target", max_length=255, blank=True)
    # {"field": {"before": …, "after": …}}; a secret's values are only ever "[set]" or "".
    changes = models.JSONField(default=dict, blank=True)
    remote_addr = models.GenericIPAddressField("address", null=True, blank=True)

    class Meta:
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="audit_entry_latest"),
            models.Index(fields=["action", "-created_at"], name="audit_entry_by_action"),
            models.Index(fields=["actor", "-created_at"], name="audit_entry_by_actor"),
            models.Index(fields=["target_type", "target_id"], name="audit_entry_by_target"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(action__in=AuditAction.values), name="audit_entry_action_valid"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label}: {self.get_action_display()} {self.target_label}"
        )
