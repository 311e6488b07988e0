"""The bodies of reference §3, field for field and in the seed's order, with §3.1's code lists.

Functions, not constants: each call builds fresh dicts, so no caller can change another's schema. Where a
field may be missing in our domain and §1 says conversation and customer bodies carry null for absent values
(``datedue``, ``ownernote``, ``assignedto``, ``note``; a conversation without a customer, a customer without
an email, company, gender or IP), the field is nullable; elsewhere an empty value is ``""``. Companies and
agents are contacts in LiveAgent and follow the customer's rule."""

from liveagent.schema.blocks import (
    Schema,
    array,
    codes,
    counter,
    created_body,
    datetime,
    empty,
    identifier,
    nullable,
    pattern,
    record,
    text,
    whole_number,
)

# §3.1 code lists.
CONVERSATION_STATUSES = ("A", "P", "T", "X", "B", "I", "C", "R", "N", "W")
CHANNEL_TYPES = ("E", "B", "M", "I", "C", "W", "F", "A", "T", "Q", "S")
GROUP_RTYPES = tuple("PV1CXFIZKA5MURYSGTWOQJBL234")
GROUP_RSTATUSES = tuple("DPVSMICR")
MESSAGE_RTYPES = tuple("DEFZHIMBXNLQCPWJSGOATRUV120YK3")
AGENT_ROLES = ("D", "A", "O")
CUSTOMER_ROLES = ("V", "R")
GENDERS = ("M", "F", "O")
VISITOR_COOKIES = ("V_auth", "LaVisitorId_c3RhbmRhbG9uZS5sYS5sb2NhbGhvc3QvTGl2ZUFnZW50L3NlcnZlci8")
# §4.1: uppercase, 3-5-3 as the parameter text gives it (the seed's examples show 3-3-3).
CONVERSATION_CODE = r"^[A-Z0-9]{3}-[A-Z0-9]{5}-[A-Z0-9]{3}$"
PUBLIC_URL_CODE = r"^[A-Za-z0-9]{16}$"
# Comma-joined tag ids without spaces (§5.7 settles the seed's "tagid1, tagid2").
TAG_ID_LIST = r"^([a-z0-9]{8,}(,[a-z0-9]{8,})*)?$"
# Hex without "#" (§3.5); "" when a colour was never set.
COLOUR = r"^([0-9A-Fa-f]{6})?$"
FILE_ID = r"^[0-9a-f]{32}$"


def code_value() -> Schema:
    """A custom field value; a code may repeat (v1 values accumulate, §4.3)."""
    return record(code=text(), value=text())


def unique_value() -> Schema:
    return record(code=codes("email", "phone"), value=text())


def message_author() -> Schema:
    """An agent's or a customer's userid, or ``system`` (§4.3)."""
    return pattern(r"^([a-z0-9]{8,}|system)$")


# --- §3.2 ------------------------------------------------------------------------------------------------


def agent() -> Schema:
    return record(
        contactid=identifier(),
        userid=identifier(),
        email=text(),
        firstname=text(),
        lastname=text(),
        systemname=text(),
        authtoken=empty(),  # reference §4.5: a read API must not mint login tokens
        browsercookiename=text(),
        gender=nullable(codes(*GENDERS)),
        role=codes(*AGENT_ROLES),
    )


def application() -> Schema:
    return record(
        liveagentversion=text(),
        gpfversion=text(),
        dateinstalled=datetime(),
        datelatestupdate=datetime(),
        current_server_time=datetime(),
    )


# --- §3.3 ------------------------------------------------------------------------------------------------


def companies() -> Schema:
    row = record(
        id=identifier(),
        name=text(),
        emails=text(),  # comma-joined in the list (§5.15), an array in #4
        datecreated=datetime(),
        ip=nullable(text()),
    )
    return record(companies=array(row))


def company() -> Schema:
    return record(
        id=identifier(),
        name=text(),
        datecreated=datetime(),
        language=nullable(text()),
        ip=nullable(text()),
        emails=array(text()),
        phones=array(text()),
        groups=array(record(groupid=identifier(), groupname=text())),
        custom_fields=array(code_value()),
        unique_fields=array(unique_value()),
    )


# --- §3.4 ------------------------------------------------------------------------------------------------


def _conversation_head() -> Schema:
    """The fields #9 and #10 share, up to ``subject``."""
    return {
        "conversationid": identifier(),
        "code": pattern(CONVERSATION_CODE),
        "datecreated": datetime(),
        "datechanged": datetime(),
        "datedue": nullable(datetime()),  # no SLA here: always null (§4.2)
        "departmentname": text(),
        "departmentid": identifier(),
        "status": codes(*CONVERSATION_STATUSES),
        "ownername": nullable(text()),
        "owneremail": nullable(text()),
        "subject": text(),
    }


def _conversation_tail() -> Schema:
    return {
        "tags": pattern(TAG_ID_LIST),
        "channel_type": codes(*CHANNEL_TYPES),
        "messagegroupsin": whole_number(),
        "messagegroupsout": whole_number(),
    }


def conversations() -> Schema:
    row = record(
        **_conversation_head(),
        preview=text(),
        publicurlcode=pattern(PUBLIC_URL_CODE),
        **_conversation_tail(),
    )
    return record(conversations=array(row))


def conversation() -> Schema:
    return record(
        **_conversation_head(),
        ownernote=nullable(text()),
        preview=text(),
        publicurlcode=pattern(PUBLIC_URL_CODE),
        assignedto=nullable(identifier()),
        **_conversation_tail(),
        customfields=array(code_value()),
    )


def message_groups() -> Schema:
    message = record(
        messageid=identifier(),
        userid=message_author(),
        rtype=codes(*MESSAGE_RTYPES),
        datecreated=datetime(),
        message=text(),
    )
    group = record(
        messagegroupid=identifier(),  # documented, missing from the seed's example (§5.6)
        userid=message_author(),
        rtype=codes(*GROUP_RTYPES),
        rstatus=codes(*GROUP_RSTATUSES),
        datecreated=datetime(),
        datefinished=datetime(),
        messages=array(message),
    )
    return record(groups=array(group))


def tags() -> Schema:
    return record(tags=array(record(id=identifier(), name=text())))


# --- §3.5 ------------------------------------------------------------------------------------------------


def customer() -> Schema:
    return record(
        contactid=identifier(),
        email=nullable(text()),
        firstname=text(),
        lastname=text(),
        systemname=text(),
        authtoken=empty(),  # reference §4.2
        browsercookiename=codes(*VISITOR_COOKIES),
        role=codes(*CUSTOMER_ROLES),
        gender=nullable(codes(*GENDERS)),
        companyid=nullable(identifier()),
        userid=identifier(),
        datecreated=datetime(),
        note=nullable(text()),
        ip=nullable(text()),
        customfields=array(code_value()),
        uniquefields=array(unique_value()),
    )


def customer_groups() -> Schema:
    """#21: the groups one customer belongs to."""
    return record(groups=array(record(groupid=identifier(), groupname=text())))


def _coloured() -> dict[str, Schema]:
    return {"id": identifier(), "name": text(), "color": pattern(COLOUR), "bg_color": pattern(COLOUR)}


def coloured() -> Schema:
    """#24 a customers group, #64 a tag."""
    return record(**_coloured())


def coloured_created() -> Schema:
    """#26, #65."""
    return created_body(**_coloured())


def customers_groups() -> Schema:
    """#25: every group."""
    return record(groups=array(record(id=identifier(), name=text())))


# --- §3.6 ------------------------------------------------------------------------------------------------


def _department() -> Schema:
    # T chat, P phone, M tickets (§3.1) of the department's online agents; "" when none is online (§4.4).
    return record(
        departmentid=identifier(), name=text(), onlinestatus=pattern(r"^[MPT]{0,3}$"), deleted=codes("Y", "N")
    )


def departments() -> Schema:
    return record(departments=array(_department()))


def department() -> Schema:
    return _department()


def file() -> Schema:
    return record(
        fileid=pattern(FILE_ID),
        created=datetime(),
        filename=text(),
        filesize=whole_number(),
        filetype=text(),
        downloads=whole_number(),
        # Protocol-relative, served by us (§4.5): //<host>/scripts/file.php?view=Y&file=<fileid>
        downloadUrl=pattern(r"^//[^/\s]+/\S+$"),
    )


# --- §3.8 ------------------------------------------------------------------------------------------------


def _one_row(name: str, *counters: str) -> Schema:
    row = record(**{counter_name: counter() for counter_name in counters})
    return record(**{name: {**array(row), "minItems": 1, "maxItems": 1}})


def chats_overview() -> Schema:
    return _one_row("chatsOverview", "visitors", "chats", "ringing", "queue", "agents")


def calls_overview() -> Schema:
    return _one_row("callsOverview", "running", "ringing", "inqueue")


# --- §3.7 (part 2) ---------------------------------------------------------------------------------------

KB_TYPES = ("H", "C", "A", "Q", "R", "G", "S")
KB_STATUSES = ("N", "C", "P", "D", "I", "U", "L", "S", "X")
KB_ACCESS = ("I", "P")
# Knowledge base entries keep LiveAgent's numeric ids (§4.1), as their treepaths do; empty is "" (§1).
KB_ID = r"^[-a-zA-Z0-9_]+$"
KB_ENTRY_ID = r"^[0-9]+$"
KB_PARENT_ID = r"^([0-9]+)?$"
KB_URLCODE = r"^[1-9][0-9]{5}$"
KB_TREEPATH = r"^0(\|[0-9]+)*$"
ID_OR_EMPTY = r"^([a-z0-9]{8,})?$"
SIGNED_NUMBER = r"^-?[0-9]+$"


def _kb_entry_row() -> Schema:
    """#36 entries[] and #32 articles[] (22 columns)."""
    return record(
        kb_id=pattern(KB_ID),
        kb_entry_id=pattern(KB_ENTRY_ID),
        parent_entry_id=pattern(KB_PARENT_ID),
        rtype=codes(*KB_TYPES),
        rstatus=codes(*KB_STATUSES),
        access=codes(*KB_ACCESS),
        access_inherited=codes(*KB_ACCESS),
        urlcode=pattern(KB_URLCODE),
        treepath=pattern(KB_TREEPATH),
        rorder=whole_number(),
        title=text(),
        metadescription=text(),
        keywords=text(),
        content=text(),
        conversationid=pattern(ID_OR_EMPTY),
        departmentid=pattern(ID_OR_EMPTY),
        views=whole_number(),
        votes=pattern(SIGNED_NUMBER),
        datecreated=datetime(),
        datechanged=datetime(),
        deleted=codes("Y", "N"),
        description=text(),
    )


def kb_entries() -> Schema:
    return record(entries=array(_kb_entry_row()))


def kb_articles() -> Schema:
    return record(articles=array(_kb_entry_row()))


def kb_article() -> Schema:
    """#33: what it created."""
    return record(
        kb_id=pattern(KB_ID),
        kb_entry_id=pattern(KB_ENTRY_ID),
        parent_entry_id=pattern(KB_PARENT_ID),
        urlcode=pattern(KB_URLCODE),
        title=text(),
        content=text(),
        content_text=text(),
        content_simple_html=text(),
        treepath=pattern(KB_TREEPATH),
        rstatus=codes(*KB_STATUSES),
        access=codes(*KB_ACCESS),
        access_inherited=codes(*KB_ACCESS),
        rorder=whole_number(),
        keywords=text(),
        datecreated=datetime(),
        datechanged=datetime(),
        views=whole_number(),
    )


def kb_category() -> Schema:
    """#34: what it created."""
    return record(
        kb_id=pattern(KB_ID),
        kb_entry_id=pattern(KB_ENTRY_ID),
        parent_entry_id=pattern(KB_PARENT_ID),
        urlcode=pattern(KB_URLCODE),
        title=text(),
        treepath=pattern(KB_TREEPATH),
        rtype=codes("C", "Q", "G"),
        rstatus=codes(*KB_STATUSES),
        access=codes(*KB_ACCESS),
        access_inherited=codes(*KB_ACCESS),
        rorder=whole_number(),
        keywords=text(),
        datecreated=datetime(),
        datechanged=datetime(),
        departmentid=pattern(ID_OR_EMPTY),
        views=whole_number(),
        description=text(),
    )


def knowledge_bases() -> Schema:
    return record(knowledgebases=array(record(kb_id=pattern(KB_ID), name=text())))


def kb_search() -> Schema:
    """#38 rows (16 columns)."""
    row = record(
        kb_id=pattern(KB_ID),
        kb_entry_id=pattern(KB_ENTRY_ID),
        rtype=codes(*KB_TYPES),
        rstatus=codes(*KB_STATUSES),
        access=codes(*KB_ACCESS),
        access_inherited=codes(*KB_ACCESS),
        urlcode=pattern(KB_URLCODE),
        treepath=pattern(KB_TREEPATH),
        title=text(),
        title_clear=text(),
        content_text=text(),
        content_simple_html=text(),
        conversationid=pattern(ID_OR_EMPTY),
        votesCount=pattern(SIGNED_NUMBER),
        datechanged=datetime(),
        # //<host>/help/<urlcode>-<Title-With-Dashes>
        url=pattern(r"^//[^/\s]+/\S*[1-9][0-9]{5}-\S+$"),
    )
    return record(entries=array(row))


def suggestion_categories() -> Schema:
    """#61: ``path`` = the ancestors' titles and its own, joined by " / "."""
    return record(suggestioncategories=array(record(id=pattern(KB_ENTRY_ID), title=text(), path=text())))


# --- §3.9 ------------------------------------------------------------------------------------------------

WIDGET_TYPES = ("C", "O", "U", "M", "G", "B", "K", "W", "S", "P")
WIDGET_USE_CODES = ("N", "F", "B")
WIDGET_STATUSES = ("A", "C", "I", "F", "N")
WIDGET_CODES = (
    "onlinecode",
    "onlinecode_ieold",
    "offlinecode",
    "offlinecode_ieold",
    "onlinecode_css",
    "onlinecode_ieold_css",
    "offlinecode_css",
    "offlinecode_ieold_css",
)


def _widget_codes(*, last_css: str) -> dict[str, Schema]:
    """CODE8: HTML or null (a CSS code never given); #68-#70 spell the last one ``offlinecode_ieold_CSS``
    (§5.26)."""
    names = [*WIDGET_CODES[:-1], last_css]
    return {name: nullable(text()) for name in names}


def widgets() -> Schema:
    """#67: 23 columns (the seed's example shows the first 14: CODE8 and integration_code follow, §5.6)."""
    row = record(
        contactwidgetid=identifier(),
        name=text(),
        provide=text(),
        departmentid=identifier(),
        kb_id=nullable(text()),
        rtype=codes(*WIDGET_TYPES),
        usecode=codes(*WIDGET_USE_CODES),
        status=codes(*WIDGET_STATUSES),
        description=text(),
        impressions=whole_number(),
        tickets=whole_number(),
        language=text(),
        last_display_time=nullable(datetime()),
        last_display_url=text(),
        **_widget_codes(last_css="offlinecode_ieold_css"),
        integration_code=text(),
    )
    return record(widgets=array(row))


def widget() -> Schema:
    """#68, #69, #70: 25 fields."""
    return record(
        contactwidgetid=identifier(),
        name=text(),
        provide=text(),
        departmentid=identifier(),
        rtype=codes(*WIDGET_TYPES),
        usecode=codes(*WIDGET_USE_CODES),
        status=codes(*WIDGET_STATUSES),
        kb_id=nullable(text()),
        description=text(),
        impressions=whole_number(),
        tickets=whole_number(),
        language=text(),
        last_display_time=nullable(datetime()),
        last_display_url=text(),
        **_widget_codes(last_css="offlinecode_ieold_CSS"),
        integration_code=text(),
        attributes=array(record(name=text(), section=text(), value=text())),
        form_fields=array(
            record(
                formid=text(),
                code=text(),
                name=text(),
                description=text(),
                validator=text(),
                visibility=text(),
                rtype=text(),
                rstatus=text(),
                availablevalues=text(),
            )
        ),
    )
