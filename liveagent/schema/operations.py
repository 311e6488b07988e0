"""The operations (reference §2): part 1's 38, then part 2's (the knowledge base's #32-#38 and #61), keyed by
(URL name, method). ``apikey`` is left out of every declaration: it goes everywhere (the OpenAPI document
adds it)."""

from liveagent.schema import entities
from liveagent.schema.blocks import ok_body
from liveagent.schema.registry import Operation, Param, path_param

CONVERSATION = path_param("conversationid", "Conversation id, code (ABC-DEFGH-123) or public URL code.")
CUSTOMER = path_param("customeridentifier", "Customer email or contactid.")
GROUP = path_param("groupid", "Customers group id.")
TAG = path_param("tagid", "Tag id.")
ACTOR = Param("useridentifier", "body", description='Acting agent, email or userid; "System" when absent.')
CUSTOM_FIELDS = Param(
    "customfields",
    "body",
    required=True,
    type="json",
    description='JSON array of {"code": …, "value": …}; a code may repeat.',
)
FIELD_CODE = Param("code", "body", description="Custom field code to delete; all values when absent.")
TAG_BY_ID = Param("id", "body", description="Tag id (id or name required).")
TAG_BY_NAME = Param("name", "body", description="Tag name (id or name required; unknown names are created).")
GROUP_NAME = Param("name", "body", required=True, description="Customer group name.")
COLOURS = (
    Param("color", "body", description="Title colour, hex without #."),
    Param("bg_color", "body", description="Background colour, hex without #."),
)
DEPARTMENT_FILTER = Param("department", "query", description="Department id.")
FLAG_HELP = "Y or N."


_CONVERSATIONS: tuple[Operation, ...] = (
    Operation(
        5,
        "liveagent-conversation-attendants",
        "PUT",
        "/conversations/{conversationid}/attendants",
        "Transfer conversation to another department and/or agent",
        ok_body(),
        (
            CONVERSATION,
            Param("agentidentifier", "body", description="Agent to assign, email or userid."),
            ACTOR,
            Param("department", "body", description="Department id to move to."),
            Param("note", "body", description="Transfer note."),
        ),
    ),
    Operation(
        6,
        "liveagent-conversation",
        "DELETE",
        "/conversations/{conversationid}",
        "Delete conversation (moves it to Deleted)",
        ok_body(),
        (CONVERSATION, Param("note", "body", description="Delete note."), ACTOR),
    ),
    Operation(
        7,
        "liveagent-conversation-fields",
        "DELETE",
        "/conversations/{conversationid}/fields",
        "Delete custom field value in conversation",
        ok_body(),
        (CONVERSATION, FIELD_CODE),
    ),
    Operation(
        8,
        "liveagent-conversation-fields",
        "POST",
        "/conversations/{conversationid}/fields",
        "Add custom field value to conversation",
        ok_body(),
        (CONVERSATION, CUSTOM_FIELDS),
    ),
    Operation(
        9,
        "liveagent-conversations",
        "GET",
        "/conversations",
        "Retrieves all conversations",
        entities.conversations(),
        (
            Param("owneridentifier", "query", description="Owner (customer) email or contactid."),
            DEPARTMENT_FILTER,
            Param("agent", "query", description="Assigned agent, userid or email."),
            Param(
                "status", "query", type="codes", values=entities.CONVERSATION_STATUSES, many=True, description="R,T,C"
            ),
            Param("datefrom", "query", type="datetime", description="Created at or after."),
            Param("dateto", "query", type="datetime", description="Created at or before."),
            Param("datechanged", "query", type="opdatetime", description="Last change, e.g. gte:2024-01-01 00:00:00."),
            Param("subject", "query", description="Exact subject, case-insensitive."),
            Param(
                "search",
                "query",
                description="Extension: not in LiveAgent's API. Words of the subject or of a published message "
                "(stemmed on PostgreSQL), a conversation number, or the customer's email or name; at most 200 "
                "characters.",
            ),
            Param("limit", "query", type="int", description="Default 100, at most 1000."),
            Param("offset", "query", type="int", description="Default 0."),
            Param("channel_type", "query", type="codes", values=entities.CHANNEL_TYPES, many=True, description="E,F"),
        ),
    ),
    Operation(
        10,
        "liveagent-conversation",
        "GET",
        "/conversations/{conversationid}",
        "Retrieves conversation info",
        entities.conversation(),
        (CONVERSATION,),
    ),
    Operation(
        11,
        "liveagent-conversation-messages",
        "GET",
        "/conversations/{conversationid}/messages",
        "Retrieves all conversation messages",
        entities.message_groups(),
        (
            CONVERSATION,
            Param("datefrom", "query", type="datetime", description="Groups created at or after."),
            Param("dateto", "query", type="datetime", description="Groups created at or before."),
        ),
    ),
    Operation(
        12,
        "liveagent-conversation-messages",
        "POST",
        "/conversations/{conversationid}/messages",
        "Create new message in conversation",
        ok_body(),
        (
            CONVERSATION,
            Param("message", "body", required=True, description="Message body (UTF-8)."),
            ACTOR,
            Param("type", "body", type="codes", values=("M", "N"), description="M message, N note."),
            Param("mail_messsage_id", "body", description="Message-ID of the reply (the seed's spelling)."),
            Param("mail_message_id", "body", description="The same, spelt correctly."),
            Param("do_not_send_mail", "body", type="flag", description=FLAG_HELP),
            Param("is_html_message", "body", type="flag", description=FLAG_HELP),
            Param("use_template", "body", type="flag", description="Y (default) or N."),
            Param("attachments", "body", description="Comma-separated file ids from POST /files."),
        ),
    ),
    Operation(
        13,
        "liveagent-conversation-status",
        "PUT",
        "/conversations/{conversationid}/status",
        "Change status of the conversation",
        ok_body(),
        (
            CONVERSATION,
            Param("status", "body", required=True, type="codes", values=("A", "R", "C"), description="A, R or C."),
            ACTOR,
            Param("note", "body", description="Note."),
        ),
    ),
    Operation(
        14,
        "liveagent-conversation-tags",
        "DELETE",
        "/conversations/{conversationid}/tags",
        "Unassign a tag from a conversation",
        ok_body(),
        (CONVERSATION, TAG_BY_ID, TAG_BY_NAME),
    ),
    Operation(
        15,
        "liveagent-conversation-tags",
        "GET",
        "/conversations/{conversationid}/tags",
        "Retrieve a list of tags assigned to a conversation",
        entities.tags(),
        (CONVERSATION,),
    ),
    Operation(
        16,
        "liveagent-conversation-tags",
        "POST",
        "/conversations/{conversationid}/tags",
        "Assign tag to a conversation",
        ok_body(),
        (CONVERSATION, TAG_BY_ID, TAG_BY_NAME),
    ),
)

_CUSTOMERS: tuple[Operation, ...] = (
    Operation(
        17,
        "liveagent-customer-fields",
        "DELETE",
        "/customers/{customeridentifier}/fields",
        "Delete custom field value in user contact",
        ok_body(),
        (CUSTOMER, FIELD_CODE),
    ),
    Operation(
        18,
        "liveagent-customer-fields",
        "POST",
        "/customers/{customeridentifier}/fields",
        "Add custom field value to customer",
        ok_body(),
        (CUSTOMER, CUSTOM_FIELDS),
    ),
    Operation(
        19,
        "liveagent-customer",
        "GET",
        "/customers/{customeridentifier}",
        "Retrieves customer info",
        entities.customer(),
        (CUSTOMER,),
    ),
    Operation(
        20,
        "liveagent-customer-groups",
        "DELETE",
        "/customers/{customeridentifier}/groups",
        "Remove customer from group",
        ok_body(),
        (CUSTOMER, GROUP_NAME),
    ),
    Operation(
        21,
        "liveagent-customer-groups",
        "GET",
        "/customers/{customeridentifier}/groups",
        "Retrieve customer groups",
        entities.customer_groups(),
        (CUSTOMER,),
    ),
    Operation(
        22,
        "liveagent-customer-groups",
        "POST",
        "/customers/{customeridentifier}/groups",
        "Add customer to group",
        ok_body(),
        (CUSTOMER, GROUP_NAME),
    ),
    Operation(
        23,
        "liveagent-customersgroup",
        "DELETE",
        "/customersgroups/{groupid}",
        "Delete customers group",
        ok_body(),
        (GROUP,),
        admin=True,
    ),
    Operation(
        24,
        "liveagent-customersgroup",
        "GET",
        "/customersgroups/{groupid}",
        "Retrieve customers group info",
        entities.coloured(),
        (GROUP,),
    ),
    Operation(
        25,
        "liveagent-customersgroups",
        "GET",
        "/customersgroups",
        "Retrieve all groups of all customers",
        entities.customers_groups(),
    ),
    Operation(
        26,
        "liveagent-customersgroups",
        "POST",
        "/customersgroups",
        "Add customers group",
        entities.coloured_created(),
        (Param("name", "body", required=True, description="Name of the customers group."), *COLOURS),
        admin=True,
    ),
    Operation(
        27,
        "liveagent-customersgroup",
        "PUT",
        "/customersgroups/{groupid}",
        "Change customers group",
        ok_body(),
        (GROUP, Param("name", "body", description="New name."), *COLOURS),
        admin=True,
    ),
)

_TAGS: tuple[Operation, ...] = (
    Operation(62, "liveagent-tag", "DELETE", "/tags/{tagid}", "Remove tag", ok_body(), (TAG,), admin=True),
    Operation(63, "liveagent-tags", "GET", "/tags", "Retrieve a list of all available tags", entities.tags()),
    Operation(64, "liveagent-tag", "GET", "/tags/{tagid}", "Retrieve tag info", entities.coloured(), (TAG,)),
    Operation(
        65,
        "liveagent-tags",
        "POST",
        "/tags",
        "Add tag",
        entities.coloured_created(),
        (Param("name", "body", required=True, description="Tag name."), *COLOURS),
        admin=True,
    ),
    Operation(
        66,
        "liveagent-tag",
        "PUT",
        "/tags/{tagid}",
        "Change tag",
        ok_body(),
        (TAG, Param("name", "body", description="New name."), *COLOURS),
        admin=True,
    ),
)

_OTHERS: tuple[Operation, ...] = (
    Operation(
        1,
        "liveagent-agent",
        "GET",
        "/agents/{agentidentifier}",
        "Retrieves agent info and auth token (always empty here)",
        entities.agent(),
        (path_param("agentidentifier", "Agent email or userid."),),
    ),
    Operation(
        2,
        "liveagent-application-status",
        "GET",
        "/application/status",
        "Return application installation date and latest version",
        entities.application(),
    ),
    Operation(3, "liveagent-companies", "GET", "/companies", "Retrieve list of companies", entities.companies()),
    Operation(
        4,
        "liveagent-company",
        "GET",
        "/companies/{companyid}",
        "Retrieve company info",
        entities.company(),
        (path_param("companyid", "Company id."),),
    ),
    Operation(
        28, "liveagent-departments", "GET", "/departments", "Retrieve list of departments", entities.departments()
    ),
    Operation(
        29,
        "liveagent-department",
        "GET",
        "/departments/{departmentid}",
        "Retrieve department info",
        entities.department(),
        (path_param("departmentid", "Department id."),),
    ),
    Operation(
        30,
        "liveagent-file",
        "GET",
        "/files/{fileid}",
        "Retrieve file",
        entities.file(),
        (path_param("fileid", "File id (32 hex digits)."),),
    ),
    Operation(
        31,
        "liveagent-files",
        "POST",
        "/files",
        "Add file",
        entities.file(),
        (
            Param("name", "body", description="File name (required with data)."),
            Param("type", "body", description="MIME type (required with data)."),
            Param("data", "body", description="The content, base64."),
            Param("downloadUrl", "body", description="Where to fetch the content when data is absent."),
        ),
    ),
    Operation(
        71,
        "liveagent-chats-overview",
        "GET",
        "/chats/overview",
        "Chats",
        entities.chats_overview(),
        (DEPARTMENT_FILTER,),
    ),
    Operation(
        72,
        "liveagent-calls-overview",
        "GET",
        "/calls/overview",
        "Phone calls",
        entities.calls_overview(),
        (DEPARTMENT_FILTER,),
    ),
)

KB_ID_FILTER = Param("kb_id", "query", description="Knowledge base id (every knowledge base when absent).")
KB_ID_DEFAULT = Param("kb_id", "body", description="Knowledge base id, default kb_defa.")
TREE_PATH = Param("tree_path", "query", description="Prefix of treepath + '|', e.g. 0|23| for all below 23.")
KB_RORDER = Param("rorder", "body", type="int", description="Place among the siblings; 0 (the top) by default.")
KB_ACCESS = Param("access", "body", type="codes", values=("I", "P"), description="I internal, P public (default).")
KB_PARENT = Param("parent_entry_id", "body", description="Parent entry id; 0 or empty for the root (default).")

_KNOWLEDGE_BASE: tuple[Operation, ...] = (
    Operation(
        32,
        "liveagent-kb-articles",
        "GET",
        "/knowledgebase/articles",
        "Retrieve a list of all knowledgebase articles (deprecated: use GET /knowledgebase/entries)",
        entities.kb_articles(),
        (
            KB_ID_FILTER,
            Param("limit", "query", type="int", description="Default 10, at most 500."),
            Param("offset", "query", type="int", description="Default 0."),
            TREE_PATH,
            Param("parent_id", "query", description="Parent entry id (0: the root)."),
            Param("article_id", "query", description="Entry id."),
        ),
    ),
    Operation(
        33,
        "liveagent-kb-articles",
        "POST",
        "/knowledgebase/articles",
        "Add knowledgebase article",
        entities.kb_article(),
        (
            Param("content", "body", required=True, description="HTML, sanitised."),
            Param("title", "body", required=True, description="Title."),
            KB_ID_DEFAULT,
            KB_PARENT,
            Param("rstatus", "body", type="codes", values=("P", "D"), description="P published (default), D draft."),
            KB_ACCESS,
            KB_RORDER,
            Param("keywords", "body", description="Keywords."),
            Param("full_preview", "body", type="flag", description="Y or N (default)."),
        ),
        admin=True,
    ),
    Operation(
        34,
        "liveagent-kb-categories",
        "POST",
        "/knowledgebase/categories",
        "Add knowledgebase category, suggestion category or forum",
        entities.kb_category(),
        (
            Param("title", "body", required=True, description="Title."),
            KB_ID_DEFAULT,
            KB_PARENT,
            Param("rtype", "body", type="codes", values=("C", "Q", "G"), description="C category (default), Q, G."),
            KB_ACCESS,
            KB_RORDER,
            Param("keywords", "body", description="Keywords."),
            Param("departmentid", "body", description="Department of a forum's or suggestion category's tickets."),
            Param("description", "body", description="Description."),
        ),
        admin=True,
    ),
    Operation(
        35,
        "liveagent-kb-entry",
        "DELETE",
        "/knowledgebase/entries/{entry_id}",
        "Remove knowledgebase entry with its whole subtree",
        ok_body(),
        (path_param("entry_id", "Knowledge base entry id."),),
        admin=True,
    ),
    Operation(
        36,
        "liveagent-kb-entries",
        "GET",
        "/knowledgebase/entries",
        "Retrieve a list of all knowledgebase entries",
        entities.kb_entries(),
        (
            Param("limit", "query", type="int", description="Default 50, at most 500."),
            Param("offset", "query", type="int", description="Default 0."),
            KB_ID_FILTER,
            TREE_PATH,
            Param("parent_entry_id", "query", description="Parent entry id (0: the root)."),
            Param("entry_id", "query", description="Entry id."),
            Param("date_changed", "query", description="Changed at or after: YYYY-MM-DD or YYYY-MM-DD HH:MM:SS."),
        ),
    ),
    Operation(
        37,
        "liveagent-kb-knowledgebases",
        "GET",
        "/knowledgebase/knowledgebases",
        "Retrieve a list of all knowledgebases",
        entities.knowledge_bases(),
        (
            Param("limit", "query", type="int", description="Default 10, at most 500."),
            Param("offset", "query", type="int", description="Default 0."),
        ),
    ),
    Operation(
        38,
        "liveagent-kb-search",
        "GET",
        "/knowledgebase/search",
        "Knowledgebase search, best match first",
        entities.kb_search(),
        (
            Param("query", "query", required=True, description="Words to find."),
            Param("kb_id", "query", description="Knowledge base id, default kb_defa."),
            Param("top_article_id", "query", description="Search only below this entry."),
            Param("limit", "query", type="int", description="Default 10, at most 500."),
        ),
    ),
    Operation(
        61,
        "liveagent-suggestioncategories",
        "GET",
        "/suggestioncategories",
        "Retrieves all suggestion categories",
        entities.suggestion_categories(),
    ),
)

ALL: tuple[Operation, ...] = (*_OTHERS, *_CONVERSATIONS, *_CUSTOMERS, *_TAGS, *_KNOWLEDGE_BASE)


# --- Widgets (#67-#70) -------------------------------------------------------------------------------------

WIDGET = path_param("contactwidgetid", "Widget id.")
_WIDGET_CODES = tuple(
    Param(name, "body", description="HTML (a CSS code for *_css); our snippet when none is given.")
    for name in entities.WIDGET_CODES
)


def _widget_params(*, form_fields_required: bool) -> tuple[Param, ...]:
    return (
        Param("name", "body", required=True, description="Widget name."),
        Param("provide", "body", required=True, description="Provided services (letters, kept as given)."),
        Param("departmentid", "body", required=True, description="Department id."),
        Param("rtype", "body", required=True, type="codes", values=entities.WIDGET_TYPES, description="Type."),
        Param(
            "usecode", "body", required=True, type="codes", values=entities.WIDGET_USE_CODES, description="Use code."
        ),
        Param("status", "body", required=True, type="codes", values=entities.WIDGET_STATUSES, description="Status."),
        Param("attributes", "body", required=True, type="json", description="JSON array of {name, section, value}."),
        Param(
            "form_fields",
            "body",
            required=form_fields_required,
            type="json",
            description="JSON array of {formid, code, name, description, validator, visibility, rtype, rstatus, "
            "availablevalues}.",
        ),
        Param("kb_id", "body", description="Knowledge base id (kb_defa for the K and W types when absent)."),
        Param("description", "body", description="Description."),
        Param("language", "body", description="Language, such as en-US."),
        Param("last_display_time", "body", type="datetime", description="Last display time."),
        Param("last_display_url", "body", description="Last display URL."),
        *_WIDGET_CODES,
    )


_WIDGETS: tuple[Operation, ...] = (
    Operation(
        67,
        "liveagent-widgets",
        "GET",
        "/widgets",
        "Retrieve all widgets",
        entities.widgets(),
        (
            Param("provide", "query", description="Provided services, exactly."),
            Param("departmentid", "query", description="Department id."),
            Param("rtype", "query", type="codes", values=entities.WIDGET_TYPES, description="Type."),
            Param("usecode", "query", type="codes", values=entities.WIDGET_USE_CODES, description="Use code."),
            Param("status", "query", type="codes", values=entities.WIDGET_STATUSES, description="Status."),
            Param("limitcount", "query", type="int", description="Default 100, at most 1000."),
            Param("limitfrom", "query", type="int", description="Start row, default 0."),
        ),
    ),
    Operation(
        68,
        "liveagent-widget",
        "GET",
        "/widgets/{contactwidgetid}",
        "Retrieve widget",
        entities.widget(),
        (WIDGET,),
    ),
    Operation(
        69,
        "liveagent-widgets",
        "POST",
        "/widgets",
        "Add widget",
        entities.widget(),
        _widget_params(form_fields_required=False),
        admin=True,
    ),
    Operation(
        70,
        "liveagent-widget",
        "PUT",
        "/widgets/{contactwidgetid}",
        "Change widget (replaces the whole widget)",
        entities.widget(),
        (WIDGET, *_widget_params(form_fields_required=True)),
        admin=True,
    ),
)

ALL = (*ALL, *_WIDGETS)
