"""Request bodies of the customer endpoints, validated into plain values for the services.

Field names are the API's (camelCase) so that error paths name what the client sent. List entries come
as ``{value, type}`` objects; a bare string is taken as the value (clients send both, the doc copies
disagree). Lengths are the docs' limits."""

from rest_framework import serializers

from customers.models import CustomerEmailType, CustomerPhoneType, CustomerPhotoType, CustomerSocialProfileType
from customers.services import phone_digits
from freescout.plumbing.fields import EnumField, FlexibleBooleanField, IdField
from helpdesk.fields import FieldType


class _EntryInput(serializers.Serializer):
    """One list entry: ``{"value": ..., "type": ...}`` or just the value as a string."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = {"value": data}
        return super().to_internal_value(data)


class EmailEntryInput(_EntryInput):
    value = serializers.EmailField(max_length=191)
    type = EnumField(CustomerEmailType.values, required=False, default=CustomerEmailType.WORK)

    def validate_value(self, value: str) -> str:
        return value.lower()


class PhoneEntryInput(_EntryInput):
    value = serializers.CharField(max_length=60)
    type = EnumField(CustomerPhoneType.values, required=False, default=CustomerPhoneType.WORK)


class SocialProfileEntryInput(_EntryInput):
    value = serializers.CharField(max_length=255)
    type = EnumField(CustomerSocialProfileType.values, required=False, default=CustomerSocialProfileType.OTHER)


class WebsiteEntryInput(_EntryInput):
    value = serializers.CharField(max_length=255)


def _text(max_length: int | None = None) -> serializers.CharField:
    # null counts as "" (clients send both for "no value"). No max_length is DRF's default None (no limit),
    # which the stubs do not allow.
    return serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=max_length,  # type: ignore[arg-type]
    )


class AddressInput(serializers.Serializer):
    city = _text(100)
    state = _text(100)
    zip = _text(12)
    country = _text(2)
    address = _text()

    def validate_country(self, value: str | None) -> str | None:
        return value.upper() if value else value


# Request name → service argument, for the scalar fields.
SCALAR_FIELDS = {
    "firstName": "first_name",
    "lastName": "last_name",
    "jobTitle": "job_title",
    "photoType": "photo_type",
    "photoUrl": "photo_url",
    "notes": "notes",
}
ADDRESS_FIELDS = {
    "city": "address_city",
    "state": "address_state",
    "zip": "address_zip",
    "country": "address_country",
    "address": "address",
}
# Service argument (as its errors name it) → request path.
ERROR_PATHS = {
    **{argument: name for name, argument in SCALAR_FIELDS.items()},
    **{argument: f"address.{name}" for name, argument in ADDRESS_FIELDS.items()},
    "social_profiles": "socialProfiles",
}


class CustomerInput(serializers.Serializer):
    """POST and (partial) PUT /api/customers bodies."""

    firstName = _text(40)
    lastName = _text(40)
    phone = _text(60)
    photoUrl = serializers.URLField(required=False, allow_blank=True, allow_null=True, max_length=200)
    jobTitle = _text(60)
    photoType = EnumField(CustomerPhotoType.values, required=False)
    address = AddressInput(required=False, allow_null=True)
    notes = _text()
    company = _text(60)
    emails = EmailEntryInput(many=True, required=False)
    phones = PhoneEntryInput(many=True, required=False)
    socialProfiles = SocialProfileEntryInput(many=True, required=False)
    websites = WebsiteEntryInput(many=True, required=False)

    def service_kwargs(self) -> dict:
        """The validated body as ``customer_create``/``customer_update`` keyword arguments, given keys only."""
        data = self.validated_data
        kwargs = {argument: data[name] or "" for name, argument in SCALAR_FIELDS.items() if name in data}
        if data.get("address") is not None:
            address = data["address"]
            kwargs |= {argument: address[name] or "" for name, argument in ADDRESS_FIELDS.items() if name in address}
        elif "address" in data:
            kwargs |= {argument: "" for argument in ADDRESS_FIELDS.values()}
        if "company" in data:
            kwargs["company"] = data["company"] or ""
        for name, argument in (("emails", "emails"), ("phones", "phones"), ("socialProfiles", "social_profiles")):
            if name in data:
                kwargs[argument] = [(entry["value"], entry["type"]) for entry in data[name]]
        if "websites" in data:
            kwargs["websites"] = [entry["value"] for entry in data["websites"]]
        return kwargs


class CustomerCreateInput(CustomerInput):
    def service_kwargs(self) -> dict:
        kwargs = super().service_kwargs()
        # The singular ``phone`` adds a work phone, unless the list already has that number.
        phone = (self.validated_data.get("phone") or "").strip()
        phones = kwargs.get("phones", [])
        if phone_digits(phone) and phone_digits(phone) not in {phone_digits(value) for value, _ in phones}:
            kwargs["phones"] = [*phones, (phone, CustomerPhoneType.WORK)]
        return kwargs

    def validate(self, data: dict) -> dict:
        if not (data.get("firstName") or "").strip() and not data.get("emails"):
            raise serializers.ValidationError(
                {"firstName": "A customer needs a first name or an email."}, code="required"
            )
        return data


class CustomerUpdateInput(CustomerInput):
    emails_add = EmailEntryInput(many=True, required=False)

    def service_kwargs(self) -> dict:
        kwargs = super().service_kwargs()
        kwargs["phone_add"] = self.validated_data.get("phone") or ""
        # Ignored when ``emails`` is present (the service ignores it too; not passing it keeps that plain).
        if "emails" not in kwargs and "emails_add" in self.validated_data:
            kwargs["emails_add"] = [(entry["value"], entry["type"]) for entry in self.validated_data["emails_add"]]
        return kwargs


class CustomerFieldValueInput(serializers.Serializer):
    id = IdField()
    value = serializers.JSONField(allow_null=True)


class CustomerFieldValuesInput(serializers.Serializer):
    customerFields = CustomerFieldValueInput(many=True)


class CustomerFieldInput(serializers.Serializer):
    """POST and (partial) PUT /api/customer_fields bodies."""

    name = serializers.CharField(max_length=75)
    type = EnumField(FieldType.values)
    options = serializers.JSONField(required=False, allow_null=True)
    # DRF takes declared fields off the class, so this does not replace ``Field.required``; the stubs cannot see it.
    required = FlexibleBooleanField(required=False)  # type: ignore[assignment]
    sortOrder = serializers.IntegerField(required=False, min_value=-(2**31), max_value=2**31 - 1)

    def service_kwargs(self) -> dict:
        names = {
            "name": "name",
            "type": "type",
            "options": "options",
            "required": "required",
            "sortOrder": "sort_order",
        }
        return {argument: self.validated_data[name] for name, argument in names.items() if name in self.validated_data}
