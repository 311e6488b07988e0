"""``audit_record``: how the services write the audit log (``audit.models.AuditEntry``), in their own
transaction, with the actor of the request being served (``audit.context``)."""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from audit.context import audit_actor_current
from audit.models import AuditAction, AuditEntry

# Values of fields with these words in their names are never written: only whether one is set.
SECRET_WORDS = ("password", "secret", "key_hash", "token")
SECRET_SET = "[set]"


def _is_secret(name: str) -> bool:
    return any(word in name for word in SECRET_WORDS)


def _secret_state(value: object) -> str | None:
    # An unreadable secret (helpdesk.fields.UnreadableSecret) is not text, yet it is set.
    if value is None:
        return None
    return SECRET_SET if not isinstance(value, str) or value else ""


def _plain(value: object) -> Any:
    """A JSON value for ``value``: rows by their text, dates in ISO 8601, collections element by element."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [_plain(v) for v in value]
    return str(value)


def audit_changes(
    before: Mapping[str, object], after: Mapping[str, object], *, gone: bool = False
) -> dict[str, dict[str, Any]]:
    """``{field: {"before": …, "after": …}}`` for the fields of ``after`` whose value differs from ``before``
    (a field missing from ``before`` is new: before is None), or with ``gone`` every field of ``before`` (after
    is None: the row is deleted). Secrets are compared but written as "[set]"."""
    if gone:
        return {
            name: {"before": _plain(value), "after": None} for name, value in before.items() if not _is_secret(name)
        }
    changes = {}
    for name, new in after.items():
        old = before.get(name)
        if _is_secret(name):
            if name in before and new is old:
                continue
            if not (isinstance(old, str) and isinstance(new, str) and old == new):
                changes[name] = {"before": _secret_state(old), "after": _secret_state(new)}
        elif name not in before or _plain(old) != _plain(new):
            changes[name] = {"before": _plain(old) if name in before else None, "after": _plain(new)}
    return changes


def audit_record(
    *,
    action: AuditAction,
    target: models.Model | None,
    target_label: str = "",
    target_type: str = "",
    changes: Mapping[str, Mapping[str, Any]] | None = None,
) -> AuditEntry:
    """Writes one entry about ``target`` (in the caller's transaction: it is undone with the change), or about
    something that is no row (``target`` None, ``target_type`` and ``target_label`` say what). Call it with
    ``audit_changes`` output; any secret value that reaches here anyway is replaced."""
    actor = audit_actor_current()
    safe = {
        name: {side: _secret_state(value) for side, value in change.items()} if _is_secret(name) else dict(change)
        for name, change in (changes or {}).items()
    }
    return AuditEntry.objects.create(
        action=action,
        actor=actor.user,
        actor_api_key=actor.api_key,
        actor_label=actor.label[:255],
        target_type=target_type or (target._meta.model_name or "" if target is not None else ""),
        target_id=str(target.pk or "") if target is not None else "",
        target_label=(target_label or str(target or ""))[:255],
        changes=safe,
        remote_addr=actor.remote_addr,
    )
