"""factory_boy factories. Rows with derived state (users, mailboxes, conversations) are made by the
services, so tests see exactly what production code makes."""

import factory

from conversations import services as conversation_services
from conversations.models import Conversation, Thread
from customers import services as customer_services
from customers.models import Customer, CustomerField
from helpdesk import services as helpdesk_services
from helpdesk.models import User
from mailboxes import services as mailbox_services
from mailboxes.models import CustomField, Mailbox
from webhooks.models import Webhook


class ServiceFactory(factory.Factory):
    """A factory whose ``_create`` calls a service function instead of ``Model.objects.create``."""

    class Meta:
        abstract = True

    _service = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return cls._service(*args, **kwargs)


class UserFactory(ServiceFactory):
    class Meta:
        model = User

    _service = staticmethod(helpdesk_services.user_create)
    email = factory.Sequence(lambda n: f"agent{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = "correct horse battery staple"


class AdminFactory(UserFactory):
    role = User.Role.ADMIN


class MailboxFactory(ServiceFactory):
    class Meta:
        model = Mailbox

    _service = staticmethod(mailbox_services.mailbox_create)
    name = factory.Sequence(lambda n: f"Support {n}")
    email = factory.Sequence(lambda n: f"support{n}@example.com")


class CustomerFactory(ServiceFactory):
    class Meta:
        model = Customer

    _service = staticmethod(customer_services.customer_create)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    emails = factory.LazyAttribute(lambda o: [(f"{o.first_name}.{o.last_name}.{id(o)}@example.org".lower(), "work")])


class ConversationFactory(ServiceFactory):
    """``ConversationFactory(mailbox=..., status=..., assignee=...)``; one customer message by default."""

    class Meta:
        model = Conversation

    _service = staticmethod(conversation_services.conversation_create)
    mailbox = factory.SubFactory(MailboxFactory)
    customer = factory.SubFactory(CustomerFactory)
    subject = factory.Faker("sentence", nb_words=5)
    threads = factory.LazyAttribute(
        lambda o: [conversation_services.NewThread(type=Thread.Type.CUSTOMER, body="Hello, I need help.")]
    )


class CustomFieldFactory(ServiceFactory):
    class Meta:
        model = CustomField

    _service = staticmethod(mailbox_services.custom_field_create)
    mailbox = factory.SubFactory(MailboxFactory)
    name = factory.Sequence(lambda n: f"Field {n}")
    type = CustomField.Type.SINGLELINE


class CustomerFieldFactory(ServiceFactory):
    class Meta:
        model = CustomerField

    _service = staticmethod(customer_services.customer_field_create)
    name = factory.Sequence(lambda n: f"Customer field {n}")
    type = CustomerField.Type.SINGLELINE


class WebhookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Webhook

    url = "https://hooks.example.com/helpdesk"
    events = ["convo.created"]
