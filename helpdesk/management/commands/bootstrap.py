from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from helpdesk.models import User
from helpdesk.services import user_create, user_update

# Options whose value a person chooses freely: a password may start with "-" ("-Hzg3…", "--x"), which
# argparse would take for an option when it is given as a separate argument.
VALUE_OPTIONS = ("--email", "--password", "--first-name", "--last-name")


def options_joined(argv: list[str], names: tuple[str, ...] = VALUE_OPTIONS) -> list[str]:
    """``argv`` with ``--name value`` written as ``--name=value`` for these options, so that any value is
    read as the value, whatever its first character."""
    joined: list[str] = []
    arguments = iter(argv)
    for argument in arguments:
        value = next(arguments, None) if argument in names else None
        joined.append(argument if value is None else f"{argument}={value}")
    return joined


class Command(BaseCommand):
    help = (
        "Creates the given admin if there is none with that email (idempotent: an existing user is kept as is). "
        "Any password is accepted, one starting with '-' too (--password=VALUE is the safest form)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def create_parser(self, prog_name: str, subcommand: str, **kwargs) -> CommandParser:
        # Both ways in, ``manage.py bootstrap …`` and ``call_command("bootstrap", …)``, parse through here.
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parse_args = parser.parse_args
        # Patched on this parser instance, which Django creates; typeshed's parse_args is overloaded.
        parser.parse_args = lambda args=None, namespace=None: parse_args(  # type: ignore[method-assign, assignment]
            options_joined(list(args)) if args is not None else None, namespace
        )
        return parser

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
