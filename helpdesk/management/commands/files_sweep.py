from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from helpdesk.storage.sweep import files_unreferenced_sweep


class Command(BaseCommand):
    help = (
        "Deletes the stored files (attachments, photos) that no row references, once older than the grace "
        "period; what Celery beat runs every six hours."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace-hours",
            type=float,
            default=None,
            help="Keep files written less than this many hours ago (default HELPDESK_FILE_SWEEP_GRACE_HOURS).",
        )
        parser.add_argument("--dry-run", action="store_true", help="List the files without deleting them.")

    def handle(self, *args, grace_hours: float | None, dry_run: bool, **options):
        hours = settings.HELPDESK_FILE_SWEEP_GRACE_HOURS if grace_hours is None else grace_hours
        if hours < 0:
            raise CommandError("--grace-hours cannot be negative.")
        swept = files_unreferenced_sweep(older_than=timedelta(hours=hours), dry_run=dry_run)
        for name in swept:
            self.stdout.write(name)
        verb = "would delete" if dry_run else "deleted"
        self.stderr.write(f"{len(swept)} unreferenced files {verb} (older than {hours:g} hours).")
