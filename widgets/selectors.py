"""Reads of widgets."""

import re

from django.db.models import QuerySet

from widgets.models import PUBLIC_KEY_REGEX, Widget

_PUBLIC_KEY = re.compile(PUBLIC_KEY_REGEX)


def widget_by_public_key(key: str) -> Widget | None:
    """The widget a snippet names, or None (a malformed key is looked up no further)."""
    if not _PUBLIC_KEY.match(key):
        return None
    return Widget.objects.select_related("mailbox").filter(public_key=key).first()


def widgets_for_mailboxes(mailboxes: QuerySet) -> QuerySet[Widget]:
    """The widgets of ``mailboxes``, oldest first, with what their payloads read."""
    return Widget.objects.filter(mailbox__in=mailboxes).select_related("knowledge_base").order_by("id")
