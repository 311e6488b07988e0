"""Writes for users and API keys, and the rule of whom a user may act as. Every caller (API, admin,
commands) goes through these."""

import hashlib
import hmac
import secrets
from datetime import timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_changes, audit_record
from helpdesk.errors import Conflict, Invalid, NotAllowed
from helpdesk.models import ApiKey, Counter, User
from helpdesk.ratelimit import window_take
from helpdesk.selectors import api_keys_by_prefix

API_KEY_BYTES = 32
# A key's last use is recorded at most this often, so that reading the API is not a write per request.
API_KEY_TOUCH_INTERVAL = timedelta(minutes=1)
USER_NOTIFICATION_FIELDS = frozenset({"notify_assigned", "notify_customer_reply", "notify_new_conversation"})
USER_PROFILE_FIELDS = (
    frozenset({"alternate_emails", "job_title", "phone", "timezone", "language", "gender"}) | USER_NOTIFICATION_FIELDS
)


class UserEmailTaken(Conflict):
    """Another user (not deleted) has this address."""

    def __init__(self) -> None:
        super().__init__({"email": "A user with this email already exists."})


def counter_next(*, name: str) -> int:
    """The next value of a named counter. The row stays locked until the caller's transaction ends, so
    numbers are unique and, because a rollback returns the number too, without gaps."""
    with transaction.atomic():
        counter, _ = Counter.objects.select_for_update().get_or_create(name=name)
        counter.value += 1
        counter.save(update_fields=["value"])
    return counter.value


def _email_normalise(email: str) -> str:
    return User.objects.normalize_email((email or "").strip())


def _name_from_email(email: str) -> str:
    local = email.split("@", 1)[0]
    words = local.replace(".", " ").replace("_", " ").replace("-", " ").split()
    return " ".join(word.capitalize() for word in words)[:40] or "Agent"


def user_email_taken(*, email: str, exclude: User | None = None) -> bool:
    users = User.objects.exclude(status=User.Status.DELETED).filter(email__iexact=email)
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return users.exists()


@transaction.atomic
def user_create(
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    role: str = User.Role.USER,
    **profile: Any,
) -> User:
    """Creates an active user. Without a password the user cannot log in to the admin (API keys still work)."""
    email = _email_normalise(email)
    if unknown := set(profile) - USER_PROFILE_FIELDS:
        raise TypeError(f"Unknown user fields: {', '.join(sorted(unknown))}")
    user = User(
        email=email,
        first_name=(first_name or "").strip() or _name_from_email(email),
        last_name=(last_name or "").strip(),
        role=role,
        **profile,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"], validate_constraints=False)
    if user_email_taken(email=email):
        raise UserEmailTaken()
    _user_save(user)
    audit_record(
        action=AuditAction.USER_CREATED,
        target=user,
        changes=audit_changes({}, {"email": user.email, "role": user.role, "password": password or ""}),
    )
    if user.is_admin:
        from mailboxes.services import folders_ensure_for_user

        folders_ensure_for_user(user=user)
    return user


@transaction.atomic
def user_update(*, user: User, **fields: Any) -> User:
    allowed = USER_PROFILE_FIELDS | {"first_name", "last_name", "email", "role", "status", "password"}
    if unknown := set(fields) - allowed:
        raise TypeError(f"Unknown user fields: {', '.join(sorted(unknown))}")
    password = fields.pop("password", None)
    # A deleted user's address may have been reused: bringing them back must not take it twice.
    leaving_deleted = user.status == User.Status.DELETED and fields.get("status", user.status) != User.Status.DELETED
    if "email" in fields or leaving_deleted:
        fields["email"] = _email_normalise(fields.get("email", user.email))
        if user_email_taken(email=fields["email"], exclude=user):
            raise UserEmailTaken()
    leaves_admins = (
        fields.get("role", User.Role.ADMIN) != User.Role.ADMIN
        or fields.get("status", User.Status.ACTIVE) != User.Status.ACTIVE
    )
    if leaves_admins and _is_last_active_admin(user):
        key = "role" if fields.get("role", User.Role.ADMIN) != User.Role.ADMIN else "status"
        raise Invalid({key: "The last active admin must stay an active admin."})
    became_admin = fields.get("role") == User.Role.ADMIN and not user.is_admin
    # Disabling ends the user's API keys for good: enabling them again must not silently revive keys
    # that may have leaked or been handed on meanwhile (issue 20); they get new keys if they need any.
    disabling = user.status == User.Status.ACTIVE and fields.get("status", user.status) == User.Status.DISABLED
    before = {name: getattr(user, name) for name in fields} | {"password": "[set]" * user.has_usable_password()}
    for name, value in fields.items():
        setattr(user, name, value)
    if password:
        user.set_password(password)
    user.updated_at = timezone.now()
    user.full_clean(exclude=["password"], validate_constraints=False)
    _user_save(user)
    _user_update_audit(user, before=before, after=fields | ({"password": password} if password else {}))
    if disabling:
        api_keys_revoke_for_user(user=user)
    if became_admin:
        from mailboxes.services import folders_ensure_for_user

        folders_ensure_for_user(user=user)
    return user


def _user_update_audit(user: User, *, before: dict[str, Any], after: dict[str, Any]) -> None:
    """One entry for a change of role, one for a change of status, one for the rest (a new password as "[set]")."""
    changes = audit_changes(before, after)
    for field, action in (("role", AuditAction.USER_ROLE_CHANGED), ("status", AuditAction.USER_STATUS_CHANGED)):
        if field in changes:
            audit_record(action=action, target=user, changes={field: changes.pop(field)})
    if changes:
        audit_record(action=AuditAction.USER_UPDATED, target=user, changes=changes)


def _user_save(user: User) -> None:
    """Saves; a concurrent request that took the same address first (the partial unique index) is the
    same ``UserEmailTaken`` as the check before it."""
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        if user_email_taken(email=user.email, exclude=user if user.pk else None):
            raise UserEmailTaken() from None
        raise


def _is_last_active_admin(user: User) -> bool:
    """Whether ``user`` is (in the database) the only active admin. Locks the active admins' rows so that
    two requests cannot each demote one of the last two."""
    admins = list(
        User.objects.select_for_update()
        .filter(role=User.Role.ADMIN, status=User.Status.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return admins == [user.pk]


@transaction.atomic
def user_delete(*, user: User, by_user: User | None, reassign: dict[int, User | None]) -> User:
    """Marks ``user`` deleted (kept, so history keeps its author; the email is free again), moves their
    assigned conversations to ``reassign[mailbox id]`` (unassigned for mailboxes not in it, or None), each
    with its line item, revokes their API keys, removes their mailbox access and finishes their timers.
    Refused for the last active admin."""
    from conversations.models import Conversation, Timelog
    from conversations.services import conversation_assign, timelog_stop
    from mailboxes.models import Mailbox, MailboxUser
    from mailboxes.selectors import mailbox_accessible_by
    from mailboxes.services import mailbox_user_revoke

    user = User.objects.select_for_update().get(pk=user.pk)
    if user.status == User.Status.DELETED:
        return user
    if _is_last_active_admin(user):
        raise Invalid("The last active admin cannot be deleted.")
    mailboxes = Mailbox.objects.in_bulk(list(reassign))
    for mailbox_id, assignee in reassign.items():
        key = f"reassign[{mailbox_id}]"
        if mailbox_id not in mailboxes:
            raise Invalid({key: f"No mailbox with id {mailbox_id}."})
        if assignee is None:
            continue
        if assignee.pk == user.pk:
            raise Invalid({key: "Cannot reassign to the user being deleted."})
        if not mailbox_accessible_by(user=assignee, mailbox_id=mailbox_id):
            raise Invalid({key: f"{assignee.email} has no access to mailbox {mailboxes[mailbox_id].name}."})
    for conversation in Conversation.objects.filter(assignee=user).order_by("pk"):
        conversation_assign(conversation=conversation, assignee=reassign.get(conversation.mailbox_id), by_user=by_user)
    for timelog in Timelog.objects.filter(user=user, finished=False):
        timelog_stop(timelog=timelog, finish=True)
    api_keys_revoke_for_user(user=user)
    for access in MailboxUser.objects.filter(user=user).select_related("mailbox"):
        mailbox_user_revoke(mailbox=access.mailbox, user=user)
    audit_record(
        action=AuditAction.USER_DELETED,
        target=user,
        changes=audit_changes({"status": user.status}, {"status": User.Status.DELETED}),
    )
    user.status = User.Status.DELETED
    user.updated_at = timezone.now()
    user.save(update_fields=["status", "updated_at"])
    return user


def user_act_as_check(*, actor: User, user: User) -> None:
    """Refuses ``actor`` (an API key's user) acting as ``user`` (named as the author of a change, the owner
    of a timer): an admin may act as anyone, a regular user only as itself."""
    if not actor.is_admin and user.pk != actor.pk:
        raise NotAllowed("A regular user's API key can only act as that user.")


def _api_key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_create(*, user: User, name: str = "") -> tuple[ApiKey, str]:
    """Returns the key row and the key itself, which is shown once and never stored."""
    if user.status == User.Status.DELETED:
        raise Invalid({"user": "A deleted user cannot have API keys."})
    raw_key = secrets.token_hex(API_KEY_BYTES)
    with transaction.atomic():
        api_key = ApiKey.objects.create(
            user=user, name=name, prefix=raw_key[: ApiKey.PREFIX_LENGTH], key_hash=_api_key_hash(raw_key)
        )
        audit_record(
            action=AuditAction.API_KEY_CREATED,
            target=api_key,
            target_label=_api_key_label(api_key),
            changes=audit_changes({}, {"user": user.email, "name": name}),
        )
    return api_key, raw_key


def _api_key_label(api_key: ApiKey) -> str:
    return f"{api_key.prefix}… of {api_key.user.email}" + (f" ({api_key.name})" if api_key.name else "")


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revokes the key once: of two revocations at once (two admins, or a stale instance), the one that
    finds it live records it; the other keeps the first one's time and writes no second entry."""
    if api_key.revoked_at is None:
        with transaction.atomic():
            now = timezone.now()
            if ApiKey.objects.filter(pk=api_key.pk, revoked_at=None).update(revoked_at=now):
                api_key.revoked_at = now
                audit_record(action=AuditAction.API_KEY_REVOKED, target=api_key, target_label=_api_key_label(api_key))
            else:
                api_key.refresh_from_db(fields=["revoked_at"])
    return api_key


@transaction.atomic  # its lock needs a transaction; its callers have one, a new caller might not
def api_keys_revoke_for_user(*, user: User) -> int:
    """Revokes every live key of ``user`` (when they are disabled or deleted); returns how many."""
    keys = list(ApiKey.objects.select_for_update().filter(user=user, revoked_at=None).order_by("pk"))
    for api_key in keys:
        api_key_revoke(api_key=api_key)
    return len(keys)


class ApiKeyRefusal(StrEnum):
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    USER_DISABLED = "user disabled"


class ApiKeyRefused(Exception):
    """Why a key was refused: each dialect answers the reasons as its documents say (FreeScout: all 401;
    LiveAgent: an unknown key 401, a recognised but unusable one 400)."""

    def __init__(self, reason: ApiKeyRefusal) -> None:
        super().__init__(f"API key refused: {reason}")
        self.reason = reason


def api_key_authenticate(*, raw_key: str, client_ip: str | None = None) -> ApiKey:
    """The live key matching ``raw_key`` whose user is active; otherwise ``ApiKeyRefused`` says why (a
    deleted user's keys are revoked). Compares hashes in constant time.

    With ``client_ip`` (the dialects pass it on every request) the limits against brute force and floods
    apply, here once for both dialects: past ``HELPDESK_API_KEY_FAILURES_PER_MINUTE`` refusals from one
    address in a minute, every further refusal from there is ``RateLimited`` instead, while a key that
    matches is never held back by its address (clients behind one NAT share it), only by its own
    ``HELPDESK_API_KEY_REQUESTS_PER_MINUTE`` or the key's own ``requests_per_minute``."""
    try:
        api_key = _api_key_match(raw_key)
    except ApiKeyRefused:
        if client_ip is not None:
            window_take(
                f"api-key-failures:{client_ip}",
                limit=settings.HELPDESK_API_KEY_FAILURES_PER_MINUTE,
                window=60,
                message="Too many failed API key attempts from this address.",
            )
        raise
    if client_ip is not None:
        own_limit = api_key.requests_per_minute
        window_take(
            f"api-key:{api_key.pk}",
            limit=settings.HELPDESK_API_KEY_REQUESTS_PER_MINUTE if own_limit is None else own_limit,
            window=60,
            message="Too many requests with this API key.",
        )
    return api_key


def _api_key_match(raw_key: str) -> ApiKey:
    raw_key = (raw_key or "").strip()
    if len(raw_key) < ApiKey.PREFIX_LENGTH or len(raw_key) > 256:
        raise ApiKeyRefused(ApiKeyRefusal.UNKNOWN)
    key_hash = _api_key_hash(raw_key)
    candidates = api_keys_by_prefix(prefix=raw_key[: ApiKey.PREFIX_LENGTH])
    match = next((c for c in candidates if hmac.compare_digest(c.key_hash, key_hash)), None)
    if match is None:
        raise ApiKeyRefused(ApiKeyRefusal.UNKNOWN)
    if match.revoked_at is not None:
        raise ApiKeyRefused(ApiKeyRefusal.REVOKED)
    if not match.user.is_active:
        raise ApiKeyRefused(ApiKeyRefusal.USER_DISABLED)
    now = timezone.now()
    if match.last_used_at is None or now - match.last_used_at > API_KEY_TOUCH_INTERVAL:
        ApiKey.objects.filter(pk=match.pk).update(last_used_at=now)
        match.last_used_at = now
    return match


def api_key_limit_set(*, api_key: ApiKey, requests_per_minute: int | None) -> ApiKey:
    """Sets the key's own requests a minute (None: the installation's default); at least 1."""
    if requests_per_minute is not None and requests_per_minute < 1:
        raise Invalid({"requests_per_minute": "At least one request a minute; leave it empty for the default."})
    with transaction.atomic():
        # The caller's instance may carry the new value already (the admin's form): the row has the old one.
        before = ApiKey.objects.select_for_update().values_list("requests_per_minute", flat=True).get(pk=api_key.pk)
        api_key.requests_per_minute = requests_per_minute
        api_key.save(update_fields=["requests_per_minute"])
        if before != requests_per_minute:
            audit_record(
                action=AuditAction.API_KEY_LIMIT_CHANGED,
                target=api_key,
                target_label=_api_key_label(api_key),
                changes=audit_changes({"requests_per_minute": before}, {"requests_per_minute": requests_per_minute}),
            )
    return api_key
