from conversations.api import ConversationViewSet
from helpdesk.api.routers import ApiRouter

router = ApiRouter()
router.register("conversations", ConversationViewSet, basename="conversation")

urlpatterns = router.urls
