"""Property tests of the email parser (reliability.md: hypothesis for MIME, addresses, dates): whatever
arrives, parsing answers with well-formed values instead of failing, so one odd message never blocks a
mailbox."""

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conversations.mail.parsing import email_parse, name_split

HEADER_NAMES = ["From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References", "Content-Type"]
header_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
FUZZ = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_well_formed(parsed) -> None:
    assert parsed.from_email == "" or ("@" in parsed.from_email and parsed.from_email == parsed.from_email.lower())
    assert all(" " not in message_id and "<" not in message_id for message_id in parsed.message_id.split())
    assert "\n" not in parsed.subject and "\r" not in parsed.subject
    assert len(parsed.content_hash) == 64
    # Everything is storable text: no surrogate escapes of raw 8-bit bytes, no NUL (PostgreSQL refuses both).
    names = [attachment.file_name for attachment in parsed.attachments]
    for value in (parsed.subject, parsed.from_name, parsed.body_html, parsed.headers, *parsed.to, *parsed.cc, *names):
        value.encode("utf-8")
        assert "\x00" not in value


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes_parse(raw):
    assert_well_formed(email_parse(raw))


@FUZZ
# Found by this test: the stdlib's address parser raises IndexError on "0@" (regression).
@example(headers={"From": "0@"}, body="", charset="utf-8")
@example(headers={"Content-Type": "text/plain; 0*"}, body="x", charset="utf-8")  # IndexError in the stdlib
@example(headers={"To": "a:@", "Cc": "<@>"}, body="", charset="utf-8")
@example(headers={"Subject": "a\x00b"}, body="c\x00d", charset="utf-16")
@given(
    st.dictionaries(st.sampled_from(HEADER_NAMES), header_text, max_size=len(HEADER_NAMES)),
    st.text(max_size=500),
    st.sampled_from(["utf-8", "latin-1", "koi8-r", "x-unknown", "utf-16"]),
)
def test_any_headers_and_body_parse(headers, body, charset):
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items() if "\n" not in value and "\r" not in value)
    raw = head.encode("utf-8", "surrogateescape") + f"Content-Type: text/plain; charset={charset}\r\n\r\n".encode()
    raw += body.encode("utf-8", "surrogateescape")
    assert_well_formed(email_parse(raw))


@FUZZ
@given(st.text(max_size=200))
def test_display_names_split_within_field_lengths(name):
    first, last = name_split(name)
    assert len(first) <= 40 and len(last) <= 40
