from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, TypedDict

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse

from conversations.selectors import customer_conversations
from customers.group_services import customer_group_create, customer_group_delete, customer_group_update
from customers.models import (
    Company,
    CompanyFieldValue,
    Customer,
    CustomerEmail,
    CustomerField,
    CustomerFieldValue,
    CustomerGroup,
    CustomerPhone,
    CustomerSocialProfile,
    CustomerWebsite,
)
from customers.selectors import customers_visible_to
from customers.services import (
    CUSTOMER_FIELD_ATTRIBUTES,
    CUSTOMER_FIELDS,
    company_create,
    company_field_values_set,
    company_update,
    customer_create,
    customer_field_create,
    customer_field_update,
    customer_field_values_set,
    customer_update,
    email_normalise,
    phone_digits,
)
from helpdesk.admin import DropdownOptionsField, HexColorField, ServiceErrorsAsMessagesMixin, admin_user, adopt
from helpdesk.fields import FIELD_CODE_MAX_LENGTH

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

CUSTOMER_PAGE_CONVERSATIONS = 25

# Which argument of ``customer_create`` / ``customer_update`` each inline's rows become.
INLINE_ARGUMENTS: dict[type[models.Model], tuple[str, Callable[[dict], Any]]] = {
    CustomerEmail: ("emails", lambda row: (row["email"], row["type"])),
    CustomerPhone: ("phones", lambda row: (row["value"], row["type"])),
    CustomerSocialProfile: ("social_profiles", lambda row: (row["value"], row["type"])),
    CustomerWebsite: ("websites", lambda row: row["value"]),
}


class CustomerForm(forms.ModelForm):
    # The services take the company by name (as the FreeScout API does), creating it when new.
    company_name = forms.CharField(max_length=60, required=False, label="Company")

    class Meta:
        model = Customer
        fields = sorted(CUSTOMER_FIELDS)
        field_classes = {"photo_url": partial(forms.URLField, assume_scheme="https")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.company_id:
            self.initial["company_name"] = self.instance.company.name


class CustomerEmailForm(forms.ModelForm):
    class Meta:
        model = CustomerEmail
        fields = ["email", "type"]

    def clean_email(self) -> str:
        # Stored lower-cased: the unique index is also the case-insensitive lookup.
        return email_normalise(self.cleaned_data["email"])


class CustomerPhoneForm(forms.ModelForm):
    class Meta:
        model = CustomerPhone
        fields = ["value", "type"]

    def clean_value(self) -> str:
        value = self.cleaned_data["value"].strip()
        self.instance.digits = phone_digits(value)
        return value


class FieldValueForm(forms.ModelForm):
    """A value of a customer field, checked as the field's type requires (a customer's or a company's). A
    dropdown's value is chosen by its label (it is stored as the option id)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.instance.field if self.instance.field_id else None
        if field is not None and field.type == field.Type.DROPDOWN and isinstance(field.options, dict):
            choices = [("", "—"), *sorted(field.options.items(), key=lambda item: (len(item[0]), item[0]))]
            if self.instance.value and self.instance.value not in field.options:
                choices.append((self.instance.value, f"{self.instance.value} (no longer an option)"))
            self.fields["value"].widget = forms.Select(choices=choices)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        field, value = cleaned.get("field"), cleaned.get("value")
        if field is not None and value is not None:
            try:
                cleaned["value"] = field.value_clean(value)
            except ValidationError as error:
                self.add_error("value", error)
        return cleaned


class CustomerEmailInline(admin.TabularInline):
    model = CustomerEmail
    form = CustomerEmailForm
    extra = 0


class CustomerPhoneInline(admin.TabularInline):
    model = CustomerPhone
    form = CustomerPhoneForm
    fields = ["value", "type", "digits"]
    readonly_fields = ["digits"]
    extra = 0


class CustomerSocialProfileInline(admin.TabularInline):
    model = CustomerSocialProfile
    fields = ["value", "type"]
    extra = 0


class CustomerWebsiteInline(admin.TabularInline):
    model = CustomerWebsite
    fields = ["value"]
    extra = 0


class CustomerFieldValueForm(FieldValueForm):
    class Meta:
        model = CustomerFieldValue
        fields = ["field", "value"]


class CompanyFieldValueForm(FieldValueForm):
    class Meta:
        model = CompanyFieldValue
        fields = ["field", "value"]


class CustomerFieldValueInline(admin.TabularInline):
    model = CustomerFieldValue
    form = CustomerFieldValueForm
    fields = ["field", "value", "created_at"]
    readonly_fields = ["created_at"]
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[CustomerFieldValue]:
        return super().get_queryset(request).select_related("field")


@admin.register(Customer)
class CustomerAdmin(ServiceErrorsAsMessagesMixin, admin.ModelAdmin):
    """Agents see and edit the customers of their mailboxes' conversations; every write, inlines
    included, is one ``customer_create`` / ``customer_update`` call."""

    form = CustomerForm
    list_display = ["__str__", "primary_email", "company", "job_title", "address_country", "created_at"]
    list_filter = ["created_at", "photo_type", "address_country"]
    list_select_related = ["company"]
    search_fields = ["first_name", "last_name", "emails__email", "phones__value", "phones__digits", "company__name"]
    ordering = ["-created_at", "-id"]
    date_hierarchy = "created_at"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["created_at", "updated_at"]
    # Compact: names on one row, the rarely edited parts folded.
    fieldsets = [
        (None, {"fields": [("first_name", "last_name"), ("company_name", "job_title"), "gender"]}),
        ("Address", {"fields": ["address", ("address_city", "address_state"), ("address_zip", "address_country")]}),
        ("Notes", {"fields": ["notes"]}),
        (
            "Photo and history",
            {"classes": ["collapse"], "fields": ["photo_type", "photo_url", "ip", "created_at", "updated_at"]},
        ),
    ]
    inlines = [
        CustomerEmailInline,
        CustomerPhoneInline,
        CustomerSocialProfileInline,
        CustomerWebsiteInline,
        CustomerFieldValueInline,
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        return customers_visible_to(user=admin_user(request)).prefetch_related("emails")

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The customer page: their conversations that this user may open, above a compact form."""
        extra_context = dict(extra_context or {})
        if object_id.isdigit():
            conversations = customer_conversations(user=admin_user(request), customer_id=int(object_id))
            shown = list(conversations[:CUSTOMER_PAGE_CONVERSATIONS])
            extra_context["customer_conversations"] = shown
            extra_context["customer_conversations_more"] = (
                conversations.count() - len(shown) if len(shown) == CUSTOMER_PAGE_CONVERSATIONS else 0
            )
            extra_context["customer_primary_email"] = (
                CustomerEmail.objects.filter(customer_id=int(object_id))
                .order_by("id")
                .values_list("email", flat=True)
                .first()
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="Email")
    def primary_email(self, obj: Customer) -> str:
        emails = list(obj.emails.all())
        return emails[0].email if emails else ""

    def save_model(self, request: HttpRequest, obj: Customer, form: forms.ModelForm, change: bool) -> None:
        """Written with its inlines in ``save_related``, by one service call."""

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        lists: dict[str, Any] = {}  # keyword arguments of the service, as INLINE_ARGUMENTS names them
        field_values, field_values_changed = {}, False
        for formset in formsets:
            formset.save(commit=False)  # only for the history's change message; nothing is written here
            rows = [row.cleaned_data for row in formset.forms if row.cleaned_data and not row.cleaned_data["DELETE"]]
            if formset.model is CustomerFieldValue:
                field_values = {row["field"]: row["value"] for row in rows}
                field_values_changed = formset.has_changed()
            elif formset.has_changed() or not change:
                argument, convert = INLINE_ARGUMENTS[formset.model]
                lists[argument] = [convert(row) for row in rows]
        data = form.cleaned_data
        fields = {name: data[name] for name in CUSTOMER_FIELDS if name in data}
        if change:
            customer = customer_update(
                customer=Customer.objects.get(pk=form.instance.pk), company=data["company_name"], **lists, **fields
            )
        else:
            customer = customer_create(company=data["company_name"], **lists, **fields)
        if field_values_changed:
            cleared = {value.field: "" for value in customer.field_values.select_related("field")}
            customer_field_values_set(customer=customer, values={**cleared, **field_values})
        adopt(form.instance, customer)


class CustomersTotal(TypedDict):
    customers_total: int


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class CompanyForm(forms.ModelForm):
    # Lists of text on the model; one per line here (``company_create`` / ``company_update`` check them).
    email_lines = forms.CharField(label="Emails", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    phone_lines = forms.CharField(label="Phones", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    class Meta:
        model = Company
        fields = ["name", "language", "ip"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["email_lines"] = "\n".join(self.instance.emails or [])
        self.initial["phone_lines"] = "\n".join(self.instance.phones or [])


class CompanyFieldValueInline(admin.TabularInline):
    model = CompanyFieldValue
    form = CompanyFieldValueForm
    fields = ["field", "value", "created_at"]
    readonly_fields = ["created_at"]
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[CompanyFieldValue]:
        return super().get_queryset(request).select_related("field")


@admin.register(Company)
class CompanyAdmin(ServiceErrorsAsMessagesMixin, admin.ModelAdmin):
    form = CompanyForm
    inlines = [CompanyFieldValueInline]
    list_display = ["name", "customers_count", "created_at"]
    search_fields = ["name"]
    ordering = ["name", "id"]
    fields = ["name", "language", "ip", "email_lines", "phone_lines", "created_at", "updated_at"]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Company]:
        return super().get_queryset(request).annotate(customers_total=Count("customers"))

    @admin.display(description="Customers", ordering="customers_total")
    def customers_count(self, obj: "WithAnnotations[Company, CustomersTotal]") -> int:
        return obj.customers_total

    def save_model(self, request: HttpRequest, obj: Company, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        details = {
            "name": data["name"],
            "language": data["language"],
            "ip": data["ip"] or "",
            "emails": _lines(data["email_lines"]),
            "phones": _lines(data["phone_lines"]),
        }
        if change:
            company = company_update(company=Company.objects.get(pk=obj.pk), **details)
        else:
            company = company_create(**details)
        adopt(obj, company)

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        """The values of customer fields (the inline) are written by one service call, which replaces them."""
        for formset in formsets:
            formset.save(commit=False)  # only for the history's change message; nothing is written here
            if formset.model is CompanyFieldValue and formset.has_changed():
                kept = [row.cleaned_data for row in formset.forms if row.cleaned_data]
                values = [(row["field"].code, row["value"]) for row in kept if not row["DELETE"]]
                company_field_values_set(company=form.instance, values=values)


class CustomerFieldForm(forms.ModelForm):
    options = DropdownOptionsField()
    # Optional here: the services make a code from the name when none is given.
    code = forms.SlugField(
        max_length=FIELD_CODE_MAX_LENGTH,
        required=False,
        help_text="How the LiveAgent API names the field; made from the name when empty.",
    )

    class Meta:
        model = CustomerField
        fields = sorted(CUSTOMER_FIELD_ATTRIBUTES)


@admin.register(CustomerField)
class CustomerFieldAdmin(ServiceErrorsAsMessagesMixin, admin.ModelAdmin):
    form = CustomerFieldForm
    list_display = ["name", "code", "type", "required", "sort_order", "created_at"]
    list_filter = ["type", "required"]
    search_fields = ["name", "code"]
    ordering = ["sort_order", "id"]
    fields = ["name", "code", "type", "options", "required", "sort_order", "created_at"]
    readonly_fields = ["created_at"]

    def save_model(self, request: HttpRequest, obj: CustomerField, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in form.changed_data if name in CUSTOMER_FIELD_ATTRIBUTES}
            saved = customer_field_update(field=CustomerField.objects.get(pk=obj.pk), **changes)
        else:
            saved = customer_field_create(**{name: data[name] for name in CUSTOMER_FIELD_ATTRIBUTES})
        adopt(obj, saved)


class CustomerGroupForm(forms.ModelForm):
    text_color = HexColorField(label="Text colour", help_text="Six hexadecimal digits, such as FFFFFF.")
    background_color = HexColorField(label="Background colour", help_text="Six hexadecimal digits, such as 0000FF.")

    class Meta:
        model = CustomerGroup
        fields = ["name", "text_color", "background_color"]


class GroupMembersTotal(TypedDict):
    customers_total: int
    companies_total: int


def _members_total(through: type[models.Model]) -> Coalesce:
    """How many rows of an M2M table of groups name the group: a subquery per row, as a join of both tables
    would multiply a group's customers by its companies."""
    rows = through._default_manager.filter(customergroup_id=OuterRef("pk")).order_by().values("customergroup_id")
    return Coalesce(Subquery(rows.annotate(total=Count("pk")).values("total")), 0)


@admin.register(CustomerGroup)
class CustomerGroupAdmin(ServiceErrorsAsMessagesMixin, admin.ModelAdmin):
    """Admins only (``helpdesk.permissions``). Customers join and leave groups through the APIs (the
    LiveAgent API by group name), which the ``customer_add_to_group`` services serve."""

    form = CustomerGroupForm
    list_display = ["name", "text_color", "background_color", "customers_count", "companies_count", "created_at"]
    search_fields = ["name"]
    ordering = ["name", "id"]
    fields = ["name", "text_color", "background_color", "created_at", "updated_at"]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CustomerGroup]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                customers_total=_members_total(CustomerGroup.customers.through),
                companies_total=_members_total(CustomerGroup.companies.through),
            )
        )

    @admin.display(description="Customers", ordering="customers_total")
    def customers_count(self, obj: "WithAnnotations[CustomerGroup, GroupMembersTotal]") -> int:
        return obj.customers_total

    @admin.display(description="Companies", ordering="companies_total")
    def companies_count(self, obj: "WithAnnotations[CustomerGroup, GroupMembersTotal]") -> int:
        return obj.companies_total

    def save_model(self, request: HttpRequest, obj: CustomerGroup, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        values = {name: data[name] for name in ("name", "text_color", "background_color")}
        if change:
            group = customer_group_update(group=CustomerGroup.objects.get(pk=obj.pk), **values)
        else:
            group = customer_group_create(**values)
        adopt(obj, group)

    def delete_model(self, request: HttpRequest, obj: CustomerGroup) -> None:
        customer_group_delete(group=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CustomerGroup]) -> None:
        for group in queryset:
            customer_group_delete(group=group)
