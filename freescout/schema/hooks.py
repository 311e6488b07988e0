"""Pre- and post-processing hooks of the schema generation (``freescout.schema.settings``)."""

from typing import Any

from freescout.schema.components import COMPONENTS, EXTENSIONS_TAG, RESOURCE_ID
from freescout.schema.extensions import SECURITY_SCHEMES


def preprocess_endpoints(endpoints: list) -> list:
    """Only the API, not its schema view; the router's optional trailing slash (``/?``) documented as
    FreeScout's slashless path, and ``{pk}`` named ``{id}``."""
    result = []
    for path, path_regex, method, callback in endpoints:
        if not path.startswith("/api/") or path.startswith("/api/schema"):
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
