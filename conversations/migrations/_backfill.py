"""Backfills of migrations 0008 and 0009, in batches that each commit on their own when run outside a
transaction (0008), so that a table of millions of conversations is filled without one huge transaction and a
run that stops half way resumes where it stopped. Frozen with those migrations: do not change it later."""

import secrets
import string

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery

BATCH = 5000
CODE_ALPHABET = string.ascii_uppercase + string.digits
PUBLIC_URL_CODE_ALPHABET = string.ascii_letters + string.digits


def _code():
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(11))
    return f"{chars[:3]}-{chars[3:8]}-{chars[8:]}"


def _public_url_code():
    return "".join(secrets.choice(PUBLIC_URL_CODE_ALPHABET) for _ in range(16))


def _repeated(conversations, column):
    """Ids of the conversations whose ``column`` an earlier conversation (by id) has too."""
    values = conversations.values(column).annotate(n=Count("pk")).filter(n__gt=1).values_list(column, flat=True)
    seen, again = set(), set()
    for pk, value in conversations.filter(**{f"{column}__in": list(values)}).order_by("pk").values_list("pk", column):
        if value in seen:
            again.add(pk)
        seen.add(value)
    return again


def codes_fill(apps, schema_editor):
    """Gives every conversation without one a code and a public URL code; then new ones to all but the first
    of any conversations that drew the same (once in many millions), so that 0009's unique indexes build."""
    Conversation = apps.get_model("conversations", "Conversation")
    alias = schema_editor.connection.alias
    conversations = Conversation.objects.using(alias)
    table = schema_editor.quote_name(Conversation._meta.db_table)
    update = f"UPDATE {table} SET code = %s, public_url_code = %s WHERE id = %s"
    last_id = 0
    while True:
        with transaction.atomic(using=alias):
            ids = list(
                conversations.filter(pk__gt=last_id, code__isnull=True).order_by("pk").values_list("pk", flat=True)[
                    :BATCH
                ]
            )
            if not ids:
                break
            with schema_editor.connection.cursor() as cursor:
                cursor.executemany(update, [(_code(), _public_url_code(), pk) for pk in ids])
        last_id = ids[-1]
    while True:
        with transaction.atomic(using=alias):
            again = _repeated(conversations, "code") | _repeated(conversations, "public_url_code")
            if not again:
                break
            with schema_editor.connection.cursor() as cursor:
                cursor.executemany(update, [(_code(), _public_url_code(), pk) for pk in sorted(again)])


def acknowledged_fill(apps, schema_editor):
    """``acknowledged_at``: when the conversation's first published agent reply (a message, or a chat message
    an agent wrote) was made; none without one. In batches of ids."""
    Conversation = apps.get_model("conversations", "Conversation")
    Thread = apps.get_model("conversations", "Thread")
    alias = schema_editor.connection.alias
    first_reply = (
        Thread.objects.using(alias)
        .filter(
            conversation=OuterRef("pk"),
            state="published",
            type__in=["message", "chat"],
            created_by_user__isnull=False,
        )
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )
    last = Conversation.objects.using(alias).order_by("-pk").values_list("pk", flat=True).first() or 0
    for start in range(0, last + 1, BATCH):
        with transaction.atomic(using=alias):
            Conversation.objects.using(alias).filter(
                pk__gte=start, pk__lt=start + BATCH, acknowledged_at__isnull=True
            ).update(acknowledged_at=Subquery(first_reply))
