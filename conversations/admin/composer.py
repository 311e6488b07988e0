"""The parts of the composer shared by the reply form and the forward form: address lists as the agent
types them, the rich editor's HTML (composer.js) and the mailbox's signature shown under it."""

import re
from typing import Any

import nh3
from django import forms
from django.core.exceptions import ValidationError

from customers.services import email_normalise
from mailboxes.models import Mailbox

# Agents paste lists from mail clients: "a@x.com, b@y.com; c@z.com", one a line, or with names in
# angle brackets ("Ana <ana@x.com>").
_SEPARATORS = re.compile(r"[,;\s]+")
_NAMED = re.compile(r"[^<>,;]*<([^<>]+)>")


def addresses_split(value: str) -> list[str]:
    """The addresses in ``value`` as typed, names dropped, each once; not validated."""
    value = _NAMED.sub(lambda match: f" {match.group(1)} ", value or "")
    return list(dict.fromkeys(part for part in _SEPARATORS.split(value) if part))


def addresses_valid(value: str) -> list[str]:
    """The valid addresses of ``value``, normalised (a draft keeps these while the agent is still typing)."""
    valid = []
    for address in addresses_split(value):
        try:
            valid.append(email_normalise(address))
        except ValidationError:
            continue
    return list(dict.fromkeys(valid))


class AddressesField(forms.CharField):
    """Email addresses separated by commas, semicolons or spaces; every one must be valid."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "name@example.com"}),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        addresses = []
        for address in addresses_split(super().to_python(value) or ""):
            try:
                addresses.append(email_normalise(address))
            except ValidationError:
                raise ValidationError(
                    f"{address} is not a valid email address.", code="invalid", params={"value": address}
                ) from None
        return list(dict.fromkeys(addresses))


def signature_html(mailbox: Mailbox) -> str:
    """The mailbox's signature as the reply's email carries it (``conversations.mail.compose``)."""
    return nh3.clean(mailbox.signature or "")
