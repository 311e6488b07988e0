"""Beat's report upkeep: folding the hourly delta rows, and sampling the tickets load (LiveAgent #47)."""

from celery import shared_task

from reports.services import figures_compact, load_sample


@shared_task(name="reports.compact")
def reports_compact() -> int:
    return figures_compact()


@shared_task(name="reports.load_sample")
def reports_load_sample() -> int:
    return load_sample()
