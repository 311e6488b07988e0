"""LiveAgent reports #41-#45 over one year, timed in the process (Django's test client, no HTTP server):
p50 and p99 of each report's request, against the dataset of ``benchmarks.load_data`` after
``manage.py reports_rebuild``.

    DATABASE_URL=postgres://…/helpdesk_bench_reports .venv/bin/python -m benchmarks.reports [--runs 50]
        [--zone Asia/Kolkata]   # the account's zone (LIVEAGENT_TIME_ZONE) the buckets are local to
"""

import argparse
import os
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--zone", help="LIVEAGENT_TIME_ZONE for the run (default: the settings')")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # Django's test client's host
    if args.zone:
        settings.LIVEAGENT_TIME_ZONE = args.zone
    print(f"zone {settings.LIVEAGENT_TIME_ZONE}")
    from django.test import Client
    from django.utils import timezone

    from helpdesk.models import User
    from helpdesk.services import api_key_create, api_key_revoke

    admin = User.objects.filter(role=User.Role.ADMIN).order_by("pk").first()
    assert admin is not None
    key_row, key = api_key_create(user=admin)
    today = timezone.now().date()
    dates = {"date_from": (today.replace(year=today.year - 1)).isoformat(), "date_to": today.isoformat()}
    client = Client()
    scenarios = {
        "#41 agents": ("reports/agents", {}),
        "#42 channels": ("reports/channels", {}),
        "#43 departments": ("reports/departments", {}),
        "#44 performance": ("reports/performance", {}),
        "#44 performance by month": ("reports/performance", {"group_by": "month"}),
        "#44 performance by day": ("reports/performance", {"group_by": "day", "limitcount": "1000"}),
        "#45 tags": ("reports/tags", {}),
    }
    try:
        for name, (path, extra) in scenarios.items():
            timings = []
            for _ in range(args.runs):
                started = time.perf_counter()
                response = client.get(f"/liveagent/api/{path}", {"apikey": key, **dates, **extra})
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.content[:300]
            timings.sort()
            p99 = timings[min(len(timings) - 1, round(0.99 * (len(timings) - 1)))]
            print(f"{name:28} p50 {statistics.median(timings):7.1f} ms   p99 {p99:7.1f} ms")
    finally:
        api_key_revoke(api_key=key_row)


if __name__ == "__main__":
    main()
