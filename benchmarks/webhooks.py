"""Webhook delivery: deliveries per second with one worker, and what emitting an event adds to an API write.

    .venv/bin/python -m benchmarks.webhooks [--deliveries 1000] [--writes 300] [--rounds 3]
        [--pool threads --concurrency 8] [--skip-writes]

Runs against a PostgreSQL database of its own (``helpdesk_bench_webhooks``, recreated each run), a Redis of
its own (``redis-server`` on a free port) and a receiver in a separate process on loopback that answers 200
at once. Two measurements, each repeated ``--rounds`` times, medians reported:

1. **Throughput**: ``--deliveries`` customer.created events are recorded (their send tasks wait in Redis),
   then one worker starts (``celery worker --pool solo``, the embedded default's shape, unless ``--pool``
   and ``--concurrency`` say otherwise: production's is ``--pool threads``); the clock runs from the
   worker's "ready" to the last delivery recorded as succeeded; the worker's CPU time per delivery (its
   process and a prefork pool's children, from ``/proc``) is reported too, steadier than the rate on a busy
   machine. ``BENCH_PY_SPY=<path to py-spy>`` records a
   profile of the worker meanwhile (into the run's temporary directory).
2. **Write latency**: ``--writes`` notes are added through the API (Django's test client, the whole
   middleware stack, ``ATOMIC_REQUESTS``, real Redis for the on-commit enqueue) with no webhook subscribed,
   then the same with one webhook subscribed to ``convo.note.created``; p50 of each and the difference, and
   the CPU time a write took in this process and in its PostgreSQL backend (steadier on a busy machine).
   No worker runs meanwhile: the cost measured is the request's own (payload, outbox rows, enqueue).
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "helpdesk_bench_webhooks"
SERVER = "postgres://postgres@127.0.0.1:5432"
CELERY_WORKER = [sys.executable, "-m", "celery", "-A", "helpdesk", "worker"]

RECEIVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes: on a kept-alive connection Nagle would hold the second until the
    # client's delayed ACK (40 ms), as no production server does.
    disable_nagle_algorithm = True
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_services(workdir: Path) -> tuple[list[subprocess.Popen], str, str]:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")
    redis_port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
    )
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
    receiver_url = f"http://127.0.0.1:{receiver.stdout.readline().strip()}/hook"
    time.sleep(0.5)
    return [redis, receiver], f"redis://127.0.0.1:{redis_port}/0", receiver_url


def worker(env: dict[str, str], log: Path, pool: list[str]) -> subprocess.Popen:
    log.write_text("")
    process = subprocess.Popen(
        [*CELERY_WORKER, *pool, "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )
    return process


def wait_ready(process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if " ready." in log.read_text():
            return
        if process.poll() is not None:
            break
        time.sleep(0.01)
    raise SystemExit(f"the worker did not start:\n{log.read_text()}")


def _worker_cpu_seconds(pid: int) -> float:
    """CPU time so far of the worker process and its children (a prefork pool's), from Linux ``/proc``."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def throughput(
    count: int, receiver_url: str, env: dict[str, str], workdir: Path, pool: list[str]
) -> tuple[float, float]:
    """Deliveries per second, and the worker's CPU milliseconds per delivery."""
    from customers.services import customer_create
    from webhooks.models import Event, Webhook, WebhookDelivery, WebhookEvent
    from webhooks.services import webhook_create

    WebhookEvent.objects.all().delete()
    Webhook.objects.all().delete()
    webhook_create(url=receiver_url, events=[Event.CUSTOMER_CREATED])
    stamp = time.monotonic_ns()
    for number in range(count):
        customer_create(first_name="Bench", emails=[(f"bench{stamp}-{number}@example.org", "work")])
    log = workdir / "worker.log"
    process = worker(env, log, pool)
    try:
        wait_ready(process, log)
        if spy := os.environ.get("BENCH_PY_SPY"):
            # Profiling aid: py-spy (installed outside the project) samples the worker for the whole run.
            subprocess.Popen(
                [
                    spy,
                    "record",
                    "--pid",
                    str(process.pid),
                    "--subprocesses",
                    "--nonblocking",
                    "--format",
                    "speedscope",
                    "--output",
                    str(workdir / "worker.speedscope.json"),
                    "--duration",
                    "20",
                ]
            )
        started, cpu_began = time.monotonic(), _worker_cpu_seconds(process.pid)
        pending = WebhookDelivery.objects.exclude(status="succeeded")
        while pending.exists():
            time.sleep(0.02)
        elapsed, cpu = time.monotonic() - started, _worker_cpu_seconds(process.pid) - cpu_began
    finally:
        process.terminate()
        process.wait(timeout=30)
    return count / elapsed, cpu * 1000 / count


def _backend_cpu_seconds() -> float:
    """CPU time of this process's PostgreSQL backend so far (Linux ``/proc``; 0 elsewhere)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_latencies(api, urls: list[str], body: dict, cpu: list[float] | None = None) -> list[float]:
    """Each write's wall time (ms); appends to ``cpu`` the CPU time a write took in this process and in its
    PostgreSQL backend (ms, the mean over the writes), which a busy machine disturbs far less than the wall."""
    latencies = []
    cpu_began, db_began = time.process_time(), _backend_cpu_seconds()
    for url in urls:
        started = time.perf_counter()
        response = api.post(url, body, format="json")
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 201, response.content
    if cpu is not None:
        used = time.process_time() - cpu_began + _backend_cpu_seconds() - db_began
        cpu.append(used * 1000 / len(urls))
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pool", default="solo", help="the worker's pool: solo, threads, prefork")
    parser.add_argument("--concurrency", type=int, default=1, help="the worker's threads or processes")
    parser.add_argument("--skip-writes", action="store_true", help="measure the deliveries only")
    options = parser.parse_args()
    pool = ["--pool", options.pool, "--concurrency", str(options.concurrency)]

    workdir = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    processes, redis_url, receiver_url = start_services(workdir)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DATABASE_URL": f"{SERVER}/{DATABASE}",
        "REDIS_URL": redis_url,
        "HELPDESK_DATA_DIR": str(workdir),
        "HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "ALLOWED_HOSTS": "testserver",
        # One key writes hundreds of notes a round: the per-key limit (1,000 a minute) must not answer 429,
        # while its counting stays in every write's cost (as benchmarks.run sets it).
        "HELPDESK_API_KEY_REQUESTS_PER_MINUTE": os.environ.get("HELPDESK_API_KEY_REQUESTS_PER_MINUTE", "1000000000"),
    }
    os.environ.update(env)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from rest_framework.test import APIClient

        from conversations.models import Thread
        from conversations.services import NewThread, conversation_create
        from customers.services import customer_create
        from helpdesk.services import api_key_create, user_create
        from mailboxes.services import mailbox_create
        from webhooks.models import Event, Webhook, WebhookEvent
        from webhooks.services import webhook_create

        call_command("migrate", verbosity=0)
        admin = user_create(email="bench@example.com", first_name="Bench", last_name="Admin", role="admin")
        mailbox = mailbox_create(name="Bench", email="bench-mailbox@example.com")
        customer = customer_create(first_name="Cus", emails=[("cus@example.org", "work")])
        api = APIClient()
        api.credentials(HTTP_X_FREESCOUT_API_KEY=api_key_create(user=admin)[1])
        note = {"type": "note", "text": "A note " * 20, "user": admin.pk}

        def write_urls() -> list[str]:
            """Each write adds a note to a conversation of 1 to 10 threads (the webhook body embeds them)."""
            conversations = [
                conversation_create(
                    mailbox=mailbox,
                    subject="Bench",
                    customer=customer,
                    threads=[NewThread(type=Thread.Type.CUSTOMER, body="Hello " * 50)],
                )
                for _ in range(options.writes // 10 + 1)
            ]
            return [f"/api/conversations/{conversations[i // 10].pk}/threads" for i in range(options.writes)]

        without, with_hook, rates, cpus = [], [], [], []
        cpu_without: list[float] = []
        cpu_with: list[float] = []
        write_latencies(api, write_urls()[:30], note)  # warm-up
        for _ in range(0 if options.skip_writes else options.rounds):
            Webhook.objects.all().delete()
            without.append(statistics.median(write_latencies(api, write_urls(), note, cpu_without)))
            webhook_create(url=receiver_url, events=[Event.CONVO_NOTE_CREATED])
            with_hook.append(statistics.median(write_latencies(api, write_urls(), note, cpu_with)))
            WebhookEvent.objects.all().delete()
        import redis

        redis.Redis.from_url(redis_url).flushdb()
        for _ in range(options.rounds):
            rate, cpu_ms = throughput(options.deliveries, receiver_url, env, workdir, pool)
            rates.append(rate)
            cpus.append(cpu_ms)

        print(
            f"rounds: {options.rounds}; writes per round: {options.writes}; deliveries per round: {options.deliveries}"
        )
        if without:
            p50_without, p50_with = statistics.median(without), statistics.median(with_hook)
            print(f"API write (POST a note) p50, no webhook:      {p50_without:.2f} ms  (rounds: {fmt(without)})")
            print(f"API write (POST a note) p50, one webhook:     {p50_with:.2f} ms  (rounds: {fmt(with_hook)})")
            print(f"added p50: {p50_with - p50_without:+.2f} ms ({p50_with / p50_without:.2f} times)")
            cpu_a, cpu_b = statistics.median(cpu_without), statistics.median(cpu_with)
            print(f"CPU a write (app + db): {cpu_a:.2f} ms without, {cpu_b:.2f} ms with, {cpu_b - cpu_a:+.2f} ms")
        print(f"deliveries/s, one worker ({' '.join(pool)}): {statistics.median(rates):.0f}  (rounds: {fmt(rates)})")
        print(f"worker CPU ms per delivery: {statistics.median(cpus):.2f}  (rounds: {fmt(cpus)})")
        print(f"load average: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def fmt(values: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


if __name__ == "__main__":
    main()
