import io

import pytest
from django.core.management import CommandError, call_command

from helpdesk.models import ApiKey, User
from helpdesk.services import api_key_authenticate
from mailboxes.models import Folder
from tests.factories import MailboxFactory, UserFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_bootstrap_creates_the_admin_once():
    mailbox = MailboxFactory()
    run("bootstrap", "--email", "Boss@Example.com", "--password", "s3cret-pass", "--first-name", "Grace")
    user = User.objects.get()
    assert (user.email, user.first_name, user.role, user.status) == ("Boss@example.com", "Grace", "admin", "active")
    assert user.check_password("s3cret-pass")
    assert Folder.objects.filter(mailbox=mailbox, user=user).count() == 2

    output = run("bootstrap", "--email", "boss@example.com", "--password", "other-pass")
    assert "already exists" in output
    user.refresh_from_db()
    assert User.objects.count() == 1
    assert user.check_password("s3cret-pass")  # an existing admin is left alone


def test_bootstrap_names_are_never_empty():
    run("bootstrap", "--email", "mary.jane-watson@example.com", "--password", "pw")
    user = User.objects.get()
    assert user.first_name == "Mary Jane Watson"
    assert user.last_name == ""
    assert user.get_full_name()


def test_bootstrap_promotes_an_existing_regular_user():
    UserFactory(email="lead@example.com")
    assert "made an admin" in run("bootstrap", "--email", "lead@example.com", "--password", "pw")
    assert User.objects.get(email="lead@example.com").is_admin


@pytest.mark.parametrize(
    "args", [["--email", "not-an-email", "--password", "pw"], ["--email", "a@example.com", "--password", ""]]
)
def test_bootstrap_refuses_bad_input(args):
    with pytest.raises(CommandError):
        run("bootstrap", *args)
    assert not User.objects.exists()


def test_create_api_key_prints_the_key_alone_on_the_last_line(agent):
    output = run("create_api_key", "AGENT@example.com")
    raw = output.strip().splitlines()[-1]
    assert raw == output.strip()  # nothing else on stdout
    assert api_key_authenticate(raw_key=raw).user == agent
    assert ApiKey.objects.get(user=agent).key_hash != raw


def test_create_api_key_refuses_unknown_and_inactive_users(agent):
    with pytest.raises(CommandError):
        run("create_api_key", "nobody@example.com")
    agent.status = User.Status.DISABLED
    agent.save()
    with pytest.raises(CommandError):
        run("create_api_key", agent.email)
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("password", ["-Hzg3cWweKbZeiBH", "--x", "with space", "qu'o\"te", "-", "--password"])
def test_bootstrap_takes_any_password_even_as_a_separate_argument(password):
    """Issue 21: a password starting with "-" was read by argparse as an option."""
    run("bootstrap", "--email", "boss@example.com", "--password", password, "--first-name", "-Ada")
    user = User.objects.get()
    assert user.check_password(password)
    assert user.first_name == "-Ada"


def test_bootstrap_takes_the_joined_form():
    run("bootstrap", "--email=boss@example.com", "--password=-a=b")
    assert User.objects.get().check_password("-a=b")
