"""Measures the conversation list and get endpoints against a bare Django view, in one run.

    .venv/bin/python -m benchmarks.run [--duration 15] [--rounds 3] [--connections 4]

Loads the dataset if it is missing (``benchmarks.load_data``), captures the SQL of one list request and
EXPLAINs its COUNT and page queries, starts gunicorn (2 sync workers) on a free port with the project
plus the bare views (``benchmarks.urls``), then loads each scenario with wrk (or, without wrk, a Python
load generator) at 4 connections. Prints a table and writes ``benchmarks/results/<timestamp>.json``.
README.md here says how to read it.
"""

import argparse
import http.client
import json
import os
import platform
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

from benchmarks import DEFAULT_DATABASE_URL
from benchmarks.loadgen import key_headers, load_python, load_wrk
from benchmarks.read_scenarios import DEFAULT_SEARCH, DEFAULT_SUBJECT, read_scenarios_for
from benchmarks.write_scenarios import write_scenarios_run

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS_DIR = HERE / "results"
TARGET_RATIO = 0.25  # list rps ÷ bare rps, at least
TARGET_P99_MS = 50.0  # list p99, at most
GET_IDS = 1_000
SEED = 7


@dataclass(frozen=True)
class Scenario:
    name: str
    paths: list[str]
    authenticated: bool
    description: str
    # A ``Cookie`` header (the agent UI's signed-in session), sent instead of the API key.
    cookie: str = ""


def scenarios_for(*, mailbox_id: int, conversation_ids: list[int]) -> list[Scenario]:
    from liveagent.departments import department_id

    listing = f"/api/conversations?mailboxId={mailbox_id}&status=active&pageSize=50"
    # The same page through the LiveAgent API v1: its active conversations are New and Open.
    v1_listing = f"/liveagent/api/conversations?department={department_id(mailbox_id)}&status=N,C&limit=50"
    return [
        Scenario("bare", ["/bench/bare"], False, "static JsonResponse, a page of 50 conversations (floor 1.00)"),
        Scenario("bare_small", ["/bench/bare-small"], False, 'static JsonResponse {"status": "ok"}'),
        Scenario("list", [listing], True, "list by mailbox + status, 50 per page, exact totalElements"),
        Scenario("v1_list", [v1_listing], True, "the same page through the LiveAgent API v1 (#9)"),
        Scenario("list_embed", [f"{listing}&embed=threads"], True, "the same with embed=threads (250 threads)"),
        Scenario(
            "get",
            [f"/api/conversations/{pk}" for pk in conversation_ids],
            True,
            f"one conversation with its threads, cycling through {len(conversation_ids)} ids",
        ),
    ]


# --- Environment ------------------------------------------------------------------------------------


def environment_prepare(data_dir: Path) -> None:
    """What the server and this process share: the bench database and settings a deployment would set."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    os.environ["DEBUG"] = "false"
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ["HELPDESK_DATA_DIR"] = str(data_dir)
    os.environ["LOG_LEVEL"] = "WARNING"
    # Workers keep their database connection for the whole run (the default reconnects every 60 s): a
    # PostgreSQL process that ends during a run would take its CPU time out of ``db CPU``.
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "3600")
    # One key sends thousands of requests a second here; the per-key limit (default 1,000 a minute, issue 20)
    # must not throttle the measurement, while its counting stays in every request's cost.
    os.environ.setdefault("HELPDESK_API_KEY_REQUESTS_PER_MINUTE", "1000000000")


def machine_facts() -> dict:
    facts = {
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        facts["postgresql"] = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        facts["shared_buffers"] = cursor.fetchone()[0]
    return facts


# --- In-process: what SQL a request runs, and its plans --------------------------------------------


def queries_capture(path: str, api_key: str, cookie: str = "") -> dict:
    """Runs the request in this process (warm, after two unmeasured runs) and returns its queries; with
    ``cookie`` (the agent UI's session) instead of the API key."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", headers={"Cookie": cookie} if cookie else key_headers(api_key))
    for _ in range(2):
        client.get(path)
    durations: list[float] = []

    def timed(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            durations.append(time.perf_counter() - began)

    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timed):
        began = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - began
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}: {response.content[:500]!r}")
    return {
        "path": path,
        "status": response.status_code,
        "bytes": len(response.content),
        "in_process_ms": round(elapsed * 1000, 2),
        "total_elements": (response.json().get("page") or {}).get("totalElements")
        if "json" in response.get("Content-Type", "")
        else None,
        # Timed where the wrapper saw them (queries through helpdesk.db's own cursors are logged only).
        "queries": [
            {"sql": query["sql"], "ms": round(seconds * 1000, 3) if len(durations) == len(captured) else None}
            for query, seconds in zip(captured.captured_queries, durations + [0.0] * len(captured), strict=False)
        ],
    }


def explain(sql: str) -> str:
    """The plan of the second of two runs, so that neither the catalog lookups of a first plan nor a cold
    cache count."""
    from django.db import connection

    with connection.cursor() as cursor:
        for _ in range(2):
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
    return plan


def sql_short(sql: str) -> str:
    """The SQL with a long select list elided, for the console (the results file keeps it whole)."""
    head, separator, rest = sql.partition(" FROM ")
    if separator and len(head) > 120:
        head = f"SELECT <{head.count(',') + 1} columns>"
    return f"{head}{separator}{rest}"


def list_plans(captured: dict) -> dict[str, dict]:
    """The list's COUNT and page queries with their plans."""
    plans = {}
    for query in captured["queries"]:
        sql = query["sql"]
        if "conversations_conversation" not in sql.split(" FROM ", 1)[-1][:40]:
            continue
        if sql.startswith("SELECT COUNT(*)"):
            plans["count"] = {"sql": sql, "plan": explain(sql)}
        elif " LIMIT " in sql and "page" not in plans:
            plans["page"] = {"sql": sql, "plan": explain(sql)}
    return plans


# --- The server -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_start(*, port: int, workers: int, log_path: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "helpdesk.wsgi:application",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--chdir",
        str(ROOT),
    ]
    log = log_path.open("wb")
    server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}:\n{log_path.read_text()}")
        try:
            if http_get(port, "/bench/bare-small")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server_stop(server)
    raise SystemExit(f"gunicorn did not answer within 30 s:\n{log_path.read_text()}")


def server_stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux ``/proc``); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes() -> list[tuple[int, int, str]]:
    """``(pid, parent pid, command name)`` of every process (Linux ``/proc``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                head, _, rest = (entry / "stat").read_text().rpartition(")")
            except OSError:
                continue
            found.append((int(entry.name), int(rest.split()[1]), head.partition("(")[2]))
    return found


def _postgres_serves_another_database(pid: int, database: str) -> bool:
    """Whether a PostgreSQL process is a backend of another database (its title ``postgres: <user>
    <database> <client> <state>``): other work's queries on a shared machine are not this benchmark's.
    The server's background processes (WAL writer, checkpointer, autovacuum) count."""
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
    except OSError:
        return True
    client = title[3] if len(title) > 3 else ""
    is_backend = client.startswith("[local]") or client.endswith(")")
    return is_backend and title[2] != database


def cpu_sample(server: subprocess.Popen, database: str | None = None) -> dict[str, dict[int, float]] | None:
    """CPU seconds used so far by each gunicorn worker (``app``) and each PostgreSQL process of the bench
    database or the whole server (``db``): read before and after a run (``cpu_per_request``), they give each
    request's CPU time, a steadier figure than rps on a shared machine. None where there is no ``/proc``."""
    if not Path("/proc/self/stat").exists():
        return None
    processes = _processes()
    return {
        "app": {pid: _cpu_seconds(pid) for pid, parent, _ in processes if parent == server.pid},
        "db": {
            pid: _cpu_seconds(pid)
            for pid, _, name in processes
            if name.startswith("postgres") and not (database and _postgres_serves_another_database(pid, database))
        },
    }


def worker_rss_mb(server: subprocess.Popen) -> float | None:
    """The resident memory of the largest gunicorn worker now, in MB (``VmRSS``); None without ``/proc``."""
    sizes = []
    for pid, parent, _ in _processes() if Path("/proc/self/status").exists() else []:
        if parent != server.pid:
            continue
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        if found:
            sizes.append(int(found.group(1)) / 1024)
    return max(sizes) if sizes else None


def cpu_per_request(before: dict | None, after: dict | None, requests: int) -> dict[str, float | None]:
    """``{"app_cpu_ms": …, "db_cpu_ms": …}`` between two ``cpu_sample``s; a process that ended in between
    (an autovacuum worker) is left out, one that started counts from zero."""
    if before is None or after is None:
        return {"app_cpu_ms": None, "db_cpu_ms": None}
    return {
        f"{part}_cpu_ms": sum(max(0.0, used - before[part].get(pid, 0.0)) for pid, used in after[part].items())
        * 1000
        / max(1, requests)
        for part in ("app", "db")
    }


def http_get(port: int, path: str, api_key: str = "", cookie: str = "") -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = key_headers(api_key) if api_key else {}
    if cookie:
        headers["Cookie"] = cookie
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# --- Report -----------------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "    -" if value is None else f"{value:5.2f}"


def _median_or_none(values: list[float | None]) -> float | None:
    return None if None in values else statistics.median(values)


def summarise(rounds: list[dict[str, dict]], names: list[str]) -> dict[str, dict]:
    """Medians over the rounds; each round's ratio is taken against that round's bare run."""
    summary = {}
    for name in names:
        runs = [round_[name] for round_ in rounds]
        ratios = [round_[name]["rps"] / round_["bare"]["rps"] for round_ in rounds]
        summary[name] = {
            "app_cpu_ms": _median_or_none([run["app_cpu_ms"] for run in runs]),
            "db_cpu_ms": _median_or_none([run["db_cpu_ms"] for run in runs]),
            "worker_rss_mb": _median_or_none([run.get("worker_rss_mb") for run in runs]),
            "rps": statistics.median(run["rps"] for run in runs),
            "p50_ms": statistics.median(run["p50_ms"] for run in runs),
            "p99_ms": statistics.median(run["p99_ms"] for run in runs),
            "ratio": statistics.median(ratios),
            "ratio_range": [min(ratios), max(ratios)],
            "bytes_per_request": statistics.median(run["bytes_per_request"] for run in runs),
            "errors": sum(sum(run["errors"].values()) for run in runs),
        }
    return summary


def table(summary: dict[str, dict], queries: dict[str, int], rounds: int) -> str:
    lines = [
        f"{'scenario':<16} {'rps':>8} {'p50 ms':>8} {'p99 ms':>8} {'÷ bare':>7} {'ratio range':>13} "
        f"{'KB/resp':>8} {'queries':>7} {'errors':>6} {'app CPU':>7} {'db CPU':>7} {'RSS MB':>7}",
    ]
    for name, row in summary.items():
        low, high = row["ratio_range"]
        lines.append(
            f"{name:<16} {row['rps']:>8.1f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} {row['ratio']:>7.3f} "
            f"{f'{low:.3f}-{high:.3f}':>13} {row['bytes_per_request'] / 1024:>8.1f} "
            f"{queries.get(name, 0):>7} {row['errors']:>6} {_ms(row['app_cpu_ms']):>7} {_ms(row['db_cpu_ms']):>7} "
            f"{_ms(row['worker_rss_mb']):>7}"
        )
    lines.append(f"(medians of {rounds} round(s); '÷ bare' is the median of each round's rps ÷ that round's bare rps;")
    lines.append(" 'app CPU' and 'db CPU': ms of CPU per request in the gunicorn workers and in PostgreSQL;")
    lines.append(" 'RSS MB': the resident memory of the larger gunicorn worker after the run)")
    return "\n".join(lines)


def targets(summary: dict[str, dict]) -> dict[str, dict]:
    listing = summary["list"]
    return {
        "list_ratio": {
            "target": f">= {TARGET_RATIO}",
            "measured": round(listing["ratio"], 3),
            "met": listing["ratio"] >= TARGET_RATIO,
        },
        "list_p99_ms": {
            "target": f"<= {TARGET_P99_MS}",
            "measured": round(listing["p99_ms"], 2),
            "met": listing["p99_ms"] <= TARGET_P99_MS,
        },
    }


# --- Main -------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15, help="seconds of load per scenario and round")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of unmeasured load per scenario first")
    parser.add_argument("--rounds", type=int, default=3, help="runs of every scenario; the report takes medians")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--customers", type=int, help="default: one per five conversations (load_data)")
    parser.add_argument("--load-generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--scenarios", help="comma-separated subset (bare always runs)")
    parser.add_argument("--search", default=DEFAULT_SEARCH, help="the agent UI search's words (ui_search)")
    parser.add_argument("--subject", default=DEFAULT_SUBJECT, help="the API subject search's text (subject)")
    parser.add_argument("--writes", action="store_true", help="then the write scenarios (write_scenarios.py)")
    args = parser.parse_args(argv)

    generator = args.load_generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"
    if generator == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk (or --load-generator python)")
    if generator == "python":
        print("note: the Python load generator takes CPU from the server; wrk is preferred", flush=True)
    load = load_wrk if generator == "wrk" else load_python

    work = Path(tempfile.mkdtemp(prefix="helpdesk-bench-"))
    environment_prepare(work / "data")

    import django

    django.setup()
    from django.db import connections

    from benchmarks.load_data import BENCH_ADMIN_EMAIL, Dataset, ensure_loaded
    from conversations.models import Conversation
    from helpdesk.models import User
    from helpdesk.services import api_key_create, api_key_revoke, user_create
    from mailboxes.models import Mailbox

    dataset = Dataset(conversations=args.conversations, customers=args.customers)
    ensure_loaded(url=os.environ["DATABASE_URL"], dataset=dataset)

    admin = User.objects.filter(email=BENCH_ADMIN_EMAIL).first() or user_create(
        email=BENCH_ADMIN_EMAIL, first_name="Bench", last_name="Admin", role=User.Role.ADMIN
    )
    api_key_row, api_key = api_key_create(user=admin, name=f"benchmark {datetime.now(UTC):%Y-%m-%d %H:%M}")
    server = None
    try:
        mailbox = Mailbox.objects.order_by("id").first()
        ids = list(Conversation.objects.values_list("pk", flat=True))
        conversation_ids = random.Random(SEED).sample(ids, min(GET_IDS, len(ids)))  # noqa: S311
        scenarios = scenarios_for(mailbox_id=mailbox.pk, conversation_ids=conversation_ids)
        scenarios += read_scenarios_for(search=args.search, subject=args.subject)
        if args.scenarios:
            wanted = {"bare", *args.scenarios.split(",")}
            scenarios = [s for s in scenarios if s.name in wanted]
        facts = machine_facts()
        database = connections["default"].settings_dict["NAME"]

        print("capturing the SQL of each API scenario and EXPLAINing the list", flush=True)
        captured = {s.name: queries_capture(s.paths[0], api_key) for s in scenarios if s.authenticated}
        captured |= {s.name: queries_capture(s.paths[0], "", s.cookie) for s in scenarios if s.cookie}
        plans = list_plans(captured["list"]) if "list" in captured else {}
        connections.close_all()

        port = free_port()
        server = server_start(port=port, workers=args.workers, log_path=work / "gunicorn.log")
        for scenario in scenarios:
            status, _ = http_get(port, scenario.paths[0], api_key if scenario.authenticated else "", scenario.cookie)
            if status != 200:
                raise SystemExit(f"{scenario.name}: GET {scenario.paths[0]} answered {status}")
        print(
            f"gunicorn: {args.workers} sync workers on 127.0.0.1:{port}; load: {generator}, "
            f"{args.connections} connections, {args.duration:g} s per run, {args.rounds} round(s)",
            flush=True,
        )

        def run(scenario: Scenario, seconds: float) -> dict:
            before = cpu_sample(server, database)
            result = load(
                port=port,
                scenario=scenario,
                api_key=api_key,
                seconds=seconds,
                connections=args.connections,
                work=work,
            )
            return {
                **result,
                **cpu_per_request(before, cpu_sample(server, database), result["requests"]),
                "worker_rss_mb": worker_rss_mb(server),
            }

        for scenario in scenarios:
            if args.warmup > 0:
                run(scenario, args.warmup)
        rounds: list[dict[str, dict]] = []
        for number in range(1, args.rounds + 1):
            results = {}
            for scenario in scenarios:
                results[scenario.name] = run(scenario, args.duration)
                row = results[scenario.name]
                print(
                    f"  round {number} {scenario.name:<15} {row['rps']:8.1f} rps  p50 {row['p50_ms']:7.2f} ms  "
                    f"p99 {row['p99_ms']:7.2f} ms  CPU app {_ms(row['app_cpu_ms'])} db {_ms(row['db_cpu_ms'])} ms",
                    flush=True,
                )
            rounds.append(results)
        writes = None
        if args.writes:
            options = {"rounds": args.rounds, "duration": args.duration, "warmup": args.warmup}
            writes = write_scenarios_run(
                port=port, api_key=api_key, connections=args.connections, work=work, server=server, load=load, **options
            )
    finally:
        if server is not None:
            server_stop(server)
        api_key_revoke(api_key=api_key_row)
        shutil.rmtree(work, ignore_errors=True)

    names = [s.name for s in scenarios]
    summary = summarise(rounds, names)
    query_counts = {name: len(c["queries"]) for name, c in captured.items()}
    print()
    print(table(summary, query_counts, args.rounds))
    met = targets(summary) if "list" in summary else {}
    for name, target in met.items():
        print(f"target {name}: {target['measured']} (want {target['target']}): {'met' if target['met'] else 'MISSED'}")
    if "list" in captured:
        print(f"list totalElements: {captured['list']['total_elements']}")
    for name, plan in plans.items():
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the list's {name} query:\n{sql_short(plan['sql'])}\n{plan['plan']}")
    if "list" in captured:
        print("\nthe list request's queries (in this process, warm):")
        for query in captured["list"]["queries"]:
            print(f"  {query['ms']:7.2f} ms  {sql_short(query['sql'])[:150]}")

    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result_path = RESULTS_DIR / f"{stamp}.json"
    result = {
        "when": stamp,
        "machine": {**facts, "load_average_after": os.getloadavg()},
        "config": {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "rounds": args.rounds,
            "connections": args.connections,
            "gunicorn_workers": args.workers,
            "load_generator": generator,
            "database": connections["default"].settings_dict["NAME"],
            "conversations": dataset.conversations,
            "threads": dataset.threads,
            "customers": dataset.customers,
        },
        "scenarios": {s.name: {"description": s.description, "path": s.paths[0]} for s in scenarios},
        "summary": summary,
        "targets": met,
        "rounds": rounds,
        "captured": captured,
        "explain": plans,
        "writes": writes,
    }
    result_path.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nresults: {result_path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
