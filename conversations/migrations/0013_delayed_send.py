import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0012_thread_body_links_host_free"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DelayedReply",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[("pending", "Pending"), ("succeeded", "Succeeded"), ("failed", "Failed (gave up)")],
                        default="pending",
                        max_length=9,
                    ),
                ),
                ("attempts_count", models.PositiveSmallIntegerField(default=0)),
                ("next_attempt_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("locked_until", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "type",
                    models.CharField(
                        choices=[
                            ("customer", "Customer"),
                            ("message", "Agent reply"),
                            ("note", "Note"),
                            ("lineitem", "Line item"),
                            ("chat", "Chat"),
                        ],
                        default="message",
                        max_length=8,
                    ),
                ),
                ("body", models.TextField(help_text="HTML, sanitised.")),
                ("to", models.JSONField(blank=True, default=list)),
                ("cc", models.JSONField(blank=True, default=list)),
                ("bcc", models.JSONField(blank=True, default=list)),
                ("attachment_tokens", models.JSONField(blank=True, default=list)),
                (
                    "conversation_status",
                    models.CharField(
                        blank=True,
                        choices=[("active", "Active"), ("pending", "Pending"), ("closed", "Closed"), ("spam", "Spam")],
                        default="",
                        max_length=8,
                    ),
                ),
                ("last_error", models.CharField(blank=True, max_length=500)),
                (
                    "conversation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="conversations.conversation"
                    ),
                ),
                (
                    "thread",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="conversations.thread",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("status", "pending")), fields=["next_attempt_at"], name="delayed_reply_due"
                    ),
                    models.Index(fields=["conversation", "user"], name="delayed_reply_of_agent"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["pending", "succeeded", "failed"])),
                        name="delayed_reply_status_valid",
                    )
                ],
            },
        ),
    ]
