"""The conversation page's *Merge* and *Change customer* (issue 19, item 6), each a small page of its own
beside the conversation page, so that the page's forms stay as they are.

*Merge*: pick the other conversation by number, or among the customer's recent ones in this mailbox; then a
confirm step shows both subjects and which one stays; ``conversation_merge`` does the rest. Both must be
conversations the agent can open: another mailbox's number is "no such conversation", whatever exists.

*Change customer*: an email address, suggested as the agent types from the customers they can see (their
mailboxes' customers, ``customers_visible_to``: no wider than the Customers list shows them), found or
created by ``conversation_customer_change``.

An absorbed conversation's page redirects to the survivor (``merged_redirect``). In the list it shows only
where deleted conversations do (the Deleted folder, the state filter), marked "Merged"."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from conversations.models import Conversation
from conversations.selectors import conversation_survivor, conversations_visible_to
from conversations.services import conversation_customer_change, conversation_merge
from customers.selectors import customers_visible_to
from helpdesk.admin import admin_user, refusal_onto_form
from helpdesk.models import User

CHANGE = "admin:conversations_conversation_change"
RECENT = 10
SUGGESTIONS = 10


def merged_redirect(request: HttpRequest, conversation: Conversation) -> HttpResponse | None:
    """For an absorbed conversation's page: to the survivor's, saying why; None for any other."""
    if conversation.merged_into_id is None:
        return None
    survivor = conversation_survivor(
        conversation=conversation, queryset=conversations_visible_to(user=admin_user(request))
    )
    if survivor is None:
        raise Http404("No such conversation.")
    messages.info(request, f"#{conversation.number} was merged into #{survivor.number}.")
    return HttpResponseRedirect(reverse(CHANGE, args=[survivor.pk]))


class MergePickForm(forms.Form):
    number = forms.IntegerField(label="Conversation number", required=False, min_value=1)
    other = forms.TypedChoiceField(
        label="Or one of the customer's recent conversations",
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, conversation: Conversation, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conversation = conversation
        self.candidates = (
            conversations_visible_to(user=user)
            .exclude(pk=conversation.pk)
            .exclude(state__in=[Conversation.State.DELETED, Conversation.State.DRAFT])
        )
        recent = (
            self.candidates.filter(mailbox_id=conversation.mailbox_id, customer_id=conversation.customer_id).order_by(
                "-created_at", "-id"
            )[:RECENT]
            if conversation.customer_id
            else []
        )
        field = self.fields["other"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(c.pk, f"#{c.number} {c.subject or '(no subject)'}") for c in recent]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        number, other = cleaned.get("number"), cleaned.get("other")
        if self.errors:
            return cleaned
        if number is None and other is None:
            raise ValidationError("Enter a conversation number or choose a conversation.")
        # The same answer for another mailbox's number as for one that does not exist.
        found = self.candidates.filter(**({"number": number} if number is not None else {"pk": other})).first()
        if found is None:
            self.add_error("number", f"No conversation #{number} to merge with." if number else "Choose again.")
        cleaned["found"] = found
        return cleaned


def _page(request: HttpRequest, context: dict[str, Any], template: str, status: int = 200) -> HttpResponse:
    return TemplateResponse(request, f"admin/conversations/conversation/{template}", context, status=status)


@require_http_methods(["GET", "POST"])
def merge_view(request: HttpRequest, conversation: Conversation, context: dict[str, Any]) -> HttpResponse:
    user = admin_user(request)
    context = {**context, "conversation": conversation, "title": f"Merge #{conversation.number}"}
    if request.method == "POST" and request.POST.get("step") == "confirm":
        other_id = request.POST.get("other", "")
        other = conversations_visible_to(user=user).filter(pk=int(other_id)).first() if other_id.isdigit() else None
        if other is None or other.pk == conversation.pk:
            raise Http404("No such conversation.")
        keep_other = request.POST.get("keep") == "other"
        survivor, absorbed = (other, conversation) if keep_other else (conversation, other)
        try:
            survivor = conversation_merge(survivor=survivor, absorbed=absorbed, by_user=user)
        except ValidationError as error:
            context.update(other=other, keep_other=keep_other, errors=error.messages)
            return _page(request, context, "merge_confirm.html", status=400)
        messages.success(request, f"Merged #{absorbed.number} into #{survivor.number}.")
        return HttpResponseRedirect(reverse(CHANGE, args=[survivor.pk]))
    form = MergePickForm(request.POST or None, conversation=conversation, user=user)
    if request.method == "POST":
        if form.is_valid():
            context.update(other=form.cleaned_data["found"], keep_other=False, errors=[])
            return _page(request, context, "merge_confirm.html")
        return _page(request, {**context, "form": form}, "merge.html", status=400)
    return _page(request, {**context, "form": form}, "merge.html")


class CustomerChangeForm(forms.Form):
    email = forms.EmailField(
        label="Customer email",
        max_length=191,
        widget=forms.EmailInput(attrs={"list": "hd-customer-suggestions", "autocomplete": "off"}),
    )
    first_name = forms.CharField(label="First name", required=False, max_length=40)
    last_name = forms.CharField(label="Last name", required=False, max_length=40)


@require_http_methods(["GET", "POST"])
def customer_change_view(request: HttpRequest, conversation: Conversation, context: dict[str, Any]) -> HttpResponse:
    form = CustomerChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        changed = refusal_onto_form(
            form,
            lambda: conversation_customer_change(
                conversation=conversation, by_user=admin_user(request), **form.cleaned_data
            ),
        )
        if changed is not None:
            messages.success(request, "Customer changed.")
            return HttpResponseRedirect(reverse(CHANGE, args=[conversation.pk]))
    context = {
        **context,
        "conversation": conversation,
        "form": form,
        "title": f"Change the customer of #{conversation.number}",
    }
    return _page(request, context, "customer_change.html", status=400 if form.is_bound else 200)


@require_GET
def customer_suggestions_view(request: HttpRequest, conversation: Conversation) -> JsonResponse:
    """Up to ten customers the agent can see whose name or email contains ``q`` (two characters or more),
    each with an address to pick: ``{"customers": [{"email", "label"}]}``."""
    query = request.GET.get("q", "").strip()[:100]
    if len(query) < 2:
        return JsonResponse({"customers": []})
    matching = (
        customers_visible_to(user=admin_user(request))
        .filter(
            Q(emails__email__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query),
            emails__isnull=False,
        )
        .distinct()
        .order_by("first_name", "last_name", "id")
        .prefetch_related("emails")[:SUGGESTIONS]
    )
    customers = []
    for customer in matching:
        email = customer.emails.all()[0].email
        name = customer.get_full_name()
        customers.append({"email": email, "label": f"{name} <{email}>" if name else email})
    return JsonResponse({"customers": customers})


def page_of(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str) -> Conversation:
    """The conversation of a change page's path, for someone who may change it (404 / 403 otherwise)."""
    conversation = model_admin.get_object(request, object_id)
    if conversation is None:
        raise Http404("No such conversation.")
    if not model_admin.has_change_permission(request, conversation):
        raise PermissionDenied
    return conversation
