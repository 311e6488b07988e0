"""The conversation page: header, timeline oldest first with sanitised bodies, the reply/note form with
attachments and a status, properties, star, tags, custom fields and the customer sidebar."""

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.admin.forms import PAGE_FORMS, CustomFieldsForm, MultipleFileField
from conversations.admin.widget_html import WidgetsInPython
from conversations.models import Conversation, ConversationStar, Thread
from conversations.pages import CONVERSATION_COLUMNS, page_context
from conversations.services import (
    NewAttachment,
    NewThread,
    conversation_assign,
    conversation_custom_fields_set,
    thread_create,
)
from mailboxes.services import mailbox_user_grant
from tests.admin_helpers import admin_url, messages_text
from tests.factories import ConversationFactory, CustomerFactory, CustomFieldFactory, MailboxFactory, WebhookFactory
from webhooks.models import Event, WebhookEvent


@pytest.fixture
def conversation(mailbox, agent, media_root):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    conversation = ConversationFactory(
        mailbox=mailbox,
        subject="Printer on fire",
        customer=CustomerFactory(first_name="Carla", last_name="Customer"),
        threads=[
            NewThread(
                type=Thread.Type.CUSTOMER,
                body="<p>First message</p>",
                attachments=[NewAttachment(file_name="log.txt", content=b"smoke", mime_type="text/plain")],
            )
        ],
    )
    conversation_assign(conversation=conversation, assignee=agent, by_user=agent)
    thread_create(conversation=conversation, thread=NewThread(type=Thread.Type.CUSTOMER, body="<p>Second message</p>"))
    return conversation


def page_url(conversation) -> str:
    return admin_url(Conversation, "change", conversation.pk)


def post(client, conversation, **data):
    return client.post(page_url(conversation), data)


def test_page_shows_header_timeline_oldest_first_and_customer(agent_client, conversation, mailbox):
    other = ConversationFactory(mailbox=mailbox, customer=conversation.customer, subject="Earlier question")
    hidden = ConversationFactory(mailbox=MailboxFactory(), customer=conversation.customer, subject="Elsewhere")

    response = agent_client.get(page_url(conversation))
    assert response.status_code == 200
    content = response.content.decode()
    for text in ("Printer on fire", f"#{conversation.number}", "Support", "Alan Agent", "Carla Customer"):
        assert text in content, text
    first, line_item, second = (
        content.index("First message"),
        content.index("Alan Agent assigned to Alan Agent"),
        content.index("Second message"),
    )
    assert first < line_item < second
    attachment = conversation.threads.get(first=True).attachments.get()
    assert f"/attachments/{attachment.token}/log.txt" in content
    assert f"#{other.number} Earlier question" in content
    assert "Elsewhere" not in content and f"#{hidden.number}" not in content


def test_bodies_are_sanitised_on_the_way_out(agent_client, conversation):
    # Rows written before sanitising (or by an import) must not run script in the agent's browser.
    Thread.objects.filter(conversation=conversation, first=True).update(
        body='<p onclick="steal()">Hi</p><script>alert(1)</script><img src="x" onerror="steal()">'
        '<a href="javascript:steal()">link</a>'
    )
    content = agent_client.get(page_url(conversation)).content.decode()
    assert "<p>Hi</p>" in content
    for unsafe in ("<script>alert", "onerror", "onclick", "javascript:steal"):
        assert unsafe not in content, unsafe


def test_reply_with_attachments_and_a_status(agent_client, agent, conversation):
    WebhookFactory(events=list(Event.values))
    files = [
        SimpleUploadedFile("report.pdf", b"%PDF-1.4", content_type="application/pdf"),
        SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain"),
    ]
    response = agent_client.post(
        page_url(conversation),
        {
            "op": "reply",
            "type": "message",
            "text": "We are on it.\n<b>Really</b>",
            "status": "closed",
            "attachments": files,
        },
    )
    assert response.status_code == 302
    assert "Reply sent." in messages_text(response)

    reply = conversation.threads.get(type=Thread.Type.MESSAGE)
    assert reply.created_by_user == agent
    assert reply.body == "<p>We are on it.<br>&lt;b&gt;Really&lt;/b&gt;</p>"
    assert sorted(reply.attachments.values_list("file_name", "mime_type", "size")) == [
        ("notes.txt", "text/plain", 5),
        ("report.pdf", "application/pdf", 8),
    ]
    conversation.refresh_from_db()
    assert (conversation.status, conversation.closed_by) == ("closed", agent)
    events = set(WebhookEvent.objects.values_list("name", flat=True))
    assert {"convo.agent.reply.created", "convo.status"} <= events


def test_a_note_leaves_the_status(agent_client, conversation):
    response = post(agent_client, conversation, op="reply", type="note", text="Internal only")
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == "active"
    assert conversation.threads.filter(type=Thread.Type.NOTE, body="<p>Internal only</p>").exists()


def test_an_empty_reply_is_a_form_error(agent_client, conversation):
    response = post(agent_client, conversation, op="reply", type="message", text="  ")
    assert response.status_code == 400
    assert response.context["forms"]["reply"].errors["text"]
    assert not conversation.threads.filter(type=Thread.Type.MESSAGE).exists()


def test_attachments_over_the_limit_are_refused(agent_client, conversation, settings):
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 3
    response = agent_client.post(
        page_url(conversation),
        {"op": "reply", "type": "message", "text": "x", "attachments": [SimpleUploadedFile("big.bin", b"1234")]},
    )
    assert response.status_code == 400
    assert "larger than 3 bytes" in str(response.context["forms"]["reply"].errors["attachments"])


def test_properties_assign_change_status_and_move(agent_client, agent, admin, conversation):
    other = MailboxFactory(name="Billing")
    mailbox_user_grant(mailbox=other, user=agent)

    assert post(agent_client, conversation, op="update", assignee="").status_code == 302
    conversation.refresh_from_db()
    assert conversation.assignee is None
    # "Assign to me" and "Close" post one input each.
    assert post(agent_client, conversation, op="update", assignee=agent.pk).status_code == 302
    assert post(agent_client, conversation, op="update", status="closed").status_code == 302
    conversation.refresh_from_db()
    assert (conversation.assignee, conversation.status) == (agent, "closed")

    response = post(agent_client, conversation, op="update", mailbox=other.pk, assignee=admin.pk, status="pending")
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert (conversation.mailbox, conversation.assignee, conversation.status) == (other, admin, "pending")
    actions = list(conversation.threads.filter(type=Thread.Type.LINEITEM).values_list("action_type", flat=True))
    assert actions.count(Thread.Action.CHANGED_ASSIGNEE) == 4
    assert Thread.Action.MOVED_FROM_MAILBOX in actions


def test_properties_refuse_foreign_mailboxes_and_users(agent_client, conversation):
    foreign = MailboxFactory()
    response = post(agent_client, conversation, op="update", mailbox=foreign.pk)
    assert response.status_code == 400
    assert "mailbox" in response.context["forms"]["update"].errors
    conversation.refresh_from_db()
    assert conversation.mailbox.name == "Support"


def test_admins_may_move_to_any_mailbox(admin_client, conversation):
    anywhere = MailboxFactory()
    response = post(admin_client, conversation, op="update", mailbox=anywhere.pk)
    assert response.url == page_url(conversation)
    conversation.refresh_from_db()
    # The agent assignee has no access there, so the service unassigned them.
    assert (conversation.mailbox, conversation.assignee) == (anywhere, None)


def test_star_toggles(agent_client, agent, conversation):
    assert post(agent_client, conversation, op="star").status_code == 302
    assert ConversationStar.objects.filter(conversation=conversation, user=agent).exists()
    assert "Starred" in agent_client.get(page_url(conversation)).content.decode()
    assert post(agent_client, conversation, op="star").status_code == 302
    assert not ConversationStar.objects.filter(conversation=conversation, user=agent).exists()


def test_tags_are_set_through_the_service(agent_client, conversation):
    assert post(agent_client, conversation, op="tags", tags="Billing,  VIP ,billing").status_code == 302
    assert sorted(conversation.tags.values_list("name", flat=True)) == ["billing", "vip"]
    assert post(agent_client, conversation, op="tags", tags="").status_code == 302
    assert not conversation.tags.exists()


def test_custom_fields_are_set_and_checked(agent_client, conversation, mailbox):
    number = CustomFieldFactory(mailbox=mailbox, name="Seats", type="number")
    plan = CustomFieldFactory(mailbox=mailbox, name="Plan", type="dropdown", options={"1": "Free", "2": "Pro"})
    response = post(agent_client, conversation, op="fields", **{f"field_{number.pk}": "12", f"field_{plan.pk}": "2"})
    assert response.status_code == 302
    values = dict(conversation.custom_field_values.values_list("field__name", "value"))
    assert values == {"Seats": "12", "Plan": "2"}
    assert "Pro" in agent_client.get(page_url(conversation)).content.decode()

    response = post(agent_client, conversation, op="fields", **{f"field_{number.pk}": "many"})
    assert response.status_code == 400
    assert "Seats: Expected a number." in messages_text(response)
    assert dict(conversation.custom_field_values.values_list("field__name", "value"))["Seats"] == "12"


def test_unknown_operations_are_refused(agent_client, conversation):
    assert post(agent_client, conversation, op="explode").status_code == 400


def test_the_page_costs_the_same_queries_for_more_threads(agent_client, agent, conversation):
    with CaptureQueriesContext(connection) as before:
        agent_client.get(page_url(conversation))
    for n in range(3):
        thread_create(
            conversation=conversation,
            thread=NewThread(
                type=Thread.Type.MESSAGE,
                body=f"Reply {n}",
                user=agent,
                attachments=[NewAttachment(file_name=f"{n}.txt", content=b"x")],
            ),
        )
        conversation_assign(conversation=conversation, assignee=None, by_user=agent)
        conversation_assign(conversation=conversation, assignee=agent, by_user=agent)
    with CaptureQueriesContext(connection) as after:
        agent_client.get(page_url(conversation))
    assert len(after) == len(before), [query["sql"] for query in after]


def test_move_to_deleted_and_restore_from_the_page(agent_client, conversation):
    assert post(agent_client, conversation, op="deleted").status_code == 302
    conversation.refresh_from_db()
    assert conversation.state == "deleted"
    assert 'id="hd-restore"' in agent_client.get(page_url(conversation)).content.decode()
    assert post(agent_client, conversation, op="deleted", restore="on").status_code == 302
    conversation.refresh_from_db()
    assert conversation.state == "published"
    actions = set(conversation.threads.values_list("action_type", flat=True))
    assert {Thread.Action.DELETED, Thread.Action.RESTORED} <= actions


def _threads_add(conversation, agent, count: int) -> None:
    for n in range(count):
        thread_create(
            conversation=conversation,
            thread=NewThread(
                type=Thread.Type.NOTE if n % 2 else Thread.Type.MESSAGE,
                body=f"<p>Reply {n}</p><blockquote>quoted</blockquote>",
                user=agent,
                to=["carla@example.org"],
                attachments=[NewAttachment(file_name=f"{n}.txt", content=b"x")],
            ),
        )


def test_five_and_fifty_threads_cost_the_same_statements(agent_client, agent, conversation, mailbox):
    # Everything the page shows beside the timeline too: contacts of each kind, other conversations,
    # custom fields, tags and a star.
    CustomFieldFactory(mailbox=mailbox, name="Plan", type="dropdown", options={"1": "Gold"})
    customer = CustomerFactory(
        first_name="Dana",
        emails=[("dana@example.org", "work"), ("dana@home.example", "home")],
        phones=[("+1 555 0100", "mobile")],
        websites=["https://dana.example"],
        social_profiles=[("@dana", "twitter")],
    )
    Conversation.objects.filter(pk=conversation.pk).update(customer=customer)
    ConversationFactory(mailbox=mailbox, customer=customer, subject="Earlier question")
    post(agent_client, conversation, op="star")
    post(agent_client, conversation, op="tags", tags="urgent, billing")
    _threads_add(conversation, agent, 3)  # with the two the fixture made: five
    assert conversation.threads.exclude(type=Thread.Type.LINEITEM).count() == 5
    with CaptureQueriesContext(connection) as five:
        assert agent_client.get(page_url(conversation)).status_code == 200
    _threads_add(conversation, agent, 45)
    with CaptureQueriesContext(connection) as fifty:
        content = agent_client.get(page_url(conversation)).content.decode()
    assert content.count('class="hd-forward-link"') == 2 + 25  # the customer's two and the replies; notes have none
    assert len(fifty) == len(five), [query["sql"] for query in fifty]
    assert len(five) <= 32, [query["sql"] for query in five]


def test_the_customer_card_lists_each_kind_of_contact_oldest_first(agent_client, conversation):
    customer = CustomerFactory(
        first_name="Dana",
        emails=[("b@example.org", "home"), ("a@example.org", "work")],
        phones=[("+1 555 0100", "mobile"), ("+1 555 0199", "fax")],
        websites=["https://dana.example", "https://blog.dana.example"],
        social_profiles=[("@dana", "twitter"), ("dana.vk", "vk")],
    )
    Conversation.objects.filter(pk=conversation.pk).update(customer=customer)
    content = agent_client.get(page_url(conversation)).content.decode()
    card = content[content.index('<ul class="hd-contact">') : content.index("</ul>", content.index("hd-contact"))]
    assert card == (
        '<ul class="hd-contact">\n'
        '            <li><a href="mailto:b@example.org">b@example.org</a> <span class="hd-muted">home</span></li>'
        '<li><a href="mailto:a@example.org">a@example.org</a> <span class="hd-muted">work</span></li>\n'
        '            <li>+1 555 0100 <span class="hd-muted">mobile</span></li>'
        '<li>+1 555 0199 <span class="hd-muted">fax</span></li>\n'
        "            <li>https://dana.example</li><li>https://blog.dana.example</li>\n"
        '            <li>@dana <span class="hd-muted">twitter</span></li>'
        '<li>dana.vk <span class="hd-muted">vk</span></li>\n'
        "          "
    )


class _EveryWidget(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"placeholder": 'say "hi" & <go>', "autofocus": True}))
    area = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), initial="<b>bold</b> & more")
    empty_area = forms.CharField(required=False, widget=forms.Textarea)
    hidden = forms.IntegerField(widget=forms.HiddenInput, initial=7)
    number = forms.DecimalField(widget=forms.NumberInput(attrs={"step": "any"}), initial=1.5)
    date = forms.CharField(widget=forms.DateInput(attrs={"type": "date"}))
    email = forms.EmailField(initial="a@example.org")
    url = forms.URLField(required=False, assume_scheme="https")
    password = forms.CharField(widget=forms.PasswordInput)
    check = forms.BooleanField(initial=True, required=False)
    disabled = forms.CharField(disabled=True, initial="fixed", help_text="Cannot change")
    choice = forms.ChoiceField(choices=[("", "—"), ("a", "A & <b>"), (3, "Three")], initial="a")
    grouped = forms.ChoiceField(choices=[("Fruit", [("apple", "Apple"), ("pear", "Pear")]), ("x", "X")])
    several = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], initial=["a", "b"])
    radio = forms.ChoiceField(widget=forms.RadioSelect, choices=[("m", "Message"), ("n", "Note")], initial="n")
    radio_grouped = forms.ChoiceField(widget=forms.RadioSelect, choices=[("G", [("1", "One")]), ("2", "Two")])
    boxes = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple(attrs={"class": "boxes"}), choices=[("a", "A"), ("b", "B")]
    )
    files = MultipleFileField(required=False)


@pytest.mark.parametrize("data", [None, {"text": "x<y", "choice": "nope", "radio": "m", "boxes": ["b"]}])
def test_widgets_written_in_python_match_django_templates(data):
    form = _EveryWidget(data)
    if data is not None:
        form.is_valid()
    fields = {name: str(form[name]) for name in form.fields}
    form.renderer = WidgetsInPython(form.renderer)
    assert {name: str(form[name]) for name in form.fields} == fields


def test_the_page_forms_render_as_with_django_templates(admin, conversation, mailbox):
    CustomFieldFactory(mailbox=mailbox, name="Plan", type="dropdown", options={"1": "Gold", "2": "<Silver>"})
    CustomFieldFactory(mailbox=mailbox, name="Notes", type="multiline")
    conversation = Conversation.objects.select_related("mailbox", "assignee").get(pk=conversation.pk)
    for op, form_class in PAGE_FORMS.items():
        for data in (None, {"op": op}):
            form = form_class(data, conversation=conversation, user=admin)
            if data is not None:
                form.is_valid()
            fields = {name: str(form[name]) for name in form.fields}
            errors = str(form.non_field_errors())
            form.renderer = WidgetsInPython(form.renderer)
            assert {name: str(form[name]) for name in form.fields} == fields, op
            assert str(form.non_field_errors()) == errors


def test_the_fields_form_from_the_page_read_matches_its_own_read(admin, conversation, mailbox):
    plan = CustomFieldFactory(mailbox=mailbox, name="Plan", type="dropdown", options={"1": "Gold"}, sort_order=2)
    notes = CustomFieldFactory(mailbox=mailbox, name="Notes", type="multiline", sort_order=1)
    conversation_custom_fields_set(conversation=conversation, values={plan.pk: "1", notes.pk: "<b>x</b>"})
    row = Conversation.objects.filter(pk=conversation.pk).values(*CONVERSATION_COLUMNS).get()
    context = page_context([row], embed=frozenset())
    preloaded = CustomFieldsForm(
        conversation=conversation,
        user=admin,
        custom_fields=[field for field, _value in context.custom_field_values(row)],
        values=context.field_values.get(conversation.pk, {}),
    )
    own = CustomFieldsForm(conversation=conversation, user=admin)
    assert [str(field) for field in preloaded] == [str(field) for field in own]
    assert [f.pk for f in preloaded.custom_fields] == [notes.pk, plan.pk]


def test_the_page_row_read_from_the_instance_is_the_values_row(conversation, agent):
    conversation_assign(conversation=conversation, assignee=agent, by_user=agent)
    Conversation.objects.filter(pk=conversation.pk).update(cc=["a@example.org"], bcc=["b@example.org"])
    instance = Conversation.objects.get(pk=conversation.pk)
    row = Conversation.objects.filter(pk=conversation.pk).values(*CONVERSATION_COLUMNS).get()
    assert {column: getattr(instance, column) for column in CONVERSATION_COLUMNS} == row
