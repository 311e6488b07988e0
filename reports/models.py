"""What the reports read: one fact per reportable event of a conversation (``ReportFact``), and the same facts
summed per UTC hour (``HourlyFigure``), so that a year is a few thousand rows rather than millions.

Both are derived from the conversations' threads (``reports.figures``) and kept in the writer's transaction
(``reports.services.figures_conversation_refresh``); ``manage.py reports_rebuild`` derives them again from
scratch, and a test proves both ways agree. No foreign keys: a conversation erased for good must leave its
facts for the refresh to subtract from the hourly sums."""

from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email"
    WEB_FORM = "form", "Web form"
    CHAT = "chat"
    PHONE = "phone"


class FactKind(models.IntegerChoices):
    CREATED = 1  # a conversation was created (by its creating agent, or none)
    INCOMING = 2  # a published customer message
    ANSWER = 3  # a published agent reply, by its author
    NEW_ANSWER = 4  # the first answer: seconds since the conversation started
    NEXT_ANSWER = 5  # a later answer to a waiting customer: seconds since the customer's first waiting message
    NOTE = 6  # a published note, by its author (none: System)
    RESOLVED = 7  # the conversation became closed, by whoever closed it
    FIRST_ASSIGN = 8  # its first assignee: seconds since it started, to the assignee
    FIRST_RESOLVE = 9  # its first closing: seconds since it started, to whoever closed it


# The measure columns of ``HourlyFigure``, by fact kind: (count column, seconds column or None).
MEASURES: dict[int, tuple[str, str | None]] = {
    FactKind.CREATED: ("created", None),
    FactKind.INCOMING: ("incoming", None),
    FactKind.ANSWER: ("answers", None),
    FactKind.NEW_ANSWER: ("new_answers", "new_answer_seconds"),
    FactKind.NEXT_ANSWER: ("next_answers", "next_answer_seconds"),
    FactKind.NOTE: ("notes", None),
    FactKind.RESOLVED: ("resolved", None),
    FactKind.FIRST_ASSIGN: ("first_assigns", "first_assign_seconds"),
    FactKind.FIRST_RESOLVE: ("first_resolves", "first_resolve_seconds"),
}
MEASURE_COLUMNS: tuple[str, ...] = tuple(
    column for count, seconds in MEASURES.values() for column in (count, seconds) if column is not None
)


class ReportFact(models.Model):
    """One event, at its exact time: reports read these for the parts of a range that are not whole hours.
    ``agent_id`` 0 = no agent (a customer's message, System's note); ``seconds`` only for timed kinds."""

    conversation_id = models.BigIntegerField()
    kind = models.PositiveSmallIntegerField(choices=FactKind.choices)
    at = models.DateTimeField()
    agent_id = models.BigIntegerField(default=0)
    mailbox_id = models.BigIntegerField()
    channel = models.CharField(max_length=5, choices=Channel.choices)
    seconds = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["at"], name="report_fact_at"),
            models.Index(fields=["conversation_id"], name="report_fact_conversation"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of conversation {self.conversation_id} at {self.at:%Y-%m-%d %H:%M:%S}"


class FiguredConversation(models.Model):
    """The tags a conversation's facts were last summed under in ``HourlyFigure``, so that the next refresh
    takes back exactly what it added (a tag deleted meanwhile has left ``ConversationTag`` already)."""

    conversation_id = models.BigIntegerField(primary_key=True)
    tag_ids = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"Conversation {self.conversation_id}"


class Grain(models.IntegerChoices):
    """Which dimensions an hourly row keeps; the others are 0 / "". Every grain keeps the mailbox, so that
    every report can be narrowed to mailboxes."""

    MAILBOX = 0
    AGENT = 1
    CHANNEL = 2
    TAG = 3


class HourlyFigure(models.Model):
    """Sums of facts over one UTC hour at one grain. Rows are deltas, as ``ConversationTally``'s: a refresh
    appends (+ for the new facts, - for the old), no row is updated in place, so concurrent writers never
    wait on each other; ``reports_compact`` (Celery beat) folds them into one row per key."""

    grain = models.PositiveSmallIntegerField(choices=Grain.choices)
    hour = models.DateTimeField()
    mailbox_id = models.BigIntegerField()
    agent_id = models.BigIntegerField(default=0)
    channel = models.CharField(max_length=5, blank=True, default="")
    tag_id = models.BigIntegerField(default=0)
    created = models.BigIntegerField(default=0)
    incoming = models.BigIntegerField(default=0)
    answers = models.BigIntegerField(default=0)
    new_answers = models.BigIntegerField(default=0)
    new_answer_seconds = models.BigIntegerField(default=0)
    next_answers = models.BigIntegerField(default=0)
    next_answer_seconds = models.BigIntegerField(default=0)
    notes = models.BigIntegerField(default=0)
    resolved = models.BigIntegerField(default=0)
    first_assigns = models.BigIntegerField(default=0)
    first_assign_seconds = models.BigIntegerField(default=0)
    first_resolves = models.BigIntegerField(default=0)
    first_resolve_seconds = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["grain", "hour"], name="hourly_figure_grain_hour")]
        # Its admin page is the Reports page (reports.admin).
        verbose_name_plural = "reports"

    def __str__(self) -> str:
        return f"{self.get_grain_display()} figures of {self.hour:%Y-%m-%d %H}:00 UTC"


class LoadSample(models.Model):
    """The tickets load at one moment (LiveAgent #47), taken by Celery beat every few minutes: ``queue`` =
    active conversations waiting for an agent (unassigned), ``service`` = active ones assigned, ``slots`` =
    agents online offering messages."""

    at = models.DateTimeField()
    mailbox_id = models.BigIntegerField()
    # 0: the mailbox's totals; an agent: ``service`` and ``slots`` of that agent in the mailbox, ``queue`` the
    # mailbox's (so that #47's ``agentid`` narrows the agents' side only).
    agent_id = models.BigIntegerField(default=0)
    queue = models.PositiveIntegerField(default=0)
    service = models.PositiveIntegerField(default=0)
    slots = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["at"], name="load_sample_at")]

    def __str__(self) -> str:
        return f"Load of mailbox {self.mailbox_id} at {self.at:%Y-%m-%d %H:%M}"
