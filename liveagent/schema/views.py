"""``/liveagent/schema/`` (the OpenAPI document: YAML, or JSON with ``?format=json``) and ``/liveagent/docs/``
(Swagger UI from drf-spectacular-sidecar's static files, as ``/api/docs/`` serves FreeScout's). Public, like
FreeScout's: outside the v1 prefix, so no key and none of v1's envelope."""

from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.api_docs import SwaggerDocsView
from liveagent.schema.openapi import openapi_document


class LiveAgentSchemaView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    # YAML first, so that a browser gets YAML; ?format=json (DRF's format override) or an Accept of
    # application/json or application/vnd.oai.openapi+json gets JSON.
    renderer_classes = [OpenApiYamlRenderer, OpenApiYamlRenderer2, OpenApiJsonRenderer, OpenApiJsonRenderer2]
    # Not part of the FreeScout schema drf-spectacular generates.
    schema = None

    def get(self, request: Request) -> Response:
        return Response(openapi_document())


class LiveAgentDocsView(SwaggerDocsView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    url_name = "liveagent-schema"
    title = "LiveAgent API v1"
    schema = None
