"""The demo data of ``manage.py seed_demo``: two mailboxes, three agents, a dozen customers and a month of
conversations, all written through the services so that it is exactly what the product itself would make.

Dates are relative to the moment of seeding. Messages are back-dated as imports; the changes an agent makes
(assign, status, move, customer, delete) are services that record "now", so they run last and their line
items end each timeline, as if the team had triaged the queue this morning.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from conversations.models import Conversation, SourceType, Status, Thread
from conversations.services import (
    NewThread,
    conversation_assign,
    conversation_change_customer,
    conversation_change_status,
    conversation_create,
    conversation_custom_fields_set,
    conversation_delete,
    conversation_move,
    conversation_star,
    conversation_tags_set,
    thread_create,
    timelog_record,
    timelog_start,
)
from customers.models import Customer, CustomerEmail, CustomerField
from customers.services import customer_create, customer_field_create, customer_field_values_set
from helpdesk.models import User
from helpdesk.services import user_create, user_email_taken
from knowledgebase.models import Entry
from knowledgebase.services import entry_create, knowledge_base_default
from mailboxes.models import CustomField, Mailbox
from mailboxes.services import custom_field_create, mailbox_create, mailbox_user_grant

SUPPORT_EMAIL = "support@example.com"
SALES_EMAIL = "sales@example.com"
DROPDOWN, DATE, NUMBER = CustomField.Type.DROPDOWN, CustomField.Type.DATE, CustomField.Type.NUMBER
SINGLELINE, MULTILINE = CustomField.Type.SINGLELINE, CustomField.Type.MULTILINE

# Insertion order is creation order: Support is the first mailbox. Mailboxes, agents and customers are the
# keyword arguments of the services that create them (an agent's "mailboxes" are the ones it is granted).
MAILBOXES: dict[str, dict[str, Any]] = {
    "support": {
        "name": "Support",
        "email": SUPPORT_EMAIL,
        "signature": "<p>Best regards,<br>The Example Co. Support team<br>https://help.example.com</p>",
        "auto_reply_enabled": False,
        "auto_reply_subject": "We received your message",
        "auto_reply_message": (
            "<p>Hello,</p><p>Thanks for contacting Example Co. Support. We have received your message and "
            "will reply within one business day.</p>"
        ),
    },
    "sales": {
        "name": "Sales",
        "email": SALES_EMAIL,
        "signature": "<p>Kind regards,<br>Example Co. Sales<br>+1 312 555 0100</p>",
    },
}

AGENTS: dict[str, dict[str, Any]] = {
    "emma": {
        "email": "emma.clarke@example.com",
        "first_name": "Emma",
        "last_name": "Clarke",
        "job_title": "Support Lead",
        "timezone": "Europe/London",
        "phone": "+44 20 7946 0321",
        "mailboxes": ("support", "sales"),
    },
    "liam": {
        "email": "liam.novak@example.com",
        "first_name": "Liam",
        "last_name": "Novak",
        "job_title": "Support Engineer",
        "timezone": "Europe/Prague",
        "mailboxes": ("support",),
    },
    "sofia": {
        "email": "sofia.marquez@example.com",
        "first_name": "Sofia",
        "last_name": "Marquez",
        "job_title": "Account Executive",
        "timezone": "America/Chicago",
        "phone": "+1 312 555 0108",
        "mailboxes": ("sales",),
    },
}


def _address(city: str, state: str, zip_code: str, country: str, street: str) -> dict[str, str]:
    return {
        "address_city": city,
        "address_state": state,
        "address_zip": zip_code,
        "address_country": country,
        "address": street,
    }


NORTHWIND = _address("Chicago", "IL", "60606", "US", "233 S Wacker Dr, Suite 4100")
# The tables below are laid out by hand, one customer or conversation per block, to be read as data.
# fmt: off
CUSTOMERS: dict[str, dict[str, Any]] = {
    "olivia": {
        "first_name": "Olivia", "last_name": "Bennett", "company": "Northwind Traders",
        "job_title": "Operations Manager",
        "emails": [("olivia.bennett@northwind.example.com", "work"), ("olivia.bennett@mail.example.org", "home")],
        "phones": [("+1 312 555 0142", "work"), ("+1 312 555 0199", "mobile")],
        "social_profiles": [("https://www.linkedin.com/in/olivia-bennett-ex", "linkedin"), ("@oliviab_ops", "twitter")],
        "websites": ["https://northwind.example.com"],
        "notes": "Main contact for the Northwind account. Prefers calls before noon Central time.",
        **NORTHWIND,
    },
    "marcus": {
        "first_name": "Marcus", "last_name": "Reid", "company": "Northwind Traders", "job_title": "IT Administrator",
        "emails": [("marcus.reid@northwind.example.com", "work")], "phones": [("+1 312 555 0177", "work")], **NORTHWIND,
    },
    "hannah": {
        "first_name": "Hannah", "last_name": "Schmidt", "company": "Bergmann & Söhne GmbH",
        "job_title": "Head of Finance",
        "emails": [("h.schmidt@bergmann.example.net", "work"), ("buchhaltung@bergmann.example.net", "other")],
        "phones": [("+49 30 1234 5670", "work"), ("+49 30 1234 5679", "fax")],
        **_address("Berlin", "Berlin", "10115", "DE", "Invalidenstraße 117"),
    },
    "kenji": {
        "first_name": "Kenji", "last_name": "Watanabe", "company": "Sakura Logistics", "job_title": "CTO",
        "emails": [("kenji@sakura-logistics.example.com", "work")], "phones": [("+81 3 5555 0123", "work")],
        "social_profiles": [("@kenji_builds", "twitter")], "websites": ["https://sakura-logistics.example.com"],
        **_address("Tokyo", "Tokyo", "100-0005", "JP", "1-1 Marunouchi, Chiyoda-ku"),
    },
    "ahmed": {
        "first_name": "Ahmed", "last_name": "Hassan", "company": "Sakura Logistics", "job_title": "Procurement Lead",
        "emails": [("ahmed.hassan@sakura-logistics.example.com", "work")], "phones": [("+971 4 555 0190", "work")],
        **_address("Dubai", "Dubai", "", "AE", "Emirates Towers, Level 21"),
    },
    "amara": {
        "first_name": "Amara", "last_name": "Okafor", "job_title": "Freelance Designer",
        "emails": [("amara.okafor@mail.example.org", "home")],
        "social_profiles": [("https://t.me/amara_designs", "telegram"), ("https://dribbble.com/amara-ex", "other")],
        "websites": ["https://amara-okafor.example.org", "https://portfolio.example.org/amara"],
    },
    "lucas": {
        "first_name": "Lucas", "last_name": "Moreau", "company": "Atelier Lumière", "job_title": "Founder",
        "emails": [("lucas@atelier-lumiere.example.net", "work")], "phones": [("+33 4 72 55 01 23", "work")],
        "websites": ["https://atelier-lumiere.example.net"],
        **_address("Lyon", "", "69002", "FR", "12 Quai Saint-Antoine"),
    },
    "priya": {
        "first_name": "Priya", "last_name": "Raman", "company": "Brightpath Learning", "job_title": "Product Manager",
        "emails": [("priya.raman@brightpath.example.com", "work"), ("priya.r@mail.example.org", "other")],
        "social_profiles": [("https://www.linkedin.com/in/priya-raman-example", "linkedin")],
        **_address("Austin", "TX", "78701", "US", "500 W 2nd St"),
    },
    "tom": {
        "first_name": "Tom", "last_name": "Fletcher", "company": "Brightpath Learning",
        "job_title": "Support Specialist",
        "emails": [("tom.fletcher@brightpath.example.com", "work")], "phones": [("+1 512 555 0134", "work")],
    },
    "isabella": {
        "first_name": "Isabella", "last_name": "Rossi", "company": "Trattoria Digitale", "job_title": "Owner",
        "emails": [("isabella@trattoria.example.net", "work")], "phones": [("+39 02 5555 0147", "mobile")],
        "social_profiles": [("https://facebook.com/trattoria.digitale.example", "facebook")],
        **_address("Milan", "MI", "20121", "IT", "Via Brera 8"),
    },
    "grace": {
        "first_name": "Grace", "last_name": "Kim", "company": "Harbor & Pine Realty", "job_title": "Managing Broker",
        "emails": [("grace.kim@harborpine.example.com", "work")], "phones": [("+1 206 555 0165", "work")],
        "websites": ["https://harborpine.example.com"], **_address("Seattle", "WA", "98101", "US", "1201 2nd Ave"),
    },
    # Known only by phone: the agent typed in what the caller said.
    "noah": {"first_name": "Noah", "last_name": "Williams", "phones": [("+1 415 555 0112", "mobile")]},
    "promo": {"first_name": "Growth", "last_name": "Hackers", "emails": [("deals@promo-blast.example.net", "work")]},
}
# fmt: on

# (mailbox, name, type, options, required); sort order is the position in the mailbox.
CUSTOM_FIELDS = [
    ("support", "Priority", DROPDOWN, {"1": "Low", "2": "Normal", "3": "High", "4": "Urgent"}, True),
    ("support", "Order number", SINGLELINE, {}, False),
    ("support", "Due date", DATE, {}, False),
    ("support", "Refund amount", NUMBER, {}, False),
    ("support", "Steps to reproduce", MULTILINE, {}, False),
    ("sales", "Deal size", NUMBER, {}, False),
    ("sales", "Lead source", DROPDOWN, {"1": "Website", "2": "Referral", "3": "Trade show", "4": "Partner"}, False),
]
CUSTOMER_FIELDS = [
    ("Account ID", SINGLELINE, {}),
    ("Plan", DROPDOWN, {"1": "Free", "2": "Pro", "3": "Enterprise"}),
    ("Customer since", DATE, {}),
    ("Seats", NUMBER, {}),
    ("Account notes", MULTILINE, {}),
]
CUSTOMER_FIELD_VALUES: dict[str, dict[str, object]] = {
    "olivia": {"Account ID": "NW-1042", "Plan": "3", "Customer since": "2021-03-15", "Seats": 40},
    "marcus": {"Account ID": "NW-1042", "Plan": "3"},
    "hannah": {"Account ID": "BS-2210", "Plan": "2", "Seats": 8, "Account notes": "Invoices in EUR.\nNeeds VAT ID."},
    "kenji": {"Account ID": "SL-3307", "Plan": "2", "Customer since": "2023-09-01", "Seats": 15},
    "priya": {"Account ID": "BP-0815", "Plan": "1", "Customer since": "2025-01-20"},
    "isabella": {"Plan": "2", "Seats": 3},
    "grace": {"Account ID": "HP-5150", "Plan": "2", "Seats": 25},
}


@dataclass(frozen=True)
class Say:
    """One thread, ``hours`` after the conversation started: by the customer or by an agent (a reply
    unless ``type`` says otherwise)."""

    hours: float
    by: str
    body: str
    type: str = ""


@dataclass(frozen=True)
class Change:
    """What an agent (``by``) does today; ``to`` is an agent, a status, a mailbox or a customer key."""

    action: str
    by: str
    to: str = ""


@dataclass(frozen=True)
class DemoConversation:
    mailbox: str
    customer: str
    subject: str
    days_ago: float
    threads: tuple[Say, ...]
    type: str = Conversation.Type.EMAIL
    status: str = Status.ACTIVE
    assignee: str = ""
    draft: bool = False
    tags: tuple[str, ...] = ()
    # Custom field values by name; a timedelta is a date relative to today.
    fields: dict[str, object] = field(default_factory=dict)
    starred_by: tuple[str, ...] = ()
    time_spent: tuple[tuple[str, int], ...] = ()
    timer: str = ""
    changes: tuple[Change, ...] = ()


ACTIVE, PENDING, CLOSED, SPAM = Status.ACTIVE, Status.PENDING, Status.CLOSED, Status.SPAM
PHONE, CHAT_TYPE = Conversation.Type.PHONE, Conversation.Type.CHAT
NOTE, CHAT = Thread.Type.NOTE, Thread.Type.CHAT
# fmt: off
CONVERSATIONS = [
    DemoConversation("support", "olivia", "Refund for duplicate charge on invoice INV-20417", 28, (
        Say(0, "customer", "<p>Hi, we were charged twice for invoice INV-20417 this month. Could you refund one?</p>"),
        Say(3, "emma", "<p>Hi Olivia,</p><p>Sorry about that! I can see both charges and have refunded one.</p>"),
        Say(20, "customer", "<p>Thank you, I see the refund pending on our card.</p>"),
        Say(22, "emma", "<p>Great, it should clear within 5 business days. Closing this for now.</p>"),
    ), status=CLOSED, assignee="emma", tags=("refund", "billing", "vip"), time_spent=(("emma", 900),),
        fields={"Priority": "3", "Order number": "INV-20417", "Refund amount": "49.00"}),
    DemoConversation("support", "marcus", "SSO login fails with 'invalid audience' error", 25, (
        Say(0, "customer", "<p>Since this morning nobody can log in with SSO: <code>invalid audience</code>.</p>"),
        Say(2, "liam", "<p>Reproduced on staging with an Azure AD app whose audience URI ends in a slash.</p>", NOTE),
        Say(3, "liam", "<p>Hi Marcus, does the Identifier (Entity ID) in your IdP end with a slash?</p>"),
        Say(26, "customer", "<p>There was none. Still failing, screenshot attached in our portal.</p>"),
        Say(30, "liam", "<p>Thanks. We shipped a fix that accepts both forms; please try again and let me know.</p>"),
    ), status=PENDING, assignee="liam", tags=("bug", "sso"), starred_by=("liam",), time_spent=(("liam", 2700),),
        fields={"Priority": "4", "Due date": timedelta(days=3), "Steps to reproduce": "1. Open login\n2. Pick SSO"}),
    DemoConversation("support", "hannah", "Invoice needs our VAT number", 22, (
        Say(0, "customer", "<p>Guten Tag, please add our VAT ID DE123456789 to the last two invoices.</p>"),
        Say(5, "emma", "<p>Hello Hannah, done: both invoices were re-issued with your VAT ID.</p>"),
    ), status=CLOSED, assignee="emma", tags=("billing",), fields={"Priority": "2", "Order number": "INV-20388"}),
    DemoConversation("support", "kenji", "API rate limit too low for nightly sync", 20, (
        Say(0, "customer", "<p>Our nightly sync hits 429s after about 2,000 requests. Can the limit be raised?</p>"),
        Say(4, "liam", "<p>Hi Kenji, the default limit is 60 requests a minute. Batching helps; see the docs.</p>"),
        Say(30, "customer", "<p>We already batch. We really need a higher limit for 15 seats of data.</p>"),
    ), assignee="liam", tags=("feature request",), fields={"Priority": "2"}, timer="emma",
        changes=(Change("assign", "liam", "emma"),)),
    DemoConversation("support", "amara", "Can't upload SVG files", 18, (
        Say(0, "customer", "<p>Uploading an SVG logo gives 'unsupported file type'. PNG works fine.</p>"),
    ), tags=("bug",), fields={"Priority": "2", "Steps to reproduce": "Settings > Branding > Upload logo.svg"}),
    DemoConversation("support", "lucas", "Question about data export format", 15, (
        Say(0, "customer", "<p>Bonjour, is the CSV export UTF-8? Accents break in Excel.</p>"),
        Say(1, "emma", "<p>Hi Lucas, it is UTF-8 without BOM. Use Data > From Text in Excel and pick UTF-8.</p>"),
    ), status=PENDING, fields={"Priority": "1"}),
    DemoConversation("support", "noah", "Phone: password reset for the front desk account", 14, (
        Say(0, "customer", "<p>Noah called: the shared front desk account is locked after a password reset.</p>"),
        Say(0.2, "liam", "<p>Verified him by calling back the number on file, unlocked the account.</p>", NOTE),
    ), type=PHONE, status=CLOSED, assignee="liam", fields={"Priority": "2"}),
    DemoConversation("support", "priya", "Feature request: dark mode for the agent dashboard", 12, (
        Say(0, "customer", "<p>Our agents work night shifts. Any plans for a dark mode?</p>"),
        Say(6, "emma", "<p>Hi Priya, it is on our roadmap for next quarter; I added your vote.</p>"),
    ), status=CLOSED, assignee="emma", tags=("feature request",), fields={"Priority": "1"}),
    DemoConversation("support", "tom", "Bulk import stuck at 'processing'", 10, (
        Say(0, "customer", "<p>Our CSV import of 3,000 contacts has been 'processing' for two hours.</p>"),
        Say(1, "liam", "<p>Hi Tom, looking into it now. Which file name did you upload?</p>"),
        Say(2, "customer", "<p>contacts-march.csv, uploaded at 9:14.</p>"),
        Say(3, "liam", "<p>Job 88231 was stuck behind a failed worker. Restarted it.</p>", NOTE),
        Say(4, "liam", "<p>The import finished: 2,987 contacts, 13 skipped as duplicates. Can you check?</p>"),
    ), status=PENDING, assignee="liam", tags=("bug",), time_spent=(("liam", 1800), ("emma", 600)),
        fields={"Priority": "3", "Due date": timedelta(days=-2)}),
    DemoConversation("support", "isabella", "Chat: reservations widget", 8, (
        Say(0, "customer", "<p>Ciao! The reservations widget does not show on my homepage.</p>", CHAT),
        Say(0.05, "emma", "<p>Hi Isabella! Did you paste the snippet before the closing body tag?</p>", CHAT),
        Say(0.1, "customer", "<p>I put it in the header…</p>", CHAT),
        Say(0.15, "emma", "<p>Move it to just before &lt;/body&gt; and it will load. Let me know!</p>", CHAT),
        Say(0.25, "customer", "<p>It works now, grazie mille!</p>", CHAT),
        Say(0.3, "emma", "<p>Wonderful, have a great service tonight!</p>", CHAT),
    ), type=CHAT_TYPE, status=CLOSED, assignee="emma", tags=("vip",), fields={"Priority": "2"}),
    DemoConversation("support", "promo", "Boost your SEO ranking in 7 days!!!", 7, (
        Say(0, "customer", "<p>Dear Sir/Madam, we guarantee first page on Google. Reply for our price list.</p>"),
    ), status=SPAM),
    DemoConversation("support", "promo", "Re: Partnership opportunity", 2, (
        Say(0, "customer", "<p>Following up on my last email about backlinks for your website.</p>"),
    ), changes=(Change("status", "liam", SPAM),)),
    DemoConversation("support", "olivia", "Add two more agents to our plan", 5, (
        Say(0, "customer", "<p>We are hiring two people next month. How do we add seats, and what does it cost?</p>"),
    ), assignee="liam", tags=("vip",), fields={"Deal size": 2400, "Lead source": "2"},
        changes=(Change("move", "emma", "sales"), Change("assign", "emma", "sofia"))),
    DemoConversation("support", "kenji", "Webhook deliveries failing with 410", 0.9, (
        Say(0, "customer", "<p>Since yesterday every webhook to our endpoint is marked failed with 410 Gone.</p>"),
    ), tags=("bug",), starred_by=("liam",), fields={"Priority": "4"}),
    DemoConversation("support", "amara", "Workaround for SVG uploads", 1, (
        Say(0, "liam", "<p>Hi Amara, until the fix ships you can convert the logo to PNG at twice the size.</p>"),
    ), draft=True),
    DemoConversation("support", "tom", "test please ignore", 3, (
        Say(0, "customer", "<p>test</p>"),
    ), changes=(Change("delete", "liam"),)),
    DemoConversation("sales", "grace", "Pricing for 25 seats, annual billing", 27, (
        Say(0, "customer", "<p>Hello, what would 25 seats cost on annual billing?</p>"),
        Say(2, "sofia", "<p>Hi Grace, 25 Pro seats on annual billing come to $7,500 a year. Quote attached.</p>"),
        Say(48, "customer", "<p>Approved on our side, please send the contract.</p>"),
        Say(50, "sofia", "<p>Contract sent for e-signature. Welcome aboard!</p>"),
    ), status=CLOSED, assignee="sofia", tags=("billing",), time_spent=(("sofia", 1200),),
        fields={"Deal size": 7500, "Lead source": "2"}),
    DemoConversation("sales", "ahmed", "Enterprise plan: security questionnaire", 9, (
        Say(0, "customer", "<p>Before we sign we need the attached security questionnaire completed.</p>"),
        Say(1, "sofia", "<p>Looping in Emma for the SOC 2 and data residency parts.</p>", NOTE),
        Say(20, "emma", "<p>Hi Ahmed, please find the completed questionnaire and our SOC 2 report.</p>"),
    ), status=PENDING, assignee="emma", tags=("vip",), starred_by=("emma", "sofia"), time_spent=(("emma", 5400),),
        fields={"Deal size": 48000, "Lead source": "4"}),
    DemoConversation("sales", "lucas", "Do you offer a nonprofit discount?", 6, (
        Say(0, "customer", "<p>We run a small arts nonprofit alongside the studio. Is there a discount?</p>"),
    ), fields={"Lead source": "1"}),
    DemoConversation("sales", "hannah", "Following up on your trial", 5, (
        Say(0, "sofia", "<p>Hi Hannah, your trial ends on Friday. Shall I set up the Pro plan for 8 seats?</p>"),
        Say(30, "customer", "<p>Yes, but we need invoices in EUR. Is that possible?</p>"),
    ), assignee="sofia", fields={"Deal size": 1200, "Lead source": "1"}),
    DemoConversation("sales", "marcus", "Call: renewal and seat count", 4, (
        Say(0, "sofia", "<p>Call with Marcus: renewing in June, wants to drop from 40 to 35 seats.</p>", NOTE),
        Say(0.5, "sofia", "<p>Hi Marcus, as discussed on the phone, here is the renewal quote for 35 seats.</p>"),
    ), type=PHONE, status=PENDING, assignee="sofia", fields={"Deal size": 10500}),
    DemoConversation("sales", "priya", "Quote request for Brightpath (120 seats)", 2, (
        Say(0, "customer", "<p>Please send a quote for 120 seats. Tom will handle the purchase from here.</p>"),
    ), assignee="sofia", tags=("billing",), fields={"Lead source": "3"}, changes=(Change("customer", "sofia", "tom"),)),
    DemoConversation("sales", "isabella", "Upgrade to Pro?", 0.3, (
        Say(0, "customer", "<p>What do I get with Pro compared to my current plan?</p>"),
    )),
]
# fmt: on


# The help center's knowledge base: categories (top first, as readers see them) with their articles' HTML;
# an internal category and a draft show what never reaches the public; a suggestion category for ideas.
KNOWLEDGE_BASE: dict[str, dict[str, str]] = {
    "Getting started": {
        "Create your account": (
            '<p>Sign up at <a href="https://app.example.com/signup">app.example.com</a> with your work email. We '
            "send a confirmation link that stays valid for 24 hours.</p><h2>Invite your team</h2><ol><li>Open "
            "<strong>Settings → Team</strong>.</li><li>Enter their emails, one per line.</li><li>Choose a role "
            "and click <strong>Send invitations</strong>.</li></ol>"
        ),
        "Install the desktop app": (
            "<p>The app runs on Windows 10 or later, macOS 12 or later and Ubuntu 22.04.</p><ul><li>Download it "
            "from <strong>Settings → Downloads</strong>.</li><li>Sign in with the same account as on the web.</li>"
            "</ul>"
        ),
    },
    "Billing": {
        "Download an invoice": (
            "<p>Every invoice is kept in <strong>Settings → Billing → Invoices</strong>; click <em>Download "
            "PDF</em> beside the month you need.</p><blockquote>Invoices are issued on the first working day of "
            "each month.</blockquote>"
        ),
        "Change your billing address": (
            "<p>The address in <strong>Billing details</strong> is printed on future invoices. Invoices already "
            "sent keep theirs: write to support@example.com if one needs correcting.</p>"
        ),
        "Refund policy (being reviewed)": "<p>Annual plans can be refunded pro rata within 30 days.</p>",
    },
    "Troubleshooting": {
        "The app does not sync": (
            "<p>Check the status page first, then:</p><ol><li>Sign out and in again.</li><li>Clear the local "
            "cache in <strong>Settings → Advanced</strong>.</li><li>Still stuck? Send us the log from "
            "<code>Help → Export log</code>.</li></ol>"
        ),
    },
    "Agent playbook": {
        "Escalating an outage": (
            "<p>Tag the conversation <code>outage</code>, assign it to the on-call engineer and post the link in "
            "#incidents. Customers get the status page link, never an ETA.</p>"
        ),
    },
}
KNOWLEDGE_BASE_INTERNAL = {"Agent playbook"}
KNOWLEDGE_BASE_DRAFTS = {"Refund policy (being reviewed)"}
IDEAS = ("Ideas", "Suggest what we should build next; the Support team reads every idea.")


@dataclass
class _Cast:
    now: datetime
    rng: random.Random
    mailboxes: dict[str, Mailbox]
    agents: dict[str, User]
    customers: dict[str, Customer]


def demo_present() -> bool:
    return Mailbox.objects.filter(email__iexact=SUPPORT_EMAIL).exists()


def demo_conflicts() -> list[str]:
    """Existing rows the demo would collide with (for an installation that has some but not all of it)."""
    conflicts = [m["email"] for m in MAILBOXES.values() if Mailbox.objects.filter(email__iexact=m["email"]).exists()]
    conflicts += [a["email"] for a in AGENTS.values() if user_email_taken(email=a["email"])]
    emails = [email for c in CUSTOMERS.values() for email, _ in c.get("emails", ())]
    conflicts += CustomerEmail.objects.filter(email__in=emails).values_list("email", flat=True)
    conflicts += [
        f"customer field {n!r}" for n, *_ in CUSTOMER_FIELDS if CustomerField.objects.filter(name__iexact=n).exists()
    ]
    return conflicts


@transaction.atomic
def demo_seed() -> dict[str, int]:
    """Creates the demo data and returns how many of each thing it made. Call only when
    ``demo_present()`` and ``demo_conflicts()`` are both empty."""
    now = timezone.now()
    mailboxes = {key: mailbox_create(**settings) for key, settings in MAILBOXES.items()}
    agents = {}
    for key, profile in AGENTS.items():
        profile = dict(profile)
        access = profile.pop("mailboxes")
        agents[key] = user_create(password=None, role=User.Role.USER, **profile)
        for mailbox_key in access:
            mailbox_user_grant(mailbox=mailboxes[mailbox_key], user=agents[key])
    for position, (mailbox_key, name, field_type, options, required) in enumerate(CUSTOM_FIELDS):
        custom_field_create(
            mailbox=mailboxes[mailbox_key],
            name=name,
            type=field_type,
            options=options,
            required=required,
            sort_order=position + 1,
        )
    customer_fields = {
        name: customer_field_create(name=name, type=field_type, options=options, sort_order=position + 1)
        for position, (name, field_type, options) in enumerate(CUSTOMER_FIELDS)
    }
    customers = {}
    for position, (key, data) in enumerate(CUSTOMERS.items()):
        customers[key] = customer_create(created_at=now - timedelta(days=60 - position), **data)
        if values := CUSTOMER_FIELD_VALUES.get(key):
            customer_field_values_set(
                customer=customers[key], values={customer_fields[name]: value for name, value in values.items()}
            )
    cast = _Cast(now=now, rng=random.Random(42), mailboxes=mailboxes, agents=agents, customers=customers)  # noqa: S311
    conversations = [_conversation_seed(spec, cast) for spec in CONVERSATIONS]
    entries = _knowledge_base_seed(mailboxes["support"])
    return {
        "mailboxes": len(mailboxes),
        "agents": len(agents),
        "customers": len(customers),
        "custom fields": len(CUSTOM_FIELDS),
        "customer fields": len(customer_fields),
        "conversations": len(conversations),
        "threads": Thread.objects.filter(conversation__in=conversations).count(),
        "tags": len({tag for spec in CONVERSATIONS for tag in spec.tags}),
        "timelogs": sum(len(spec.time_spent) + bool(spec.timer) for spec in CONVERSATIONS),
        "knowledge base entries": entries,
    }


def _knowledge_base_seed(support: Mailbox) -> int:
    """The demo's help center, through the services (new entries go on top, so each level is created last
    to first); left out when the knowledge base has entries already."""
    knowledge_base = knowledge_base_default()
    if Entry.objects.filter(knowledge_base=knowledge_base).exists():
        return 0
    T, S, A = Entry.Type, Entry.Status, Entry.Access
    made = [
        entry_create(
            knowledge_base=knowledge_base,
            parent=None,
            type=T.SUGGESTION_CATEGORY,
            title=IDEAS[0],
            description=IDEAS[1],
            mailbox=support,
        )
    ]
    for category_title, articles in reversed(KNOWLEDGE_BASE.items()):
        access = A.INTERNAL if category_title in KNOWLEDGE_BASE_INTERNAL else A.PUBLIC
        category = entry_create(
            knowledge_base=knowledge_base, parent=None, type=T.CATEGORY, title=category_title, access=access
        )
        made.append(category)
        for title, content in reversed(articles.items()):
            status = S.DRAFT if title in KNOWLEDGE_BASE_DRAFTS else S.PUBLISHED
            made.append(
                entry_create(
                    knowledge_base=knowledge_base,
                    parent=category,
                    type=T.ARTICLE,
                    title=title,
                    content=content,
                    status=status,
                )
            )
    return len(made)


def _new_thread(say: Say, *, start: datetime, cast: _Cast, draft: bool) -> NewThread:
    by_customer = say.by == "customer"
    return NewThread(
        type=say.type or (Thread.Type.CUSTOMER if by_customer else Thread.Type.MESSAGE),
        body=say.body,
        user=None if by_customer else cast.agents[say.by],
        state=Thread.State.DRAFT if draft else Thread.State.PUBLISHED,
        created_at=start + timedelta(hours=say.hours),
    )


def _status_implied(thread: NewThread) -> str:
    return Status.PENDING if thread.type == Thread.Type.MESSAGE else Status.ACTIVE


def _conversation_seed(spec: DemoConversation, cast: _Cast) -> Conversation:
    start = cast.now - timedelta(days=spec.days_ago, minutes=cast.rng.randint(0, 50))
    first, *replies = [_new_thread(say, start=start, cast=cast, draft=spec.draft) for say in spec.threads]
    conversation = conversation_create(
        mailbox=cast.mailboxes[spec.mailbox],
        subject=spec.subject,
        customer=cast.customers[spec.customer],
        threads=[first],
        type=spec.type,
        # The last reply leaves the conversation in its final status; earlier ones imply theirs.
        status=_status_implied(first) if replies else spec.status,
        state=Conversation.State.DRAFT if spec.draft else Conversation.State.PUBLISHED,
        assignee=cast.agents[spec.assignee] if spec.assignee else None,
        source_type=SourceType.EMAIL if spec.type == Conversation.Type.EMAIL else SourceType.WEB,
        imported=True,
        created_at=start,
    )
    moves = any(change.action == "move" for change in spec.changes)
    if not moves:
        # Set before the replies, whose dates then become the conversation's last update again.
        _custom_fields_set(conversation, spec.fields, cast)
    for position, reply in enumerate(replies, start=1):
        status = spec.status if position == len(replies) else None
        thread_create(conversation=conversation, thread=reply, status=status, imported=True)
    # thread_create saves its own copy of the row, so ours is stale.
    conversation.refresh_from_db()
    conversation_tags_set(conversation=conversation, names=spec.tags)
    for agent in spec.starred_by:
        conversation_star(conversation=conversation, user=cast.agents[agent])
    for change in spec.changes:
        conversation = _change_apply(conversation, change, cast)
    if moves:
        _custom_fields_set(conversation, spec.fields, cast)
    worked_at = min(cast.now, start + timedelta(hours=spec.threads[-1].hours, minutes=15))
    for agent, seconds in spec.time_spent:
        timelog_record(conversation=conversation, user=cast.agents[agent], seconds=seconds, at=worked_at)
    if spec.timer:
        timelog_start(conversation=conversation, user=cast.agents[spec.timer])
    return conversation


def _custom_fields_set(conversation: Conversation, values: dict[str, object], cast: _Cast) -> None:
    if not values:
        return
    by_name = {f.name: f.pk for f in CustomField.objects.filter(mailbox_id=conversation.mailbox_id)}
    conversation_custom_fields_set(
        conversation=conversation,
        values={
            by_name[name]: (cast.now + value).date().isoformat() if isinstance(value, timedelta) else value
            for name, value in values.items()
        },
    )


def _change_apply(conversation: Conversation, change: Change, cast: _Cast) -> Conversation:
    """Returns the conversation as the service left it (services work on a fresh copy of the row)."""
    by_user = cast.agents[change.by]
    if change.action == "assign":
        return conversation_assign(conversation=conversation, assignee=cast.agents[change.to], by_user=by_user)
    if change.action == "status":
        return conversation_change_status(conversation=conversation, status=change.to, by_user=by_user)
    if change.action == "move":
        return conversation_move(conversation=conversation, mailbox=cast.mailboxes[change.to], by_user=by_user)
    if change.action == "customer":
        customer = cast.customers[change.to]
        return conversation_change_customer(conversation=conversation, customer=customer, by_user=by_user)
    if change.action == "delete":
        return conversation_delete(conversation=conversation, by_user=by_user)
    raise ValueError(f"Unknown demo change {change.action!r}")
