"""The agent UI's "New conversation" page (issue 19, item 5): an email to a customer, or a phone call
logged, started by an agent in one of their mailboxes through ``conversation_start_by_agent`` (the same
``conversation_create`` as the APIs, so webhooks and emails follow). Errors come back on the form; a
refused start writes nothing."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from conversations.models import Conversation, Status
from conversations.services import conversation_start_by_agent
from helpdesk.admin import admin_user, refusal_onto_form
from helpdesk.models import User
from mailboxes.models import Mailbox
from mailboxes.selectors import mailboxes_accessible_by


class NewConversationForm(forms.Form):
    type = forms.ChoiceField(
        choices=[
            (Conversation.Type.EMAIL, "Email: sent to the customer"),
            (Conversation.Type.PHONE, "Phone call: logged, not sent"),
        ],
        initial=Conversation.Type.EMAIL,
        widget=forms.RadioSelect,
    )
    mailbox = forms.ModelChoiceField(queryset=Mailbox.objects.none(), empty_label=None)
    email = forms.EmailField(label="Customer email", required=False, max_length=191)
    phone = forms.CharField(label="Customer phone", required=False, max_length=60)
    first_name = forms.CharField(label="First name", required=False, max_length=40)
    last_name = forms.CharField(label="Last name", required=False, max_length=40)
    subject = forms.CharField(max_length=998)
    text = forms.CharField(
        label="Message", widget=forms.Textarea(attrs={"rows": 8}), help_text="For a call: what was said."
    )
    status = forms.ChoiceField(
        choices=[(Status.ACTIVE, "Active"), (Status.PENDING, "Pending"), (Status.CLOSED, "Closed")],
        initial=Status.ACTIVE,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        field = self.fields["mailbox"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = mailboxes_accessible_by(user=user).order_by("name", "id")

    def save(self) -> Conversation:
        data = self.cleaned_data
        return conversation_start_by_agent(user=self.user, **data)


@require_http_methods(["GET", "POST"])
def new_conversation_view(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    user = admin_user(request)
    form = NewConversationForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        conversation = refusal_onto_form(form, form.save)  # atomic: a refusal leaves nothing behind
        if conversation is not None:
            messages.success(request, f"Conversation #{conversation.number} started.")
            return HttpResponseRedirect(reverse("admin:conversations_conversation_change", args=[conversation.pk]))
    return TemplateResponse(
        request,
        "admin/conversations/conversation/new.html",
        {**context, "form": form, "title": "New conversation"},
    )
