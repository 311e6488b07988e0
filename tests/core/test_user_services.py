import pytest
from django.core.exceptions import ValidationError

from helpdesk.errors import Invalid, NotAllowed
from helpdesk.models import ApiKey, User
from helpdesk.services import api_key_create, user_act_as_check, user_delete, user_update
from tests.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_restoring_a_deleted_user_whose_email_was_reused_is_refused():
    old = UserFactory(email="reused@example.com")
    user_update(user=old, status=User.Status.DELETED)
    UserFactory(email="reused@example.com")
    with pytest.raises(ValidationError) as error:
        user_update(user=old, status=User.Status.ACTIVE)
    assert "email" in error.value.message_dict


def test_a_deleted_user_gets_no_api_key(admin, agent):
    deleted = user_delete(user=agent, by_user=admin, reassign={})
    with pytest.raises(Invalid) as error:
        api_key_create(user=deleted)
    assert error.value.message_dict == {"user": ["A deleted user cannot have API keys."]}
    assert not ApiKey.objects.filter(user=agent).exists()


def test_a_regular_user_acts_only_as_itself_and_an_admin_as_anyone(admin, agent):
    other = UserFactory()
    user_act_as_check(actor=agent, user=agent)
    user_act_as_check(actor=admin, user=agent)
    user_act_as_check(actor=admin, user=AdminFactory())
    for user in (other, admin):
        with pytest.raises(NotAllowed) as error:
            user_act_as_check(actor=agent, user=user)
        assert str(error.value) == "A regular user's API key can only act as that user."
