from conversations.api import ConversationViewSet, TagViewSet
from customers.api import CustomerFieldViewSet, CustomerViewSet
from helpdesk.api.routers import ApiRouter
from helpdesk.api.schema import document_api
from helpdesk.api.users import UserViewSet
from mailboxes.api import MailboxViewSet
from webhooks.api import WebhookViewSet

router = ApiRouter()
router.register("conversations", ConversationViewSet, basename="conversation")
router.register("tags", TagViewSet, basename="tag")
router.register("customers", CustomerViewSet, basename="customer")
router.register("customer_fields", CustomerFieldViewSet, basename="customer-field")
router.register("mailboxes", MailboxViewSet, basename="mailbox")
router.register("users", UserViewSet, basename="user")
router.register("webhooks", WebhookViewSet, basename="webhook")

document_api()

urlpatterns = router.urls
