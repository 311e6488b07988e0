"""Contact widgets (LiveAgent reference §3.9, §4.4): a snippet that a customer's site pastes into its pages,
which renders a contact form (or, for the knowledge-base types, a help center search box) in the host page
and sends what the visitor writes to a public endpoint that opens a conversation in the widget's mailbox.

``attributes`` and ``form_fields`` are LiveAgent's lists of fixed columns, stored as JSON lists of objects
with exactly those columns (``ATTRIBUTE_COLUMNS``, ``FORM_FIELD_COLUMNS``), all text; the services check
them (widgets/services.py). The ``*_code`` fields are what an API client gave (LiveAgent's CODE8); the
snippets shown where none was given are built from ``public_key`` and the site's address
(widgets/snippets.py). ``public_key`` names the widget in its public URLs: random, so that widgets cannot be
enumerated from their sequential ids. Services own every write; ``save()`` has no side effects."""

import secrets

from django.db import models
from django.utils import timezone

ATTRIBUTE_COLUMNS = ("name", "section", "value")
FORM_FIELD_COLUMNS = (
    "formid",
    "code",
    "name",
    "description",
    "validator",
    "visibility",
    "rtype",
    "rstatus",
    "availablevalues",
)
PUBLIC_KEY_REGEX = r"^[A-Za-z0-9_-]{16,64}$"


def public_key_new() -> str:
    return secrets.token_urlsafe(18)


class Widget(models.Model):
    class Type(models.TextChoices):
        CHAT_BUTTON = "C", "Chat button"
        CONTACT_FORM = "O", "Contact form"
        INVITATION_HTML = "U", "Invitation html"
        INVITATION_IMAGE = "M", "Invitation image"
        CHAT_WINDOW = "G", "Chat window"
        # LiveAgent lists two codes for a contact form (reference §5.26); both are one here.
        CONTACT_FORM_B = "B", "Contact form (B)"
        SEARCH = "K", "Search"
        KNOWLEDGE_BASE = "W", "Knowledge base"
        SUGGEST_BUTTON = "S", "Suggest button"
        TWILIO_BUTTON = "P", "Twilio button"

    class UseCode(models.TextChoices):
        ONLINE = "N", "Online"
        OFFLINE = "F", "Offline"
        BOTH = "B", "Both"

    class Status(models.TextChoices):
        ACTIVE = "A", "Active"
        CREATE = "C", "Create"
        INACTIVE = "I", "Inactive"
        OFFLINE = "F", "Offline"
        ONLINE = "N", "Online"

    # The types whose snippet searches the help center rather than showing a contact form.
    SEARCH_TYPES = frozenset({Type.SEARCH, Type.KNOWLEDGE_BASE})

    name = models.CharField(max_length=255)
    # LiveAgent's "provides services" letters (F, BFC, B in its examples; undocumented, §5.26): kept as given.
    provide = models.CharField(max_length=20, blank=True, default="")
    mailbox = models.ForeignKey("mailboxes.Mailbox", on_delete=models.CASCADE, related_name="widgets")
    knowledge_base = models.ForeignKey(
        "knowledgebase.KnowledgeBase", on_delete=models.SET_NULL, null=True, blank=True, related_name="widgets"
    )
    type = models.CharField(max_length=1, choices=Type.choices, default=Type.CONTACT_FORM)
    use_code = models.CharField(max_length=1, choices=UseCode.choices, default=UseCode.BOTH)
    status = models.CharField(max_length=1, choices=Status.choices, default=Status.ACTIVE)
    description = models.TextField(blank=True, default="")
    impressions = models.PositiveBigIntegerField(default=0)
    # Conversations this widget's form created.
    tickets = models.PositiveIntegerField(default=0)
    language = models.CharField(max_length=20, blank=True, default="")
    last_display_time = models.DateTimeField(null=True, blank=True)
    last_display_url = models.CharField(max_length=2000, blank=True, default="")
    online_code = models.TextField(null=True, blank=True)
    online_code_ieold = models.TextField(null=True, blank=True)
    offline_code = models.TextField(null=True, blank=True)
    offline_code_ieold = models.TextField(null=True, blank=True)
    online_code_css = models.TextField(null=True, blank=True)
    online_code_ieold_css = models.TextField(null=True, blank=True)
    offline_code_css = models.TextField(null=True, blank=True)
    offline_code_ieold_css = models.TextField(null=True, blank=True)
    attributes = models.JSONField(default=list, blank=True)
    form_fields = models.JSONField(default=list, blank=True)
    public_key = models.CharField(max_length=64, unique=True, default=public_key_new, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(name=""), name="widget_name_not_empty"),
            models.CheckConstraint(condition=models.Q(type__in=list("COUMGBKWSP")), name="widget_type_valid"),
            models.CheckConstraint(condition=models.Q(use_code__in=list("NFB")), name="widget_use_code_valid"),
            models.CheckConstraint(condition=models.Q(status__in=list("ACIFN")), name="widget_status_valid"),
            models.CheckConstraint(
                condition=models.Q(public_key__regex=PUBLIC_KEY_REGEX), name="widget_public_key_format"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_search(self) -> bool:
        return self.type in self.SEARCH_TYPES

    @property
    def is_live(self) -> bool:
        """Whether the snippet renders and the form takes submissions: an inactive widget does neither."""
        return self.status != self.Status.INACTIVE
