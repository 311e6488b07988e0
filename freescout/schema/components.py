"""The response shapes, as JSON Schema components that mirror the ``payloads`` modules."""

from typing import Any

from conversations.models import Conversation, SourceType, SourceVia, Thread
from helpdesk.models import User
from helpdesk.outbox import OutboxStatus
from mailboxes.models import Folder

EXTENSIONS_TAG = "extensions"
ERROR_STATUSES = (400, 401, 403, 404, 405, 406, 409, 413, 415, 429)
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
    "WebhookAttempt": obj(
        {
            "id": ID,
            "startedAt": DATE,
            "durationMs": INTEGER,
            "statusCode": nullable(INTEGER),
            "error": nullable(STRING),
            "responseBody": {"type": "string", "maxLength": 2048, "description": "At most 2 KB of the response."},
        }
    ),
    "WebhookDelivery": obj(
        {
            "id": ID,
            "eventId": {"type": "string", "format": "uuid", "description": "The `webhook-id` header."},
            "event": STRING,
            "status": enum(OutboxStatus.values),
            "attemptsCount": INTEGER,
            "nextAttemptAt": DATE_OR_NULL,
            "createdAt": DATE,
            "finishedAt": DATE_OR_NULL,
            "_embedded": obj({"attempts": {"type": "array", "items": ref("WebhookAttempt")}}),
        },
        "One event sent to one webhook, with its attempts, oldest first.",
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
    ("WebhookDeliveryList", ("deliveries", "WebhookDelivery")),
):
    COMPONENTS[_name] = hal_list(*_item)

RESOURCE_ID = {
    "Resource-ID": {"description": "The id of the created entity.", "schema": {"type": "string"}},
}
