"""``attachment_upload``: a file uploaded on its own by a user (the LiveAgent API's POST /files), which
remembers its uploader, and refuses what the storage or the column could not take."""

import pytest

from conversations.models import Attachment
from conversations.services import AttachmentSource
from conversations.services import intake as intake_module
from conversations.services.intake import attachment_upload
from helpdesk.errors import Invalid
from helpdesk.outbound import FetchError

pytestmark = pytest.mark.django_db


@pytest.fixture
def downloads(monkeypatch):
    served: dict[str, tuple[bytes, str | None]] = {}

    def url_fetch(url: str, *, max_bytes: int) -> tuple[bytes, str | None, str | None]:
        if url not in served:
            raise FetchError("HTTP 404 Not Found")
        return *served[url], None

    monkeypatch.setattr(intake_module, "url_fetch", url_fetch)
    return served


def files_in(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()]


def test_the_upload_remembers_its_uploader(agent, media_root):
    attachment = attachment_upload(
        source=AttachmentSource(file_name="a.txt", content=b"abc", mime_type="text/plain"), uploaded_by=agent
    )
    attachment.refresh_from_db()
    assert attachment.thread is None and attachment.uploaded_by == agent
    assert (attachment.file_name, attachment.mime_type, attachment.size) == ("a.txt", "text/plain", 3)


def test_a_downloaded_file_is_named_after_its_url(agent, media_root, downloads):
    downloads["https://files.example.org/docs/invoice.pdf"] = (b"%PDF", "application/pdf")
    downloads["https://files.example.org/docs/.."] = (b"x", None)
    pdf = attachment_upload(
        source=AttachmentSource(file_name="", url="https://files.example.org/docs/invoice.pdf"), uploaded_by=agent
    )
    assert (pdf.file_name, pdf.mime_type, pdf.uploaded_by) == ("invoice.pdf", "application/pdf", agent)
    unnamed = attachment_upload(
        source=AttachmentSource(file_name="", url="https://files.example.org/docs/.."), uploaded_by=agent
    )
    assert (unnamed.file_name, unnamed.mime_type) == ("attachment", "application/octet-stream")


def test_a_downloaded_files_unusable_type_gives_way_to_its_names(agent, media_root, downloads):
    downloads["https://files.example.org/a.png"] = (b"png", "image/" + "x" * 130)
    downloads["https://files.example.org/b"] = (b"b", "not a type")
    png = attachment_upload(
        source=AttachmentSource(file_name="", url="https://files.example.org/a.png"), uploaded_by=agent
    )
    other = attachment_upload(
        source=AttachmentSource(file_name="", url="https://files.example.org/b"), uploaded_by=agent
    )
    assert (png.mime_type, other.mime_type) == ("image/png", "application/octet-stream")


def test_a_given_types_parameters_are_dropped(agent, media_root):
    attachment = attachment_upload(
        source=AttachmentSource(file_name="a.txt", content=b"a", mime_type=" text/plain ; charset=utf-8"),
        uploaded_by=agent,
    )
    assert attachment.mime_type == "text/plain"


@pytest.mark.parametrize(
    ("source", "field"),
    [
        (AttachmentSource(file_name="a.txt", content=b"", mime_type="text/plain"), "content"),
        (AttachmentSource(file_name="a.txt", content=b"a", mime_type="text"), "mime_type"),
        (AttachmentSource(file_name="a.txt", content=b"a", mime_type="text/pl ain"), "mime_type"),
        (AttachmentSource(file_name="a.txt", content=b"a", mime_type="a/" + "b" * 126), "mime_type"),
        (AttachmentSource(file_name="..", content=b"a", mime_type="text/plain"), "file_name"),
        (AttachmentSource(file_name=" . ", content=b"a", mime_type="text/plain"), "file_name"),
        (AttachmentSource(file_name="", url="https://files.example.org/empty"), "url"),
        (AttachmentSource(file_name="", url="https://files.example.org/missing"), "url"),
        (AttachmentSource(file_name="", url="http://127.0.0.1/private"), "url"),
    ],
)
def test_refusals_name_the_argument_and_store_nothing(agent, media_root, downloads, source, field):
    downloads["https://files.example.org/empty"] = (b"", "text/plain")
    with pytest.raises(Invalid) as error:
        attachment_upload(source=source, uploaded_by=agent)
    assert list(error.value.message_dict) == [field]
    assert not Attachment.objects.exists()
    assert files_in(media_root) == []
