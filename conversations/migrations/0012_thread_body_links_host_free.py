"""Links from stored thread bodies to our attachments become host-free (conversations/body_links.py): an
absolute ``http(s)://<any host>[/<any path>]/attachments/<token>/<name>`` in a ``src`` or ``href`` becomes
``/attachments/<token>/<name>`` when ``<token>`` is an attachment of ours, whatever host it was written on (the
``HELPDESK_BASE_URL`` of the day, or the default ``http://127.0.0.1:8000`` of a ``fetch_mail`` run without
it). A link whose token is not ours is left alone: it is someone else's URL.

Reversible: going back writes the links absolute again on today's ``HELPDESK_BASE_URL`` (not on the host each
was first written on, which is not kept). Batched by id; frozen with this migration: do not change it later."""

import re

from django.conf import settings
from django.db import migrations

BATCH = 2000
_TAG = re.compile(r"<[a-zA-Z][^<>]*>")
_ABSOLUTE = re.compile(r'(\s(?:src|href)=")https?://[^"/]+(?:/[^"]*?)?(/attachments/([0-9a-f]{32})/)')
_RELATIVE = re.compile(r'(\s(?:src|href)=")(?=/attachments/[0-9a-f]{32}/)')


def _rewrite(apps, needle, rewrite_bodies):
    """Runs ``rewrite_bodies`` (a batch's bodies → their new bodies) over the threads whose body holds
    ``needle``, saving those that changed."""
    Thread = apps.get_model("conversations", "Thread")
    threads = Thread.objects.filter(body__contains=needle).order_by("pk")
    last = 0
    while batch := list(threads.filter(pk__gt=last).only("pk", "body")[:BATCH]):
        last = batch[-1].pk
        changed = []
        for thread, body in zip(batch, rewrite_bodies([t.body for t in batch]), strict=True):
            if body != thread.body:
                thread.body = body
                changed.append(thread)
        Thread.objects.bulk_update(changed, ["body"])


def links_host_free(apps, schema_editor):
    Attachment = apps.get_model("conversations", "Attachment")

    def rewrite_bodies(bodies):
        tokens = {match.group(3) for body in bodies for match in _ABSOLUTE.finditer(body)}
        ours = set(Attachment.objects.filter(token__in=tokens).values_list("token", flat=True))

        def link(match):
            return match.group(1) + match.group(2) if match.group(3) in ours else match.group(0)

        return [_TAG.sub(lambda tag: _ABSOLUTE.sub(link, tag.group(0)), body) for body in bodies]

    _rewrite(apps, "/attachments/", rewrite_bodies)


def links_absolute(apps, schema_editor):
    base = settings.HELPDESK_BASE_URL

    def rewrite_bodies(bodies):
        return [_TAG.sub(lambda tag: _RELATIVE.sub(lambda m: m.group(1) + base, tag.group(0)), b) for b in bodies]

    _rewrite(apps, '="/attachments/', rewrite_bodies)


class Migration(migrations.Migration):
    dependencies = [("conversations", "0011_agent_ui")]

    operations = [migrations.RunPython(links_host_free, links_absolute, elidable=True)]
