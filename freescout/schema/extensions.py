"""drf-spectacular extensions: the schema class, the key authentication, the custom input fields."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema


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
    target_class = "freescout.plumbing.authentication.ApiKeyAuthentication"
    name = list(SECURITY_SCHEMES)

    def get_security_definition(self, auto_schema):
        return list(SECURITY_SCHEMES.values())

    def get_security_requirement(self, auto_schema):
        # Any one of the schemes (a list of requirements is an OR; one object with all would be an AND).
        return [{name: []} for name in SECURITY_SCHEMES]


class EmailListFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "freescout.plumbing.fields.EmailListField"

    def map_serializer_field(self, auto_schema, direction):
        return {
            "oneOf": [
                {"type": "array", "items": {"type": "string", "format": "email"}},
                {"type": "string", "description": "Comma-separated addresses."},
            ]
        }


class ImapFoldersFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "freescout.mailboxes.inputs.ImapFoldersField"

    def map_serializer_field(self, auto_schema, direction):
        return {
            "oneOf": [
                {"type": "array", "items": {"type": "string"}},
                {"type": "string", "description": "Comma-separated folder names."},
            ]
        }


class DropdownOptionsFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "freescout.mailboxes.inputs.DropdownOptionsField"

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
