"""The OpenAPI 3.1 description of the API (drf-spectacular), served at ``/api/schema/`` and ``/api/docs/``.

The views answer with plain dicts from the ``payloads`` modules, so the response shapes are written here,
once, as JSON Schema components; the request bodies come from the input serializers. ``document_api()``
attaches them to the viewsets (called by ``freescout.urls``), so the ``api.py`` modules stay as they
are. ``tests/openapi_validation.py`` checks every response of the API test suite against this schema."""

from freescout.schema.extensions import ApiAutoSchema
from freescout.schema.hooks import postprocess_schema, preprocess_endpoints
from freescout.schema.operations import document_api

__all__ = ["ApiAutoSchema", "document_api", "postprocess_schema", "preprocess_endpoints"]
