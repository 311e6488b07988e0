import pytest
from django.test import Client


@pytest.fixture
def la(db) -> Client:
    """A plain client: LiveAgent keys travel as parameters, so none is set up front."""
    return Client()
