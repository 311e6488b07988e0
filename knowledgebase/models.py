"""The knowledge base: knowledge bases, and their entries as a tree (LiveAgent reference §3.7, §4.4).

An entry's ``treepath`` is materialised: ``"0"`` under the root, else its parent's treepath, ``|`` and the
parent's id (entry 38 under 16 under 7 under the root: ``0|7|16``), so a subtree is one prefix match
(``treepath = X`` or ``treepath LIKE 'X|%'``, X being the subtree root's treepath + ``|`` + its id).
``urlcode`` is 6 random digits, unique in its knowledge base, and names the entry's public URL
(``/help/<urlcode>-<Title-With-Dashes>``). Siblings are ordered by ``rorder`` (new entries on top: 0, the
others pushed down). Services (knowledgebase/services.py) keep these invariants; nothing else writes."""

import secrets

from django.db import models
from django.utils import timezone

DEFAULT_KNOWLEDGE_BASE = "kb_defa"
ROOT_TREEPATH = "0"
URLCODE_REGEX = r"^[1-9][0-9]{5}$"


def urlcode_new() -> str:
    """Six digits, never starting with 0 (so the code reads the same as a number)."""
    return str(100_000 + secrets.randbelow(900_000))


class KnowledgeBase(models.Model):
    # LiveAgent's kb_id: a short slug (the default one, made by the first migration, is "kb_defa").
    id = models.SlugField(primary_key=True, max_length=20)
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class Entry(models.Model):
    class Type(models.TextChoices):
        HOME = "H", "Home"
        CATEGORY = "C", "Category"
        ARTICLE = "A", "Article"
        FORUM = "Q", "Forum"
        TOPIC = "R", "Topic"
        SUGGESTION_CATEGORY = "G", "Suggestion category"
        SUGGESTION = "S", "Suggestion"

    class Status(models.TextChoices):
        NEW = "N", "New"
        COMPLETED = "C", "Completed"
        PUBLISHED = "P", "Published"
        DRAFT = "D", "Draft"
        INIT = "I", "Init"
        REVIEW = "U", "Review"
        PLANNED = "L", "Planned"
        STARTED = "S", "Started"
        DECLINED = "X", "Declined"

    class Access(models.TextChoices):
        INTERNAL = "I", "Internal"
        PUBLIC = "P", "Public"

    knowledge_base = models.ForeignKey(KnowledgeBase, on_delete=models.CASCADE, related_name="entries")
    # None: directly under the knowledge base's root (LiveAgent's parent_entry_id "0").
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    type = models.CharField(max_length=1, choices=Type.choices, default=Type.ARTICLE)
    status = models.CharField(max_length=1, choices=Status.choices, default=Status.PUBLISHED)
    access = models.CharField(max_length=1, choices=Access.choices, default=Access.PUBLIC)
    urlcode = models.CharField(max_length=6, default=urlcode_new, editable=False)
    treepath = models.CharField(max_length=500, default=ROOT_TREEPATH, editable=False)
    rorder = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=255)
    metadescription = models.TextField(blank=True, default="")
    keywords = models.CharField(max_length=255, blank=True, default="")
    # Sanitised HTML (nh3) whichever way it arrives: the help center renders it.
    content = models.TextField(blank=True, default="")
    description = models.TextField(blank=True, default="")
    # The department handling a forum's or suggestion category's tickets.
    mailbox = models.ForeignKey(
        "mailboxes.Mailbox", on_delete=models.SET_NULL, null=True, blank=True, related_name="knowledgebase_entries"
    )
    # The ticket behind a topic or a suggestion.
    conversation = models.ForeignKey(
        "conversations.Conversation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="knowledgebase_entries",
    )
    views = models.PositiveIntegerField(default=0)
    votes = models.IntegerField(default=0)
    full_preview = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "entries"
        ordering = ["rorder", "id"]
        constraints = [
            models.UniqueConstraint(fields=["knowledge_base", "urlcode"], name="kb_entry_urlcode_unique"),
            models.CheckConstraint(condition=models.Q(urlcode__regex=URLCODE_REGEX), name="kb_entry_urlcode_format"),
            models.CheckConstraint(condition=~models.Q(title=""), name="kb_entry_title_not_empty"),
            models.CheckConstraint(
                condition=models.Q(type__in=["H", "C", "A", "Q", "R", "G", "S"]), name="kb_entry_type_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["N", "C", "P", "D", "I", "U", "L", "S", "X"]),
                name="kb_entry_status_valid",
            ),
            models.CheckConstraint(condition=models.Q(access__in=["I", "P"]), name="kb_entry_access_valid"),
        ]
        indexes = [
            models.Index(fields=["knowledge_base", "treepath"], name="kb_entry_treepath"),
            models.Index(fields=["parent", "rorder"], name="kb_entry_siblings"),
            models.Index(fields=["updated_at"], name="kb_entry_updated"),
        ]

    def __str__(self) -> str:
        return self.title
