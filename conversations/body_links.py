"""Links from a thread's body to our own attachments (the inline images taken in from email, and any link to
an attachment's download URL), stored free of any host name: a path from the installation's root,
``/attachments/<token>/<name>`` (``attachment_path``), so that a ``fetch_mail`` run without ``HELPDESK_BASE_URL``
or a later change of domain breaks nothing. What leaves for another host takes the body through
``body_links_absolute``, which puts ``HELPDESK_BASE_URL`` in front when the body is read: both API dialects'
bodies, webhook payloads (built by the FreeScout payload functions) and outgoing email. The agent UI keeps the
path as it is (its pages are on our host, and conversations/rendering.py shows our attachments in place).

Bodies are stored as nh3 writes them: inside a tag, ``<`` and ``>`` never occur and attribute values are in
double quotes with ``"`` escaped, so a tag and an attribute are found by the regular expressions below exactly.
Migration 0012 rewrote the links stored before (on any host) with its own frozen copy of these rules."""

import re

from django.conf import settings
from django.urls import reverse

# Where attachment_download is mounted (helpdesk/urls.py; a test checks the two agree).
ATTACHMENT_PATH_PREFIX = "/attachments/"

_TAG = re.compile(r"<[a-zA-Z][^<>]*>")
_RELATIVE_LINK = re.compile(r'(\s(?:src|href)=")(?=/attachments/)')


def attachment_path(token: str, file_name: str) -> str:
    """An attachment's download URL without the host: what a stored body links to."""
    return reverse("attachment-download", args=[token, file_name])


def body_links_absolute(body: str) -> str:
    """``body`` with its links to our attachments made absolute on ``HELPDESK_BASE_URL``, for a reader on
    another host (an API client, a webhook receiver, a mail client)."""
    if ATTACHMENT_PATH_PREFIX not in body:
        return body
    base = settings.HELPDESK_BASE_URL
    return _TAG.sub(lambda tag: _RELATIVE_LINK.sub(lambda link: link.group(1) + base, tag.group(0)), body)


def body_links_relative(body: str) -> str:
    """``body`` with links to our attachments on ``HELPDESK_BASE_URL`` made host-free, as bodies are stored
    (an API client may send back a body it read, with its absolute links)."""
    base = settings.HELPDESK_BASE_URL
    if f"{base}{ATTACHMENT_PATH_PREFIX}" not in body:
        return body
    absolute = re.compile(rf'(\s(?:src|href)="){re.escape(base)}(?={ATTACHMENT_PATH_PREFIX})')
    return _TAG.sub(lambda tag: absolute.sub(lambda link: link.group(1), tag.group(0)), body)
