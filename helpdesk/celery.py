import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _database_connections_tidy(**kwargs: object) -> None:
    """Each task is treated as Django treats a request: a connection that broke or outlived CONN_MAX_AGE is
    closed, a healthy one kept (and checked again before its next use). Celery's own fixup would close every
    connection around every task (see CELERY_DB_REUSE_MAX in the settings)."""
    task = kwargs.get("task")
    if not getattr(getattr(task, "request", None), "is_eager", False):
        close_old_connections()
