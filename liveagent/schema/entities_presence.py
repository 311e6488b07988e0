"""The bodies of #39 and #40 (reference §3.8), field for field in the seed's order. The seed types most of
them ``int``; its examples, as every scalar in v1, are strings (§5.5): strings here."""

from liveagent.schema.blocks import Schema, array, identifier, pattern, record, text, whole_number

# Letters in LiveAgent's order ("MPRT"), or F alone (offline).
ONLINE_STATUS = r"^(F|M?P?R?T?)$"


def _status() -> Schema:
    return {**pattern(ONLINE_STATUS), "minLength": 1}


def agents_online_states() -> Schema:
    """#39."""
    row = record(
        id=identifier(),
        contactid=identifier(),
        username=text(),
        firstname=text(),
        lastname=text(),
        avatar_url=text(),
        presetStatus=_status(),
        onlineStatus=_status(),
    )
    return record(agentsOnlineStates=array(row))


def departments_online_states() -> Schema:
    """#40; the counters are deprecated in the seed and kept for old clients."""
    row = record(
        id=identifier(),
        name=text(),
        onlineStatus=_status(),
        chat_count=whole_number(),
        new_count=whole_number(),
        customer_reply_count=whole_number(),
        total_count=whole_number(),
        max_count=whole_number(),
    )
    return record(departmentsOnlineStates=array(row))
