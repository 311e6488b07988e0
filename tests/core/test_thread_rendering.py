"""How a message reads on the conversation page (conversations/rendering.py): every corpus message taken in
through email ingestion as in production, then rendered: the quoted history folded, nothing lost, the reply
token hidden, inline images in place and not listed again, remote images held back until asked for."""

import html
import re
from pathlib import Path

import pytest
from django.urls import reverse

from conversations.mail.ingest import mail_ingest
from conversations.models import Thread
from conversations.rendering import attachments_listed, image_proxy_target, thread_body_render
from conversations.services import NewThread, thread_create
from tests.core.test_mail_incoming import CORPUS, EXPECTED, corpus_message

# What each corpus message shows and what it folds away. Every message of the corpus is listed.
READING = {
    "01_plain_new.eml": {"shown": ["my printer is on fire"], "quoted": None},
    "02_multipart_alternative.eml": {"shown": ["café"], "quoted": None},
    "03_attachment.eml": {"shown": ["invoice attached"], "quoted": None},
    "04_inline_image.eml": {"shown": ["See the screenshot"], "quoted": None},
    "05_latin1.eml": {"shown": ["erronée"], "quoted": None},
    "06_koi8r.eml": {"shown": ["Здравствуйте"], "quoted": None},
    "07_no_message_id.eml": {"shown": ["no Message-ID"], "quoted": None},
    "08_outlook_reply.eml": {"shown": ["the fire is out"], "quoted": ["From:", "Support"]},
    "09_gmail_reply_token_only.eml": {
        "shown": ["paper tray is stuck"],
        "quoted": ["wrote:", "Please use the extinguisher."],
    },
    "10_out_of_office.eml": {"shown": ["out of the office"], "quoted": None},
    "11_bounce.eml": {"shown": ["User unknown"], "quoted": None},
    "12_mailing_list.eml": {"shown": ["Read all about it"], "quoted": None},
    "13_apple_mail_reply.eml": {
        "shown": ["The new cartridge works", "Sent from my iPad"],
        "quoted": ["wrote:", "Please use the extinguisher."],
    },
    "14_thunderbird_reply.eml": {
        "shown": ["Which extinguisher model", "Jane"],
        "quoted": ["Support wrote:", "Please use the extinguisher."],
    },
    "15_outlook_desktop_reply.eml": {
        "shown": ["smoke alarm keeps beeping", "Kind regards"],
        "quoted": ["From:", "Sent:", "Please use the extinguisher."],
    },
    "16_plain_text_quote.eml": {
        "shown": ["the printer prints again", "Jane"],
        "quoted": ["Support wrote:", "&gt; Please use the extinguisher."],
    },
    "17_remote_image_newsletter_reply.eml": {
        "shown": ["photo of the label", "Thanks!"],
        "quoted": ["a écrit", "Please use the extinguisher."],
    },
}


def visible_text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


@pytest.fixture
def answered(mailbox, admin, media_root):
    received = mail_ingest(mailbox=mailbox, raw=(CORPUS / "01_plain_new.eml").read_bytes())
    conversation = received.thread.conversation
    reply = thread_create(
        conversation=conversation, thread=NewThread(type=Thread.Type.MESSAGE, body="<p>Use it.</p>", user=admin)
    )
    reply.refresh_from_db()
    return reply


def test_every_corpus_message_is_covered():
    assert set(READING) == set(EXPECTED) == {path.name for path in Path(CORPUS).glob("*.eml")}


@pytest.mark.parametrize("name", sorted(READING))
def test_corpus_message_reads_with_its_quoted_history_folded(answered, mailbox, name):
    raw = corpus_message(name, answered)
    if name == "01_plain_new.eml":
        raw = raw.replace(b"plain-1@", b"plain-again@")
    received = mail_ingest(mailbox=mailbox, raw=raw)
    thread = received.thread
    rendered = thread_body_render(thread.body)
    expected = READING[name]
    for text in expected["shown"]:
        assert text in rendered.html, rendered.html
    if expected["quoted"] is None:
        assert rendered.quoted == ""
    else:
        for text in expected["quoted"]:
            assert text in rendered.quoted, rendered.quoted
            assert text not in rendered.html
    # Nothing lost: the two parts hold all the text there was, in order, but the reply token.
    token = re.compile(r"\[?hd-\d+-[0-9a-f]{12}\]?")
    whole = visible_text(token.sub("", thread_body_render(thread.body, fold_quotes=False).html))
    assert visible_text(rendered.html + " " + rendered.quoted) == whole
    assert not token.search(visible_text(rendered.html + rendered.quoted))
    # Inline images in place, and not listed again under the message.
    for attachment in thread.attachments.filter(inline=True):
        assert f'/attachments/{attachment.token}/{attachment.file_name}"' in rendered.html
        listed = attachments_listed([{"token": attachment.token}], rendered)
        assert listed == []


def test_remote_images_are_held_back_until_asked_and_then_come_through_the_proxy():
    body = '<p>Label: <img src="https://images.customer.example/label.png" alt="printer label"></p>'
    blocked = thread_body_render(body)
    assert blocked.remote_images == 1
    assert "images.customer.example" not in blocked.html
    assert "printer label" in blocked.html  # the alt text says what is missing
    loaded = thread_body_render(body, load_images=True)
    assert loaded.remote_images == 0
    assert "images.customer.example" not in loaded.html
    src = re.search(r'<img src="([^"]+)"', loaded.html).group(1)
    src = html.unescape(src)
    assert src.startswith(reverse("image-proxy") + "?u=")
    assert image_proxy_target(src.split("?u=", 1)[1]) == "https://images.customer.example/label.png"
    assert 'referrerpolicy="no-referrer"' in loaded.html


def test_an_unresolved_cid_image_and_odd_schemes_show_no_broken_link():
    rendered = thread_body_render('<p>a<img src="cid:gone@x" alt="diagram"><img src="ftp://x/y.png"></p>')
    assert "cid:" not in rendered.html and "ftp:" not in rendered.html
    assert "diagram" in rendered.html
    assert rendered.remote_images == 0


def test_inline_quote_answered_below_stays_shown():
    body = "<p>About this:</p><blockquote>Please use the extinguisher.</blockquote><p>Which one?</p>"
    rendered = thread_body_render(body)
    assert rendered.quoted == ""
    assert "Please use the extinguisher." in rendered.html


def test_a_message_that_is_only_a_quote_is_not_folded_away():
    rendered = thread_body_render("<blockquote>Please use the extinguisher.</blockquote>")
    assert rendered.quoted == "" and "extinguisher" in rendered.html


def test_a_forwarded_message_is_shown_whole():
    body = (
        '<div>FYI</div><div class="gmail_quote">---------- Forwarded message ---------<br>From: Bob'
        "<br>Date: Mon<br><p>The original text.</p></div>"
    )
    rendered = thread_body_render(body)
    assert rendered.quoted == "" and "The original text." in rendered.html


def test_markup_in_the_body_stays_escaped_and_sanitised():
    rendered = thread_body_render(
        '<p onclick="x()">Hi &lt;script&gt;</p><script>alert(1)</script><div class="gmail_quote evil">'
        '<a href="javascript:alert(1)">On Mon, Bob wrote:</a><blockquote>old</blockquote></div>'
    )
    markup = rendered.html + rendered.quoted
    assert "<script" not in markup and "onclick" not in markup and "javascript:" not in markup
    assert "&lt;script&gt;" in rendered.html
    assert "evil" not in markup


def test_the_partial_on_the_conversation_page(admin_client, answered, mailbox):
    received = mail_ingest(mailbox=mailbox, raw=corpus_message("17_remote_image_newsletter_reply.eml", answered))
    conversation = received.thread.conversation
    url = reverse("admin:conversations_conversation_change", args=[conversation.pk])
    page = admin_client.get(url).content.decode()
    assert "<summary>Show quoted text</summary>" in page
    assert "images.customer.example" not in page
    assert "Load images" in page
    loaded = admin_client.get(url, {"images": str(received.thread.pk)}).content.decode()
    assert "Load images" not in loaded or loaded.count("Load images") < page.count("Load images")
    assert "images.customer.example" not in loaded
    assert reverse("image-proxy") in loaded


def test_deep_nesting_and_huge_bodies_render_without_error():
    deep = "<div>" * 5000 + "Hello" + "</div>" * 5000 + "<div>On Mon, Bob wrote:</div><blockquote>old</blockquote>"
    rendered = thread_body_render(deep)
    assert "Hello" in rendered.html and "old" in rendered.quoted
    huge = "<p>" + "word " * 120_000 + "</p><blockquote>old</blockquote>"
    rendered = thread_body_render(huge)
    assert rendered.quoted == "" and "old" in rendered.html
