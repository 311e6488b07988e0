"""The headers that sign a webhook request, in the two schemes receivers verify (freescout-behaviour.md §8).

- ``X-FreeScout-Signature``: base64(HMAC-SHA1(body, secret)), the key being the secret string exactly as
  shown (its UTF-8 bytes), which is what FreeScout receivers do with their "Secret Key".
- Standard Webhooks v1: ``webhook-signature: v1,<base64(HMAC-SHA256("{id}.{timestamp}.{body}"))>``, the key
  being the base64-decoded bytes after ``whsec_``. While a rotated-out secret is still honoured, a second
  ``v1,`` signature made with it follows, space-separated, as that spec allows.
"""

import base64
import hashlib
import hmac
from collections.abc import Iterable

SECRET_PREFIX = "whsec_"


def freescout_signature(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha1).digest()).decode()


def standard_webhooks_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def standard_webhooks_signature(*, message_id: str, timestamp: int, body: bytes, secrets: Iterable[str]) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(standard_webhooks_key(secret), signed, hashlib.sha256).digest()).decode()
        for secret in secrets
    )


def signed_headers(
    *, event: str, message_id: str, timestamp: int, body: bytes, secret: str, previous_secret: str = ""
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-FreeScout-Event": event,
        "X-FreeScout-Signature": freescout_signature(body, secret),
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_webhooks_signature(
            message_id=message_id,
            timestamp=timestamp,
            body=body,
            secrets=[secret, previous_secret] if previous_secret else [secret],
        ),
    }
