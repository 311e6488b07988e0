"""The write scenarios (issue 22), run by ``benchmarks.run --writes`` against the bare view in the same rounds:

- ``create``: ``POST /api/conversations``, the customer looked up by email (one of the dataset's), the first
  thread an agent's message, so the request also writes the email's outbox row (and queues its task);
- ``thread``: ``POST /api/conversations/{id}/threads``, a note, cycling through conversations made for it;

each with no webhook subscribed and with one (``create_hook``, ``thread_hook``: subscribed to
``convo.created`` or ``convo.note.created``; no worker runs, so the deliveries wait, as in a burst). Each
round runs ``bare`` then the four, the webhook ones first in every other round (the notes lengthen the
conversations, and so the webhook bodies, a little as the rounds go). What the rounds made is deleted at the
end through the services (the conversation tally stays exact), the webhook with its events and deliveries.
"""

import json
import os
import shutil
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
THREAD_CONVERSATIONS = 500
SUBJECT = "Benchmark write"
# Nothing listens there: the deliveries are written and queued, never sent (no worker runs).
WEBHOOK_URL = "https://hooks.example.com/helpdesk-benchmark"
NAMES = ["create", "create_hook", "thread", "thread_hook"]


@dataclass(frozen=True)
class WriteScenario:
    name: str
    paths: list[str]
    body: dict
    webhook_event: str
    description: str


def _scenarios(*, mailbox_id: int, user_id: int, customer_email: str, conversation_ids: list[int]) -> list:
    create = {
        "type": "email",
        "mailboxId": mailbox_id,
        "subject": SUBJECT,
        "customer": {"email": customer_email},
        "threads": [{"type": "message", "text": "Thanks for writing in. " * 8, "user": user_id}],
    }
    note = {"type": "note", "text": "Checked with billing. " * 8, "user": user_id}
    threads = [f"/api/conversations/{pk}/threads" for pk in conversation_ids]
    return [
        WriteScenario("create", ["/api/conversations"], create, "", "conversation create, no webhook"),
        WriteScenario("create_hook", ["/api/conversations"], create, "convo.created", "the same, 1 webhook"),
        WriteScenario("thread", threads, note, "", "a note on a conversation, no webhook"),
        WriteScenario("thread_hook", threads, note, "convo.note.created", "the same, 1 webhook"),
    ]


def _load_posts(*, port: int, scenario: WriteScenario, api_key: str, seconds: float, connections: int, work: Path):
    """wrk with ``wrk_write.lua``: the same figures as ``loadgen.load_wrk``."""
    paths_file, body_file = work / f"{scenario.name}.paths", work / f"{scenario.name}.json"
    paths_file.write_text("\n".join(scenario.paths) + "\n")
    body_file.write_text(json.dumps(scenario.body))
    env = {**os.environ, "BENCH_PATHS_FILE": str(paths_file), "BENCH_BODY_FILE": str(body_file)}
    env["BENCH_API_KEY"] = api_key
    command = [shutil.which("wrk") or "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    command += ["--timeout", "10s", "-s", str(HERE / "wrk_write.lua"), f"http://127.0.0.1:{port}"]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    raw = json.loads(next(line for line in output.splitlines() if line.startswith("BENCH_RESULT "))[13:])
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        **{f"p{n}_ms": raw[f"p{n}_us"] / 1000 for n in (50, 90, 99)},
        "errors": raw["errors"],
    }


class _Subscription:
    """One webhook subscribed to ``event`` while the block runs (none for "")."""

    def __init__(self, event: str) -> None:
        self.event = event
        self.webhook = None

    def __enter__(self) -> None:
        from webhooks.services import webhook_create

        if self.event:
            self.webhook = webhook_create(url=WEBHOOK_URL, events=[self.event])

    def __exit__(self, *exc_info: object) -> None:
        from webhooks.services import webhook_delete

        if self.webhook is not None:
            webhook_delete(webhook=self.webhook)


def write_scenarios_run(
    *, port: int, api_key: str, rounds: int, duration: float, warmup: float, connections: int, work: Path, server, load
) -> dict:
    """Runs the rounds and returns ``{"rounds": […], "summary": {…}, "overhead_p50_ms": {…}}``; ``load`` and
    ``server`` are ``benchmarks.run``'s (the bare view's load generator, the gunicorn for the CPU figures)."""
    from benchmarks.load_data import BENCH_ADMIN_EMAIL
    from benchmarks.run import Scenario, cpu_per_request, cpu_sample
    from conversations.models import Conversation, Thread
    from conversations.services import NewThread, conversation_create, conversation_delete_forever
    from customers.models import CustomerEmail
    from helpdesk.models import User
    from mailboxes.models import Mailbox

    if not shutil.which("wrk"):
        raise SystemExit("the write scenarios take wrk: apt-get install -y wrk")
    mailbox = Mailbox.objects.order_by("id").first()
    email = CustomerEmail.objects.select_related("customer").order_by("id").first()
    user = User.objects.get(email=BENCH_ADMIN_EMAIL)
    assert mailbox is not None and email is not None, "no benchmark data"
    first_new = (Conversation.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    conversation_ids = [
        conversation_create(
            mailbox=mailbox,
            subject=SUBJECT,
            customer=email.customer,
            threads=[NewThread(type=Thread.Type.CUSTOMER, body="My invoice shows the wrong VAT rate. " * 4)],
        ).pk
        for _ in range(THREAD_CONVERSATIONS)
    ]
    scenarios = _scenarios(
        mailbox_id=mailbox.pk, user_id=user.pk, customer_email=email.email, conversation_ids=conversation_ids
    )
    bare = Scenario("bare", ["/bench/bare"], False, "static JsonResponse (floor 1.00)")

    def run(scenario, seconds: float) -> dict:
        before = cpu_sample(server)
        if isinstance(scenario, WriteScenario):
            with _Subscription(scenario.webhook_event):
                result = _load_posts(
                    port=port, scenario=scenario, api_key=api_key, seconds=seconds, connections=connections, work=work
                )
        else:
            result = load(port=port, scenario=scenario, api_key="", seconds=seconds, connections=connections, work=work)
        return {**result, **cpu_per_request(before, cpu_sample(server), result["requests"])}

    results: list[dict[str, dict]] = []
    try:
        for scenario in [bare, *scenarios]:
            if warmup > 0:
                run(scenario, warmup)
        for number in range(1, rounds + 1):
            # The webhook scenarios first in every other round (see the module's docstring).
            order = scenarios if number % 2 else [scenarios[1], scenarios[0], scenarios[3], scenarios[2]]
            results.append({s.name: run(s, duration) for s in [bare, *order]})
            for name, row in results[-1].items():
                print(
                    f"  round {number} {name:<15} {row['rps']:8.1f} rps  p50 {row['p50_ms']:7.2f} ms  "
                    f"p99 {row['p99_ms']:7.2f} ms  errors {sum(row['errors'].values())}",
                    flush=True,
                )
    finally:
        made = Conversation.objects.filter(pk__gte=first_new, subject=SUBJECT)
        print(f"deleting the {made.count()} conversations the write scenarios made", flush=True)
        for conversation in made.iterator():
            conversation_delete_forever(conversation=conversation)
    return _summary(results)


def _summary(results: list[dict[str, dict]]) -> dict:
    summary = {}
    for name in ["bare", *NAMES]:
        runs = [round_[name] for round_ in results]
        summary[name] = {
            "rps": statistics.median(run["rps"] for run in runs),
            "p50_ms": statistics.median(run["p50_ms"] for run in runs),
            "p99_ms": statistics.median(run["p99_ms"] for run in runs),
            "ratio": statistics.median(r[name]["rps"] / r["bare"]["rps"] for r in results),
            "app_cpu_ms": statistics.median(run["app_cpu_ms"] or 0 for run in runs),
            "db_cpu_ms": statistics.median(run["db_cpu_ms"] or 0 for run in runs),
            "errors": sum(sum(run["errors"].values()) for run in runs),
        }
    overhead = {
        write: statistics.median(r[f"{write}_hook"]["p50_ms"] - r[write]["p50_ms"] for r in results)
        for write in ("create", "thread")
    }
    cpu_overhead = {
        write: summary[f"{write}_hook"]["app_cpu_ms"]
        + summary[f"{write}_hook"]["db_cpu_ms"]
        - summary[write]["app_cpu_ms"]
        - summary[write]["db_cpu_ms"]
        for write in ("create", "thread")
    }
    print(f"\n{'write scenario':<16} {'rps':>8} {'p50 ms':>8} {'p99 ms':>8} {'÷ bare':>7} {'app CPU':>8} {'db CPU':>7}")
    for name, row in summary.items():
        print(
            f"{name:<16} {row['rps']:>8.1f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} {row['ratio']:>7.3f} "
            f"{row['app_cpu_ms']:>8.2f} {row['db_cpu_ms']:>7.2f}"
        )
    for write in ("create", "thread"):
        print(
            f"webhook overhead, {write}: p50 {overhead[write]:+.2f} ms (median of the rounds' differences), "
            f"CPU {cpu_overhead[write]:+.2f} ms a request (app + db)"
        )
    return {"rounds": results, "summary": summary, "overhead_p50_ms": overhead, "overhead_cpu_ms": cpu_overhead}
