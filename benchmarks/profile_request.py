"""Where one API request's time goes, measured in this process against the benchmark database.

    .venv/bin/python -m benchmarks.profile_request [list|v1_list|list_embed|get] [--requests 100]

Runs the request through Django's test client (the whole middleware and DRF stack, no network),
first unprofiled for the wall time and the time spent in SQL, then under cProfile, and prints the share
of the main stages (key authentication, filtering, COUNT, page query and prefetches, building model
instances, payloads, rendering) and the top functions. cProfile slows Python code more than SQL, so its
shares lean towards Python; the unprofiled SQL share is the check. The dataset must be loaded
(``benchmarks.load_data``).
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

from benchmarks.loadgen import key_headers
from benchmarks.run import environment_prepare

# (label, file name ending, function name): cumulative time of these, per request. They nest (the page
# query runs inside pagination), so the shares do not add up to 100 %.
STAGES = [
    ("whole request (Django handler)", "django/core/handlers/base.py", "_get_response"),
    ("API key authentication", "freescout/plumbing/authentication.py", "authenticate"),
    ("filtering (FilterSet.qs)", "freescout/conversations/filters.py", "qs"),
    ("pagination: COUNT + page", "freescout/plumbing/pagination.py", "paginate_queryset"),
    ("  QuerySet.count (the COUNT)", "django/db/models/query.py", "count"),
    ("related rows of the page (page_context)", "conversations/pages.py", "page_context"),
    ("  SQL compilation (as_sql)", "django/db/models/sql/compiler.py", "as_sql"),
    ("  psycopg execute (round trips)", "psycopg/cursor.py", "execute"),
    ("  psycopg fetch + row decoding", "psycopg/cursor.py", "fetchmany"),
    ("payloads (conversation_payload)", "freescout/conversations/payloads.py", "conversation_payload"),
    ("  thread_payload", "freescout/conversations/payloads.py", "thread_payload"),
    ("  date_out", "freescout/payloads.py", "date_out"),
    ("  related rows (rows_by_ids)", "helpdesk/db.py", "rows_by_ids"),
    ("rendering (renderer.render)", "freescout/plumbing/renderers.py", "render"),
    ("agent UI list (changelist_view)", "conversations/admin/conversation.py", "changelist_view"),
    ("  admin's result_list (per cell)", "django/contrib/admin/templatetags/admin_list.py", "result_list"),
    ("  the list's rows (conversation_rows)", "conversations/admin/list_rows.py", "conversation_rows"),
    ("  filters (admin_list_filter)", "django/contrib/admin/templatetags/admin_list.py", "admin_list_filter"),
    ("  template rendering (Template.render)", "django/template/base.py", "render"),
]
# The agent UI's list scenarios: a signed-in session instead of an API key.
UI_SCENARIOS = ["ui_folder", "ui_folder_agent", "ui_list", "ui_search"]


PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _package(file_name: str) -> str:
    """``django/db``, ``rest_framework``, ``conversations``…: the first two parts below site-packages, or
    the project's app, or ``(stdlib and builtins)``."""
    path = Path(file_name)
    if "site-packages" in path.parts:
        parts = path.parts[path.parts.index("site-packages") + 1 :]
        return "/".join(parts[:2]) if parts[0] == "django" else parts[0]
    if path.is_relative_to(PROJECT_ROOT):
        return path.parts[len(PROJECT_ROOT.parts)]
    return "(stdlib and builtins)"


def tottime_by_package(stats: pstats.Stats, requests: int) -> list[tuple[str, float]]:
    totals: dict[str, float] = {}
    for (file_name, _, _), (_, _, tottime, _, _) in stats.stats.items():
        package = _package(file_name)
        totals[package] = totals.get(package, 0.0) + tottime
    return sorted(((k, v / requests * 1000) for k, v in totals.items()), key=lambda item: -item[1])[:15]


def paths_for(scenario: str, mailbox_id: int, conversation_ids: list[int]) -> list[str]:
    """The scenario's requests, as benchmarks.run loads them."""
    from benchmarks.run import scenarios_for

    if scenario in UI_SCENARIOS:
        return ui_paths_for(scenario)

    return next(
        s.paths for s in scenarios_for(mailbox_id=mailbox_id, conversation_ids=conversation_ids) if s.name == scenario
    )


def ui_paths_for(scenario: str) -> list[str]:
    """The agent UI's list requests as ``benchmarks.read_scenarios`` makes them, without its sessions."""
    from urllib.parse import urlencode

    from benchmarks.read_scenarios import DEFAULT_SEARCH, UI_LIST
    from mailboxes.models import Folder, Mailbox

    mailbox = Mailbox.objects.order_by("id").first()
    unassigned = Folder.objects.get(mailbox=mailbox, type=Folder.Type.UNASSIGNED, user=None)
    return {
        "ui_folder": [f"{UI_LIST}?folder={unassigned.pk}"],
        "ui_folder_agent": [f"{UI_LIST}?folder={unassigned.pk}"],
        "ui_list": [UI_LIST],
        "ui_search": [f"{UI_LIST}?{urlencode({'q': DEFAULT_SEARCH})}"],
    }[scenario]


@contextmanager
def sql_timer(totals: dict):
    """Adds the wall time of every query (execute and fetch) to ``totals``."""
    from django.db import connection

    def wrapper(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            totals["sql_s"] += time.perf_counter() - began
            totals["queries"] += 1

    with connection.execute_wrapper(wrapper):
        yield


@contextmanager
def stage_timers(totals: dict[str, float]):
    """Wraps the main stages of a request with wall-clock timers (no profiler overhead), in this process
    only. Stages nest: the COUNT and the prefetches run inside pagination."""
    from django.db.models import query

    import freescout.conversations.views
    from freescout.plumbing.authentication import ApiKeyAuthentication
    from freescout.plumbing.pagination import HalPagination
    from freescout.plumbing.views import ApiViewSet

    renderer = ApiViewSet.renderer_classes[0]
    conversation_views = freescout.conversations.views
    targets = [
        ("API key authentication", ApiKeyAuthentication, "authenticate"),
        ("pagination: COUNT + page", HalPagination, "paginate_queryset"),
        ("  COUNT (QuerySet.count)", query.QuerySet, "count"),
        ("payloads with their related rows (conversation_payloads)", conversation_views, "conversation_payloads"),
        ("rendering (renderer.render)", renderer, "render"),
    ]
    originals = []
    active: set[str] = set()
    for label, owner, name in targets:
        original = getattr(owner, name)
        originals.append((owner, name, original))
        totals.setdefault(label, 0.0)

        def timed(*args, __original=original, __label=label, **kwargs):
            # Only the outermost call counts.
            if __label in active:
                return __original(*args, **kwargs)
            active.add(__label)
            began = time.perf_counter()
            try:
                return __original(*args, **kwargs)
            finally:
                totals[__label] += time.perf_counter() - began
                active.discard(__label)

        setattr(owner, name, timed)
    try:
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def stage_times(stats: pstats.Stats, requests: int) -> list[tuple[str, float]]:
    found = []
    for label, file_end, function in STAGES:
        total = sum(
            cumulative
            for (file_name, _, name), (_, _, _, cumulative, _) in stats.stats.items()
            if name == function and file_name.replace("\\", "/").endswith(file_end)
        )
        found.append((label, total / requests * 1000))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "scenario", nargs="?", default="list", choices=["list", "v1_list", "list_embed", "get", *UI_SCENARIOS]
    )
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--queries", action="store_true", help="print the SQL of one request first")
    parser.add_argument("--stats", help="also write the cProfile stats to this file (for pstats)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="helpdesk-bench-profile-"))
    environment_prepare(work)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from benchmarks.load_data import BENCH_ADMIN_EMAIL
    from conversations.models import Conversation
    from helpdesk.models import User
    from helpdesk.services import api_key_create, api_key_revoke
    from mailboxes.models import Mailbox

    admin = User.objects.filter(email=BENCH_ADMIN_EMAIL).first()
    if admin is None:
        raise SystemExit("no benchmark data: run python -m benchmarks.load_data first")
    api_key_row, api_key = api_key_create(user=admin, name="benchmark profile")
    try:
        mailbox = Mailbox.objects.order_by("id").first()
        ids = list(Conversation.objects.values_list("pk", flat=True)[:5000])
        paths = paths_for(args.scenario, mailbox.pk, random.Random(7).sample(ids, min(100, len(ids))))  # noqa: S311
        client = Client(HTTP_HOST="127.0.0.1", headers=key_headers(api_key))
        if args.scenario in UI_SCENARIOS:
            from benchmarks.read_scenarios import ui_users

            client = Client(HTTP_HOST="127.0.0.1")
            admin_user, agent = ui_users()
            client.force_login(agent if args.scenario == "ui_folder_agent" else admin_user)

        def requests() -> None:
            for index in range(args.requests):
                response = client.get(paths[index % len(paths)])
                assert response.status_code == 200, response.content[:300]

        for _ in range(5):
            client.get(paths[0])
        if args.queries:
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                client.get(paths[0])
            for query in captured.captured_queries:
                print(f"{query['time']:>6} s  {query['sql'][:300]}")
        totals = {"sql_s": 0.0, "queries": 0}
        stages: dict[str, float] = {}
        with sql_timer(totals), stage_timers(stages):
            began = time.perf_counter()
            requests()
            wall = time.perf_counter() - began
        per_request_ms = wall / args.requests * 1000
        sql_ms = totals["sql_s"] / args.requests * 1000
        print(f"{args.scenario}: {paths[0]}")
        print(
            f"unprofiled: {per_request_ms:.2f} ms per request (test client, one process), "
            f"{totals['queries'] / args.requests:.0f} queries taking {sql_ms:.2f} ms "
            f"({sql_ms / per_request_ms:.0%}), Python {per_request_ms - sql_ms:.2f} ms"
        )
        print("unprofiled stages, ms per request (wall clock, SQL included; stages nest):")
        for label, seconds in stages.items():
            ms = seconds / args.requests * 1000
            print(f"  {label:<40} {ms:8.2f} ms  {ms / per_request_ms:6.1%}")

        profiler = cProfile.Profile()
        profiler.enable()
        requests()
        profiler.disable()
        if args.stats:
            profiler.dump_stats(args.stats)
        stats = pstats.Stats(profiler)
        profiled = stage_times(stats, args.requests)
        whole = profiled[0][1]
        print(f"\nunder cProfile, ms per request (share of the whole request, {whole:.1f} ms):")
        for label, ms in profiled:
            print(f"  {label:<40} {ms:8.2f} ms  {ms / whole:6.1%}")
        print("\nunder cProfile, own time (tottime) by package, ms per request:")
        for package, ms in tottime_by_package(stats, args.requests):
            print(f"  {package:<40} {ms:8.2f} ms  {ms / whole:6.1%}")
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
            print(f"\ntop {args.top} by {order}:")
            print(out.getvalue().split("\n", 6)[-1].rstrip())
    finally:
        if args.scenario in UI_SCENARIOS:
            client.logout()  # deletes the session it stored
        api_key_revoke(api_key=api_key_row)
        connection.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
