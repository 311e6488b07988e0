"""The OpenAPI 3.1 description of the API (drf-spectacular), served at ``/api/schema/`` and ``/api/docs/``.

The views answer with plain dicts from the ``payloads`` modules, so the response shapes are written here,
once, as JSON Schema components; the request bodies come from the input serializers. ``document_api()``
attaches them to the viewsets (called by ``helpdesk.api.urls``), so the ``api.py`` modules stay as they
are. ``tests/openapi_validation.py`` checks every response of the API test suite against this schema."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view

from conversations.inputs import (
    ConversationCreateInput,
    ConversationUpdateInput,
    CustomFieldsInput,
    TagsInput,
    ThreadInput,
    TimelogCreateInput,
    TimelogUpdateInput,
)
from conversations.models import Conversation, SourceType, SourceVia, Thread
from customers.inputs import CustomerCreateInput, CustomerFieldInput, CustomerFieldValuesInput, CustomerUpdateInput
from helpdesk.models import User
from mailboxes.inputs import CustomFieldInput, MailboxInput
from mailboxes.models import Folder
from webhooks.inputs import WebhookCreateInput

EXTENSIONS_TAG = "extensions"
ERROR_STATUSES = (400, 401, 403, 404, 405, 406, 409, 413, 415)
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return {**schema, "type": [*types, "null"]}


def obj(properties: dict[str, dict], description: str = "") -> dict:
    """A closed object: every property present, nothing else (the payload functions always write them all)."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
ID = {"type": "integer", "minimum": 1}
DATE = {"type": "string", "format": "date-time", "pattern": DATE_PATTERN}
DATE_OR_NULL = nullable(DATE)
EMAILS = {"type": "array", "items": STRING}


def enum(values) -> dict:
    return {"type": "string", "enum": list(values)}


def hal_list(name: str, item: str) -> dict:
    return obj(
        {
            "_embedded": obj({name: {"type": "array", "items": ref(item)}}),
            "page": ref("Page"),
        },
        f"A page of {name} (HAL envelope).",
    )


CUSTOM_FIELD_DEFINITION = obj(
    {
        "id": ID,
        "name": STRING,
        "type": STRING,
        "options": {
            "description": 'A dropdown\'s `{option id: label}`; `null` for a date field; `""` for the others.',
            "oneOf": [{"type": "object", "additionalProperties": STRING}, STRING, {"type": "null"}],
        },
        "required": BOOLEAN,
        "sortOrder": INTEGER,
    }
)
FIELD_VALUE = obj({"id": ID, "name": STRING, "value": STRING, "text": STRING})

COMPONENTS: dict[str, dict] = {
    "Error": obj(
        {
            "message": STRING,
            "errorCode": STRING,
            "_embedded": obj(
                {
                    "errors": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "path": STRING,
                                "message": STRING,
                                "rejectedValue": {"type": ["string", "number", "boolean", "null"]},
                                "source": STRING,
                            },
                            "required": ["path", "message", "source"],
                            "additionalProperties": False,
                        },
                    }
                }
            ),
        },
        "Every 4xx answer.",
    ),
    "Page": obj({"size": INTEGER, "totalElements": INTEGER, "totalPages": INTEGER, "number": INTEGER}),
    "UserShort": obj(
        {
            "id": ID,
            "type": {"type": "string", "const": "user"},
            "firstName": STRING,
            "lastName": STRING,
            "photoUrl": STRING,
            "email": STRING,
        }
    ),
    "CustomerShort": obj(
        {
            "id": ID,
            "type": {"type": "string", "const": "customer"},
            "firstName": STRING,
            "lastName": STRING,
            "photoUrl": STRING,
            "email": STRING,
        }
    ),
    "Attachment": obj({"id": ID, "fileName": STRING, "fileUrl": STRING, "mimeType": STRING, "size": INTEGER}),
    "Source": obj({"type": enum(SourceType.values), "via": enum(SourceVia.values)}),
    "Thread": obj(
        {
            "id": ID,
            "type": enum(Thread.Type.values),
            "status": enum(Thread.Status.values),
            "state": enum(Thread.State.values),
            "action": obj(
                {
                    "type": enum(["", *Thread.Action.values]),
                    "text": STRING,
                    "associatedEntities": {"type": "array"},
                }
            ),
            "body": STRING,
            "source": ref("Source"),
            "customer": nullable(ref("CustomerShort")),
            "createdBy": {"oneOf": [ref("UserShort"), ref("CustomerShort"), {"type": "null"}]},
            "assignedTo": nullable(ref("UserShort")),
            "to": EMAILS,
            "cc": EMAILS,
            "bcc": EMAILS,
            "createdAt": DATE,
            "openedAt": DATE_OR_NULL,
            "_embedded": obj({"attachments": {"type": "array", "items": ref("Attachment")}}),
        }
    ),
    "Timelog": obj(
        {
            "id": ID,
            "conversationStatus": enum(Conversation.Status.values),
            "userId": ID,
            "timeSpent": {"type": "integer", "minimum": 0, "description": "Seconds, a running timer included."},
            "paused": BOOLEAN,
            "finished": BOOLEAN,
            "createdAt": DATE,
            "updatedAt": DATE,
        }
    ),
    "TagRef": obj({"id": ID, "name": STRING}),
    "Tag": obj({"id": ID, "name": STRING, "counter": INTEGER, "color": INTEGER}),
    "CustomFieldValue": FIELD_VALUE,
    "Conversation": obj(
        {
            "id": ID,
            "number": INTEGER,
            "threadsCount": INTEGER,
            "type": enum(Conversation.Type.values),
            "folderId": ID,
            "status": enum(Conversation.Status.values),
            "state": enum(Conversation.State.values),
            "subject": STRING,
            "preview": STRING,
            "mailboxId": ID,
            "assignee": nullable(ref("UserShort")),
            "createdBy": {"oneOf": [ref("UserShort"), ref("CustomerShort"), {"type": "null"}]},
            "createdAt": DATE,
            "updatedAt": DATE,
            "closedBy": nullable(ID),
            "closedByUser": nullable(ref("UserShort")),
            "closedAt": DATE_OR_NULL,
            "userUpdatedAt": DATE_OR_NULL,
            "customerWaitingSince": obj(
                {
                    "time": DATE_OR_NULL,
                    "friendly": STRING,
                    "latestReplyFrom": enum(["", *Conversation.LastReplyFrom.values]),
                }
            ),
            "source": ref("Source"),
            "cc": EMAILS,
            "bcc": EMAILS,
            "customer": nullable(ref("CustomerShort")),
            "customFields": {"type": "array", "items": ref("CustomFieldValue")},
            "_embedded": {
                "type": "object",
                "description": "What `embed` asked for (threads by default on a single conversation).",
                "properties": {
                    "threads": {"type": "array", "items": ref("Thread")},
                    "timelogs": {"type": "array", "items": ref("Timelog")},
                    "tags": {"type": "array", "items": ref("TagRef")},
                },
                "additionalProperties": False,
            },
        }
    ),
    "Customer": obj(
        {
            "id": ID,
            "firstName": STRING,
            "lastName": STRING,
            "company": STRING,
            "jobTitle": STRING,
            "photoType": STRING,
            "photoUrl": STRING,
            "createdAt": DATE,
            "updatedAt": DATE,
            "notes": STRING,
            "customerFields": {"type": "array", "items": ref("CustomerFieldValue")},
            "_embedded": obj(
                {
                    "emails": {"type": "array", "items": obj({"id": ID, "value": STRING, "type": STRING})},
                    "phones": {"type": "array", "items": obj({"id": ID, "value": STRING, "type": STRING})},
                    "social_profiles": {"type": "array", "items": obj({"id": ID, "value": STRING, "type": STRING})},
                    "websites": {"type": "array", "items": obj({"id": ID, "value": STRING})},
                    "address": obj(
                        {"city": STRING, "state": STRING, "zip": STRING, "country": STRING, "address": STRING}
                    ),
                }
            ),
        }
    ),
    "CustomerFieldValue": FIELD_VALUE,
    "CustomerField": CUSTOM_FIELD_DEFINITION,
    "CustomField": CUSTOM_FIELD_DEFINITION,
    "User": obj(
        {
            "id": ID,
            "firstName": STRING,
            "lastName": STRING,
            "email": STRING,
            "role": enum(User.Role.values),
            "alternateEmails": nullable(STRING),
            "jobTitle": STRING,
            "phone": STRING,
            "timezone": STRING,
            "photoUrl": STRING,
            "language": STRING,
            "createdAt": DATE,
            "updatedAt": DATE,
        }
    ),
    "ApiKey": obj(
        {
            "id": ID,
            "name": STRING,
            "prefix": STRING,
            "createdAt": DATE,
            "lastUsedAt": DATE_OR_NULL,
            "revokedAt": DATE_OR_NULL,
        }
    ),
    "Mailbox": obj({"id": ID, "name": STRING, "email": STRING, "createdAt": DATE, "updatedAt": DATE}),
    "Folder": obj(
        {
            "id": ID,
            "name": STRING,
            "type": {"type": "integer", "enum": list(Folder.Type.values)},
            "userId": nullable(ID),
            "totalCount": INTEGER,
            "activeCount": INTEGER,
            "meta": {"type": "null"},
        }
    ),
    "Webhook": obj(
        {
            "id": ID,
            "url": STRING,
            "events": {"type": "array", "items": STRING},
            "lastRunTime": DATE_OR_NULL,
            "lastRunError": nullable(STRING),
            "mailboxes": {"type": "array", "items": ID},
            "secret": STRING,
            "enabled": BOOLEAN,
            "createdAt": DATE,
        }
    ),
}
COMPONENTS["ApiKeyCreated"] = {
    **COMPONENTS["ApiKey"],
    "properties": {**COMPONENTS["ApiKey"]["properties"], "key": {"type": "string", "description": "Shown once."}},
    "required": [*COMPONENTS["ApiKey"]["required"], "key"],
}
for _name, _item in (
    ("ConversationList", ("conversations", "Conversation")),
    ("TimelogList", ("timelogs", "Timelog")),
    ("TagList", ("tags", "Tag")),
    ("CustomerList", ("customers", "Customer")),
    ("CustomerFieldList", ("customer_fields", "CustomerField")),
    ("MailboxList", ("mailboxes", "Mailbox")),
    ("CustomFieldList", ("custom_fields", "CustomField")),
    ("FolderList", ("folders", "Folder")),
    ("UserList", ("users", "User")),
    ("ApiKeyList", ("api_keys", "ApiKey")),
    ("WebhookList", ("webhooks", "Webhook")),
):
    COMPONENTS[_name] = hal_list(*_item)


class ApiAutoSchema(AutoSchema):
    """The HAL list envelopes are written out in full here (``*List`` components, named by the view's
    ``hal_name``), so the paginator does not wrap them again; ``page`` and ``pageSize`` are listed per list."""

    def _get_paginator(self):
        return None

    def _is_list_view(self, serializer=None) -> bool:
        return False

    def get_operation_id(self) -> str:
        operation_id = super().get_operation_id()
        if getattr(self.view, "action", None) == "list":
            operation_id = operation_id.rsplit("_", 1)[0] + "_list"
        return operation_id


SECURITY_SCHEMES = {
    "FreeScoutApiKey": {"type": "apiKey", "in": "header", "name": "X-FreeScout-API-Key"},
    "SmarticksApiKey": {"type": "apiKey", "in": "header", "name": "X-Smarticks-API-Key"},
    "BasicApiKey": {
        "type": "http",
        "scheme": "basic",
        "description": "The API key as the user name; the password is ignored.",
    },
    "QueryApiKey": {"type": "apiKey", "in": "query", "name": "api_key"},
}


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "helpdesk.api.authentication.ApiKeyAuthentication"
    name = list(SECURITY_SCHEMES)

    def get_security_definition(self, auto_schema):
        return list(SECURITY_SCHEMES.values())

    def get_security_requirement(self, auto_schema):
        # Any one of the schemes (a list of requirements is an OR; one object with all would be an AND).
        return [{name: []} for name in SECURITY_SCHEMES]


class EmailListFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "helpdesk.api.fields.EmailListField"

    def map_serializer_field(self, auto_schema, direction):
        return {
            "oneOf": [
                {"type": "array", "items": {"type": "string", "format": "email"}},
                {"type": "string", "description": "Comma-separated addresses."},
            ]
        }


class ImapFoldersFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "mailboxes.inputs.ImapFoldersField"

    def map_serializer_field(self, auto_schema, direction):
        return {
            "oneOf": [
                {"type": "array", "items": {"type": "string"}},
                {"type": "string", "description": "Comma-separated folder names."},
            ]
        }


class DropdownOptionsFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "mailboxes.inputs.DropdownOptionsField"

    def map_serializer_field(self, auto_schema, direction):
        # A dropdown's options: ``{option id: label}``, or a list of labels numbered from 1; null (allow_null).
        return {
            "oneOf": [
                {"type": "object", "additionalProperties": {"type": "string"}},
                {"type": "array", "items": {"type": "string"}},
                {"type": "string", "enum": [""]},
            ],
        }


# --- Operations -----------------------------------------------------------------------------------------

ERROR = OpenApiResponse(ref("Error"), description="The error shape.")
RESOURCE_ID = {
    "Resource-ID": {"description": "The id of the created entity.", "schema": {"type": "string"}},
}


def _responses(ok: dict[int, Any]) -> dict:
    responses = {}
    for code, schema in ok.items():
        if schema is None:
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
    from conversations.api import ConversationViewSet, TagViewSet
    from customers.api import CustomerFieldViewSet, CustomerViewSet
    from helpdesk.api.users import ApiKeyCreateInput, UserCreateInput, UserUpdateInput, UserViewSet
    from mailboxes.api import MailboxViewSet
    from webhooks.api import WebhookViewSet

    t = "conversations"
    extend_schema_view(
        list=op("List conversations", {200: "ConversationList"}, tag=t, params=CONVERSATION_LIST_PARAMS),
        retrieve=op("Get a conversation", {200: "Conversation"}, tag=t, ids=("id",), params=EMBED),
        create=op("Create a conversation", {201: "Conversation"}, tag=t, request=ConversationCreateInput),
        update=op("Update a conversation", {204: None}, tag=t, ids=("id",), request=ConversationUpdateInput),
        destroy=op("Delete a conversation", {204: None}, tag=t, ids=("id",)),
        tags=op("Set the tags", {204: None}, tag=t, ids=("id",), request=TagsInput),
        custom_fields=op("Set custom field values", {204: None}, tag=t, ids=("id",), request=CustomFieldsInput),
        threads=op("Add a thread", {201: "Thread"}, tag=t, ids=("id",), request=ThreadInput),
        timelogs=[
            op(
                "List timelogs",
                {200: "TimelogList"},
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
    )(WebhookViewSet)


# --- Hooks ------------------------------------------------------------------------------------------------


def preprocess_endpoints(endpoints: list) -> list:
    """Only the API; the router's optional trailing slash (``/?``) documented as FreeScout's slashless path,
    and ``{pk}`` named ``{id}``."""
    result = []
    for path, path_regex, method, callback in endpoints:
        if not path.startswith("/api/"):
            continue
        path = path.replace("/?", "").rstrip("/").replace("{pk}", "{id}")
        result.append((path, path_regex, method, callback))
    return result


def _strip_enum_ids(node: Any) -> None:
    """drf-spectacular's internal enum marks (its own enum hook, not used here, would remove them)."""
    if isinstance(node, dict):
        node.pop("x-spec-enum-id", None)
        for value in node.values():
            _strip_enum_ids(value)
    elif isinstance(node, list):
        for value in node:
            _strip_enum_ids(value)


def postprocess_schema(result: dict, generator, request, public) -> dict:
    _strip_enum_ids(result)
    components = result.setdefault("components", {})
    components.setdefault("schemas", {}).update(COMPONENTS)
    components["securitySchemes"] = SECURITY_SCHEMES
    result["security"] = [{name: []} for name in SECURITY_SCHEMES]
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if "201" in operation.get("responses", {}):
                operation["responses"]["201"]["headers"] = RESOURCE_ID
    result["tags"] = [
        *(
            {"name": name}
            for name in ("conversations", "tags", "customers", "customer fields", "mailboxes", "users", "webhooks")
        ),
        {"name": EXTENSIONS_TAG, "description": "This project's additions to the documented FreeScout API."},
    ]
    return result
