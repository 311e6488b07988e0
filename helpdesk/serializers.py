"""JSON of users, as the FreeScout API shows them (also used in webhook bodies)."""

import datetime

from rest_framework import serializers

from helpdesk.links import file_url
from helpdesk.models import User


class UtcDateTimeField(serializers.DateTimeField):
    """``YYYY-MM-DDThh:mm:ssZ`` in UTC, ``null`` when absent."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%dT%H:%M:%SZ")
        kwargs.setdefault("default_timezone", datetime.UTC)
        super().__init__(**kwargs)


class UserShortSerializer(serializers.ModelSerializer):
    type = serializers.SerializerMethodField()
    firstName = serializers.CharField(source="first_name")
    lastName = serializers.CharField(source="last_name")
    photoUrl = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "type", "firstName", "lastName", "photoUrl", "email"]

    def get_type(self, user: User) -> str:
        return "user"

    def get_photoUrl(self, user: User) -> str:
        return file_url(user.photo)


class UserSerializer(serializers.ModelSerializer):
    firstName = serializers.CharField(source="first_name")
    lastName = serializers.CharField(source="last_name")
    alternateEmails = serializers.SerializerMethodField()
    jobTitle = serializers.CharField(source="job_title")
    photoUrl = serializers.SerializerMethodField()
    createdAt = UtcDateTimeField(source="created_at")
    updatedAt = UtcDateTimeField(source="updated_at")

    class Meta:
        model = User
        fields = [
            "id",
            "firstName",
            "lastName",
            "email",
            "role",
            "alternateEmails",
            "jobTitle",
            "phone",
            "timezone",
            "photoUrl",
            "language",
            "createdAt",
            "updatedAt",
        ]

    def get_alternateEmails(self, user: User) -> str | None:
        return user.alternate_emails or None

    def get_photoUrl(self, user: User) -> str:
        return file_url(user.photo)
