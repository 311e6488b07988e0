from conversations.api import ConversationViewSet, TagViewSet
from helpdesk.api.routers import ApiRouter
from helpdesk.api.users import UserViewSet
from mailboxes.api import MailboxViewSet
from webhooks.api import WebhookViewSet

router = ApiRouter()
router.register("conversations", ConversationViewSet, basename="conversation")
router.register("tags", TagViewSet, basename="tag")
router.register("mailboxes", MailboxViewSet, basename="mailbox")
router.register("users", UserViewSet, basename="user")
router.register("webhooks", WebhookViewSet, basename="webhook")

urlpatterns = router.urls
