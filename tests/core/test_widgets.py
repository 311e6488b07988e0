"""Contact widgets: the services (create, replace, delete, impressions, submissions through the conversation
services), the public endpoints the snippet calls (validation, honeypot, rate limits, CORS, sizes, counting),
the script itself, and the admin pages."""

import json
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from conversations.models import Conversation, OutgoingEmail, SourceType, SourceVia, Thread
from customers.models import Customer
from helpdesk.errors import NotFound
from knowledgebase.models import DEFAULT_KNOWLEDGE_BASE
from tests.factories import CustomerFactory
from webhooks.models import Event, WebhookDelivery
from widgets import services
from widgets.fields import form_fields_effective
from widgets.models import Widget
from widgets.snippets import embed_config, integration_code


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def widget(mailbox):
    return services.widget_create(name="Website form", mailbox=mailbox)


def submit_url(widget):
    return reverse("widget-submit", args=[widget.public_key])


def send(client, widget, **values):
    data = {"email": "carla@example.com", "message": "The printer is on fire.\nPlease help.", **values}
    return client.post(submit_url(widget), data, REMOTE_ADDR=values.pop("ip", "203.0.113.5"))


# --- services --------------------------------------------------------------------------------------------


def test_a_new_widget_has_defaults_a_random_key_and_cleaned_lists(mailbox):
    widget = services.widget_create(
        name="  Footer  ",
        mailbox=mailbox,
        attributes=[{"name": "title", "value": 5}],
        form_fields=[{"code": " phone ", "name": "Phone", "rtype": "T"}],
    )
    assert (widget.name, widget.type, widget.use_code, widget.status) == ("Footer", "O", "B", "A")
    assert widget.knowledge_base is None
    assert len(widget.public_key) >= 16
    assert widget.public_key != services.widget_create(name="Other", mailbox=mailbox).public_key
    assert widget.attributes == [{"name": "title", "section": "", "value": "5"}]
    assert widget.form_fields == [
        {
            "formid": "",
            "code": "phone",
            "name": "Phone",
            "description": "",
            "validator": "",
            "visibility": "",
            "rtype": "T",
            "rstatus": "",
            "availablevalues": "",
        }
    ]


def test_knowledge_base_widgets_search_the_default_knowledge_base(mailbox):
    for kind in ("W", "K"):
        assert services.widget_create(name=kind, mailbox=mailbox, type=kind).knowledge_base_id == DEFAULT_KNOWLEDGE_BASE
    assert services.widget_create(name="Chat", mailbox=mailbox, type="C").knowledge_base is None


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"name": " "}, "name"),
        ({"type": "Z"}, "type"),
        ({"use_code": "X"}, "use_code"),
        ({"status": ""}, "status"),
        ({"provide": "x" * 21}, "provide"),
        ({"attributes": {"name": "x"}}, "attributes"),
        ({"attributes": ["x"]}, "attributes[0]"),
        ({"attributes": [{"colour": "red"}]}, "attributes[0].colour"),
        ({"attributes": [{"name": ["a"]}]}, "attributes[0].name"),
        ({"attributes": [{"value": "x" * 2001}]}, "attributes[0].value"),
        ({"attributes": [{}] * 101}, "attributes"),
        ({"form_fields": [{"name": "No code"}]}, "form_fields[0].code"),
        ({"form_fields": [{"code": "a"}, {"code": "a"}]}, "form_fields[1].code"),
        ({"form_fields": [{"code": "a", "rtype": True}]}, "form_fields[0].rtype"),
        ({"offline_code_css": "a{}\x00"}, "offline_code_css"),
    ],
)
def test_a_widget_refuses_bad_fields_naming_them(mailbox, given, field):
    arguments = {"name": "Form", "mailbox": mailbox, **given}
    with pytest.raises(ValidationError) as error:
        services.widget_create(**arguments)
    assert field in error.value.message_dict
    assert not Widget.objects.exists()


def test_update_replaces_the_whole_widget_and_keeps_counters_and_key(mailbox, widget):
    services.widget_update(
        widget=widget,
        name="Renamed",
        mailbox=mailbox,
        description="Footer of every page",
        offline_code="<span>Offline</span>",
        form_fields=[{"code": "order"}],
    )
    Widget.objects.filter(pk=widget.pk).update(impressions=7, tickets=2)
    key = widget.public_key
    widget = services.widget_update(widget=widget, name="Bare", mailbox=mailbox, status="I")
    assert (widget.name, widget.status, widget.description, widget.offline_code, widget.form_fields) == (
        "Bare",
        "I",
        "",
        None,
        [],
    )
    assert (widget.impressions, widget.tickets, widget.public_key) == (7, 2, key)


def test_delete(widget):
    services.widget_delete(widget=widget)
    assert not Widget.objects.exists()


def test_impressions_count_loads_and_remember_the_page(widget):
    services.widget_impression(widget=widget, url="https://shop.example/contact")
    services.widget_impression(widget=widget, url="https://shop.example/faq" + "x" * 3000)
    widget.refresh_from_db()
    assert widget.impressions == 2
    assert widget.last_display_url.startswith("https://shop.example/faq") and len(widget.last_display_url) == 2000
    assert widget.last_display_time is not None


def test_a_submission_opens_a_conversation_as_the_api_does(widget, mailbox, hook, django_capture_on_commit_callbacks):
    mailbox.auto_reply_enabled = True
    mailbox.auto_reply_subject = "We got it"
    mailbox.auto_reply_message = "Thanks"
    mailbox.save()
    with django_capture_on_commit_callbacks(execute=True):
        conversation = services.widget_submission(
            widget=widget,
            values={"name": "Carla de la Cruz", "email": "Carla@Example.com", "message": "Help!\n\n<b>now</b>"},
            page_url="https://shop.example/contact",
        )
    assert conversation.mailbox == mailbox
    assert (conversation.type, conversation.source_type, conversation.source_via) == (
        Conversation.Type.EMAIL,
        SourceType.WEB,
        SourceVia.CUSTOMER,
    )
    assert conversation.subject == "Help!"
    customer = conversation.customer
    assert (customer.first_name, customer.last_name) == ("Carla de la", "Cruz")
    thread = conversation.threads.get()
    assert thread.type == Thread.Type.CUSTOMER
    assert thread.body.startswith("<p>Help!</p><p>&lt;b&gt;now&lt;/b&gt;</p>")
    assert "Website form" in thread.body and "https://shop.example/contact" in thread.body
    widget.refresh_from_db()
    assert widget.tickets == 1
    assert WebhookDelivery.objects.filter(event__name=Event.CONVO_CREATED).count() == 1
    assert list(OutgoingEmail.objects.filter(kind="auto_reply").values_list("recipients", flat=True)) == [
        ["carla@example.com"]
    ]


def test_a_known_customer_is_found_by_email(widget):
    known = CustomerFactory(first_name="Carla", emails=[("carla@example.com", "work")])
    conversation = services.widget_submission(
        widget=widget, values={"email": "CARLA@example.com", "message": "Hi", "subject": "Order 42"}
    )
    assert conversation.customer == known
    assert conversation.subject == "Order 42"
    assert Customer.objects.count() == 1


def test_extra_fields_go_into_the_message(mailbox):
    widget = services.widget_create(
        name="Orders",
        mailbox=mailbox,
        form_fields=[
            {"code": "order", "name": "Order number", "rstatus": "M", "validator": "number"},
            {"code": "topic", "name": "Topic", "rtype": "L", "availablevalues": "Billing, Delivery"},
            {"code": "secret", "name": "Hidden", "visibility": "H"},
        ],
    )
    assert [f.code for f in form_fields_effective(widget.form_fields)] == ["order", "topic", "email", "message"]
    with pytest.raises(ValidationError) as error:
        services.widget_submission(widget=widget, values={"email": "x@example.com", "message": "Hi", "topic": "Nope"})
    assert error.value.message_dict == {
        "order": ["This field is required."],
        "topic": ["Choose one of the values offered."],
    }
    conversation = services.widget_submission(
        widget=widget,
        values={"email": "x@example.com", "message": "Hi", "order": "42", "topic": "Delivery", "secret": "s"},
    )
    body = conversation.threads.get().body
    assert "<strong>Order number</strong>: 42" in body and "<strong>Topic</strong>: Delivery" in body
    assert "secret" not in body and "Hidden" not in body


def test_inactive_and_search_widgets_take_no_submissions(mailbox, widget):
    search = services.widget_create(name="Search", mailbox=mailbox, type="K")
    services.widget_update(widget=widget, name="Off", mailbox=mailbox, status="I")
    widget.refresh_from_db()
    for target in (widget, search):
        with pytest.raises(NotFound):
            services.widget_submission(widget=target, values={"email": "a@example.com", "message": "Hi"})
    assert not Conversation.objects.exists()


# --- the public endpoint ---------------------------------------------------------------------------------


def test_submit_creates_the_conversation_and_answers_any_origin(client, widget):
    response = send(client, widget, name="Carla", HTTP_ORIGIN="https://shop.example")
    assert response.status_code == 201, response.content
    assert response.json() == {
        "ok": True,
        "message": "Thank you! We have received your message and will reply by email.",
    }
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert not response.cookies
    conversation = Conversation.objects.get()
    assert conversation.customer_email == "carla@example.com"
    widget.refresh_from_db()
    assert widget.tickets == 1


def test_submit_takes_json_too(client, widget):
    response = client.post(
        submit_url(widget),
        json.dumps({"email": "j@example.com", "message": "From JSON"}),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Conversation.objects.get().customer_email == "j@example.com"


def test_submit_is_csrf_exempt_by_design(widget):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        submit_url(widget), {"email": "a@example.com", "message": "Hi"}, REMOTE_ADDR="198.51.100.1"
    )
    assert response.status_code == 201


def test_preflight_is_answered_for_that_endpoint_only(client, widget):
    response = client.options(
        submit_url(widget), HTTP_ORIGIN="https://shop.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response["Access-Control-Allow-Methods"]
    admin_page = client.get("/admin/login/", HTTP_ORIGIN="https://shop.example")
    assert "Access-Control-Allow-Origin" not in admin_page


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"email": ""}, {"email": "This field is required."}),
        ({"email": "not-an-address"}, {"email": "Enter a valid email address."}),
        ({"message": "   "}, {"message": "This field is required."}),
        ({"message": "x" * 10_001}, {"message": "At most 10000 characters."}),
        ({"name": "x" * 256}, {"name": "At most 255 characters."}),
        ({"message": "nul\x00"}, {"message": "Remove the null characters."}),
    ],
)
def test_submit_refuses_bad_input_with_a_clear_message(client, widget, values, fields):
    response = send(client, widget, **values)
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False and body["error"] == "Please correct the fields marked below."
    assert body["fields"] == fields
    assert response["Access-Control-Allow-Origin"] == "*"
    assert not Conversation.objects.exists()


def test_submit_refuses_unreadable_and_oversized_bodies(client, widget, settings):
    unreadable = client.post(submit_url(widget), "[1, 2", content_type="application/json")
    assert unreadable.status_code == 400 and unreadable.json()["error"]
    not_an_object = client.post(submit_url(widget), "[1]", content_type="application/json")
    assert not_an_object.status_code == 400
    for content_type, body in [("multipart/form-data", b"x"), ("application/json", b"\xff\xfe")]:
        broken = client.generic("POST", submit_url(widget), body, content_type=content_type)
        assert (
            broken.status_code == 400 and broken.json()["error"] == "The form could not be read. Please send it again."
        )
    too_many = client.post(submit_url(widget), {f"f{i}": "x" for i in range(150)}, REMOTE_ADDR="192.0.2.9")
    assert too_many.status_code == 400
    settings.HELPDESK_WIDGET_MAX_REQUEST_BYTES = 1000
    too_big = send(client, widget, message="x" * 2000)
    assert too_big.status_code == 413 and too_big.json()["error"] == "Your message is too long."
    assert not Conversation.objects.exists()


def test_a_long_message_in_any_script_fits_the_body_limit(client, widget):
    response = send(client, widget, message="Привет, мир! " * 769)  # 9,997 characters, 3 bytes each escaped
    assert response.status_code == 201, response.content


def test_the_honeypot_answers_success_and_drops_the_message(client, widget):
    response = send(client, widget, hd_website="http://spam.example")
    assert response.status_code == 201 and response.json()["ok"] is True
    assert not Conversation.objects.exists()
    widget.refresh_from_db()
    assert widget.tickets == 0


def test_submissions_are_rate_limited_per_ip(client, widget, settings):
    settings.HELPDESK_WIDGET_SUBMISSIONS_PER_IP = 2
    settings.HELPDESK_WIDGET_RATE_WINDOW_SECONDS = 600
    assert [send(client, widget).status_code for _ in range(2)] == [201, 201]
    refused = send(client, widget)
    assert refused.status_code == 429
    assert refused.json()["error"] == "Too many messages were sent from your network. Please try again in 10 minutes."
    assert refused["Retry-After"] == "600"
    assert refused["Access-Control-Allow-Origin"] == "*"
    assert send(client, widget, ip="198.51.100.7").status_code == 201
    assert Conversation.objects.count() == 3


def test_submissions_are_rate_limited_per_widget(client, widget, mailbox, settings):
    settings.HELPDESK_WIDGET_SUBMISSIONS_PER_WIDGET = 2
    other = services.widget_create(name="Other", mailbox=mailbox)
    assert [send(client, widget, ip=f"198.51.100.{n}").status_code for n in range(3)] == [201, 201, 429]
    assert "This form is receiving too many messages" in send(client, widget, ip="198.51.100.9").json()["error"]
    assert send(client, other, ip="198.51.100.10").status_code == 201


def test_unknown_inactive_and_wrong_method(client, widget, mailbox):
    assert client.post("/widgets/not-a-real-key-at-all/submit", {"email": "a@example.com"}).status_code == 404
    assert client.post("/widgets/bad/submit").status_code == 404
    wrong = client.get(submit_url(widget))
    assert wrong.status_code == 405 and wrong.json()["ok"] is False
    services.widget_update(widget=widget, name="Off", mailbox=mailbox, status="I")
    gone = send(client, widget)
    assert gone.status_code == 404 and gone.json()["error"] == "This form is not available."


def test_impression_endpoint_counts(client, widget):
    response = client.post(
        reverse("widget-impression", args=[widget.public_key]), {"page_url": "https://shop.example/"}
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    widget.refresh_from_db()
    assert (widget.impressions, widget.last_display_url) == (1, "https://shop.example/")


# --- the snippet and its script ------------------------------------------------------------------------


def test_the_snippet_names_our_host_and_the_widgets_key(widget, settings):
    settings.HELPDESK_BASE_URL = "https://help.example.com"
    code = integration_code(widget)
    assert code == (
        f'<div data-helpdesk-widget="{widget.public_key}"></div>\n'
        f'<script src="//help.example.com/widgets/{widget.public_key}/embed.js" async></script>'
    )
    config = embed_config(widget)
    assert config["submitUrl"] == f"https://help.example.com/widgets/{widget.public_key}/submit"
    assert [f["code"] for f in config["fields"]] == ["name", "email", "subject", "message"]


def test_a_search_widget_searches_the_help_center(mailbox, settings):
    settings.HELPDESK_BASE_URL = "https://help.example.com"
    widget = services.widget_create(
        name="KB", mailbox=mailbox, type="W", attributes=[{"name": "title", "value": "Find answers"}]
    )
    config = embed_config(widget)
    assert (config["kind"], config["searchUrl"], config["title"]) == (
        "search",
        "https://help.example.com/help/search",
        "Find answers",
    )
    assert "fields" not in config and "submitUrl" not in config


def test_embed_js_is_served_with_the_widgets_settings(client, widget, mailbox):
    response = client.get(reverse("widget-embed", args=[widget.public_key]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    body = response.content.decode()
    assert body.startswith("(function (config, baseCss)")
    assert f'"submitUrl": "http://127.0.0.1:8000/widgets/{widget.public_key}/submit"' in body
    # An inactive or unknown widget's script does nothing.
    services.widget_update(widget=widget, name="Off", mailbox=mailbox, status="I")
    assert "not available" in client.get(reverse("widget-embed", args=[widget.public_key])).content.decode()
    assert client.get("/widgets/unknown-key-0000000/embed.js").status_code == 404


def test_embed_js_loads_nothing_else():
    from widgets.public import _asset

    script, styles = _asset("embed.js"), _asset("embed.css")
    assert "innerHTML" not in script and "eval(" not in script
    for text in (script, styles):
        assert "@import" not in text and "url(" not in text


# --- admin -----------------------------------------------------------------------------------------------


def test_admin_lists_creates_and_edits_widgets_through_the_services(admin_client, mailbox):
    response = admin_client.post(
        reverse("admin:widgets_widget_add"),
        {
            "name": "Footer form",
            "type": "O",
            "mailbox": mailbox.pk,
            "status": "A",
            "use_code": "B",
            "form_fields": '[{"code": "order", "name": "Order"}]',
            "attributes": "[]",
        },
    )
    assert response.status_code == 302, response.content
    widget = Widget.objects.get()
    assert widget.form_fields[0]["code"] == "order"
    page = admin_client.get(reverse("admin:widgets_widget_change", args=[widget.pk]))
    assert page.status_code == 200
    assert f"/widgets/{widget.public_key}/embed.js" in page.content.decode()
    listing = admin_client.get(reverse("admin:widgets_widget_changelist"))
    assert "Footer form" in listing.content.decode()
    refused = admin_client.post(
        reverse("admin:widgets_widget_change", args=[widget.pk]),
        {
            "name": "Footer form",
            "type": "O",
            "mailbox": mailbox.pk,
            "status": "A",
            "use_code": "B",
            "form_fields": '[{"name": "no code"}]',
            "attributes": "[]",
        },
        follow=True,
    )
    assert "A form field needs a code" in refused.content.decode()
    widget.refresh_from_db()
    assert widget.form_fields[0]["code"] == "order"
    admin_client.post(reverse("admin:widgets_widget_delete", args=[widget.pk]), {"post": "yes"})
    assert not Widget.objects.exists()


def test_admin_preview_draws_the_widget_by_its_snippet(admin_client, widget):
    page = admin_client.get(reverse("admin:widgets_widget_preview", args=[widget.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    # With the page's CSP nonce, which the widget's stylesheet takes (tests/core/test_csp_browser.py).
    nonce = re.search(r"'nonce-([^']+)'", page["Content-Security-Policy"]).group(1)
    script = f'<script src="//127.0.0.1:8000/widgets/{widget.public_key}/embed.js" nonce="{nonce}" async></script>'
    assert script in html
    assert "data-helpdesk-preview" in html
    assert admin_client.get(reverse("admin:widgets_widget_preview", args=[999_999])).status_code == 404


def test_agents_cannot_manage_widgets(agent_client, widget):
    assert agent_client.get(reverse("admin:widgets_widget_changelist")).status_code == 403
    assert agent_client.get(reverse("admin:widgets_widget_preview", args=[widget.pk])).status_code == 403
