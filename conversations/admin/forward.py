"""The conversation page's Forward (issue 19, item 3): ``<id>/forward/`` (``?thread=<id>`` for one message)
asks for the addresses, an optional Cc and note, and which of the conversation's attachments go along,
then hands them to ``conversation_forward``. 404 for a conversation the agent cannot see, 403 for one
who may not write in it; errors come back on the form and nothing is written."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from conversations.admin.composer import AddressesField, composer_html, conversation_to_write_in, signature_html
from conversations.models import Attachment, Conversation, Thread
from conversations.services import conversation_forward
from helpdesk.admin import admin_user, refusal_onto_form
from helpdesk.models import User


class ForwardForm(forms.Form):
    to = AddressesField(label="To", required=True)
    cc = AddressesField(label="Cc")
    text = forms.CharField(
        label="Note",
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "Add a note above the forwarded message…"}),
    )
    html = forms.CharField(required=False, strip=True, widget=forms.HiddenInput)
    attachments = forms.TypedMultipleChoiceField(
        label="Attachments to include", required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    thread = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, conversation: Conversation, user: User, thread: Thread | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.conversation, self.user, self.forwarded = conversation, user, thread
        files = list(
            Attachment.objects.filter(thread__conversation=conversation, thread__state=Thread.State.PUBLISHED)
            .order_by("thread__created_at", "pk")
            .values("pk", "file_name", "size", "thread_id")
        )
        field = self.fields["attachments"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(f["pk"], f"{f['file_name']} ({filesizeformat(f['size'])})") for f in files]
        # One message's files go with it; the whole conversation's, with the conversation.
        self.initial["attachments"] = [f["pk"] for f in files if thread is None or f["thread_id"] == thread.pk]
        self.initial["thread"] = thread.pk if thread is not None else None
        self.signature = signature_html(conversation.mailbox)

    def save(self) -> Thread:
        data = self.cleaned_data
        return conversation_forward(
            conversation=self.conversation,
            by_user=self.user,
            to=data["to"],
            cc=data["cc"],
            note=composer_html(data["html"], data["text"]) if (data["html"] or data["text"]) else "",
            thread_id=self.forwarded.pk if self.forwarded is not None else None,
            attachment_ids=data["attachments"],
        )


def _forwarded(conversation: Conversation, value: str) -> Thread | None:
    """The message of ``?thread=`` (404 for one not a published message of this conversation)."""
    if not value:
        return None
    thread = (
        conversation.threads.filter(pk=int(value), type__in=Thread.MESSAGE_TYPES, state=Thread.State.PUBLISHED).first()
        if value.isdigit()
        else None
    )
    if thread is None:
        raise Http404
    return thread


@require_http_methods(["GET", "POST"])
def forward_view(request: HttpRequest, object_id: str, context: dict[str, Any]) -> HttpResponse:
    user = admin_user(request)
    conversation = conversation_to_write_in(request, object_id)
    thread = _forwarded(conversation, request.GET.get("thread") or request.POST.get("thread", ""))
    form = ForwardForm(request.POST or None, conversation=conversation, user=user, thread=thread)
    if request.method == "POST" and form.is_valid():
        forward = refusal_onto_form(form, form.save)  # atomic: a refusal leaves nothing behind
        if forward is not None:
            messages.success(request, f"Forwarded to {', '.join([*forward.to, *forward.cc])}.")
            page = reverse("admin:conversations_conversation_change", args=[conversation.pk])
            return HttpResponseRedirect(f"{page}#thread-{forward.pk}")
    return TemplateResponse(
        request,
        "admin/conversations/conversation/forward.html",
        {
            **context,
            "form": form,
            "conversation": conversation,
            "forwarded": thread,
            "title": f"Forward {'a message of ' if thread else ''}#{conversation.number} {conversation.subject}",
        },
        status=400 if form.is_bound else 200,
    )
