"""The plans of the read scenarios' main statements, for the benchmark README's EXPLAINs at scale.

    .venv/bin/python -m benchmarks.explain_reads [--scenarios ui_folder,get] [--top 3]

Runs each scenario's first request in this process (warm, as ``benchmarks.run`` captures them), then
``EXPLAIN (ANALYZE, BUFFERS)`` of its slowest statements (their second run, so a cold cache or the first
plan's catalog reads do not count). The dataset must be loaded (``benchmarks.load_data``).
"""

import argparse
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

from benchmarks.run import SEED, environment_prepare, explain, queries_capture, scenarios_for, sql_short

BIG_TABLES = ("conversations_conversation", "conversations_thread", "customers_customer", "conversations_attachment")


def _execution_ms(plan: str) -> float:
    return next((float(line.split()[2]) for line in plan.splitlines() if line.startswith("Execution Time")), 0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="ui_folder,ui_list,ui_conversation,ui_search,customers,subject,get")
    parser.add_argument("--top", type=int, default=3, help="statements per scenario, slowest first")
    parser.add_argument("--search", default=None, help="the agent UI search's words (ui_search)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="helpdesk-bench-explain-"))
    environment_prepare(work)
    import django

    django.setup()
    from django.db import connection

    from benchmarks.load_data import BENCH_ADMIN_EMAIL
    from benchmarks.read_scenarios import DEFAULT_SEARCH, read_scenarios_for
    from conversations.models import Conversation
    from helpdesk.models import User
    from helpdesk.services import api_key_create, api_key_revoke
    from mailboxes.models import Mailbox

    admin = User.objects.get(email=BENCH_ADMIN_EMAIL)
    api_key_row, api_key = api_key_create(user=admin, name="benchmark explain")
    try:
        mailbox = Mailbox.objects.order_by("id").first()
        assert mailbox is not None, "no benchmark data"
        ids = list(Conversation.objects.values_list("pk", flat=True)[:5000])
        scenarios = scenarios_for(mailbox_id=mailbox.pk, conversation_ids=random.Random(SEED).sample(ids, 10))  # noqa: S311
        scenarios += read_scenarios_for(search=args.search or DEFAULT_SEARCH)
        wanted = args.scenarios.split(",")
        for scenario in sorted((s for s in scenarios if s.name in wanted), key=lambda s: wanted.index(s.name)):
            captured = queries_capture(scenario.paths[0], "" if scenario.cookie else api_key, scenario.cookie)
            # Every statement on the data's big tables, planned and run; the slowest by their execution time.
            plans = []
            for query in captured["queries"]:
                if query["sql"].startswith("SELECT") and any(table in query["sql"] for table in BIG_TABLES):
                    plan = explain(query["sql"])
                    plans.append((_execution_ms(plan), query["sql"], plan))
            print(f"\n## {scenario.name}: {scenario.paths[0]}")
            print(f"{len(captured['queries'])} statements, {captured['in_process_ms']} ms in this process")
            for ms, sql, plan in sorted(plans, key=lambda found: -found[0])[: args.top]:
                print(f"\n{ms:.2f} ms: {sql_short(sql)}\n{plan}")
    finally:
        api_key_revoke(api_key=api_key_row)
        connection.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
