"""The FreeScout API's conversation endpoints: parse, call the services, answer with the payloads."""

import mimetypes

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from conversations import services
from conversations.models import Conversation, ConversationTag, SourceType, Tag, Thread, Timelog
from conversations.pages import CONVERSATION_COLUMNS, EMBEDDABLE, TIMELOG_COLUMNS
from conversations.selectors import conversations_visible_to
from customers.services import customer_resolve
from freescout.conversations.filters import ConversationFilter, conversation_listing
from freescout.conversations.inputs import (
    ConversationCreateInput,
    ConversationUpdateInput,
    CustomerRefInput,
    CustomFieldsInput,
    TagsInput,
    ThreadInput,
    TimelogCreateInput,
    TimelogUpdateInput,
)
from freescout.conversations.payloads import (
    conversation_payload_by_id,
    conversation_payloads,
    thread_payload_by_id,
    timelog_payload,
)
from freescout.plumbing.errors import service_errors
from freescout.plumbing.params import ID_PATTERN, id_param
from freescout.plumbing.views import ApiViewSet, NonAtomicApiViewSet
from helpdesk.outbound import FetchError, UnsafeUrl, url_fetch
from mailboxes.models import CustomField


def embed_param(request: Request, default: frozenset[str]) -> frozenset[str]:
    raw = request.query_params.get("embed")
    if raw is None:
        return default
    return frozenset(part.strip() for part in raw.split(",")) & EMBEDDABLE


def _attachments(items: list[dict], path: str) -> list[services.NewAttachment]:
    """Decoded or downloaded attachments. Downloads run before any transaction opens."""
    attachments = []
    for index, item in enumerate(items):
        content = item.get("content")
        mime_type = item.get("mimeType") or ""
        if content is None:
            try:
                content, fetched_type, _ = url_fetch(item["fileUrl"], max_bytes=settings.HELPDESK_ATTACHMENT_MAX_BYTES)
            except (UnsafeUrl, FetchError) as error:
                raise serializers.ValidationError({f"{path}[{index}].fileUrl": [str(error)]}, code="invalid") from None
            mime_type = mime_type or (fetched_type or "").split(";")[0].strip()
        mime_type = mime_type or mimetypes.guess_type(item["fileName"])[0] or "application/octet-stream"
        attachments.append(services.NewAttachment(file_name=item["fileName"], content=content, mime_type=mime_type))
    return attachments


def _new_thread(data: dict, attachments: list[services.NewAttachment], customer=None) -> services.NewThread:
    return services.NewThread(
        type=data["type"],
        body=data["text"],
        user=data.get("user"),
        customer=customer,
        state=data.get("state", Thread.State.PUBLISHED),
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        created_at=data.get("createdAt"),
        attachments=attachments,
    )


def _thread_customer(data: dict, prefix: str = ""):
    """The thread's own customer, when it names one (``prefix`` locates the thread in the request)."""
    if "customer" not in data:
        return None
    try:
        return customer_resolve(**CustomerRefInput().as_kwargs(data["customer"]))[0]
    except DjangoValidationError as error:
        raise service_errors(error, {"id": f"{prefix}customer.id", "email": f"{prefix}customer.email"}) from None


def _custom_field_values(mailbox_id: int, items: list[dict]) -> tuple[dict[int, object], dict[str, str]]:
    """``{field id: value}`` for the service and the request path of each value; unknown ids are a 400."""
    known = set(
        CustomField.objects.filter(mailbox_id=mailbox_id, pk__in=[item["id"] for item in items]).values_list(
            "pk", flat=True
        )
    )
    for index, item in enumerate(items):
        if item["id"] not in known:
            raise serializers.ValidationError(
                {f"customFields[{index}].id": [f"No custom field {item['id']} in this mailbox."]}, code="invalid"
            )
    paths = {str(item["id"]): f"customFields[{index}].value" for index, item in enumerate(items)}
    return {item["id"]: item["value"] for item in items}, paths


class ConversationViewSet(NonAtomicApiViewSet):
    hal_name = "conversations"
    filter_backends = [DjangoFilterBackend]
    filterset_class = ConversationFilter

    def get_queryset(self):
        return conversations_visible_to(user=self.request.user)

    def get_conversation(self) -> Conversation:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def list(self, request: Request) -> Response:
        embed = embed_param(request, default=frozenset())
        rows = conversation_listing(request.query_params, user=request.user, columns=CONVERSATION_COLUMNS)
        if rows is None:
            filterset = DjangoFilterBackend().get_filterset(request, self.get_queryset(), self)
            if not filterset.is_valid():
                raise translate_validation(filterset.errors)
            rows = filterset.qs.values(*CONVERSATION_COLUMNS)
        return self.paginated_batch(rows, lambda page: conversation_payloads(page, embed=embed))

    def retrieve(self, request: Request, pk: str) -> Response:
        conversation = self.get_conversation()
        embed = embed_param(request, default=frozenset({"threads"}))
        return Response(conversation_payload_by_id(conversation.pk, embed=embed))

    def create(self, request: Request) -> Response:
        given = ConversationCreateInput(data=request.data, context={"request": request})
        given.is_valid(raise_exception=True)
        data = given.validated_data
        # Threads arrive newest first; they are stored oldest first.
        indexed = list(enumerate(data["threads"]))[::-1]
        downloads = {
            index: _attachments(thread["attachments"], f"threads[{index}].attachments") for index, thread in indexed
        }
        field_values, field_paths = _custom_field_values(data["mailboxId"].pk, data["customFields"])
        try:
            with transaction.atomic():
                customer, _ = customer_resolve(**CustomerRefInput().as_kwargs(data["customer"]))
                threads = [
                    _new_thread(thread, downloads[index], _thread_customer(thread, f"threads[{index}]."))
                    for index, thread in indexed
                ]
                conversation = services.conversation_create(
                    mailbox=data["mailboxId"],
                    subject=data["subject"],
                    customer=customer,
                    threads=threads,
                    type=data["type"],
                    status=data["status"],
                    state=data["state"],
                    assignee=data.get("assignTo"),
                    source_type=SourceType.API,
                    imported=data["imported"],
                    created_at=data.get("createdAt"),
                    closed_at=data.get("closedAt"),
                )
                if field_values:
                    services.conversation_custom_fields_set(conversation=conversation, values=field_values)
        except DjangoValidationError as error:
            raise service_errors(
                error, {"assignee": "assignTo", "id": "customer.id", "email": "customer.email", **field_paths}
            ) from None
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
        try:
            services.conversation_update(conversation=conversation, by_user=data.get("byUser"), changes=changes)
        except DjangoValidationError as error:
            raise service_errors(error, {v: k for k, v in names.items()}) from None
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
        values, paths = _custom_field_values(conversation.mailbox_id, given.validated_data["customFields"])
        try:
            services.conversation_custom_fields_set(conversation=conversation, values=values)
        except DjangoValidationError as error:
            raise service_errors(error, paths) from None
        return self.no_content()

    @action(detail=True, methods=["post"])
    def threads(self, request: Request, pk: str) -> Response:
        conversation = self.get_conversation()
        given = ThreadInput(data=request.data, context={"request": request})
        given.is_valid(raise_exception=True)
        data = given.validated_data
        attachments = _attachments(data["attachments"], "attachments")
        try:
            with transaction.atomic():
                thread = services.thread_create(
                    conversation=conversation,
                    thread=_new_thread(data, attachments, _thread_customer(data)),
                    status=data.get("status"),
                    imported=data["imported"],
                )
        except DjangoValidationError as error:
            raise service_errors(error) from None
        return self.created(thread_payload_by_id(thread.pk))

    @action(detail=True, methods=["get", "post"])
    def timelogs(self, request: Request, pk: str) -> Response:
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
        try:
            if seconds is None:
                timelog = services.timelog_start(conversation=conversation, user=user)
            else:
                timelog = services.timelog_record(conversation=conversation, user=user, seconds=seconds)
        except DjangoValidationError as error:
            raise service_errors(error, {"seconds": "timeSpent", "user": "user"}) from None
        return self.created(timelog_payload(Timelog.objects.values(*TIMELOG_COLUMNS).get(pk=timelog.pk)))

    @action(detail=True, methods=["put"], url_path=rf"timelogs/(?P<timelog_id>{ID_PATTERN})")
    def timelog(self, request: Request, pk: str, timelog_id: str) -> Response:
        """An extension: ``action`` pause, stop or resume. A regular user's key may only touch its own timers."""
        timelog = get_object_or_404(self.get_conversation().timelogs, pk=timelog_id)
        given = TimelogUpdateInput(data=request.data)
        given.is_valid(raise_exception=True)
        if not request.user.is_admin and timelog.user_id != request.user.pk:
            raise PermissionDenied("A regular user's API key can only act as that user.")
        verb = given.validated_data["action"]
        if timelog.finished and verb != "stop":
            raise serializers.ValidationError({"action": ["The timelog is finished."]}, code="invalid")
        if verb == "resume":
            services.timelog_start(conversation=timelog.conversation, user=timelog.user)
        else:
            services.timelog_stop(timelog=timelog, finish=verb == "stop")
        return self.no_content()


class TagViewSet(ApiViewSet):
    hal_name = "tags"

    def list(self, request: Request) -> Response:
        tags = Tag.objects.annotate(counter=Count("conversationtag")).order_by("id")
        conversation_id = id_param(request, "conversationId")
        if conversation_id is not None:
            visible = conversations_visible_to(user=request.user).filter(pk=conversation_id)
            tags = tags.filter(pk__in=ConversationTag.objects.filter(conversation__in=visible).values("tag_id"))
        return self.paginated(
            tags, lambda tag: {"id": tag.pk, "name": tag.name, "counter": tag.counter, "color": tag.color}
        )
