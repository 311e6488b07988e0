"""Which request, parameters and responses each view action has; ``document_api()`` attaches them."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view

from conversations.models import Conversation
from freescout.conversations.inputs import (
    ConversationCreateInput,
    ConversationUpdateInput,
    CustomFieldsInput,
    TagsInput,
    ThreadInput,
    TimelogCreateInput,
    TimelogUpdateInput,
)
from freescout.customers.inputs import (
    CustomerCreateInput,
    CustomerFieldInput,
    CustomerFieldValuesInput,
    CustomerUpdateInput,
)
from freescout.mailboxes.inputs import CustomFieldInput, MailboxInput
from freescout.schema.components import ERROR_STATUSES, EXTENSIONS_TAG, ref
from freescout.webhooks.inputs import WebhookCreateInput

ERROR = OpenApiResponse(ref("Error"), description="The error shape.")


def _responses(ok: dict[int, Any]) -> dict:
    responses = {}
    for code, schema in ok.items():
        if code == 301:
            responses[code] = OpenApiResponse(
                description="Merged into another conversation: `Location` is that conversation's URL (no body)."
            )
        elif schema is None:
            responses[code] = OpenApiResponse(description="Done; no body.")
        elif code == 201:
            responses[code] = OpenApiResponse(ref(schema), description="Created.")
        else:
            responses[code] = OpenApiResponse(ref(schema), description="OK.")
    for code in ERROR_STATUSES:
        responses.setdefault(code, ERROR)
    return responses


def _path_ids(*names: str) -> list[OpenApiParameter]:
    return [OpenApiParameter(name, int, OpenApiParameter.PATH) for name in names]


def _query(name: str, type_=str, description: str = "", **kwargs) -> OpenApiParameter:
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, description=description, **kwargs)


PAGING = [
    _query("page", int, "Page number, from 1."),
    _query("pageSize", int, "Items per page (default 50, at most 100)."),
]
SORT = [
    _query("sortField", description="Field to sort by."),
    _query("sortOrder", description="`asc` or `desc` (default)."),
]


def op(
    summary: str,
    ok: dict[int, Any],
    *,
    tag: str,
    request=None,
    ids: tuple[str, ...] = (),
    params: list | None = None,
    extension: bool = False,
    methods: list[str] | None = None,
    description: str = "",
    operation_id: str | None = None,
):
    """One operation's schema. A 201 carries ``Resource-ID``; every operation may answer the error shape."""
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=description
        or (f"{summary}. An extension: not in FreeScout's API." if extension else f"{summary}."),
        tags=[tag, EXTENSIONS_TAG] if extension else [tag],
        request=request,
        responses=_responses(ok),
        parameters=[*_path_ids(*ids), *(params or [])],
        methods=methods,
        extensions={"x-extension": True} if extension else None,
        filters=False,
    )


CONVERSATION_LIST_PARAMS = [
    _query("embed", description="Comma-separated: `threads`, `timelogs`, `tags`."),
    _query("mailboxId", description="A mailbox id or a comma-separated list of them."),
    _query("folderId", int),
    _query("status", description="Comma-separated `active`, `pending`, `closed`, `spam`, or `all` (default active)."),
    _query("state", description=", ".join(Conversation.State.values)),
    _query("type", description=", ".join(Conversation.Type.values)),
    _query("assignedTo", description="A user id; empty, 0 or -1 for unassigned."),
    _query("customerEmail"),
    _query("customerPhone"),
    _query("customerId", int),
    _query("number", int),
    _query("subject", description="Contained in the subject, ignoring case."),
    _query("tag"),
    _query(
        "search",
        description="Extension: not in FreeScout's API. Words of the subject or of a published message (stemmed "
        "on PostgreSQL; quoted phrases, `or` and `-word` there), a conversation number, or the customer's email "
        "address or name; at most 200 characters.",
    ),
    _query("createdByUserId", int),
    _query("createdByCustomerId", int),
    _query("createdSince", description="ISO 8601 date-time."),
    _query("updatedSince", description="ISO 8601 date-time."),
    *SORT,
    *PAGING,
]
CUSTOMER_LIST_PARAMS = [
    _query("firstName", description="The whole first name, ignoring case."),
    _query("lastName", description="The whole last name, ignoring case."),
    _query("phone"),
    _query("email"),
    _query("updatedSince", description="ISO 8601 date-time."),
    *SORT,
    *PAGING,
]
EMBED = [_query("embed", description="Comma-separated: `threads` (default), `timelogs`, `tags`.")]


def document_api() -> None:
    """Attaches the operations to the viewsets (idempotent: decorating again replaces the same schema)."""
    from freescout.conversations.views import ConversationViewSet, TagViewSet
    from freescout.customers.views import CustomerFieldViewSet, CustomerViewSet
    from freescout.mailboxes.views import MailboxViewSet
    from freescout.users.views import ApiKeyCreateInput, UserCreateInput, UserUpdateInput, UserViewSet
    from freescout.webhooks.views import WebhookViewSet

    t = "conversations"
    extend_schema_view(
        list=op("List conversations", {200: "ConversationList"}, tag=t, params=CONVERSATION_LIST_PARAMS),
        retrieve=op(
            "Get a conversation",
            {200: "Conversation", 301: None},
            tag=t,
            ids=("id",),
            params=EMBED,
            description="Get a conversation. One merged into another answers 301 with `Location` of that one, as "
            "Help Scout's API does; writes to it answer 404.",
        ),
        create=op("Create a conversation", {201: "Conversation"}, tag=t, request=ConversationCreateInput),
        update=op("Update a conversation", {204: None}, tag=t, ids=("id",), request=ConversationUpdateInput),
        destroy=op(
            "Delete a conversation",
            {204: None},
            tag=t,
            ids=("id",),
            description="Delete a conversation forever. Needs an admin's API key (403 otherwise).",
        ),
        tags=op("Set the tags", {204: None}, tag=t, ids=("id",), request=TagsInput),
        custom_fields=op("Set custom field values", {204: None}, tag=t, ids=("id",), request=CustomFieldsInput),
        threads=op("Add a thread", {201: "Thread"}, tag=t, ids=("id",), request=ThreadInput),
        timelogs=[
            op(
                "List timelogs",
                {200: "TimelogList", 301: None},
                tag=t,
                ids=("id",),
                params=PAGING,
                methods=["GET"],
                operation_id="conversations_timelogs_list",
            ),
            op(
                "Record a timelog or start a timer",
                {201: "Timelog"},
                tag=t,
                ids=("id",),
                request=TimelogCreateInput,
                methods=["POST"],
                extension=True,
            ),
        ],
        timelog=op(
            "Pause, stop or resume a timelog",
            {204: None},
            tag=t,
            ids=("id", "timelog_id"),
            request=TimelogUpdateInput,
            extension=True,
        ),
    )(ConversationViewSet)
    extend_schema_view(
        list=op("List tags", {200: "TagList"}, tag="tags", params=[_query("conversationId", int), *PAGING]),
    )(TagViewSet)

    t = "customers"
    extend_schema_view(
        list=op("List customers", {200: "CustomerList"}, tag=t, params=CUSTOMER_LIST_PARAMS),
        retrieve=op("Get a customer", {200: "Customer"}, tag=t, ids=("id",)),
        create=op("Create a customer", {201: "Customer"}, tag=t, request=CustomerCreateInput),
        update=op("Update a customer", {204: None}, tag=t, ids=("id",), request=CustomerUpdateInput),
        customer_fields=op(
            "Set customer field values", {204: None}, tag=t, ids=("id",), request=CustomerFieldValuesInput
        ),
    )(CustomerViewSet)
    t = "customer fields"
    extend_schema_view(
        list=op("List customer fields", {200: "CustomerFieldList"}, tag=t, params=PAGING, extension=True),
        create=op("Create a customer field", {201: "CustomerField"}, tag=t, request=CustomerFieldInput, extension=True),
        update=op(
            "Update a customer field",
            {204: None},
            tag=t,
            ids=("id",),
            request=CustomerFieldInput(partial=True),
            extension=True,
        ),
        destroy=op("Delete a customer field", {204: None}, tag=t, ids=("id",), extension=True),
    )(CustomerFieldViewSet)

    t = "mailboxes"
    extend_schema_view(
        list=op("List mailboxes", {200: "MailboxList"}, tag=t, params=[_query("userId", int), *PAGING]),
        create=op("Create a mailbox", {201: "Mailbox"}, tag=t, request=MailboxInput, extension=True),
        update=op(
            "Update a mailbox",
            {204: None},
            tag=t,
            ids=("id",),
            request=MailboxInput(partial=True),
            extension=True,
        ),
        destroy=op("Delete a mailbox", {204: None}, tag=t, ids=("id",), extension=True),
        user_access=[
            op(
                "Grant a user access",
                {204: None},
                tag=t,
                ids=("id", "user_id"),
                methods=["PUT"],
                extension=True,
                request=None,
            ),
            op(
                "Revoke a user's access",
                {204: None},
                tag=t,
                ids=("id", "user_id"),
                methods=["DELETE"],
                extension=True,
            ),
        ],
        custom_fields=[
            op(
                "List custom fields",
                {200: "CustomFieldList"},
                tag=t,
                ids=("id",),
                params=PAGING,
                methods=["GET"],
                operation_id="mailboxes_custom_fields_list",
            ),
            op(
                "Create a custom field",
                {201: "CustomField"},
                tag=t,
                ids=("id",),
                request=CustomFieldInput,
                methods=["POST"],
                extension=True,
            ),
        ],
        custom_field=[
            op(
                "Update a custom field",
                {204: None},
                tag=t,
                ids=("id", "field_id"),
                request=CustomFieldInput(partial=True),
                methods=["PUT"],
                extension=True,
            ),
            op(
                "Delete a custom field",
                {204: None},
                tag=t,
                ids=("id", "field_id"),
                methods=["DELETE"],
                extension=True,
            ),
        ],
        folders=op(
            "List folders",
            {200: "FolderList"},
            operation_id="mailboxes_folders_list",
            tag=t,
            ids=("id",),
            params=[_query("userId", int), _query("folderId", int), *PAGING],
        ),
    )(MailboxViewSet)

    t = "users"
    extend_schema_view(
        list=op("List users", {200: "UserList"}, tag=t, params=[_query("email"), *PAGING]),
        retrieve=op("Get a user", {200: "User"}, tag=t, ids=("id",)),
        create=op("Create a user", {201: "User"}, tag=t, request=UserCreateInput),
        update=op("Update a user", {204: None}, tag=t, ids=("id",), request=UserUpdateInput, extension=True),
        destroy=op(
            "Delete a user",
            {204: None},
            tag=t,
            ids=("id",),
            params=[
                _query("byUserId", int, "The admin who deletes.", required=True),
                _query(
                    "assignTo[MAILBOX_ID]",
                    int,
                    "Reassign the user's conversations in mailbox MAILBOX_ID to this user (empty or 0: unassign).",
                ),
            ],
        ),
        api_keys=[
            op(
                "List a user's API keys",
                {200: "ApiKeyList"},
                operation_id="users_api_keys_list",
                tag=t,
                ids=("id",),
                params=PAGING,
                methods=["GET"],
                extension=True,
            ),
            op(
                "Create an API key",
                {201: "ApiKeyCreated"},
                tag=t,
                ids=("id",),
                request=ApiKeyCreateInput,
                methods=["POST"],
                extension=True,
            ),
        ],
        api_key=op("Revoke an API key", {204: None}, tag=t, ids=("id", "key_id"), extension=True),
    )(UserViewSet)

    t = "webhooks"
    extend_schema_view(
        list=op("List webhooks", {200: "WebhookList"}, tag=t, params=PAGING),
        retrieve=op("Get a webhook", {200: "Webhook"}, tag=t, ids=("id",), extension=True),
        create=op("Create a webhook", {201: "Webhook"}, tag=t, request=WebhookCreateInput),
        destroy=op("Delete a webhook", {204: None}, tag=t, ids=("id",)),
        test=op(
            "Send a test event",
            {200: "WebhookDelivery"},
            tag=t,
            ids=("id",),
            extension=True,
            description="Sends `X-FreeScout-Event: freescout.test` now, once (no retries), whether the webhook "
            "is enabled or not, and answers with the delivery and its attempt. An extension.",
        ),
        deliveries=op(
            "List a webhook's deliveries",
            {200: "WebhookDeliveryList"},
            tag=t,
            ids=("id",),
            params=PAGING,
            extension=True,
        ),
        redeliver=op(
            "Redeliver",
            {200: "WebhookDelivery"},
            tag=t,
            ids=("id", "delivery_id"),
            extension=True,
            description="Sends the delivery again with the same event id and body; the send is queued, and "
            "waits while the webhook is disabled. An extension.",
        ),
    )(WebhookViewSet)


# --- Hooks ------------------------------------------------------------------------------------------------
