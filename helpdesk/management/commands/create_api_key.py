from django.core.management.base import BaseCommand, CommandError

from helpdesk.models import User
from helpdesk.services import api_key_create


class Command(BaseCommand):
    help = "Creates an API key for the user with this email and prints it alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="", help="A label to recognise the key by.")

    def handle(self, *args, email: str, name: str, **options):
        user = User.objects.filter(status=User.Status.ACTIVE, email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No active user with email {email}.")
        _, raw_key = api_key_create(user=user, name=name or "created by manage.py create_api_key")
        self.stderr.write(f"API key for {user.email} (shown once, store it now):")
        self.stdout.write(raw_key)
