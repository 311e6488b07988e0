from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from helpdesk.models import User
from helpdesk.services import user_create, user_update


class Command(BaseCommand):
    help = "Creates the given admin if there is none with that email (idempotent: an existing user is kept as is)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, email: str, password: str, first_name: str, last_name: str, **options):
        if not password:
            raise CommandError("--password may not be empty.")
        existing = User.objects.exclude(status=User.Status.DELETED).filter(email__iexact=email.strip()).first()
        if existing is not None:
            if not existing.is_admin:
                user_update(user=existing, role=User.Role.ADMIN)
                self.stdout.write(f"{existing.email} exists; made an admin.")
            else:
                self.stdout.write(f"Admin {existing.email} already exists.")
            return
        try:
            user = user_create(
                email=email, password=password, first_name=first_name, last_name=last_name, role=User.Role.ADMIN
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"Created admin {user.get_full_name()} <{user.email}>.")
