"""The words of the benchmark dataset (``load_data``): people's names, subjects, and the thread bodies.

Bodies read like support email: an opening, a paragraph of 150-420 characters, a closing with the writer's
first name; notes are a paragraph alone; about half of the customers' second messages quote the agent reply
they answer, as mail clients do (Gmail's ``gmail_quote`` markup, which the sanitiser keeps for the agent UI
to fold). The threads draw from ~8,000 distinct bodies (``Bodies``), each sanitised and given its search
vector once, so that five million threads cost a lookup each. About 0.1 % of all threads carry
``RARE_SENTENCE``, whose word ``RARE_WORD`` appears nowhere else: the full-text search benchmark's needle
(benchmarks/README.md)."""

import random

from conversations.services import body_sanitise, text_preview

RARE_WORD = "kumquat"
RARE_SENTENCE = "We also see the kumquat integration stop syncing every night at the same time."
RARE_SHARE = 0.001

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
CLOSINGS = ["Thanks,", "Best regards,", "Kind regards,", "Cheers,", "Thank you,"]
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
# Distinct bodies of each kind: every body is stored as the services store it, and its search vector is
# computed once (``load_rows.Table.trigger_values``), however many threads carry it.
VARIANTS_PER_NAME = 64  # customer messages signed by each first name
VARIANTS_PER_AGENT = 256  # agent replies signed by each agent
QUOTING_VARIANTS = 8  # customer replies quoting an agent's reply, per (first name, agent)
NOTE_VARIANTS = 256
RARE_VARIANTS = 4  # of each of the above carrying RARE_SENTENCE

ATTACHMENTS = [  # file name, MIME type, smallest and largest size in bytes
    ("screenshot.png", "image/png", 40_000, 900_000),
    ("error.png", "image/png", 20_000, 400_000),
    ("invoice.pdf", "application/pdf", 30_000, 300_000),
    ("export.csv", "text/csv", 2_000, 2_000_000),
    ("console.log", "text/plain", 1_000, 200_000),
    ("photo.jpg", "image/jpeg", 80_000, 3_000_000),
]


def _paragraph(rng: random.Random, pool: list[str], low: int, high: int) -> str:
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


class Bodies:
    """Every distinct thread body of the dataset, sanitised as the services store it (``texts``, by index:
    a thread names its body by index), drawn by who writes it. A customer's messages are signed with their
    first name, an agent's replies with theirs."""

    def __init__(self, rng: random.Random, agent_names: list[str]) -> None:
        self.rng = rng
        self.texts: list[tuple[str, str]] = []  # (thread type, body)
        self.previews: dict[int, str] = {}  # of the agent replies, the conversations' last message
        customer = {
            name: self._pools("customer", CUSTOMER_SENTENCES, VARIANTS_PER_NAME, signature=name) for name in FIRST_NAMES
        }
        self.agent = {
            name: self._pools("message", AGENT_SENTENCES, VARIANTS_PER_AGENT, signature=name) for name in agent_names
        }
        for plain, rare in self.agent.values():
            for index in [*plain, *rare]:
                self.previews[index] = text_preview(self.texts[index][1])
        self.customer = customer
        self.quoting = {
            (name, agent): self._quoting_pools(customer[name], self.agent[agent], by=agent)
            for name in FIRST_NAMES
            for agent in agent_names
        }
        self.note = self._pools("note", NOTE_SENTENCES, NOTE_VARIANTS, signature=None)

    def _add(self, kind: str, body: str) -> int:
        self.texts.append((kind, body_sanitise(body)))
        return len(self.texts) - 1

    def _body(self, pool: list[str], signature: str | None, *, rare: bool) -> str:
        rng = self.rng
        text = _paragraph(rng, pool, 120, 300) if signature is None else _paragraph(rng, pool, 150, 420)
        if rare:
            text = f"{text} {RARE_SENTENCE}"
        if signature is None:
            return f"<p>{text}</p>"
        return f"<p>{rng.choice(OPENINGS)}</p><p>{text}</p><p>{rng.choice(CLOSINGS)}<br>{signature}</p>"

    def _pools(self, kind: str, pool: list[str], count: int, *, signature: str | None) -> tuple[list[int], list[int]]:
        """(plain bodies, bodies with the rare word), as indexes into ``texts``."""
        return (
            [self._add(kind, self._body(pool, signature, rare=False)) for _ in range(count)],
            [self._add(kind, self._body(pool, signature, rare=True)) for _ in range(RARE_VARIANTS)],
        )

    def _quoting_pools(
        self, own: tuple[list[int], list[int]], quoted: tuple[list[int], list[int]], *, by: str
    ) -> tuple[list[int], list[int]]:
        """A customer's reply with the agent reply it answers quoted below, as a mail client writes it."""

        def body(pool: list[int]) -> str:
            mine, theirs = self.texts[self.rng.choice(pool)][1], self.texts[self.rng.choice(quoted[0])][1]
            return (
                f'{mine}<div class="gmail_quote"><div class="gmail_attr">{by} wrote:</div>'
                f'<blockquote class="gmail_quote">{theirs}</blockquote></div>'
            )

        return (
            [self._add("customer", body(own[0])) for _ in range(QUOTING_VARIANTS)],
            [self._add("customer", body(own[1])) for _ in range(1)],
        )

    def draw(self, pools: tuple[list[int], list[int]]) -> int:
        """A body of ``pools``: one with the rare word for RARE_SHARE of the draws."""
        plain, rare = pools
        return self.rng.choice(rare if self.rng.random() < RARE_SHARE else plain)
