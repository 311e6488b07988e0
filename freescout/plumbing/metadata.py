"""What an OPTIONS request with a key answers. CORS preflights (no key) are answered by django-cors-headers.

DRF's default metadata describes the POST/PUT serializer of a view, which these viewsets do not have (input
serializers are per action, see each app's ``inputs.py``); the OpenAPI schema at ``/api/schema/``
describes the bodies instead.
"""

from rest_framework.metadata import BaseMetadata
from rest_framework.request import Request


class ApiMetadata(BaseMetadata):
    # ``view`` is an APIView; rest_framework.views imports this module through the settings, so the class
    # cannot be imported here for the annotation.
    def determine_metadata(self, request: Request, view) -> dict:
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
            "schema": "/api/schema/",
        }
