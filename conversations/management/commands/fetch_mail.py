from django.core.management.base import BaseCommand, CommandError, CommandParser

from conversations.mail.imap import mail_fetch_all, mail_fetch_mailbox
from mailboxes.models import Mailbox


class Command(BaseCommand):
    help = "Fetches new mail over IMAP for every mailbox with incoming settings (or the given mailbox ids)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("mailbox_ids", nargs="*", type=int)

    def handle(self, *args, mailbox_ids: list[int], **options) -> None:
        results: dict[int, int | str]
        if mailbox_ids:
            mailboxes = list(Mailbox.objects.filter(pk__in=mailbox_ids).order_by("pk"))
            missing = set(mailbox_ids) - {m.pk for m in mailboxes}
            if missing:
                raise CommandError(f"No mailbox with id {', '.join(map(str, sorted(missing)))}.")
            results = {mailbox.pk: mail_fetch_mailbox(mailbox) for mailbox in mailboxes}
        else:
            results = mail_fetch_all()
        for mailbox_id, result in results.items():
            self.stdout.write(f"mailbox {mailbox_id}: {result}")
