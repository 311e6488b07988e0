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
# empty one; only this page allows them, by their hashes (the sidecar's Redoc 2.x; the browser test of this page
# fails on any violation, so an upgrade that changes them is seen). Its search index is built in a worker made
# from a blob: URL, and its icons are data: images. Its sidebar's Redocly logo, from Redocly's CDN, stays
# blocked: the page calls no other host (Redoc hides the logo when it does not load).
REDOC_STYLE_HASHES = [
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
]


@method_decorator(
    csp_update({"style-src": REDOC_STYLE_HASHES, "img-src": ["data:"], "worker-src": ["blob:"]}), name="dispatch"
)
class RedocDocsView(SpectacularRedocView):
    template_name = "api_docs/redoc.html"
