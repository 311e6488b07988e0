import zoneinfo

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.timezone import now


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"Unknown time zone: {value!r}.")


class UserManager(BaseUserManager["User"]):
    """Only for Django's own callers (``createsuperuser``); the product creates users via ``helpdesk.services``."""

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        from helpdesk.services import user_create

        return user_create(email=email, password=password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields["role"] = User.Role.ADMIN
        return self.create_user(email, password, **fields)


class UserRole(models.TextChoices):
    ADMIN = "admin"
    USER = "user"


class Gender(models.TextChoices):
    """As LiveAgent records agents and customers; "" when not given."""

    NONE = "", "Not given"
    MALE = "M", "Male"
    FEMALE = "F", "Female"
    OTHER = "O", "Other"


class UserStatus(models.TextChoices):
    ACTIVE = "active"
    DISABLED = "disabled"
    # Kept so that history keeps its author; the email is free for reuse.
    DELETED = "deleted"


class User(AbstractBaseUser):
    """An agent. Admins have access to every mailbox; regular users to those granted them."""

    Role = UserRole

    Status = UserStatus

    first_name = models.CharField(max_length=40)
    last_name = models.CharField(max_length=40, blank=True)
    email = models.EmailField(max_length=191)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.USER)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    alternate_emails = models.TextField(blank=True, help_text="Comma-separated addresses the user also writes from.")
    job_title = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=60, blank=True)
    timezone = models.CharField(max_length=60, default="UTC", validators=[validate_timezone])
    language = models.CharField(max_length=12, default="en")
    gender = models.CharField(max_length=1, choices=Gender.choices, blank=True, default=Gender.NONE)
    photo = models.FileField(upload_to="users/", blank=True)
    # Email notifications the user subscribes to (never about their own actions).
    notify_assigned = models.BooleanField(default=True, help_text="Email me when a conversation is assigned to me.")
    notify_customer_reply = models.BooleanField(
        default=True, help_text="Email me when a customer replies to a conversation assigned to me."
    )
    notify_new_conversation = models.BooleanField(
        default=False, help_text="Email me when a new conversation arrives in one of my mailboxes."
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name"]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(status="deleted"), name="user_email_unique_unless_deleted"
            ),
            models.CheckConstraint(condition=models.Q(role__in=UserRole.values), name="user_role_valid"),
            models.CheckConstraint(condition=models.Q(status__in=UserStatus.values), name="user_status_valid"),
            models.CheckConstraint(condition=models.Q(gender__in=Gender.values), name="user_gender_valid"),
            models.CheckConstraint(condition=~models.Q(first_name=""), name="user_first_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_full_name()} <{self.email}>"

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    # Django's auth and admin read these; the role and status are the single source of truth.
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.status == self.Status.ACTIVE

    @property
    def is_staff(self) -> bool:
        return self.is_active

    @property
    def is_superuser(self) -> bool:
        return self.is_active and self.is_admin

    def has_perm(self, perm: str, obj: object = None) -> bool:
        from helpdesk.permissions import role_has_perm

        return self.is_active and role_has_perm(self.role, perm)

    def has_perms(self, perm_list, obj: object = None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        from helpdesk.permissions import role_has_module_perms

        return self.is_active and role_has_module_perms(self.role, app_label)


class ApiKey(models.Model):
    """A key acts as its user. Only the SHA-256 of the key is stored, with its first characters in clear
    to find candidates and to show in lists."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=PREFIX_LENGTH, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Brute-force limits (settings): this key's own limit, for an integration that needs more (or less).
    requests_per_minute = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Requests a minute this key may make (429 beyond). Empty: the installation's default, "
        "HELPDESK_API_KEY_REQUESTS_PER_MINUTE.",
    )

    class Meta:
        verbose_name = "API key"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(key_hash__regex=r"^[0-9a-f]{64}$"), name="api_key_hash_is_sha256"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user.email})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class Counter(models.Model):
    """Named gap-free counters (conversation numbers); incremented under a row lock by ``counter_next``."""

    name = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", "Assigned to you"
    CUSTOMER_REPLY = "customer_reply", "Customer replied"


class Notification(models.Model):
    """An in-app notice for the bell in the admin header, written beside the email notifications
    (conversations/mail/outgoing.py decides both) by ``helpdesk.notification_services``; read once the agent
    opens it or its conversation."""

    Kind = NotificationKind

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(
        "conversations.Thread", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    text = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="notification_unread"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=NotificationKind.values), name="notification_kind_valid")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"
