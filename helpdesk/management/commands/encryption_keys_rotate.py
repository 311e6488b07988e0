from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from helpdesk.crypto import columns_rewrite
from helpdesk.fields import EncryptedTextField


class Command(BaseCommand):
    help = (
        "Encrypts every encrypted column again with the first key of HELPDESK_ENCRYPTION_KEYS (the second step "
        "of a key rotation; afterwards the old keys can be removed). Safe to run twice, and while serving."
    )

    def handle(self, *args, **options):
        changed, unreadable = 0, []
        for model in apps.get_models():
            columns = [f.column for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if columns:
                with transaction.atomic():
                    result = columns_rewrite(connection, table=model._meta.db_table, columns=columns, mode="rotate")
                changed += result.changed
                unreadable += result.unreadable
        self.stdout.write(f"{changed} secret(s) encrypted again with the first key.")
        if unreadable:
            where = ", ".join(f"{table}.{column} id {pk}" for table, column, pk in unreadable)
            raise CommandError(
                f"{len(unreadable)} secret(s) no key of HELPDESK_ENCRYPTION_KEYS opens, left as they are: {where}. "
                "Put the key that encrypted them back in the list (after the first) and run this again, or set "
                "these secrets anew."
            )
