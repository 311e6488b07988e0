"""Reads of users and API keys."""

from typing import cast

from django.db.models import Count, Subquery

from helpdesk.db import IdsRead, instances_from_rows, model_columns, read_rows
from helpdesk.models import ApiKey, Notification, User

# A user as pages show them, by user id (``rows_by_ids``; ``conversations.pages.UserShort``).
USER_SHORT_READ = IdsRead("id, first_name, last_name, photo, email", "FROM helpdesk_user WHERE id {ids}")


def api_keys_by_prefix(*, prefix: str) -> list[ApiKey]:
    """The keys with this prefix (revoked ones too, so that a refusal can say why), their users loaded.
    Every API request runs this: the statement is written once rather than compiled by the ORM each time."""
    sql = (
        f"SELECT {model_columns(ApiKey, 'k')}, {model_columns(User, 'u')} FROM {ApiKey._meta.db_table} k"  # noqa: S608
        f" JOIN {User._meta.db_table} u ON u.id = k.user_id WHERE k.prefix = %s"
    )
    keys: list[ApiKey] = []
    # One instance of each model asked for, in that order.
    for key, user in instances_from_rows(read_rows(sql, [prefix]), ApiKey, User):
        api_key = cast(ApiKey, key)
        api_key.user = cast(User, user)
        keys.append(api_key)
    return keys


BELL_SIZE = 8


def notifications_for_bell(*, user: User) -> tuple[int, list[Notification]]:
    """The unread count and the newest notices (read or not) with their conversations: one query, the count
    a scalar subquery on each row (no notices, none unread: the count is 0 without reading it)."""
    unread = (
        Notification.objects.filter(user=user, read_at__isnull=True)
        .values("user_id")
        .annotate(number=Count("id"))
        .values("number")
    )
    recent: list[Notification] = list(
        Notification.objects.filter(user=user)
        .select_related("conversation")
        .annotate(bell_unread=Subquery(unread))
        .order_by("-created_at", "-id")[:BELL_SIZE]
    )
    return (getattr(recent[0], "bell_unread", 0) or 0) if recent else 0, recent


def notifications_recent(*, user: User, limit: int = 50) -> list[Notification]:
    return list(
        Notification.objects.filter(user=user)
        .select_related("conversation", "conversation__mailbox")
        .order_by("-created_at", "-id")[:limit]
    )
