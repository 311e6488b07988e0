from typing import Any

from django.core.management.base import BaseCommand

from reports.services import figures_rebuild


class Command(BaseCommand):
    help = (
        "Derives every report fact and hourly sum again from the conversations' threads (stop the writers "
        "first: the tables are replaced in one transaction)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = figures_rebuild(log=(lambda line: self.stdout.write(line)) if options["verbosity"] > 1 else None)
        self.stdout.write(f"Report figures rebuilt from {done} conversations.")
