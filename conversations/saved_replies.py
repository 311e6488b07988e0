"""Saved replies as an agent inserts them into one conversation's composer: their placeholders filled.

A placeholder is ``{group.field}``, optionally with a fallback for an empty value after a bar:
``{customer.first_name|there}``. Known placeholders:

- ``{customer.first_name}``, ``{customer.last_name}``, ``{customer.name}``, ``{customer.email}``
- ``{agent.first_name}``, ``{agent.name}``, ``{agent.email}`` (the agent inserting the reply)
- ``{conversation.number}``, ``{conversation.subject}``, ``{mailbox.name}``, ``{mailbox.email}``

An unknown placeholder stays as written, so that a typo shows in the composer instead of vanishing; a
known one with no value (a customer without a first name) becomes its fallback, or nothing. Values are
HTML-escaped into the stored (already sanitised) body; the plain text is what the composer's textarea gets.
"""

import html
import re
from dataclasses import dataclass

from django.utils.html import escape, strip_tags

from conversations.models import Conversation
from helpdesk.models import User
from mailboxes.selectors import saved_replies_of

# The fallback may hold no braces and no markup: it is text of the already sanitised body.
PLACEHOLDER = re.compile(r"\{([a-z]+)\.([a-z_]+)(?:\|([^{}<>]*))?\}")


@dataclass(frozen=True)
class FilledReply:
    id: int
    name: str
    html: str
    text: str


def placeholder_values(*, conversation: Conversation, agent: User) -> dict[str, str]:
    customer = conversation.customer
    return {
        "customer.first_name": customer.first_name if customer else "",
        "customer.last_name": customer.last_name if customer else "",
        "customer.name": customer.get_full_name() if customer else "",
        "customer.email": conversation.customer_email or "",
        "agent.first_name": agent.first_name,
        "agent.name": agent.get_full_name() or agent.email,
        "agent.email": agent.email,
        "conversation.number": str(conversation.number),
        "conversation.subject": conversation.subject or "",
        "mailbox.name": conversation.mailbox.name,
        "mailbox.email": conversation.mailbox.email,
    }


def placeholders_fill(body: str, *, values: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        key = f"{match[1]}.{match[2]}"
        if key not in values:
            return match[0]
        return escape(values[key].strip()) or (match[3] or "").strip()

    return PLACEHOLDER.sub(fill, body)


def html_to_text(body: str) -> str:
    """The composer's plain text of an HTML body: paragraphs apart, line breaks kept, markup dropped."""
    text = re.sub(r"<br\s*/?>", "\n", body, flags=re.IGNORECASE)
    text = re.sub(r"</(p|div|h[1-6]|blockquote|ul|ol)>", "\n\n", text, flags=re.IGNORECASE)
    text = re.sub(r"<li[^>]*>", "- ", text, flags=re.IGNORECASE)
    text = re.sub(r"</li>", "\n", text, flags=re.IGNORECASE)
    text = html.unescape(strip_tags(text))
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def saved_replies_filled(*, conversation: Conversation, agent: User) -> list[FilledReply]:
    """The saved replies of the conversation's mailbox (and no other), filled for this conversation."""
    values = placeholder_values(conversation=conversation, agent=agent)
    filled = []
    for reply in saved_replies_of(mailbox_id=conversation.mailbox_id):
        body = placeholders_fill(reply.body, values=values)
        filled.append(FilledReply(id=reply.pk, name=reply.name, html=body, text=html_to_text(body)))
    return filled
