"""The rows of the benchmark dataset (``load_data``) as the services would write them: the world the
services make first (mailboxes with custom fields, agents, tags: ``world_make``), then customers
(``CustomerRows``) and conversations with their threads, tags, custom-field values and attachment rows
(``ConversationRows``), drawn from a seeded generator and handed to ``load_rows.Writer`` in batches."""

import hashlib
import hmac
import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.load_rows import Writer

CHUNK = 5_000  # conversations generated, then copied, at a time
BENCH_ADMIN_EMAIL = "bench-admin@example.com"

MAILBOXES = [  # name, address, share of the conversations
    ("Support", "support@bench.example.com", 0.5),
    ("Billing", "billing@bench.example.com", 0.3),
    ("Sales", "sales@bench.example.com", 0.2),
]
AGENTS = [  # first name, last name, mailboxes (indexes into MAILBOXES)
    ("Grace", "Hopper", (0,)),
    ("Alan", "Turing", (0,)),
    ("Ada", "Lovelace", (0, 1)),
    ("Edsger", "Dijkstra", (0,)),
    ("Barbara", "Liskov", (1,)),
    ("Donald", "Knuth", (1, 2)),
    ("Frances", "Allen", (2,)),
    ("Ken", "Thompson", (0, 2)),
]
# Per mailbox (index into MAILBOXES): name, type, dropdown options or the values to draw from.
CUSTOM_FIELDS: list[tuple[int, str, str, dict[str, str] | list[str]]] = [
    (0, "Priority", "dropdown", {"1": "Low", "2": "Normal", "3": "High", "4": "Urgent"}),
    (0, "Product", "singleline", ["Web app", "Android app", "iOS app", "API", "Integrations"]),
    (1, "Invoice number", "number", []),
    (1, "Due date", "date", []),
    (2, "Deal size", "number", []),
    (2, "Region", "dropdown", {"1": "EMEA", "2": "Americas", "3": "APAC"}),
]
CUSTOM_FIELD_SHARE = 0.6  # of a mailbox's conversations with a value in each of its fields
STATUS_SHARES = [("active", 0.40), ("pending", 0.20), ("closed", 0.35), ("spam", 0.05)]
ASSIGNED_SHARE = 0.6
TAGGED_SHARE = 0.3
TAG_NAMES = [
    "billing", "refund", "bug", "feature request", "login", "password", "invoice", "vat", "export",
    "import", "api", "mobile", "android", "ios", "urgent", "vip", "churn risk", "onboarding", "sso",
    "integration", "webhook", "performance", "gdpr", "cancellation", "upgrade",
]  # fmt: skip
PHONE_SHARE = 0.3  # of customers with a phone number
SECOND_EMAIL_SHARE = 0.1  # of customers with a home address besides their work one
QUOTING_SHARE = 0.5  # of customers' second messages quoting the reply they answer
ATTACHMENT_SHARES = {"customer": 0.15, "message": 0.05}  # of threads of each type with files (1-2)


def random_text(rng: random.Random, count: int, alphabet: str) -> str:
    """``count`` characters drawn uniformly from ``alphabet`` (random bytes, those past the last whole
    multiple of the alphabet's length dropped): a million codes in a fraction of a second."""
    keep = 256 - 256 % len(alphabet)
    table = bytes.maketrans(bytes(range(keep)), (alphabet * (keep // len(alphabet))).encode())
    drop = bytes(range(keep, 256))
    text = b""
    while len(text) < count:
        text += rng.randbytes(count + count // 8 + 16).translate(table, drop)
    return text[:count].decode()


@dataclass
class World:
    """What the services made before the bulk rows, and what the rows draw from."""

    mailboxes: list
    agents_by_mailbox: dict[int, list]
    folders: dict[tuple[int, int], int]
    fields_by_mailbox: dict[int, list[tuple[int, str, list[str]]]]  # field id, type, values to draw from
    tag_ids: list[int]
    customers: list[tuple[int, str, str]] = field(default_factory=list)  # id, first name, first email


def world_make(rng: random.Random) -> World:
    """Through the services: the bench admin, the mailboxes (with their folders), the agents' access, the
    custom fields and the tags."""
    from conversations.services import tag_create
    from helpdesk.services import user_create
    from mailboxes.models import Folder
    from mailboxes.services import custom_field_create, mailbox_create, mailbox_user_grant

    user_create(email=BENCH_ADMIN_EMAIL, first_name="Bench", last_name="Admin", role="admin")
    mailboxes = [mailbox_create(name=name, email=email) for name, email, _ in MAILBOXES]
    agents_by_mailbox: dict[int, list] = {mailbox.pk: [] for mailbox in mailboxes}
    for first, last, access in AGENTS:
        agent = user_create(email=f"{first}.{last}@bench.example.com".lower(), first_name=first, last_name=last)
        for index in access:
            mailbox_user_grant(mailbox=mailboxes[index], user=agent)
            agents_by_mailbox[mailboxes[index].pk].append(agent)
    fields_by_mailbox: dict[int, list[tuple[int, str, list[str]]]] = {mailbox.pk: [] for mailbox in mailboxes}
    for index, name, kind, choices in CUSTOM_FIELDS:
        options = choices if isinstance(choices, dict) else {}
        created = custom_field_create(mailbox=mailboxes[index], name=name, type=kind, options=options)
        values = list(options) if isinstance(choices, dict) else list(choices)
        fields_by_mailbox[mailboxes[index].pk].append((created.pk, kind, values))
    folders = {
        (mailbox_id, folder_type): pk
        for pk, mailbox_id, folder_type in Folder.objects.filter(user=None, mailbox__in=mailboxes).values_list(
            "pk", "mailbox_id", "type"
        )
    }
    tag_ids = [tag_create(name=name).pk for name in TAG_NAMES]
    return World(mailboxes, agents_by_mailbox, folders, fields_by_mailbox, tag_ids)


class CustomerRows:
    """Customers with a work email each (some a home one too, some a phone), created in the month before the
    conversations start."""

    def __init__(self, rng: random.Random, world: World, *, start: datetime) -> None:
        from benchmarks.load_rows import Table, next_id
        from customers.models import Customer, CustomerEmail, CustomerPhone

        self.rng, self.world, self.start = rng, world, start
        self.customers = Table(Customer, ["id", "first_name", "last_name", "created_at", "updated_at"])
        self.emails = Table(CustomerEmail, ["id", "customer_id", "email", "type"])
        self.phones = Table(CustomerPhone, ["id", "customer_id", "value", "digits", "type"])
        self.tables = [self.customers, self.emails, self.phones]
        self.next_ids = [next_id(table.model) for table in self.tables]

    def make(self, count: int, writer: "Writer") -> None:
        from benchmarks.load_text import DOMAINS, FIRST_NAMES, LAST_NAMES
        from customers.services import phone_digits

        rng = self.rng
        customer_id, email_id, phone_id = self.next_ids
        for _ in range(count):
            at = self.start - timedelta(seconds=rng.randint(0, 30 * 86_400))
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            self.customers.add((customer_id, first, last, at, at))
            # Lower-cased, as ``customers.services.email_normalise`` stores it; the id keeps it unique.
            email = f"{first}.{last}.{customer_id}@{rng.choice(DOMAINS)}".lower()
            self.emails.add((email_id, customer_id, email, "work"))
            email_id += 1
            if rng.random() < SECOND_EMAIL_SHARE:
                self.emails.add((email_id, customer_id, f"c{customer_id}@home.example.net", "home"))
                email_id += 1
            if rng.random() < PHONE_SHARE:
                phone = f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
                self.phones.add((phone_id, customer_id, phone, phone_digits(phone), "mobile"))
                phone_id += 1
            self.world.customers.append((customer_id, first, email))
            customer_id += 1
            if len(self.customers.rows) >= CHUNK:
                writer.send(self.tables)
        writer.send(self.tables)


def _reply_token(secret: bytes, number: int) -> str:
    """``conversations.mail.compose.reply_token``, with the secret read once."""
    digest = hmac.new(secret, f"reply-token:{number}".encode(), hashlib.sha256)
    return f"hd-{number}-{digest.hexdigest()[:12]}"


class ConversationRows:
    """The rows of each conversation, its threads and what hangs on them, as the services would write them."""

    def __init__(self, rng: random.Random, world: World, *, start: datetime, now: datetime) -> None:
        from django.conf import settings
        from django.db import connection

        from benchmarks.load_rows import Table, derived_columns, derived_values, next_id
        from benchmarks.load_text import Bodies
        from conversations.models import Attachment, Conversation, ConversationTag, CustomFieldValue, Thread
        from helpdesk.models import Counter

        self.rng, self.world, self.start, self.now = rng, world, start, now
        agents = {agent.pk: agent for agents in world.agents_by_mailbox.values() for agent in agents}
        self.bodies = Bodies(rng, sorted({agent.first_name for agent in agents.values()}))
        self.secret = settings.SECRET_KEY.encode()
        thread_columns = [
            "id", "conversation_id", "type", "status", "state", "body", "source_type", "source_via",
            "customer_id", "created_by_user_id", "created_by_customer_id", "assigned_to_id", "message_id",
            "send_status", "first", "created_at", "updated_at",
        ]  # fmt: skip
        # What the threads' triggers derive from each body (the search vector), computed once per distinct
        # body and copied with the rows, the triggers off meanwhile (``load``).
        self.derived = derived_columns(Thread) if connection.vendor == "postgresql" else None
        self.threads = Table(Thread, thread_columns, derived=self.derived.columns if self.derived else ())
        self.body_derived: list[tuple] = [()] * len(self.bodies.texts)
        if self.derived:
            probes = [
                (index + 1, 0, kind, "nochange", "published", body, "email", "user", None, None, None, None, "", "",
                 False, now, now)
                for index, (kind, body) in enumerate(self.bodies.texts)
            ]  # fmt: skip
            self.body_derived = derived_values(self.derived, self.threads, probes)
        self.conversations = Table(
            Conversation,
            [
                "id", "number", "code", "public_url_code", "type", "status", "state", "subject", "preview",
                "mailbox_id", "folder_id", "assignee_id", "customer_id", "customer_email", "created_by_user_id",
                "created_by_customer_id", "source_type", "source_via", "closed_by_id", "closed_at",
                "user_updated_at", "acknowledged_at", "last_reply_at", "last_reply_from", "threads_count",
                "created_at", "updated_at",
            ],
        )  # fmt: skip
        self.tags = Table(ConversationTag, ["id", "conversation_id", "tag_id", "created_at"])
        self.values = Table(CustomFieldValue, ["id", "conversation_id", "field_id", "value", "created_at"])
        self.attachments = Table(
            Attachment, ["id", "thread_id", "token", "file", "file_name", "mime_type", "size", "created_at"]
        )
        self.tables = [self.conversations, self.threads, self.attachments, self.tags, self.values]
        self.next_ids = {table.name: next_id(table.model) for table in self.tables}
        self.first_number = (
            Counter.objects.filter(name="conversation_number").values_list("value", flat=True).first() or 0
        ) + 1
        self.mailbox_weights = list(itertools.accumulate(share for _, _, share in MAILBOXES))
        self.statuses = [status for status, _ in STATUS_SHARES]
        self.status_weights = list(itertools.accumulate(share for _, share in STATUS_SHARES))
        self.span = (now - timedelta(days=2) - start).total_seconds()
        self.domains = {mailbox.pk: mailbox.email.rpartition("@")[2] for mailbox in world.mailboxes}

    def _id(self, table) -> int:
        value = self.next_ids[table.name]
        self.next_ids[table.name] = value + 1
        return value

    def chunk(self, count: int, first_index: int) -> None:
        """Adds the rows of ``count`` conversations, the ``first_index``-th loaded first, to the tables."""
        from conversations.models import CONVERSATION_CODE_ALPHABET, PUBLIC_URL_CODE_ALPHABET

        codes = random_text(self.rng, 11 * count, CONVERSATION_CODE_ALPHABET)
        public_codes = random_text(self.rng, 16 * count, PUBLIC_URL_CODE_ALPHABET)
        for offset in range(count):
            code = codes[11 * offset : 11 * offset + 11]
            self._conversation(
                self.first_number + first_index + offset,
                f"{code[:3]}-{code[3:8]}-{code[8:]}",
                public_codes[16 * offset : 16 * offset + 16],
            )

    def _conversation(self, number: int, code: str, public_code: str) -> None:
        from benchmarks.load_text import SUBJECTS
        from conversations.services import folder_type_for

        rng, world, bodies = self.rng, self.world, self.bodies
        texts, body_derived = bodies.texts, self.body_derived
        mailbox = rng.choices(world.mailboxes, cum_weights=self.mailbox_weights)[0]
        agents = world.agents_by_mailbox[mailbox.pk]
        status = rng.choices(self.statuses, cum_weights=self.status_weights)[0]
        assignee = rng.choice(agents) if status != "spam" and rng.random() < ASSIGNED_SHARE else None
        customer_id, first_name, customer_email = rng.choice(world.customers)
        agent = assignee or rng.choice(agents)
        assignee_id = assignee.pk if assignee else None
        t0 = self.start + timedelta(seconds=rng.uniform(0, self.span))
        t1 = t0 + timedelta(minutes=rng.uniform(5, 8 * 60))
        t2 = t1 + timedelta(minutes=rng.uniform(1, 120))
        t3 = t2 + timedelta(minutes=rng.uniform(60, 3 * 24 * 60))
        t4 = min(t3 + timedelta(minutes=rng.uniform(10, 24 * 60)), self.now)
        agent_name = agent.first_name
        customer_pools = bodies.customer[first_name]
        again = bodies.quoting[first_name, agent_name] if rng.random() < QUOTING_SHARE else customer_pools
        last_body = bodies.draw(bodies.agent[agent_name])
        token = _reply_token(self.secret, number)
        domain = self.domains[mailbox.pk]
        # (type, body's index in bodies.texts, time, status the thread left); the last reply sets the final
        # status explicitly (``thread_create(status=...)``).
        threads = [
            ("customer", bodies.draw(customer_pools), t0, "active"),
            ("message", bodies.draw(bodies.agent[agent_name]), t1, "pending"),
            ("note", bodies.draw(bodies.note), t2, "nochange"),
            ("customer", bodies.draw(again), t3, "active"),
            ("message", last_body, t4, status),
        ]
        conversation_id = self._id(self.conversations)
        closed = status == "closed"
        folder_type = folder_type_for(state="published", status=status, has_assignee=assignee is not None)
        subject = rng.choice(SUBJECTS).format(n=rng.randint(10_000, 99_999), m=mailbox.name)
        self.conversations.add(
            (
                conversation_id, number, code, public_code, "email", status, "published", subject,
                bodies.previews[last_body], mailbox.pk, world.folders[mailbox.pk, folder_type], assignee_id,
                customer_id, customer_email, None, customer_id, "email", "customer",
                agent.pk if closed else None, t4 if closed else None,
                # The last thread is an agent reply: ``_save(by_user=...)`` stamps both.
                t4,
                # The first agent reply took it up (LiveAgent's Open, not New).
                t1, t4, "user", 4, t0, t4,
            )
        )  # fmt: skip
        for index, (kind, body, at, left) in enumerate(threads):
            thread_id = self._id(self.threads)
            by_customer = kind == "customer"
            if by_customer:
                message_id, send_status = f"{number}.{index}@mail.example.com", ""
            elif kind == "message":
                # As ``mail_thread_created`` names the reply's email, sent since.
                message_id, send_status = f"{rng.getrandbits(80):020x}.{token}@{domain}", "sent"
            else:
                message_id, send_status = "", ""
            self.threads.add(
                (
                    thread_id, conversation_id, kind, left, "published", texts[body][1], "email",
                    "customer" if by_customer else "user", customer_id, None if by_customer else agent.pk,
                    customer_id if by_customer else None, assignee_id, message_id, send_status, index == 0, at, at,
                )
                + body_derived[body]
            )  # fmt: skip
            share = ATTACHMENT_SHARES.get(kind, 0.0)
            if share and rng.random() < share:
                self._attachments(thread_id, at)
        if rng.random() < TAGGED_SHARE:
            for tag_id in rng.sample(world.tag_ids, rng.randint(1, 3)):
                self.tags.add((self._id(self.tags), conversation_id, tag_id, t1))
        for field_id, kind, values in world.fields_by_mailbox[mailbox.pk]:
            if rng.random() < CUSTOM_FIELD_SHARE:
                self.values.add((self._id(self.values), conversation_id, field_id, self._value(kind, values, t0), t1))

    def _value(self, kind: str, values: list[str], at: datetime) -> str:
        if kind == "number":
            return str(self.rng.randint(1_000, 999_999))
        if kind == "date":
            return (at + timedelta(days=self.rng.randint(7, 60))).date().isoformat()
        return self.rng.choice(values)

    def _attachments(self, thread_id: int, at: datetime) -> None:
        from benchmarks.load_text import ATTACHMENTS

        rng = self.rng
        for name, mime_type, low, high in rng.sample(ATTACHMENTS, 2 if rng.random() < 0.2 else 1):
            token = f"{rng.getrandbits(128):032x}"
            # The path ``conversations.models._attachment_path`` gives a stored file.
            path = f"attachments/{token[:2]}/{token}/{name}"
            self.attachments.add(
                (self._id(self.attachments), thread_id, token, path, name, mime_type, rng.randint(low, high), at)
            )
