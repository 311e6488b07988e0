"""The FreeScout API's conversation endpoints: parse, call the services, answer with the payloads."""

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from conversations import services
from conversations.models import Conversation, ConversationTag, SourceType, Timelog
from conversations.pages import CONVERSATION_COLUMNS, EMBEDDABLE, TIMELOG_COLUMNS, conversation_rows
from conversations.selectors import conversation_survivor, conversations_visible_to, tags_visible_to
from freescout.conversations.filters import ConversationFilter, conversation_listing
from freescout.conversations.inputs import (
    ConversationCreateInput,
    ConversationUpdateInput,
    CustomFieldsInput,
    TagsInput,
    ThreadInput,
    TimelogCreateInput,
    TimelogUpdateInput,
    as_customer_ref,
    as_thread_intake,
    thread_error_paths,
)
from freescout.conversations.payloads import (
    conversation_payload_by_id,
    conversation_payloads,
    thread_payload_by_id,
    timelog_payload,
)
from freescout.plumbing.authentication import api_user
from freescout.plumbing.errors import service_errors_at
from freescout.plumbing.params import ID_PATTERN, id_param
from freescout.plumbing.permissions import IsAdmin
from freescout.plumbing.views import ApiViewSet, NonAtomicApiViewSet
from helpdesk.links import absolute_url
from helpdesk.services import user_act_as_check


class ConversationMerged(exceptions.APIException):
    """A 404 whose message (which conversation took this one in) is kept, unlike DRF's stock ``NotFound``."""

    status_code = 404
    default_detail = "Not found"
    default_code = "not_found"


def embed_param(request: Request, default: frozenset[str]) -> frozenset[str]:
    raw = request.query_params.get("embed")
    if raw is None:
        return default
    return frozenset(part.strip() for part in raw.split(",")) & EMBEDDABLE


class ConversationViewSet(NonAtomicApiViewSet):
    hal_name = "conversations"
    filter_backends = [DjangoFilterBackend]
    filterset_class = ConversationFilter

    def get_permissions(self):
        # Deleting forever is an admin's, as in the admin UI (agents move conversations to Deleted); a
        # regular key gets 403 whatever the id, so the answer tells nothing of other mailboxes.
        if self.action == "destroy":
            return [*super().get_permissions(), IsAdmin()]
        return super().get_permissions()

    def get_queryset(self):
        return conversations_visible_to(user=api_user(self.request))

    def get_conversation(self) -> Conversation:
        """The conversation the path names, to change or to read below. One merged into another
        (``conversation_merge``) is gone for these: a 404 naming the survivor, not a 301, which common HTTP
        clients follow with a GET, so a reply posted to it would be lost while the client saw success."""
        conversation = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        survivor = conversation_survivor(conversation=conversation, queryset=self.get_queryset())
        if survivor is None:
            raise Http404
        if survivor.pk != conversation.pk:
            raise ConversationMerged(f"Conversation {conversation.pk} was merged into conversation {survivor.pk}.")
        return conversation

    def moved_to_survivor(self, request: Request) -> Response | None:
        """For a read of a merged conversation: 301 to the same read of the conversation it was merged into,
        query string kept, as Help Scout's API answers for merged conversations."""
        conversation = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        survivor = conversation_survivor(conversation=conversation, queryset=self.get_queryset())
        if survivor is None:
            raise Http404
        if survivor.pk == conversation.pk:
            return None
        match = request.resolver_match
        assert match is not None  # a routed request
        path = reverse(match.view_name, args=match.args, kwargs={**match.kwargs, "pk": survivor.pk})
        query = request.META.get("QUERY_STRING", "")
        return Response(status=301, headers={"Location": absolute_url(path + (f"?{query}" if query else ""))})

    def list(self, request: Request) -> Response:
        embed = embed_param(request, default=frozenset())
        rows = conversation_listing(request.query_params, user=api_user(request), columns=CONVERSATION_COLUMNS)
        if rows is None:
            filterset = DjangoFilterBackend().get_filterset(request, self.get_queryset(), self)
            if not filterset.is_valid():
                raise translate_validation(filterset.errors)
            rows = filterset.qs.values(*CONVERSATION_COLUMNS)
        return self.paginated_batch(rows, lambda page: conversation_payloads(page, embed=embed))

    def retrieve(self, request: Request, pk: str) -> Response:
        # The row read once, by a statement written out once, rather than looked up twice by the ORM (the
        # merge check, then the read) and read a third time for the payload.
        rows = conversation_rows([int(pk)], columns=(*CONVERSATION_COLUMNS, "merged_into_id"))
        if not rows or not self.visible(rows[0]["id"]):
            raise Http404
        if rows[0]["merged_into_id"] is not None and (moved := self.moved_to_survivor(request)):
            return moved
        embed = embed_param(request, default=frozenset({"threads"}))
        return Response(conversation_payloads(rows, embed=embed)[0])

    def visible(self, conversation_id: int) -> bool:
        """Whether ``get_queryset()`` has this conversation (an active admin's has every one)."""
        user = api_user(self.request)
        return (user.is_active and user.is_admin) or self.get_queryset().filter(pk=conversation_id).exists()

    def create(self, request: Request) -> Response:
        given = ConversationCreateInput(data=request.data, context={"request": request})
        given.is_valid(raise_exception=True)
        data = given.validated_data
        # Threads arrive newest first; they are stored oldest first.
        threads = data["threads"][::-1]
        paths = {"assignee": "assignTo", "custom_fields": "customFields"}
        for index, thread in enumerate(threads):
            paths |= thread_error_paths(
                thread, domain=f"threads[{index}]", request=f"threads[{len(threads) - 1 - index}]"
            )
        with service_errors_at(paths):
            conversation = services.conversation_intake(
                mailbox=data["mailboxId"],
                subject=data["subject"],
                customer=as_customer_ref(data["customer"]),
                threads=[as_thread_intake(thread) for thread in threads],
                custom_fields=[(item["id"], item["value"]) for item in data["customFields"]],
                type=data["type"],
                status=data["status"],
                state=data["state"],
                assignee=data.get("assignTo"),
                source_type=SourceType.API,
                imported=data["imported"],
                created_at=data.get("createdAt"),
                closed_at=data.get("closedAt"),
            )
        return self.created(conversation_payload_by_id(conversation.pk))

    def update(self, request: Request, pk: str) -> Response:
        conversation = self.get_conversation()
        given = ConversationUpdateInput(data=request.data, context={"request": request})
        given.is_valid(raise_exception=True)
        data = given.validated_data
        names = {
            "status": "status",
            "assignTo": "assignee",
            "mailboxId": "mailbox",
            "customerId": "customer",
            "subject": "subject",
        }
        # Applied in the order the client sent them (a JSON object keeps its order).
        changes = [(names[key], data[key]) for key in request.data if key in names and key in data]
        with service_errors_at({name: key for key, name in names.items()}):
            services.conversation_update(conversation=conversation, by_user=data.get("byUser"), changes=changes)
        return self.no_content()

    def destroy(self, request: Request, pk: str) -> Response:
        services.conversation_delete_forever(conversation=self.get_conversation())
        return self.no_content()

    @action(detail=True, methods=["put"])
    def tags(self, request: Request, pk: str) -> Response:
        conversation = self.get_conversation()
        given = TagsInput(data=request.data)
        given.is_valid(raise_exception=True)
        services.conversation_tags_set(conversation=conversation, names=given.validated_data["tags"])
        return self.no_content()

    @action(detail=True, methods=["put"], url_path="custom_fields")
    def custom_fields(self, request: Request, pk: str) -> Response:
        conversation = self.get_conversation()
        given = CustomFieldsInput(data=request.data)
        given.is_valid(raise_exception=True)
        values = [(item["id"], item["value"]) for item in given.validated_data["customFields"]]
        with service_errors_at({"custom_fields": "customFields"}):
            services.conversation_custom_fields_set(conversation=conversation, values=values)
        return self.no_content()

    @action(detail=True, methods=["post"])
    def threads(self, request: Request, pk: str) -> Response:
        conversation = self.get_conversation()
        given = ThreadInput(data=request.data, context={"request": request})
        given.is_valid(raise_exception=True)
        data = given.validated_data
        with service_errors_at(thread_error_paths(data)):
            thread = services.thread_intake(
                conversation=conversation,
                thread=as_thread_intake(data),
                status=data.get("status"),
                imported=data["imported"],
            )
        return self.created(thread_payload_by_id(thread.pk))

    @action(detail=True, methods=["get", "post"])
    def timelogs(self, request: Request, pk: str) -> Response:
        if request.method == "GET" and (moved := self.moved_to_survivor(request)):
            return moved
        conversation = self.get_conversation()
        if request.method == "POST":
            return self._timelog_create(request, conversation)
        self.hal_name = "timelogs"
        timelogs = conversation.timelogs.order_by("-created_at", "-id").values(*TIMELOG_COLUMNS)
        return self.paginated(timelogs, timelog_payload)

    def _timelog_create(self, request: Request, conversation: Conversation) -> Response:
        """An extension: ``timeSpent`` records a finished timelog; without it the user's timer starts (or
        their open one resumes, and that one is returned)."""
        given = TimelogCreateInput(data=request.data, context={"request": request, "conversation": conversation})
        given.is_valid(raise_exception=True)
        user, seconds = given.validated_data["user"], given.validated_data.get("timeSpent")
        with service_errors_at({"seconds": "timeSpent"}):
            if seconds is None:
                timelog = services.timelog_start(conversation=conversation, user=user)
            else:
                timelog = services.timelog_record(conversation=conversation, user=user, seconds=seconds)
        return self.created(timelog_payload(Timelog.objects.values(*TIMELOG_COLUMNS).get(pk=timelog.pk)))

    @action(detail=True, methods=["put"], url_path=rf"timelogs/(?P<timelog_id>{ID_PATTERN})")
    def timelog(self, request: Request, pk: str, timelog_id: str) -> Response:
        """An extension: ``action`` pause, stop or resume. A regular user's key may only touch its own timers."""
        timelog = get_object_or_404(self.get_conversation().timelogs.select_related("user"), pk=timelog_id)
        given = TimelogUpdateInput(data=request.data)
        given.is_valid(raise_exception=True)
        user_act_as_check(actor=api_user(request), user=timelog.user)
        verb = given.validated_data["action"]
        if timelog.finished and verb != "stop":
            raise serializers.ValidationError({"action": ["The timelog is finished."]}, code="invalid")
        if verb == "resume":
            services.timelog_start(conversation=timelog.conversation, user=timelog.user)
        else:
            services.timelog_stop(timelog=timelog, finish=verb == "stop")
        return self.no_content()


class TagViewSet(ApiViewSet):
    """``GET /api/tags``: a regular user's key lists the tags of ``tags_visible_to`` (used in its mailboxes,
    or nowhere), the LiveAgent dialect's rule, and each ``counter`` counts only the conversations it can
    see, so that neither names nor numbers tell of other mailboxes. An admin's key lists every tag with
    every conversation counted, as FreeScout's global key does."""

    hal_name = "tags"

    def list(self, request: Request) -> Response:
        user = api_user(request)
        visible = conversations_visible_to(user=user)
        counted = None if user.is_admin else Q(conversationtag__conversation__in=visible)
        tags = tags_visible_to(user=user).annotate(counter=Count("conversationtag", filter=counted)).order_by("id")
        conversation_id = id_param(request, "conversationId")
        if conversation_id is not None:
            tags = tags.filter(
                pk__in=ConversationTag.objects.filter(conversation__in=visible.filter(pk=conversation_id)).values(
                    "tag_id"
                )
            )
        return self.paginated(
            tags, lambda tag: {"id": tag.pk, "name": tag.name, "counter": tag.counter, "color": tag.color}
        )
