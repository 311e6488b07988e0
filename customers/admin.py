from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from customers.models import (
    Company,
    Customer,
    CustomerEmail,
    CustomerField,
    CustomerFieldValue,
    CustomerPhone,
    CustomerSocialProfile,
    CustomerWebsite,
)
from customers.services import (
    CUSTOMER_FIELD_ATTRIBUTES,
    customer_field_create,
    customer_field_update,
    email_normalise,
    phone_digits,
)
from helpdesk.admin import ServiceErrorsAsMessagesMixin, adopt


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


class CustomerFieldValueForm(forms.ModelForm):
    class Meta:
        model = CustomerFieldValue
        fields = ["field", "value"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
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


class CustomerFieldValueInline(admin.TabularInline):
    model = CustomerFieldValue
    form = CustomerFieldValueForm
    fields = ["field", "value", "created_at"]
    readonly_fields = ["created_at"]
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[CustomerFieldValue]:
        return super().get_queryset(request).select_related("field")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "primary_email", "company", "job_title", "address_country", "created_at"]
    list_filter = ["created_at", "photo_type", "address_country"]
    list_select_related = ["company"]
    search_fields = ["first_name", "last_name", "emails__email", "phones__value", "phones__digits", "company__name"]
    ordering = ["-created_at", "-id"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["company"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["first_name", "last_name", "company", "job_title"]}),
        ("Photo", {"fields": ["photo_type", "photo_url"]}),
        ("Address", {"fields": ["address", "address_city", "address_state", "address_zip", "address_country"]}),
        ("Notes", {"fields": ["notes", "created_at", "updated_at"]}),
    ]
    inlines = [
        CustomerEmailInline,
        CustomerPhoneInline,
        CustomerSocialProfileInline,
        CustomerWebsiteInline,
        CustomerFieldValueInline,
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        return super().get_queryset(request).prefetch_related("emails")

    @admin.display(description="Email")
    def primary_email(self, obj: Customer) -> str:
        emails = list(obj.emails.all())
        return emails[0].email if emails else ""

    def save_model(self, request: HttpRequest, obj: Customer, form: forms.ModelForm, change: bool) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "customers_count", "created_at"]
    search_fields = ["name"]
    ordering = ["name", "id"]
    fields = ["name", "created_at", "updated_at"]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Company]:
        return super().get_queryset(request).annotate(customers_total=Count("customers"))

    @admin.display(description="Customers", ordering="customers_total")
    def customers_count(self, obj: Company) -> int:
        return obj.customers_total

    def save_model(self, request: HttpRequest, obj: Company, form: forms.ModelForm, change: bool) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(CustomerField)
class CustomerFieldAdmin(ServiceErrorsAsMessagesMixin, admin.ModelAdmin):
    list_display = ["name", "type", "required", "sort_order", "created_at"]
    list_filter = ["type", "required"]
    search_fields = ["name"]
    ordering = ["sort_order", "id"]
    fields = ["name", "type", "options", "required", "sort_order", "created_at"]
    readonly_fields = ["created_at"]

    def save_model(self, request: HttpRequest, obj: CustomerField, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in form.changed_data if name in CUSTOMER_FIELD_ATTRIBUTES}
            saved = customer_field_update(field=CustomerField.objects.get(pk=obj.pk), **changes)
        else:
            saved = customer_field_create(**{name: data[name] for name in CUSTOMER_FIELD_ATTRIBUTES})
        adopt(obj, saved)
