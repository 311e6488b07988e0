"""The FreeScout API, mounted at ``/api/``: its endpoints, and its OpenAPI schema and documentation, which
need no key."""

from django.urls import re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from freescout.conversations.views import ConversationViewSet, TagViewSet
from freescout.customers.views import CustomerFieldViewSet, CustomerViewSet
from freescout.mailboxes.views import MailboxViewSet
from freescout.plumbing.routers import ApiRouter
from freescout.schema import document_api
from freescout.schema.settings import SCHEMA_SETTINGS
from freescout.users.views import UserViewSet
from freescout.webhooks.views import WebhookViewSet
from helpdesk.api_docs import RedocDocsView, SwaggerDocsView

router = ApiRouter()
router.register("conversations", ConversationViewSet, basename="conversation")
router.register("tags", TagViewSet, basename="tag")
router.register("customers", CustomerViewSet, basename="customer")
router.register("customer_fields", CustomerFieldViewSet, basename="customer-field")
router.register("mailboxes", MailboxViewSet, basename="mailbox")
router.register("users", UserViewSet, basename="user")
router.register("webhooks", WebhookViewSet, basename="webhook")

document_api()

_public = {"authentication_classes": [], "permission_classes": [AllowAny]}

urlpatterns = [
    # Before the API's routes: no key needed.
    re_path(r"^schema/?$", SpectacularAPIView.as_view(custom_settings=SCHEMA_SETTINGS, **_public), name="api-schema"),
    re_path(r"^docs/?$", SwaggerDocsView.as_view(url_name="api-schema", **_public), name="api-docs"),
    re_path(r"^redoc/?$", RedocDocsView.as_view(url_name="api-schema", **_public), name="api-redoc"),
    *router.urls,
]
