"""Loads the benchmark dataset into a dedicated PostgreSQL database: 3 mailboxes, agents with access,
20k customers and 100k conversations of 5 threads each (customer, agent reply, note, customer, agent
reply).

    .venv/bin/python -m benchmarks.load_data [--conversations 100000] [--recreate]

``DATABASE_URL`` names the database (default ``postgres://postgres@127.0.0.1:5432/helpdesk_bench``); it
is created if missing and migrated. A database that already holds exactly this dataset is left alone; one
that holds anything else is dropped and loaded again (only a database whose name contains "bench", unless
``--recreate`` is given).

Users, mailboxes, folders and access go through the services. Conversations, threads, customers and tags
are bulk-inserted, because 100k ``conversation_create`` calls would take hours; every derived column is
computed as the services compute it (``folder_type_for``, ``body_sanitise``, ``text_preview``, the
status each reply leaves, ``threads_count``, last reply, ``first``, ``acknowledged_at``), as if each
conversation had been made by ``conversation_create`` with the customer's message and then four
``thread_create`` calls, the last one an agent reply that sets the final status.
"""

import argparse
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

import django
import environ
import psycopg
from psycopg import sql

from benchmarks import DEFAULT_DATABASE_URL

CONVERSATIONS = 100_000
THREADS_PER_CONVERSATION = 5
CUSTOMERS = 20_000
BATCH = 2_000
SEED = 20_251_101
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
STATUS_SHARES = [("active", 0.40), ("pending", 0.20), ("closed", 0.35), ("spam", 0.05)]
ASSIGNED_SHARE = 0.6
TAGGED_SHARE = 0.3
TAG_NAMES = [
    "billing", "refund", "bug", "feature request", "login", "password", "invoice", "vat", "export",
    "import", "api", "mobile", "android", "ios", "urgent", "vip", "churn risk", "onboarding", "sso",
    "integration", "webhook", "performance", "gdpr", "cancellation", "upgrade",
]  # fmt: skip

FIRST_NAMES = [
    "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Sophia", "Elijah", "Isabella", "Lucas", "Mia",
    "Mateo", "Charlotte", "Levi", "Harper", "Leo", "Evelyn", "Ezra", "Luna", "Asher", "Aiko", "Chen",
    "Fatima", "Hugo", "Ingrid", "Jamal", "Kenji", "Lena", "Marek", "Nadia", "Omar", "Priya", "Rafael",
    "Sven", "Tomás", "Ursula", "Wei", "Yara", "Zoltan", "Björn",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
    "Nakamura", "Schmidt", "Rossi", "Dubois", "Novak", "Kowalski", "Silva", "Jensen", "Okafor", "Singh",
]  # fmt: skip
DOMAINS = ["example.com", "example.org", "example.net", "mail.example.com", "corp.example.com"]

SUBJECTS = [
    "Can't log in after resetting my password",
    "Invoice {n} shows the wrong VAT rate",
    "Refund for order {n}",
    "Export to CSV times out",
    "How do I add a second admin to our account?",
    "Webhook deliveries failing with 502",
    "Upgrade from the Starter plan to Team",
    "Two-factor codes not arriving by SMS",
    "Question about the annual discount",
    "API returns 429 although we are under the limit",
    "Mobile app crashes when opening attachments",
    "Please cancel my subscription",
    "Importing contacts from our old helpdesk",
    "SSO with Okta: users land on an error page",
    "Charged twice this month",
    "Feature request: dark mode in the web app",
    "Data deletion request under GDPR",
    "Dashboard loads very slowly since yesterday",
    "Change the billing email for our company",
    "Missing emails from the {m} mailbox",
]
OPENINGS = ["Hi,", "Hello,", "Hi there,", "Good morning,", "Dear support team,"]
CUSTOMER_SENTENCES = [
    "Since this morning I cannot get past the login page, it just reloads without any message.",
    "We were charged twice for the same month and I would like the duplicate refunded.",
    "The export starts but after a couple of minutes it stops and the file is never sent.",
    "Our finance team needs the invoice to show our VAT number and the reverse charge note.",
    "I tried clearing the cache and using another browser but the problem is still there.",
    "This is blocking our whole team, so I would appreciate a quick answer.",
    "Could you tell me whether this is a known issue and when it will be fixed?",
    "I attached a screenshot of the error we see in the console.",
    "We followed the steps in your documentation but the result is not what it describes.",
    "Is there a way to do this through the API instead of the web interface?",
    "It worked fine last week and nothing changed on our side as far as I know.",
    "Please let me know if you need our account id or any other details.",
    "The same happens on both the Android and the iOS app.",
    "We are evaluating whether to renew our contract, so this matters to us.",
]
AGENT_SENTENCES = [
    "Thanks for reaching out and sorry for the trouble.",
    "I have looked into your account and found what caused this.",
    "The export job failed because the file was larger than the limit on your current plan.",
    "I have raised the limit for your account and re-run the job, you should receive the link shortly.",
    "I issued a refund for the duplicate charge; it takes three to five business days to show up.",
    "Could you send us the exact time you saw the error, including your time zone?",
    "Our engineers are aware of the issue and a fix is scheduled for the next release.",
    "In the meantime you can use the API endpoint described in our documentation as a workaround.",
    "I updated the invoice with your VAT number and sent the corrected copy to your billing address.",
    "Please try again now and let me know whether it works for you.",
    "I will keep this conversation open until we hear back from you.",
]
NOTE_SENTENCES = [
    "Checked the logs: the request hit the rate limiter on the old cluster.",
    "Customer is on the annual plan, renewal is next month, handle with care.",
    "Reproduced on staging with the same file size, filed an issue for engineering.",
    "Billing confirmed the duplicate charge, refund approved.",
    "Same problem reported by two other customers this week.",
    "Asked the platform team whether the limit can be raised for this account.",
]
CLOSINGS = ["Thanks,", "Best regards,", "Kind regards,", "Cheers,", "Thank you,"]


def database_settings(url: str) -> dict:
    return environ.Env.db_url_config(url)


def database_ensure(url: str, *, drop: bool = False) -> None:
    """Creates the database (after dropping it, with ``drop``) through the server's ``postgres`` database."""
    config = database_settings(url)
    name = config["NAME"]
    with psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    ) as connection:
        if drop:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@dataclass(frozen=True)
class Dataset:
    conversations: int
    customers: int

    @property
    def threads(self) -> int:
        return self.conversations * THREADS_PER_CONVERSATION


def dataset_state(dataset: Dataset) -> str:
    """What the database holds: "loaded" (exactly this dataset), "empty" (migrated, nothing in it) or "other"."""
    from conversations.models import Conversation, Thread
    from customers.models import Customer
    from helpdesk.models import Counter
    from mailboxes.models import Mailbox

    if not Mailbox.objects.exists() and not Conversation.objects.exists() and not Customer.objects.exists():
        return "empty"
    counter = Counter.objects.filter(name="conversation_number").values_list("value", flat=True).first()
    # The counter is written last, so an interrupted load never looks finished.
    if (
        counter == dataset.conversations
        and Conversation.objects.count() == dataset.conversations
        and Thread.objects.count() == dataset.threads
        and Customer.objects.count() == dataset.customers
    ):
        return "loaded"
    return "other"


def _sentences(rng: random.Random, pool: list[str], low: int, high: int) -> str:
    """Sentences from ``pool`` until the text is between ``low`` and ``high`` characters long."""
    target = rng.randint(low, high)
    text = ""
    for sentence in rng.sample(pool, len(pool)):
        if len(text) + len(sentence) + 1 > high:
            continue
        text = f"{text} {sentence}".strip()
        if len(text) >= target:
            break
    return text


def _body(rng: random.Random, pool: list[str], signature: str, *, note: bool = False) -> str:
    if note:
        return f"<p>{_sentences(rng, pool, 120, 300)}</p>"
    opening, closing = rng.choice(OPENINGS), rng.choice(CLOSINGS)
    text = _sentences(rng, pool, 150, 420)
    return f"<p>{opening}</p><p>{text}</p><p>{closing}<br>{signature}</p>"


def _setup_people_and_mailboxes(rng: random.Random, dataset: Dataset):
    """Through the services: the bench admin, the mailboxes (with their folders) and the agents' access."""
    from helpdesk.services import user_create
    from mailboxes.services import mailbox_create, mailbox_user_grant

    user_create(email=BENCH_ADMIN_EMAIL, first_name="Bench", last_name="Admin", role="admin")
    mailboxes = [mailbox_create(name=name, email=email) for name, email, _ in MAILBOXES]
    agents_by_mailbox: dict[int, list] = {mailbox.pk: [] for mailbox in mailboxes}
    for first, last, access in AGENTS:
        agent = user_create(email=f"{first}.{last}@bench.example.com".lower(), first_name=first, last_name=last)
        for index in access:
            mailbox_user_grant(mailbox=mailboxes[index], user=agent)
            agents_by_mailbox[mailboxes[index].pk].append(agent)
    return mailboxes, agents_by_mailbox


def _customers(rng: random.Random, dataset: Dataset, start: datetime) -> list[tuple[int, str]]:
    """(id, primary email) of each customer, created in the month before the conversations start."""
    from customers.models import Customer, CustomerEmail

    loaded = []
    for offset in range(0, dataset.customers, BATCH):
        rows = []
        for _ in range(offset, min(offset + BATCH, dataset.customers)):
            at = start - timedelta(seconds=rng.randint(0, 30 * 86_400))
            rows.append(
                Customer(
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    created_at=at,
                    updated_at=at,
                )
            )
        Customer.objects.bulk_create(rows)
        emails = []
        for index, customer in enumerate(rows, start=offset):
            # Stored lower-cased, as ``customers.services.email_normalise`` does.
            email = f"{customer.first_name}.{customer.last_name}.{index}@{rng.choice(DOMAINS)}".lower()
            emails.append(CustomerEmail(customer=customer, email=email, type="work"))
            loaded.append((customer.pk, email))
            if rng.random() < 0.1:
                emails.append(CustomerEmail(customer=customer, email=f"c{index}@home.example.net", type="home"))
        CustomerEmail.objects.bulk_create(emails)
    return loaded


def _tags() -> list:
    from conversations.models import Tag
    from conversations.services import tag_name_normalise

    return Tag.objects.bulk_create([Tag(name=tag_name_normalise(name)) for name in TAG_NAMES])


def _pick(rng: random.Random, shares: list[tuple[str, float]]) -> str:
    return rng.choices([value for value, _ in shares], weights=[share for _, share in shares])[0]


def _conversation_batch(
    rng: random.Random,
    *,
    numbers: range,
    mailboxes: list,
    agents_by_mailbox: dict[int, list],
    folders: dict[tuple[int, int], int],
    customers: list[tuple[int, str]],
    tags: list,
    start: datetime,
    now: datetime,
) -> tuple[int, int]:
    """Writes the conversations numbered ``numbers`` with their threads and tags; returns the counts."""
    from conversations.models import Conversation, ConversationTag, Thread
    from conversations.services import body_sanitise, folder_type_for, text_preview

    weights = [share for _, _, share in MAILBOXES]
    span = (now - timedelta(days=2) - start).total_seconds()
    conversations, plans = [], []
    for number in numbers:
        mailbox = rng.choices(mailboxes, weights=weights)[0]
        agents = agents_by_mailbox[mailbox.pk]
        status = _pick(rng, STATUS_SHARES)
        assignee = rng.choice(agents) if status != "spam" and rng.random() < ASSIGNED_SHARE else None
        customer_id, customer_email = rng.choice(customers)
        first_name = rng.choice(FIRST_NAMES)
        agent = assignee or rng.choice(agents)
        t0 = start + timedelta(seconds=rng.uniform(0, span))
        t1 = t0 + timedelta(minutes=rng.uniform(5, 8 * 60))
        t2 = t1 + timedelta(minutes=rng.uniform(1, 120))
        t3 = t2 + timedelta(minutes=rng.uniform(60, 3 * 24 * 60))
        t4 = min(t3 + timedelta(minutes=rng.uniform(10, 24 * 60)), now)
        # (type, author is the customer, body, time, status the thread left, signature)
        threads = [
            ("customer", True, _body(rng, CUSTOMER_SENTENCES, first_name), t0, "active"),
            ("message", False, _body(rng, AGENT_SENTENCES, agent.first_name), t1, "pending"),
            ("note", False, _body(rng, NOTE_SENTENCES, "", note=True), t2, "nochange"),
            ("customer", True, _body(rng, CUSTOMER_SENTENCES, first_name), t3, "active"),
            # The last reply sets the final status explicitly (``thread_create(status=...)``).
            ("message", False, _body(rng, AGENT_SENTENCES, agent.first_name), t4, status),
        ]
        threads = [(kind, by_customer, body_sanitise(body), at, left) for kind, by_customer, body, at, left in threads]
        subject = rng.choice(SUBJECTS).format(n=rng.randint(10_000, 99_999), m=mailbox.name)
        messages = [t for t in threads if t[0] != "note"]
        closed = status == "closed"
        conversations.append(
            Conversation(
                number=number,
                type="email",
                status=status,
                state="published",
                subject=subject,
                preview=text_preview(messages[-1][2]),
                mailbox=mailbox,
                folder_id=folders[
                    (mailbox.pk, folder_type_for(state="published", status=status, has_assignee=assignee is not None))
                ],
                assignee=assignee,
                customer_id=customer_id,
                customer_email=customer_email,
                created_by_customer_id=customer_id,
                source_type="email",
                source_via="customer",
                closed_by=agent if closed else None,
                closed_at=t4 if closed else None,
                # The last thread is an agent reply: ``_save(by_user=...)`` stamps both.
                user_updated_at=t4,
                updated_at=t4,
                last_reply_at=messages[-1][3],
                last_reply_from="user",
                # The first agent reply took it up (LiveAgent's Open, not New); ``code`` and
                # ``public_url_code`` come from their defaults, as for any new conversation.
                acknowledged_at=t1,
                threads_count=len(messages),
                created_at=t0,
            )
        )
        plans.append((threads, agent, customer_id))
    Conversation.objects.bulk_create(conversations)

    thread_rows, tag_rows = [], []
    for conversation, (threads, agent, customer_id) in zip(conversations, plans, strict=True):
        for index, (kind, by_customer, body, at, left) in enumerate(threads):
            thread_rows.append(
                Thread(
                    conversation_id=conversation.pk,
                    type=kind,
                    status=left,
                    state="published",
                    body=body,
                    source_type="email",
                    source_via="customer" if by_customer else "user",
                    customer_id=customer_id,
                    created_by_user=None if by_customer else agent,
                    created_by_customer_id=customer_id if by_customer else None,
                    assigned_to=conversation.assignee,
                    message_id=f"{conversation.number}.{index}@mail.example.com" if by_customer else "",
                    first=index == 0,
                    created_at=at,
                    updated_at=at,
                )
            )
        if rng.random() < TAGGED_SHARE:
            for tag in rng.sample(tags, rng.randint(1, 3)):
                tag_rows.append(
                    ConversationTag(conversation_id=conversation.pk, tag=tag, created_at=conversation.created_at)
                )
    Thread.objects.bulk_create(thread_rows, batch_size=BATCH)
    ConversationTag.objects.bulk_create(tag_rows, batch_size=BATCH)
    return len(conversations), len(thread_rows)


def load(dataset: Dataset, *, seed: int = SEED, log=print) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from conversations.services import conversation_tally_compact
    from helpdesk.models import Counter
    from mailboxes.models import Folder

    # Test data, not secrets: a seeded generator makes every load the same.
    rng = random.Random(seed)  # noqa: S311
    now = timezone.now().replace(microsecond=0)
    start = now - timedelta(days=365)
    began = time.monotonic()
    with connection.cursor() as cursor:
        # Only this session's commits; nothing is lost that a rerun would not write again.
        cursor.execute("SET synchronous_commit TO off")
    with transaction.atomic():
        mailboxes, agents_by_mailbox = _setup_people_and_mailboxes(rng, dataset)
        folders = {
            (mailbox_id, folder_type): pk
            for pk, mailbox_id, folder_type in Folder.objects.filter(user=None).values_list("pk", "mailbox_id", "type")
        }
        customers = _customers(rng, dataset, start)
        tags = _tags()
    log(f"  {len(customers)} customers, {len(mailboxes)} mailboxes ({time.monotonic() - began:.0f} s)")
    done_conversations = done_threads = 0
    for first in range(1, dataset.conversations + 1, BATCH):
        with transaction.atomic():
            counts = _conversation_batch(
                rng,
                numbers=range(first, min(first + BATCH, dataset.conversations + 1)),
                mailboxes=mailboxes,
                agents_by_mailbox=agents_by_mailbox,
                folders=folders,
                customers=customers,
                tags=tags,
                start=start,
                now=now,
            )
        done_conversations += counts[0]
        done_threads += counts[1]
        if done_conversations % 20_000 == 0 or done_conversations == dataset.conversations:
            elapsed = time.monotonic() - began
            log(f"  {done_conversations} conversations, {done_threads} threads ({elapsed:.0f} s)")
    # The numbering service continues after the loaded numbers.
    Counter.objects.update_or_create(name="conversation_number", defaults={"value": dataset.conversations})
    # The tally's triggers counted every inserted conversation; fold their rows as Celery beat would.
    conversation_tally_compact()
    log("  VACUUM ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    log(f"  loaded in {time.monotonic() - began:.0f} s")


def ensure_loaded(*, url: str, dataset: Dataset, recreate: bool = False, log=print) -> None:
    """Makes ``url`` hold exactly ``dataset``: creates, migrates and loads as needed, else does nothing."""
    from django.core.management import call_command
    from django.db import connections

    name = database_settings(url)["NAME"]
    database_ensure(url)
    call_command("migrate", verbosity=0, interactive=False)
    state = dataset_state(dataset)
    if state == "loaded" and not recreate:
        log(f"database {name}: dataset already loaded ({dataset.conversations} conversations), skipping the load")
        return
    if state == "other" or recreate:
        if "bench" not in name and not recreate:
            raise SystemExit(f"database {name} holds other data; pass --recreate to drop it and load the dataset")
        log(f"database {name}: dropping it ({'--recreate' if recreate else 'it holds other data'})")
        connections.close_all()
        database_ensure(url, drop=True)
        call_command("migrate", verbosity=0, interactive=False)
    log(f"database {name}: loading {dataset.conversations} conversations x {THREADS_PER_CONVERSATION} threads")
    load(dataset, log=log)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=CONVERSATIONS)
    parser.add_argument("--customers", type=int, default=CUSTOMERS)
    parser.add_argument("--recreate", action="store_true", help="drop the database and load it again")
    args = parser.parse_args(argv)
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    django.setup()
    ensure_loaded(
        url=os.environ["DATABASE_URL"],
        dataset=Dataset(conversations=args.conversations, customers=args.customers),
        recreate=args.recreate,
    )


if __name__ == "__main__":
    sys.exit(main())
