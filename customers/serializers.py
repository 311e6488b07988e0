"""JSON of customers, as the FreeScout API shows them (also used in webhook bodies)."""

from rest_framework import serializers

from customers.models import Customer


def customer_primary_email(customer: Customer) -> str:
    # ``emails`` is prefetched by the selectors; ordering is by id, so the first added is the primary.
    emails = list(customer.emails.all())
    return emails[0].email if emails else ""


class CustomerShortSerializer(serializers.ModelSerializer):
    type = serializers.SerializerMethodField()
    firstName = serializers.CharField(source="first_name")
    lastName = serializers.CharField(source="last_name")
    photoUrl = serializers.CharField(source="photo_url")
    email = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = ["id", "type", "firstName", "lastName", "photoUrl", "email"]

    def get_type(self, customer: Customer) -> str:
        return "customer"

    def get_email(self, customer: Customer) -> str:
        return customer_primary_email(customer)
