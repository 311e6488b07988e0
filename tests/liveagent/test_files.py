"""#30 GET /files/{fileid}, #31 POST /files and the download at downloadUrl (/liveagent/scripts/file.php):
files are our attachments, fileid their random token; a regular key sees its mailboxes' files and the
unattached ones it uploaded."""

import base64
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from conversations.models import Attachment, Thread
from conversations.services import NewAttachment, NewThread, attachment_create, thread_create
from conversations.services import intake as intake_module
from helpdesk.outbound import FetchError, UnsafeUrl
from helpdesk.services import api_key_create, api_key_revoke
from tests.factories import ConversationFactory, MailboxFactory
from tests.liveagent.helpers import assert_error, envelope

API = "/liveagent/api"
DOWNLOAD = "/liveagent/scripts/file.php"


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


@pytest.fixture
def downloads(monkeypatch):
    """``url_fetch`` answering from ``{url: (content, media type)}``; other URLs fail as a 404 would, and
    ``http://10.0.0.1/…`` as the guard refuses a private address."""
    served: dict[str, tuple[bytes, str | None]] = {}
    fetched: list[str] = []

    def url_fetch(url: str, *, max_bytes: int) -> tuple[bytes, str | None, str | None]:
        fetched.append(url)
        if url.startswith("http://10."):
            raise UnsafeUrl("private address")
        if url not in served:
            raise FetchError("HTTP 404 Not Found")
        content, media_type = served[url]
        return content, media_type, None

    monkeypatch.setattr(intake_module, "url_fetch", url_fetch)
    served["fetched"] = fetched  # type: ignore[assignment]
    return served


def on_thread(conversation, *, user, name="shot.png", content=b"\x89PNG", mime_type="image/png") -> Attachment:
    thread = thread_create(
        conversation=conversation,
        thread=NewThread(
            type=Thread.Type.NOTE,
            body="see",
            user=user,
            attachments=[NewAttachment(file_name=name, content=content, mime_type=mime_type)],
        ),
    )
    return thread.attachments.get()


def loose(*, uploaded_by=None, name="a.txt", content=b"abc") -> Attachment:
    attachment = attachment_create(attachment=NewAttachment(file_name=name, content=content, mime_type="text/plain"))
    if uploaded_by is not None:
        Attachment.objects.filter(pk=attachment.pk).update(uploaded_by=uploaded_by)
        attachment.refresh_from_db()
    return attachment


def expected(attachment: Attachment, downloads: int = 0) -> dict:
    return {
        "fileid": attachment.token,
        "created": attachment.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "filename": attachment.file_name,
        "filesize": str(attachment.size),
        "filetype": attachment.mime_type,
        "downloads": str(downloads),
        "downloadUrl": f"//testserver.example/liveagent/scripts/file.php?view=Y&file={attachment.token}",
    }


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.HELPDESK_BASE_URL = "https://testserver.example"


# --- #30 --------------------------------------------------------------------------------------------------


def test_a_file_as_the_seed_shows_it(la, keys, admin, mailbox):
    attachment = on_thread(ConversationFactory(mailbox=mailbox), user=admin, name="image1.jpg", mime_type="image/jpg")
    response = la.get(f"{API}/files/{attachment.token}?&apikey={keys[0]}")
    assert response.status_code == 200
    assert response.json() == {"response": expected(attachment)}
    assert list(response.json()["response"]) == [
        "fileid",
        "created",
        "filename",
        "filesize",
        "filetype",
        "downloads",
        "downloadUrl",
    ]
    # Any case of the id, as it is hex.
    assert envelope(la.get(f"{API}/files/{attachment.token.upper()}", {"apikey": keys[1]}))["fileid"] == (
        attachment.token
    )


@override_settings(LIVEAGENT_TIME_ZONE="Europe/Bratislava")
def test_a_file_in_xml_and_yaml_with_dates_in_the_account_zone(la, keys, admin, mailbox):
    attachment = on_thread(ConversationFactory(mailbox=mailbox), user=admin, name="a&b <c>.txt", mime_type="text/plain")
    Attachment.objects.filter(pk=attachment.pk).update(created_at=datetime(2022, 6, 13, 12, 41, 41, tzinfo=UTC))
    response = la.get(f"{API}/files/{attachment.token}.xml", {"apikey": keys[0]})
    root = ET.fromstring(response.content)  # the seed's raw "&" would not parse
    assert [(child.tag, child.text) for child in root] == [
        ("fileid", attachment.token),
        ("created", "2022-06-13 14:41:41"),
        ("filename", "a&b <c>.txt"),
        ("filesize", "4"),
        ("filetype", "text/plain"),
        ("downloads", "0"),
        ("downloadUrl", f"//testserver.example/liveagent/scripts/file.php?view=Y&file={attachment.token}"),
    ]
    body = envelope(la.get(f"{API}/files/{attachment.token}.yaml", {"apikey": keys[1]}))
    assert (body["created"], body["filesize"]) == ("2022-06-13 14:41:41", "4")


def test_a_regular_key_sees_its_mailboxes_files_and_its_own_uploads(la, keys, admin, agent, mailbox):
    admin_key, agent_key = keys
    hidden = on_thread(ConversationFactory(mailbox=MailboxFactory()), user=admin)
    mine, theirs = loose(uploaded_by=agent), loose(uploaded_by=admin)
    assert envelope(la.get(f"{API}/files/{mine.token}", {"apikey": agent_key}))["fileid"] == mine.token
    for refused in (hidden, theirs):
        assert_error(la.get(f"{API}/files/{refused.token}", {"apikey": agent_key}), 404)
        assert envelope(la.get(f"{API}/files/{refused.token}", {"apikey": admin_key}))["fileid"] == refused.token


def test_unknown_files_are_not_found(la, keys):
    for unknown in ("0" * 32, "nope", "%20"):
        assert_error(la.get(f"{API}/files/{unknown}", {"apikey": keys[0]}), 404)
    assert_error(la.get(f"{API}/files/{'0' * 32}.xml", {"apikey": keys[0]}), 404, "xml")


def test_files_need_a_usable_key(la, admin):
    attachment = loose(uploaded_by=admin)
    assert_error(la.get(f"{API}/files/{attachment.token}"), 401)
    assert_error(la.post(f"{API}/files", {"data": "YWJj", "name": "a", "type": "text/plain"}), 401)
    api_key, raw = api_key_create(user=admin)
    api_key_revoke(api_key=api_key)
    assert_error(la.get(f"{API}/files/{attachment.token}", {"apikey": raw}), 400)
    assert_error(la.get(DOWNLOAD, {"file": attachment.token, "apikey": raw}), 400)


# --- #31 --------------------------------------------------------------------------------------------------


def test_a_file_from_base64_data(la, keys, agent):
    before = timezone.now().replace(microsecond=0)
    response = la.post(
        f"{API}/files",
        {"apikey": keys[1], "name": "image1.jpg", "type": "image/jpg", "data": base64.b64encode(b"12456").decode()},
    )
    body = envelope(response)
    attachment = Attachment.objects.get(token=body["fileid"])
    assert body == expected(attachment)
    assert (attachment.file_name, attachment.mime_type, attachment.size, attachment.thread) == (
        "image1.jpg",
        "image/jpg",
        5,
        None,
    )
    assert attachment.uploaded_by == agent and attachment.file.read() == b"12456"
    assert attachment.created_at >= before
    # Its uploader sees it at once.
    assert envelope(la.get(f"{API}/files/{attachment.token}", {"apikey": keys[1]}))["filename"] == "image1.jpg"


def test_base64_data_may_come_in_lines_and_downloadurl_is_then_ignored(la, keys, downloads):
    encoded = base64.b64encode(b"x" * 100).decode()
    data = "\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    body = envelope(
        la.post(
            f"{API}/files.xml",
            {"apikey": keys[0], "name": "x.bin", "type": "application/octet-stream", "data": data, "downloadUrl": "u"},
        )
    )
    assert body["filesize"] == "100"
    assert downloads["fetched"] == []


def test_a_file_from_a_download_url(la, keys, downloads, admin):
    downloads["https://files.example.org/docs/invoice.pdf"] = (b"%PDF-1.4", "application/pdf")
    body = envelope(
        la.post(f"{API}/files.yaml", {"apikey": keys[0], "downloadUrl": "https://files.example.org/docs/invoice.pdf"})
    )
    assert (body["filename"], body["filetype"], body["filesize"]) == ("invoice.pdf", "application/pdf", "8")
    named = envelope(
        la.post(
            f"{API}/files",
            {
                "apikey": keys[0],
                "downloadUrl": "https://files.example.org/docs/invoice.pdf",
                "name": "March.pdf",
                "type": "application/x-pdf",
            },
        )
    )
    assert (named["filename"], named["filetype"]) == ("March.pdf", "application/x-pdf")
    assert Attachment.objects.get(token=named["fileid"]).uploaded_by == admin


def test_the_upload_holds_no_transaction_while_downloading(la, keys, monkeypatch):
    from django.db import connection

    seen = []

    def url_fetch(url: str, *, max_bytes: int):
        seen.append(connection.in_atomic_block)
        return b"abc", "text/plain", None

    monkeypatch.setattr(intake_module, "url_fetch", url_fetch)
    assert envelope(la.post(f"{API}/files", {"apikey": keys[0], "downloadUrl": "https://e.org/a.txt"}))["filesize"]
    # pytest-django's test transaction is the only one open.
    assert seen == [connection.in_atomic_block]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({}, "data"),
        ({"name": "a.txt", "type": "text/plain"}, "data"),
        ({"data": "YWJj", "type": "text/plain"}, "name"),
        ({"data": "YWJj", "name": "a.txt"}, "type"),
        ({"data": "not base64!", "name": "a.txt", "type": "text/plain"}, "data"),
        ({"data": "YWJj", "name": "a.txt", "type": "text"}, "type"),
        ({"data": "YWJj", "name": "..", "type": "text/plain"}, "name"),
        ({"downloadUrl": "https://files.example.org/missing"}, "downloadUrl"),
        ({"downloadUrl": "http://10.0.0.1/secret"}, "downloadUrl"),
        ({"downloadUrl": "https://files.example.org/empty"}, "downloadUrl"),
    ],
)
def test_bad_uploads_are_refused_naming_the_parameter(la, keys, downloads, params, parameter):
    downloads["https://files.example.org/empty"] = (b"", "text/plain")
    body = assert_error(la.post(f"{API}/files", {"apikey": keys[1], **params}), 400)
    assert body["debugmessage"] == parameter
    assert not Attachment.objects.exists()


@override_settings(HELPDESK_ATTACHMENT_MAX_BYTES=4)
def test_a_file_over_the_size_limit_is_refused(la, keys):
    params = {"apikey": keys[0], "data": base64.b64encode(b"12345").decode(), "name": "a", "type": "text/plain"}
    body = assert_error(la.post(f"{API}/files", params), 400)
    assert body["debugmessage"] == "data"


# --- the download -----------------------------------------------------------------------------------------


def test_the_download_url_serves_the_file_and_counts(la, keys, admin, mailbox):
    attachment = on_thread(ConversationFactory(mailbox=mailbox), user=admin, name="shot.png")
    response = la.get(DOWNLOAD, {"view": "Y", "file": attachment.token, "apikey": keys[1]})
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\x89PNG"
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="shot.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    # The key as a POST parameter or a header counts too.
    assert la.post(DOWNLOAD + f"?view=Y&file={attachment.token}", {"apikey": keys[0]}).status_code == 200
    assert la.get(DOWNLOAD, {"file": attachment.token}, HTTP_APIKEY=keys[0]).status_code == 200
    attachment.refresh_from_db()
    assert attachment.downloads == 3
    assert envelope(la.get(f"{API}/files/{attachment.token}", {"apikey": keys[0]}))["downloads"] == "3"
    # HEAD reads without counting.
    assert la.head(DOWNLOAD, {"file": attachment.token, "apikey": keys[0]}).status_code == 200
    attachment.refresh_from_db()
    assert attachment.downloads == 3


def test_the_download_url_from_the_payload_works(la, keys):
    body = envelope(la.post(f"{API}/files", {"apikey": keys[0], "data": "YWJj", "name": "a.txt", "type": "text/plain"}))
    path = body["downloadUrl"].removeprefix("//testserver.example")
    response = la.get(f"{path}&apikey={keys[0]}")
    assert b"".join(response.streaming_content) == b"abc"


def test_unsafe_types_always_download_with_a_safe_name(la, keys, admin):
    attachment = attachment_create(
        attachment=NewAttachment(file_name='evil "page".html', content=b"<script>", mime_type="text/html")
    )
    response = la.get(DOWNLOAD, {"view": "Y", "file": attachment.token, "apikey": keys[0]})
    # The quotes escaped inside the quoted string: the name cannot end the header's value early.
    assert response["Content-Disposition"] == 'attachment; filename="evil \\"page\\".html"'
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    # Without view=Y even a picture downloads.
    picture = loose(uploaded_by=admin, name="a.png")
    response = la.get(DOWNLOAD, {"file": picture.token, "apikey": keys[0]})
    assert response["Content-Disposition"].startswith("attachment;")


def test_download_errors_are_enveloped(la, keys, admin):
    hidden = on_thread(ConversationFactory(mailbox=MailboxFactory()), user=admin)
    attachment = loose(uploaded_by=admin)
    assert_error(la.get(DOWNLOAD, {"file": attachment.token}), 401)
    assert_error(la.get(DOWNLOAD, {"apikey": keys[0]}), 400)
    assert_error(la.get(DOWNLOAD, {"file": "0" * 32, "apikey": keys[0]}), 404)
    assert_error(la.get(DOWNLOAD, {"file": hidden.token, "apikey": keys[1]}), 404)
    assert_error(la.get(DOWNLOAD, {"file": attachment.token, "apikey": keys[1]}), 404)
    form = f"file={attachment.token}&apikey={keys[0]}"
    assert_error(la.put(DOWNLOAD, form, "application/x-www-form-urlencoded"), 405)
    assert_error(la.get("/liveagent/scripts/other.php", {"apikey": keys[0]}), 404)
    attachment.file.storage.delete(attachment.file.name)
    assert_error(la.get(DOWNLOAD, {"file": attachment.token, "apikey": keys[0]}), 404)
    hidden.refresh_from_db()
    assert hidden.downloads == 0
