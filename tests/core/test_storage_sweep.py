"""The sweep of stored files that no row references (``helpdesk.storage.sweep``, Celery beat's
``helpdesk.files_sweep``, ``manage.py files_sweep``): an orphan older than the grace period goes; a
referenced file, a young orphan (an upload whose row is still being written) and anything outside the
directories the helpdesk writes stay."""

import base64
import os
import time
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from conversations.models import Attachment
from helpdesk.celery import app
from helpdesk.storage.sweep import swept_directories
from helpdesk.tasks import files_sweep

pytestmark = pytest.mark.django_db

DAY = 24 * 3600


def aged(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


@pytest.fixture
def files(admin_api, mailbox, media_root):
    """A referenced attachment (uploaded through the API), an old orphan, a young orphan and an old file
    outside the helpdesk's directories, all but the young orphan two days old."""
    data = base64.b64encode(b"referenced").decode()
    response = admin_api.post(
        "/api/conversations",
        {
            "type": "email",
            "mailboxId": mailbox.pk,
            "subject": "s",
            "customer": {"email": "c@example.org"},
            "threads": [{"type": "customer", "text": "t", "attachments": [{"fileName": "ref.txt", "data": data}]}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    referenced = media_root / Attachment.objects.get().file.name
    orphan = media_root / default_storage.save("attachments/zz/" + "z" * 32 + "/orphan.txt", ContentFile(b"o"))
    young = media_root / default_storage.save("attachments/yy/" + "y" * 32 + "/young.txt", ContentFile(b"y"))
    other = media_root / "backups" / "keep.tar"
    other.parent.mkdir()
    other.write_bytes(b"not ours")
    for path in (referenced, orphan, other):
        aged(path, 2 * DAY)
    return {"referenced": referenced, "orphan": orphan, "young": young, "other": other}


def test_the_sweep_covers_the_directories_every_file_field_writes_to():
    assert swept_directories() == ["attachments", "users"]


def test_an_old_orphan_goes_with_its_directories_and_the_rest_stays(files, media_root):
    out, err = StringIO(), StringIO()
    call_command("files_sweep", stdout=out, stderr=err)
    assert out.getvalue().split() == [str(files["orphan"].relative_to(media_root))]
    assert "1 unreferenced files deleted (older than 24 hours)" in err.getvalue()
    assert not files["orphan"].exists() and not (media_root / "attachments" / "zz").exists()
    for kept in ("referenced", "young", "other"):
        assert files[kept].exists(), kept
    assert Attachment.objects.get().file.read() == b"referenced"


def test_a_dry_run_lists_without_deleting(files, media_root):
    out = StringIO()
    call_command("files_sweep", "--dry-run", "--grace-hours", "0", stdout=out, stderr=StringIO())
    assert sorted(out.getvalue().split()) == sorted(
        str(files[name].relative_to(media_root)) for name in ("orphan", "young")
    )
    assert all(path.exists() for path in files.values())


def test_the_grace_period_is_the_settings_or_the_commands(files, settings):
    settings.HELPDESK_FILE_SWEEP_GRACE_HOURS = 72
    assert files_sweep() == 0
    assert files["orphan"].exists()
    call_command("files_sweep", "--grace-hours", "0", stdout=StringIO(), stderr=StringIO())
    assert not files["orphan"].exists() and not files["young"].exists()
    assert files["referenced"].exists() and files["other"].exists()


def test_the_task_deletes_old_orphans(files):
    assert files_sweep() == 1
    assert not files["orphan"].exists() and files["young"].exists()


def test_the_sweep_runs_on_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["files-sweep"]
    assert entry["task"] == "helpdesk.files_sweep"
    assert entry["task"] in app.tasks
    assert entry["schedule"] <= DAY
