from conversations.api import ConversationViewSet, TagViewSet
from helpdesk.api.routers import ApiRouter

router = ApiRouter()
router.register("conversations", ConversationViewSet, basename="conversation")
router.register("tags", TagViewSet, basename="tag")

urlpatterns = router.urls
