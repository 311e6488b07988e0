import pytest
from django.core.exceptions import ValidationError

from helpdesk.models import User
from helpdesk.services import user_update
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_restoring_a_deleted_user_whose_email_was_reused_is_refused():
    old = UserFactory(email="reused@example.com")
    user_update(user=old, status=User.Status.DELETED)
    UserFactory(email="reused@example.com")
    with pytest.raises(ValidationError) as error:
        user_update(user=old, status=User.Status.ACTIVE)
    assert "email" in error.value.message_dict
