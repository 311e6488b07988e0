"""Media in an S3-compatible object store (issue 20, item 9), against a real S3 API server: moto's server
mode on a random loopback port, spoken to over HTTP by boto3 exactly as a real store would be (not moto's
in-process mock). Uploads through both APIs land in the bucket; our own attachment URL redirects to a
short-lived signed URL whose bytes come from the server; LiveAgent's file.php streams them; deleting a
conversation deletes its objects; a rolled-back create leaves the bucket as it was; the sweep works there."""

import base64
import json
import urllib.request
import uuid
from email import message_from_bytes
from io import StringIO
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.config import Config
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client

from conversations.models import Attachment, Conversation, OutgoingEmail
from conversations.services import lifecycle as lifecycle_module
from helpdesk.errors import Conflict
from helpdesk.services import api_key_create
from helpdesk.storage.origins import s3_origins
from helpdesk.storage.s3 import S3Storage
from tests.api_helpers import client_for
from tests.core.test_settings import run

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 64
REGION = "us-east-1"
PREFIX = "helpdesk"
URL_SECONDS = 60


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3 API server on a free loopback port, for this module's tests."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server, settings, media_root):
    """A new bucket, made the default storage as the settings' block makes it from the environment
    (``test_the_environment_configures_the_object_store`` checks that they agree)."""
    name = f"helpdesk-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name=REGION,
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    client.create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "helpdesk.storage.s3.S3Storage", "OPTIONS": storage_options(s3_server, name)},
    }
    return SimpleNamespace(name=name, client=client, endpoint=s3_server)


def storage_options(endpoint: str, bucket: str) -> dict:
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": REGION,
        "access_key": "test-key",
        "secret_key": "test-secret",
        "location": PREFIX,
        "addressing_style": "path",
        "querystring_expire": URL_SECONDS,
        "querystring_auth": True,
        "signature_version": "s3v4",
        "default_acl": None,
        "file_overwrite": False,
    }


def objects(bucket) -> dict[str, str]:
    """``{key: ETag}`` of every object in the bucket."""
    listing = bucket.client.list_objects_v2(Bucket=bucket.name)
    return {entry["Key"]: entry["ETag"] for entry in listing.get("Contents", ())}


def content(bucket, key: str) -> bytes:
    return bucket.client.get_object(Bucket=bucket.name, Key=key)["Body"].read()


def create(api, mailbox, *, name: str = "invoice.pdf", mime_type: str = "application/pdf", data: bytes = PDF):
    return api.post(
        "/api/conversations",
        {
            "type": "email",
            "mailboxId": mailbox.pk,
            "subject": "Invoice",
            "customer": {"email": "s3@example.org"},
            "threads": [
                {
                    "type": "customer",
                    "text": "Attached.",
                    "attachments": [{"fileName": name, "mimeType": mime_type, "data": base64.b64encode(data).decode()}],
                }
            ],
        },
        format="json",
    )


def fetch(url: str) -> tuple[bytes, dict[str, str]]:
    """The bytes and headers at ``url``, over HTTP (the browser's side of a redirect)."""
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read(), {key.lower(): value for key, value in answer.headers.items()}


def test_an_api_upload_lands_in_the_bucket_and_its_link_redirects_to_a_signed_url(
    bucket, admin_api, mailbox, media_root
):
    response = create(admin_api, mailbox)
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    assert objects(bucket).keys() == {f"{PREFIX}/{attachment.file.name}"}
    assert content(bucket, f"{PREFIX}/{attachment.file.name}") == PDF
    assert list(media_root.iterdir()) == []  # nothing on the local disk

    # The API gives our own, permanent URL.
    file_url = response.json()["_embedded"]["threads"][0]["_embedded"]["attachments"][0]["fileUrl"]
    path = urlsplit(file_url).path
    assert path == f"/attachments/{attachment.token}/invoice.pdf"
    redirect = Client().get(path)
    assert redirect.status_code == 302
    assert redirect["Cache-Control"] == "private, no-store"
    signed = urlsplit(redirect["Location"])
    assert f"{signed.scheme}://{signed.netloc}" == bucket.endpoint
    assert signed.path == f"/{bucket.name}/{PREFIX}/{attachment.file.name}"
    query = parse_qs(signed.query)
    assert query["X-Amz-Expires"] == [str(URL_SECONDS)] and query["X-Amz-Signature"]
    body, headers = fetch(redirect["Location"])
    assert body == PDF
    assert headers["content-type"] == "application/pdf"
    assert headers["content-disposition"] == 'inline; filename="invoice.pdf"'


def test_a_type_that_could_run_in_a_browser_is_signed_as_a_download(bucket, admin_api, mailbox):
    response = create(admin_api, mailbox, name="page.html", mime_type="text/html", data=b"<script>1</script>")
    assert response.status_code == 201
    attachment = Attachment.objects.get()
    redirect = Client().get(f"/attachments/{attachment.token}/page.html")
    body, headers = fetch(redirect["Location"])
    assert body == b"<script>1</script>"
    assert headers["content-disposition"] == 'attachment; filename="page.html"'


def test_an_agent_opens_the_attachment_from_the_conversation_page(bucket, admin, agent_client, mailbox):
    assert create(client_for(admin), mailbox).status_code == 201
    attachment = Attachment.objects.get()
    page = agent_client.get(f"/admin/conversations/conversation/{attachment.thread.conversation_id}/change/")
    link = f"/attachments/{attachment.token}/invoice.pdf"
    assert page.status_code == 200 and link.encode() in page.content
    redirect = agent_client.get(link)
    assert redirect.status_code == 302
    assert fetch(redirect["Location"])[0] == PDF


def test_an_agent_reply_emails_its_attachment_read_from_the_bucket(bucket, admin, admin_api, mailbox):
    assert create(admin_api, mailbox).status_code == 201
    conversation = Conversation.objects.get()
    reply = {
        "type": "message",
        "text": "Here it is back.",
        "user": admin.pk,
        "attachments": [{"fileName": "copy.pdf", "data": base64.b64encode(PDF).decode()}],
    }
    assert admin_api.post(f"/api/conversations/{conversation.pk}/threads", reply, format="json").status_code == 201
    email = message_from_bytes(bytes(OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.REPLY).message))
    [part] = [part for part in email.walk() if part.get_filename() == "copy.pdf"]
    assert part.get_payload(decode=True) == PDF


def test_liveagent_uploads_to_the_bucket_and_file_php_serves_the_bytes(bucket, admin):
    key = api_key_create(user=admin)[1]
    client = Client()
    response = client.post(
        "/liveagent/api/files",
        {"apikey": key, "name": "scan.png", "type": "image/png", "data": base64.b64encode(b"\x89PNG-bytes").decode()},
    )
    assert response.status_code == 200, response.content
    fileid = json.loads(response.content)["response"]["fileid"]
    attachment = Attachment.objects.get(token=fileid)
    assert content(bucket, f"{PREFIX}/{attachment.file.name}") == b"\x89PNG-bytes"
    download = client.get("/liveagent/scripts/file.php", {"file": fileid, "view": "Y", "apikey": key})
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"\x89PNG-bytes"
    assert download["Content-Type"] == "image/png" and download["Content-Length"] == "10"
    attachment.refresh_from_db()
    assert attachment.downloads == 1


def test_deleting_a_conversation_deletes_its_objects(bucket, admin_api, mailbox, django_capture_on_commit_callbacks):
    assert create(admin_api, mailbox).status_code == 201
    conversation = Conversation.objects.get()
    assert len(objects(bucket)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_api.delete(f"/api/conversations/{conversation.pk}").status_code == 204
    assert objects(bucket) == {}


def test_a_late_failure_leaves_the_bucket_as_it_was(bucket, admin_api, mailbox, monkeypatch):
    assert create(admin_api, mailbox, name="kept.pdf").status_code == 201
    before = objects(bucket)

    def refuse(*args, **kwargs):
        raise Conflict({"conversation": "Refused after the files were written."})

    saved = []
    original = S3Storage._save

    def spy(self, name, content):
        saved.append(original(self, name, content))
        return saved[-1]

    monkeypatch.setattr(S3Storage, "_save", spy)
    monkeypatch.setattr(lifecycle_module, "event_emit", refuse)
    response = create(admin_api, mailbox, name="refused.pdf")
    assert response.status_code in (400, 409), response.content
    assert len(saved) == 1  # written to the bucket, then deleted by the rollback
    assert objects(bucket) == before


@pytest.mark.django_db(transaction=True)
def test_a_late_failure_in_its_own_transaction_leaves_the_bucket_as_it_was(bucket, admin_api, mailbox, monkeypatch):
    def refuse(*args, **kwargs):
        raise Conflict({"conversation": "Refused after the files were written."})

    monkeypatch.setattr(lifecycle_module, "event_emit", refuse)
    assert create(admin_api, mailbox).status_code in (400, 409)
    assert objects(bucket) == {}


def test_the_sweep_deletes_old_orphans_in_the_bucket_only(bucket, admin_api, mailbox):
    assert create(admin_api, mailbox).status_code == 201
    referenced = f"{PREFIX}/{Attachment.objects.get().file.name}"
    orphan = f"{PREFIX}/" + default_storage.save("attachments/zz/" + "z" * 32 + "/orphan.pdf", ContentFile(b"o"))
    bucket.client.put_object(Bucket=bucket.name, Key="other-app/attachments/x.pdf", Body=b"not ours")
    bucket.client.put_object(Bucket=bucket.name, Key=f"{PREFIX}/backups/db.tar", Body=b"not a field's")
    everything = set(objects(bucket))

    # Everything is young: the default grace period keeps it all.
    call_command("files_sweep", stdout=StringIO(), stderr=StringIO())
    assert set(objects(bucket)) == everything
    out = StringIO()
    call_command("files_sweep", "--grace-hours", "0", stdout=out, stderr=StringIO())
    assert out.getvalue().split() == [orphan.removeprefix(f"{PREFIX}/")]
    assert set(objects(bucket)) == everything - {orphan}
    assert referenced in objects(bucket)


@pytest.mark.parametrize(
    ("endpoint", "region", "style"),
    [
        ("http://127.0.0.1:9000", "us-east-1", ""),
        ("https://minio.example.com", "eu-west-3", "path"),
        ("https://minio.example.com", "eu-west-3", "virtual"),
        ("https://garage.example.com:3900", "garage", ""),
        ("", "us-east-1", ""),
        ("", "eu-west-3", ""),
        ("", "eu-west-3", "virtual"),
        ("", "eu-west-3", "path"),
    ],
)
def test_the_media_origins_are_those_of_the_urls_boto3_signs(endpoint, region, style):
    client = boto3.client(
        "s3",
        endpoint_url=endpoint or None,
        region_name=region,
        aws_access_key_id="a",
        aws_secret_access_key="b",
        config=Config(signature_version="s3v4", s3={"addressing_style": style} if style else {}),
    )
    url = urlsplit(client.generate_presigned_url("get_object", Params={"Bucket": "media-bucket", "Key": "k"}))
    origins = s3_origins(bucket="media-bucket", endpoint_url=endpoint, region=region, addressing_style=style)
    assert f"{url.scheme}://{url.netloc}" in origins


def test_the_environment_configures_the_object_store(tmp_path):
    probe = (
        "import json\nfrom django.conf import settings\nfrom django.core.files.storage import storages\n"
        "print(json.dumps({'storages': settings.STORAGES, 'origins': settings.HELPDESK_MEDIA_ORIGINS,"
        " 'class': type(storages['default']).__name__,"
        " 'img': settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']}))"
    )
    env = {
        "HELPDESK_DATA_DIR": str(tmp_path),
        "HELPDESK_S3_BUCKET": "media-bucket",
        "HELPDESK_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "HELPDESK_S3_REGION": REGION,
        "HELPDESK_S3_ACCESS_KEY_ID": "test-key",
        "HELPDESK_S3_SECRET_ACCESS_KEY": "test-secret",
        "HELPDESK_S3_PREFIX": f"/{PREFIX}/",
        "HELPDESK_S3_ADDRESSING_STYLE": "path",
        "HELPDESK_S3_URL_SECONDS": str(URL_SECONDS),
    }
    result = run(env, code=probe)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["storages"]["default"] == {
        "BACKEND": "helpdesk.storage.s3.S3Storage",
        "OPTIONS": storage_options("http://127.0.0.1:9000", "media-bucket"),
    }
    assert values["origins"] == ["http://127.0.0.1:9000"]
    assert values["class"] == "S3Storage"
    # Images redirected to the store pass the Content-Security-Policy (tests/core/test_storage_s3_browser.py).
    assert values["img"] == ["'self'", "http://127.0.0.1:9000"]
    local = run({"HELPDESK_DATA_DIR": str(tmp_path)}, code=probe)
    assert json.loads(local.stdout)["storages"]["default"] == {"BACKEND": "helpdesk.storage.backends.LocalStorage"}
    assert json.loads(local.stdout)["origins"] == []
    assert json.loads(local.stdout)["img"] == ["'self'"]
