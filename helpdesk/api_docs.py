"""The API documentation pages (drf-spectacular's Swagger UI and Redoc, from drf-spectacular-sidecar's static
files) under the Content-Security-Policy of helpdesk/settings.py: our copies of their templates give the
inline start-up script and stylesheets the request's nonce. Each dialect mounts these with its own schema."""

from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView


# Swagger UI's stylesheet draws a few icons as data: SVG images; only this page allows them.
@method_decorator(csp_update({"img-src": ["data:"]}), name="dispatch")
class SwaggerDocsView(SpectacularSwaggerView):
    template_name = "api_docs/swagger_ui.html"


# Redoc's bundle inserts two stylesheets as it loads, before its nonce option is read: perfect-scrollbar's and an
# empty one. Only this page allows them, by their hashes (the sidecar's Redoc 2.x; the browser test of this page
# fails on a violation, so an upgrade that changes them is seen).
REDOC_STYLE_HASHES = [
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
]


@method_decorator(csp_update({"style-src": REDOC_STYLE_HASHES}), name="dispatch")
class RedocDocsView(SpectacularRedocView):
    template_name = "api_docs/redoc.html"
