from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo.seed import demo_conflicts, demo_present, demo_seed


class Command(BaseCommand):
    help = (
        "Fills the helpdesk with demo mailboxes, agents, customers and a month of conversations. "
        "Does nothing when the demo is already there; creates no admin (see `bootstrap`)."
    )

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            if demo_present():
                self.stdout.write("Demo data already present")
                return
            if conflicts := demo_conflicts():
                raise CommandError(f"Cannot seed the demo, these already exist: {', '.join(conflicts)}")
            counts = demo_seed()
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data created: {summary}."))
