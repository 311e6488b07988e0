"""LiveAgent ids (liveagent/ids.py) must never change between releases: a client stores them."""

import pytest

from liveagent.ids import Kind, id_decode, id_encode, pk_decode

# Golden values: if one of these changes, every id given to a client so far is broken.
GOLDEN = [
    (Kind.AGENT_USER, 1, "xqlt57rc"),
    (Kind.AGENT_USER, 123456, "fmpiaz03"),
    (Kind.CUSTOMER_CONTACT, 1, "umzcgg0c"),
    (Kind.CONVERSATION, 1, "ne5uigej"),
    (Kind.CONVERSATION, 123456, "lkgfmw94"),
    (Kind.DEPARTMENT, 1, "px3yudzg"),
    (Kind.TAG, 123456, "u1zmkopg"),
    (Kind.KNOWLEDGE_BASE, 1, "0n1i3np5"),
]


@pytest.mark.parametrize(("kind", "pk", "value"), GOLDEN)
def test_ids_are_stable(kind, pk, value):
    assert id_encode(kind, pk) == value
    assert pk_decode(kind, value) == pk


def test_an_id_names_one_kind_of_row():
    conversation = id_encode(Kind.CONVERSATION, 7)
    assert pk_decode(Kind.CONVERSATION, conversation) == 7
    assert pk_decode(Kind.TAG, conversation) is None
    assert id_encode(Kind.AGENT_USER, 7) != id_encode(Kind.CUSTOMER_USER, 7)


@pytest.mark.parametrize("value", ["", "x", "XQLT57RC", "xqlt57r", "xqlt57rcz", "xqlt 57rc", "é" * 8, "0" * 100])
def test_anything_else_decodes_to_nothing(value):
    assert pk_decode(Kind.AGENT_USER, value) is None


def test_several_numbers():
    value = id_encode(Kind.MESSAGE, 12, 3)
    assert id_decode(Kind.MESSAGE, value, parts=2) == (12, 3)
    assert id_decode(Kind.MESSAGE, value) is None
