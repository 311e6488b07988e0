from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from helpdesk.fields import HEX_COLOR_REGEX, FieldDefinition, FieldType
from helpdesk.models import Gender


class CustomerPhotoType(models.TextChoices):
    UNKNOWN = "unknown"
    GRAVATAR = "gravatar"
    TWITTER = "twitter"
    FACEBOOK = "facebook"
    GOOGLEPROFILE = "googleprofile"
    GOOGLEPLUS = "googleplus"
    LINKEDIN = "linkedin"
    VK = "vk"


class CustomerEmailType(models.TextChoices):
    WORK = "work"
    HOME = "home"
    OTHER = "other"


class CustomerPhoneType(models.TextChoices):
    WORK = "work"
    HOME = "home"
    OTHER = "other"
    MOBILE = "mobile"
    FAX = "fax"
    PAGER = "pager"


class CustomerSocialProfileType(models.TextChoices):
    TWITTER = "twitter"
    FACEBOOK = "facebook"
    LINKEDIN = "linkedin"
    ABOUTME = "aboutme"
    GOOGLE = "google"
    GOOGLEPLUS = "googleplus"
    TUNGLEME = "tungleme"
    QUORA = "quora"
    FOURSQUARE = "foursquare"
    YOUTUBE = "youtube"
    FLICKR = "flickr"
    OTHER = "other"
    VK = "vk"
    TELEGRAM = "telegram"


class Company(models.Model):
    """A customer's organisation. The FreeScout API shows it as the customer's ``company`` text; the
    LiveAgent API manages companies as entities of their own."""

    name = models.CharField(max_length=60)
    language = models.CharField(max_length=12, blank=True, help_text="A language code, such as en or pt-BR.")
    ip = models.GenericIPAddressField(null=True, blank=True, verbose_name="IP address")
    # Lists of text, kept valid by the services: addresses lower-cased, each once; phones as written.
    emails = models.JSONField(default=list, blank=True)
    phones = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="company_name_unique_ci"),
            models.CheckConstraint(condition=~models.Q(name=""), name="company_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    PhotoType = CustomerPhotoType

    first_name = models.CharField(max_length=40, blank=True)
    last_name = models.CharField(max_length=40, blank=True)
    company = models.ForeignKey(Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="customers")
    job_title = models.CharField(max_length=60, blank=True)
    photo_type = models.CharField(max_length=15, choices=PhotoType.choices, default=PhotoType.UNKNOWN)
    photo_url = models.URLField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    address_city = models.CharField(max_length=100, blank=True)
    address_state = models.CharField(max_length=100, blank=True)
    address_zip = models.CharField(max_length=12, blank=True)
    address_country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code.")
    address = models.TextField(blank=True, help_text="Street address.")
    gender = models.CharField(max_length=1, choices=Gender.choices, blank=True, default=Gender.NONE)
    ip = models.GenericIPAddressField(
        null=True, blank=True, verbose_name="IP address", help_text="As the LiveAgent API shows it."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at", "id"], name="customer_created"),
            models.Index(fields=["updated_at", "id"], name="customer_updated"),
            models.Index(Lower("first_name"), "id", name="customer_first_name"),
            models.Index(Lower("last_name"), "id", name="customer_last_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(photo_type__in=CustomerPhotoType.values),
                name="customer_photo_type_valid",
            ),
            models.CheckConstraint(condition=models.Q(gender__in=Gender.values), name="customer_gender_valid"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or f"Customer #{self.pk}"

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class CustomerEmail(models.Model):
    Type = CustomerEmailType

    # Indexed with id (customer_email_first): a customer's first address, shown wherever the customer is.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="emails", db_index=False)
    # Stored lower-cased by the services, so the plain unique index is also the case-insensitive lookup.
    email = models.EmailField(max_length=191, unique=True)
    type = models.CharField(max_length=5, choices=Type.choices, default=Type.WORK)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["customer", "id"], name="customer_email_first")]
        constraints = [
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="customer_email_lowercase"),
            models.CheckConstraint(
                condition=models.Q(type__in=CustomerEmailType.values), name="customer_email_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.email


class CustomerPhone(models.Model):
    Type = CustomerPhoneType

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    value = models.CharField(max_length=60)
    # The digits of ``value``: the API's phone filters match on digits ("777-777" finds "+1 777 777").
    digits = models.CharField(max_length=60, db_index=True, editable=False)
    type = models.CharField(max_length=6, choices=Type.choices, default=Type.WORK)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(type__in=CustomerPhoneType.values),
                name="customer_phone_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.value


class CustomerSocialProfile(models.Model):
    Type = CustomerSocialProfileType

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="social_profiles")
    value = models.CharField(max_length=255)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.OTHER)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(type__in=CustomerSocialProfileType.values),
                name="customer_social_profile_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type}: {self.value}"


class CustomerWebsite(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="websites")
    value = models.CharField(max_length=255)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.value


class CustomerField(FieldDefinition):
    """A field every customer can have a value for (global, unlike the per-mailbox custom fields)."""

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="customer_field_name_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(type__in=FieldType.values),
                name="customer_field_type_valid",
            ),
            models.UniqueConstraint(Lower("code"), name="customer_field_code_unique_ci"),
            models.CheckConstraint(condition=~models.Q(code=""), name="customer_field_code_not_empty"),
        ]


class CustomerFieldValue(models.Model):
    """Several rows per field are allowed (the LiveAgent API keeps every value); the FreeScout API shows
    the newest and replaces all of a field's rows when it writes."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="field_values")
    field = models.ForeignKey(CustomerField, on_delete=models.CASCADE, related_name="values")
    value = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["customer", "field", "id"], name="customer_field_value_lookup")]

    def __str__(self) -> str:
        return f"{self.field.name}={self.value}"


class CompanyFieldValue(models.Model):
    """A company's value of a customer field (LiveAgent shows a company's ``custom_fields`` by the customer
    fields' codes); several rows per field are allowed, as for customers."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="field_values")
    field = models.ForeignKey(CustomerField, on_delete=models.CASCADE, related_name="company_values")
    value = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["company", "field", "id"], name="company_field_value_lookup")]

    def __str__(self) -> str:
        return f"{self.field.name}={self.value}"


class CustomerGroup(models.Model):
    """A named group of customers and companies (LiveAgent's customer groups), coloured like a tag."""

    name = models.CharField(max_length=100)
    text_color = models.CharField(
        max_length=6, blank=True, default="", help_text="Title colour, six hexadecimal digits (FFFFFF)."
    )
    background_color = models.CharField(
        max_length=6, blank=True, default="", help_text="Background colour, six hexadecimal digits."
    )
    customers = models.ManyToManyField(Customer, blank=True, related_name="groups")
    companies = models.ManyToManyField(Company, blank=True, related_name="groups")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="customer_group_name_unique_ci"),
            models.CheckConstraint(condition=~models.Q(name=""), name="customer_group_name_not_empty"),
            models.CheckConstraint(
                condition=models.Q(text_color__regex=HEX_COLOR_REGEX), name="customer_group_text_color_hex"
            ),
            models.CheckConstraint(
                condition=models.Q(background_color__regex=HEX_COLOR_REGEX),
                name="customer_group_background_color_hex",
            ),
        ]

    def __str__(self) -> str:
        return self.name
