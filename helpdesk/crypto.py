"""Secrets at rest: the Fernet keys of ``HELPDESK_ENCRYPTION_KEYS`` and the few functions that use them.

The first key encrypts; every key decrypts, so a key is rotated in three steps: put the new key first (the
old one stays after it), run ``manage.py encryption_keys_rotate`` (every encrypted column rewritten with the
new key), then drop the old key. Fernet (AES-128-CBC with an HMAC-SHA256 over it) refuses a token altered by
a single bit, and a token no configured key opens is reported as such, never guessed at.

Imports nothing from the project: ``helpdesk.fields.EncryptedTextField`` is its only model-level caller.
"""

import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEYS_VARIABLE = "HELPDESK_ENCRYPTION_KEYS"
KEY_COMMAND = 'python3 -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


class SecretUnreadable(ValueError):
    """A stored secret that none of the configured keys opens (a key removed too early, or the wrong key)."""


def keys_parse(value: str | Sequence[str]) -> list[str]:
    """The keys of a comma-separated ``HELPDESK_ENCRYPTION_KEYS`` (or a list), each checked: a key that is not
    32 url-safe base64-encoded bytes is an ``ImproperlyConfigured`` naming its position, never a later crash."""
    keys = [key.strip() for key in (value.split(",") if isinstance(value, str) else value) if key.strip()]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"{KEYS_VARIABLE}: key {position} is not a Fernet key (32 url-safe base64-encoded bytes). "
                f"Make one with: {KEY_COMMAND}"
            ) from None
    return keys


def embedded_key(data_dir: Path) -> str:
    """The key of a local install, made once in the data directory (like its secret key) so that ``make run``
    needs no setting. Created exclusively: two processes starting together read the same key."""
    path = data_dir / "encryption_key"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as file:
            file.write(Fernet.generate_key().decode())
    for _ in range(50):  # another process may be between creating the file and writing it
        if key := path.read_text().strip():
            return key
        os.sched_yield()
    raise ImproperlyConfigured(
        f"{path} is empty: delete it to have a new key made (secrets encrypted before are lost)."
    )


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _configured() -> MultiFernet:
    keys = tuple(getattr(settings, KEYS_VARIABLE, ()))
    if not keys:
        raise ImproperlyConfigured(
            f"{KEYS_VARIABLE} is empty: secrets cannot be encrypted. Make a key with: {KEY_COMMAND}"
        )
    return _fernet(keys)


def secret_encrypt(plaintext: str) -> str:
    """A Fernet token (ASCII) of ``plaintext``, made with the first key."""
    return _configured().encrypt(plaintext.encode()).decode("ascii")


def secret_decrypt(token: str) -> str:
    """The plaintext of a token made by ``secret_encrypt`` with any of the configured keys."""
    try:
        return _configured().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError):
        raise SecretUnreadable(
            f"A stored secret cannot be decrypted with any key of {KEYS_VARIABLE} "
            "(was the key that encrypted it removed, or is this the wrong key?)."
        ) from None


def secret_reencrypt(token: str) -> str:
    """The token encrypted again with the first key (rotation's second step); ``SecretUnreadable`` as above."""
    try:
        return _configured().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError):
        raise SecretUnreadable(f"A stored secret cannot be decrypted with any key of {KEYS_VARIABLE}.") from None


class ColumnsRewritten(NamedTuple):
    changed: int
    # (table, column, row id) of the values no configured key opens, left as they are.
    unreadable: list[tuple[str, str, object]]


def columns_rewrite(connection: Any, *, table: str, columns: Sequence[str], mode: str) -> ColumnsRewritten:
    """Rewrites every non-empty value of ``columns`` in ``table`` in place, by raw SQL: ``"encrypt"`` plaintext
    and ``"decrypt"`` tokens (the data migrations that bring existing values under encryption and back), or
    ``"rotate"`` tokens to the first key (``manage.py encryption_keys_rotate``). Each row is written only if
    its value is still the one read, so a change made meanwhile is never overwritten."""
    transform = {"encrypt": secret_encrypt, "decrypt": secret_decrypt, "rotate": secret_reencrypt}[mode]
    quote = connection.ops.quote_name
    changed, unreadable = 0, []
    with connection.cursor() as cursor:
        for column in columns:
            cursor.execute(f"SELECT id, {quote(column)} FROM {quote(table)} WHERE {quote(column)} <> ''")  # noqa: S608
            for pk, value in cursor.fetchall():
                try:
                    new = transform(value)
                except SecretUnreadable:
                    if mode != "rotate":  # a migration cannot go on (or back) without the key
                        raise
                    unreadable.append((table, column, pk))
                    continue
                cursor.execute(
                    f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s AND {quote(column)} = %s",  # noqa: S608
                    [new, pk, value],
                )
                changed += cursor.rowcount
    return ColumnsRewritten(changed=changed, unreadable=unreadable)
