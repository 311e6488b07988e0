"""Agent presence: the status letters an agent offers and whether the agent is at the desk, with the
intervals spent online (reference §4.4). Writes go through ``presence.services``; reads through
``presence.selectors``."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

# The services an agent may offer (LiveAgent's letters, in the order its examples write them: "MPRT"):
# M messages (tickets), P phone, R read, T chat. F alone means offline.
LETTERS = "MPRT"
OFFLINE = "F"


class AgentPresence(models.Model):
    """One row per agent who ever set a status or opened an admin page.

    ``online_since`` is the start of the agent's open ``PresenceInterval`` and null when there is none: the
    heartbeat's fast path reads it without a join. ``last_seen_at`` is the last heartbeat; an open
    interval ends there when the agent goes idle past ``HELPDESK_PRESENCE_IDLE_SECONDS``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="presence"
    )
    preset_status = models.CharField(max_length=4, default="M")
    last_seen_at = models.DateTimeField(null=True, blank=True)
    online_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(preset_status__regex=r"^(F|M?P?R?T?)$") & ~Q(preset_status=""),
                name="presence_preset_status_valid",
            ),
            # Online only with a heartbeat at or after the interval's start.
            models.CheckConstraint(
                condition=Q(online_since__isnull=True) | Q(last_seen_at__gte=F("online_since")),
                name="presence_online_since_seen",
            ),
        ]

    def __str__(self) -> str:
        return f"presence of {self.user_id}: {self.preset_status}"


class PresenceInterval(models.Model):
    """A stretch of time an agent was online offering ``letters``. ``ended_at`` is null while it is open;
    readers then take the agent's ``last_seen_at`` as its end (``presence.selectors``), so a report reads
    the same before and after the sweep closes it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presence_intervals")
    letters = models.CharField(max_length=4)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "started_at"], name="presence_interval_user_start"),
            models.Index(fields=["user", "ended_at"], name="presence_interval_user_end"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(ended_at__isnull=True), name="presence_one_open"),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")), name="presence_interval_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.letters} {self.started_at:%Y-%m-%d %H:%M:%S} to {self.ended_at or ''}"
