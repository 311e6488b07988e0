"""The transactional outbox shared by webhook deliveries and outgoing email (see reliability.md).

A row is written in the same transaction as the change it announces. Celery is only the fast path: the send
task is queued on commit (``outbox_enqueue_on_commit``) and takes the row's id. Whoever sends must first
*claim* the row, which puts a lease on it:

- ``outbox_claim`` claims one row by id with a compare-and-set ``UPDATE`` (the task path), so a task that
  runs twice, or alongside the sweeper, sends once; ``outbox_claim_joined`` is the same claim written out
  as one ``UPDATE … FROM … RETURNING`` on PostgreSQL, the row read back with the rows it joins;
- ``outbox_claim_next`` claims the next due row with ``SELECT … FOR UPDATE SKIP LOCKED`` (the sweeper path,
  run by Celery beat), so two sweepers never take the same row. SQLite has no ``SKIP LOCKED``; there, the
  IMMEDIATE transactions the settings ask for serialise the claims instead.

A worker killed mid-send leaves its lease behind; once the lease expires the sweeper claims the row again.
``outbox_finish`` records the outcome only while the lease is still the caller's, and schedules the next
attempt from the retry schedule (with jitter, honouring ``Retry-After``) or gives up when it is exhausted.
Multi-hour retries are rows with a ``next_attempt_at``, never Celery countdowns (a countdown longer than
Redis's visibility timeout is redelivered in a loop).
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from celery import Task
from django.conf import settings
from django.db import connections, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from helpdesk.db import instances_from_rows, model_columns

logger = logging.getLogger(__name__)

JITTER = 0.2
# Retries sooner than this are also queued as a Celery countdown; later ones wait for the sweeper.
COUNTDOWN_LIMIT = timedelta(minutes=1)


class OutboxStatus(models.TextChoices):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed", "Failed (gave up)"


class OutboxItem(models.Model):
    """Fields every outbox row has. Subclasses add what they send and an index on ``next_attempt_at``
    for pending rows."""

    Status = OutboxStatus

    status = models.CharField(max_length=9, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts_count = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # The lease of the worker that claimed the row; it is also that worker's token in ``outbox_finish``.
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


Item = TypeVar("Item", bound=OutboxItem)


def outbox_lease_until() -> datetime:
    """When a lease taken now expires; a row created with it is claimed by its creator."""
    return timezone.now() + timedelta(seconds=settings.HELPDESK_OUTBOX_LEASE_SECONDS)


def _due(now: datetime) -> Q:
    return Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now) & (
        Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    )


def retry_delay(attempts_done: int, *, retry_after: float | None = None) -> timedelta | None:
    """The wait before attempt ``attempts_done + 1``, or None when the schedule is exhausted.

    ±20 % jitter spreads retries of many rows that failed together; a receiver's ``Retry-After`` lengthens
    the wait, up to the schedule's longest step."""
    schedule = settings.HELPDESK_OUTBOX_RETRY_SCHEDULE
    if attempts_done >= len(schedule):
        return None
    seconds = schedule[attempts_done] * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311 - not security
    if retry_after is not None:
        seconds = max(seconds, min(retry_after, max(schedule)))
    return timedelta(seconds=seconds)


def outbox_claim(queryset: QuerySet[Item], pk: object) -> Item | None:
    """Leases the row ``pk`` if it is due and nobody holds it; None otherwise (sent, leased, not yet due)."""
    now = timezone.now()
    lease_until = outbox_lease_until()
    if not queryset.filter(_due(now), pk=pk).update(locked_until=lease_until):
        return None
    return queryset.get(pk=pk, locked_until=lease_until)


def outbox_claim_joined(
    queryset: QuerySet[Item], pk: int, *, related: tuple[str, ...], condition: str = ""
) -> Item | None:
    """``outbox_claim(queryset, pk)`` in one statement on PostgreSQL: the compare-and-set ``UPDATE`` joined to
    the rows of the forward relations ``related`` (which ``queryset`` must select), returning the row with
    them, where ``outbox_claim`` runs the ``UPDATE`` and then a ``SELECT`` through Django's compiler.

    ``condition`` is SQL over those rows, named ``{relation}`` (``'{webhook}."enabled"'``), and must say what
    ``queryset``'s own filters say; the equivalence test holds the two together. Elsewhere (SQLite cannot
    return a joined row) it is ``outbox_claim``."""
    if connections[queryset.db].vendor != "postgresql":
        return outbox_claim(queryset, pk)
    targets: list[Any] = [queryset.model._meta.get_field(name).related_model for name in related]
    now = timezone.now()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(_claim_sql(queryset.model, related, condition), [outbox_lease_until(), pk, now, now])
        rows = cursor.fetchall()
    if not rows:
        return None
    (item, *joined), *_ = instances_from_rows(rows, queryset.model, *targets)
    for name, instance in zip(related, joined, strict=True):
        setattr(item, name, instance)
    return cast(Item, item)


@functools.cache
def _claim_sql(model: type[models.Model], related: tuple[str, ...], condition: str) -> str:
    opts = model._meta
    joins, where, returning = [], [], [model_columns(model, "o")]
    aliases = {}
    for number, name in enumerate(related):
        foreign: Any = opts.get_field(name)
        target = foreign.related_model
        alias = aliases[name] = f"j{number}"
        joins.append(f'"{target._meta.db_table}" AS {alias}')
        where.append(f'{alias}."{target._meta.pk.column}" = o."{foreign.column}"')
        returning.append(model_columns(target, alias))
    if condition:
        where.append(condition.format(**aliases))
    # Names from the models' own metadata and the caller's constant condition; values are parameters.
    tables = f" FROM {', '.join(joins)}" if joins else ""
    return (
        f'UPDATE "{opts.db_table}" AS o SET "locked_until" = %s{tables}'  # noqa: S608
        f' WHERE o."{opts.pk.column}" = %s AND o."status" = \'{OutboxStatus.PENDING.value}\''
        ' AND o."next_attempt_at" <= %s AND (o."locked_until" IS NULL OR o."locked_until" < %s)'
        f"{''.join(' AND ' + clause for clause in where)} RETURNING {', '.join(returning)}"
    )


def outbox_claim_next(queryset: QuerySet[Item]) -> Item | None:
    """Leases the due row that has waited longest, skipping rows other transactions hold."""
    with transaction.atomic():
        now = timezone.now()
        item = (
            queryset.filter(_due(now))
            .order_by("next_attempt_at", "pk")
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if item is None:
            return None
        item.locked_until = outbox_lease_until()
        type(item)._default_manager.filter(pk=item.pk).update(locked_until=item.locked_until)
        return item


def outbox_finish(
    item: OutboxItem, *, succeeded: bool, give_up: bool = False, retry_after: float | None = None
) -> timedelta | None:
    """Records an attempt's outcome on a row the caller has claimed: done, or retried after the returned
    delay, or given up (``give_up`` or no retry left). Returns the delay until the retry, if any.

    The row changes only while the lease is still the caller's: a worker that outlived its lease (the row
    was claimed again) changes nothing. Call it in the transaction that records the attempt itself."""
    now = timezone.now()
    changes: dict[str, object] = {"attempts_count": item.attempts_count + 1, "locked_until": None}
    delay = None if succeeded or give_up else retry_delay(item.attempts_count + 1, retry_after=retry_after)
    if succeeded:
        changes.update(status=OutboxStatus.SUCCEEDED, finished_at=now)
    elif delay is None:
        changes.update(status=OutboxStatus.FAILED, finished_at=now)
    else:
        changes.update(next_attempt_at=now + delay)
    updated = type(item)._default_manager.filter(pk=item.pk, locked_until=item.locked_until).update(**changes)
    if not updated:
        logger.warning("%s %s: lease lost before the outcome was recorded", type(item).__name__, item.pk)
        return None
    for field, value in changes.items():
        setattr(item, field, value)
    return delay


def outbox_reset(item: OutboxItem) -> None:
    """Makes a finished row due again now (manual redelivery); its attempt history stays."""
    type(item)._default_manager.filter(pk=item.pk).update(
        status=OutboxStatus.PENDING, next_attempt_at=timezone.now(), locked_until=None, finished_at=None
    )
    item.refresh_from_db()


def outbox_enqueue(task: Task, *args: object, countdown: float | None = None) -> None:
    """Queues ``task(*args)`` now; call it once the rows it names have committed.

    A broker that is down must not fail (or stall) a request whose change already committed: the failure is
    logged and swallowed, and the sweeper sends the row later. Broker timeouts are short (settings)."""
    try:
        task.apply_async(args=args, countdown=countdown, retry=False)
    except Exception:
        logger.warning("Could not queue %s%r; the outbox sweeper will send it", task.name, args, exc_info=True)


def outbox_enqueue_on_commit(task: Task, *args: object, countdown: float | None = None) -> None:
    """Queues ``task(*args)`` (``outbox_enqueue``) once the current transaction commits."""
    transaction.on_commit(lambda: outbox_enqueue(task, *args, countdown=countdown))


def outbox_retry_soon(task: Task, item: OutboxItem, delay: timedelta | None) -> None:
    """Queues a short retry as a Celery countdown; longer ones are left to the sweeper."""
    if delay is not None and delay <= COUNTDOWN_LIMIT:
        outbox_enqueue_on_commit(task, item.pk, countdown=delay.total_seconds())


def outbox_sweep(queryset: QuerySet[Item], send: Callable[[Item], object], *, budget_seconds: float) -> int:
    """Claims and sends due rows one at a time until none is due or the time budget is spent; returns how
    many were sent. ``send`` must finish the row (``outbox_finish``) itself."""
    started = timezone.now()
    sent = 0
    while timezone.now() - started < timedelta(seconds=budget_seconds):
        item = outbox_claim_next(queryset)
        if item is None:
            break
        try:
            send(item)
        except Exception:
            # The lease runs out and the row is claimed again; one bad row must not stop the sweep.
            logger.exception("Sending %s %s failed", type(item).__name__, item.pk)
        sent += 1
    return sent
