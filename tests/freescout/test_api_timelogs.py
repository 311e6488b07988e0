"""POST /api/conversations/{id}/timelogs and PUT /api/conversations/{id}/timelogs/{timelogId} (extensions):
start a timer or record finished time, then pause, resume or stop it; visibility and acting-as rules (§7)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations import services
from conversations.models import Timelog
from helpdesk.services import user_update
from mailboxes.services import mailbox_user_grant
from tests.api_helpers import assert_error, bad_request, client_for
from tests.factories import ConversationFactory, MailboxFactory, UserFactory

pytestmark = pytest.mark.django_db

TIMELOG_KEYS = ["id", "conversationStatus", "userId", "timeSpent", "paused", "finished", "createdAt", "updatedAt"]


@pytest.fixture
def conversation(mailbox):
    return ConversationFactory(mailbox=mailbox)


@pytest.fixture
def agent_api(agent, mailbox):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    return client_for(agent)


def url(conversation, timelog=None) -> str:
    base = f"/api/conversations/{conversation.pk}/timelogs"
    return base if timelog is None else f"{base}/{timelog.pk}"


def run_for(timelog: Timelog, seconds: int) -> None:
    """Pretend the timer has been running for ``seconds``."""
    Timelog.objects.filter(pk=timelog.pk).update(running_since=timezone.now() - timedelta(seconds=seconds))


# --- POST ---------------------------------------------------------------------------------------------


def test_record_finished_time(admin_api, admin, conversation):
    response = admin_api.post(url(conversation), {"user": admin.pk, "timeSpent": 219}, format="json")
    assert response.status_code == 201, response.content
    timelog = Timelog.objects.get()
    assert response["Resource-ID"] == str(timelog.pk)
    body = response.json()
    assert list(body) == TIMELOG_KEYS
    assert body == {
        "id": timelog.pk,
        "conversationStatus": "active",
        "userId": admin.pk,
        "timeSpent": 219,
        "paused": False,
        "finished": True,
        "createdAt": body["createdAt"],
        "updatedAt": body["createdAt"],
    }
    assert body["createdAt"].endswith("Z")
    # The list shows the same JSON.
    listed = admin_api.get(url(conversation)).json()["_embedded"]["timelogs"]
    assert listed == [body]


def test_numbers_may_be_strings_and_zero_is_allowed(admin_api, admin, conversation):
    response = admin_api.post(url(conversation), {"user": str(admin.pk), "timeSpent": "0"}, format="json")
    assert response.status_code == 201
    assert (response.json()["timeSpent"], response.json()["finished"]) == (0, True)


def test_start_a_timer(admin_api, admin, conversation):
    for time_spent in ({}, {"timeSpent": None}):
        response = admin_api.post(url(conversation), {"user": admin.pk, **time_spent}, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["timeSpent"], body["paused"], body["finished"]) == (0, False, False)
    # One open timer per user and conversation: starting again returns the running one.
    timelog = Timelog.objects.get()
    assert body["id"] == timelog.pk and timelog.running_since is not None


def test_starting_while_paused_resumes(admin_api, admin, conversation):
    timelog = services.timelog_start(conversation=conversation, user=admin)
    run_for(timelog, 60)
    services.timelog_stop(timelog=timelog, finish=False)
    body = admin_api.post(url(conversation), {"user": admin.pk}, format="json").json()
    assert body["id"] == timelog.pk
    assert (body["paused"], body["finished"]) == (False, False) and 60 <= body["timeSpent"] <= 62


def test_a_regular_user_logs_their_own_time(agent_api, agent, conversation):
    response = agent_api.post(url(conversation), {"user": agent.pk, "timeSpent": 30}, format="json")
    assert response.status_code == 201
    assert response.json()["userId"] == agent.pk


def test_a_regular_user_cannot_log_for_another(agent_api, admin, conversation):
    response = agent_api.post(url(conversation), {"user": admin.pk, "timeSpent": 30}, format="json")
    assert_error(response, 403, "FORBIDDEN")
    assert response.json()["message"] == "A regular user's API key can only act as that user."
    assert not Timelog.objects.exists()


def test_an_admin_may_log_for_an_agent_with_access(admin_api, agent, mailbox, conversation):
    response = admin_api.post(url(conversation), {"user": agent.pk, "timeSpent": 5}, format="json")
    bad_request(response, "user", agent.pk)  # no access to the mailbox yet
    mailbox_user_grant(mailbox=mailbox, user=agent)
    assert admin_api.post(url(conversation), {"user": agent.pk, "timeSpent": 5}, format="json").status_code == 201


@pytest.mark.parametrize(
    ("body", "path", "rejected"),
    [
        ({"timeSpent": 5}, "user", ...),
        ({"user": "abc", "timeSpent": 5}, "user", "abc"),
        ({"user": 0, "timeSpent": 5}, "user", 0),
        ({"user": 999999, "timeSpent": 5}, "user", 999999),
        ({"user": "ADMIN", "timeSpent": -1}, "timeSpent", -1),
        ({"user": "ADMIN", "timeSpent": "ten"}, "timeSpent", "ten"),
        ({"user": "ADMIN", "timeSpent": 1.5}, "timeSpent", 1.5),
    ],
)
def test_bad_bodies_are_a_400_at_their_path(admin_api, admin, conversation, body, path, rejected):
    body = {key: admin.pk if value == "ADMIN" else value for key, value in body.items()}
    bad_request(admin_api.post(url(conversation), body, format="json"), path, rejected)
    assert not Timelog.objects.exists()


def test_a_disabled_or_deleted_user_cannot_log(admin_api, conversation):
    for status in ("disabled", "deleted"):
        user = UserFactory()
        user_update(user=user, status=status)
        bad_request(admin_api.post(url(conversation), {"user": user.pk}, format="json"), "user", user.pk)


def test_an_invisible_or_unknown_conversation_is_404(agent_api, agent):
    hidden = ConversationFactory(mailbox=MailboxFactory())
    assert_error(agent_api.post(url(hidden), {"user": agent.pk, "timeSpent": 5}, format="json"), 404, "NOT FOUND")
    timelog = services.timelog_record(conversation=hidden, user=UserFactory(role="admin"), seconds=5)
    assert_error(agent_api.put(url(hidden, timelog), {"action": "stop"}, format="json"), 404, "NOT FOUND")
    assert_error(agent_api.post("/api/conversations/999999/timelogs", {}, format="json"), 404, "NOT FOUND")
    assert Timelog.objects.count() == 1


def test_a_key_is_needed(conversation):
    from rest_framework.test import APIClient

    assert_error(APIClient().post(url(conversation), {}, format="json"), 401, "NOT AUTHORIZED")


# --- PUT -----------------------------------------------------------------------------------------------


def test_pause_resume_and_stop(admin_api, admin, conversation):
    timelog = services.timelog_start(conversation=conversation, user=admin)
    run_for(timelog, 100)

    response = admin_api.put(url(conversation, timelog), {"action": "pause"}, format="json")
    assert response.status_code == 204 and response.content == b""
    timelog.refresh_from_db()
    assert (timelog.paused, timelog.finished, timelog.running_since) == (True, False, None)
    assert 100 <= timelog.time_spent <= 102
    spent = timelog.time_spent

    assert admin_api.put(url(conversation, timelog), {"action": "resume"}, format="json").status_code == 204
    timelog.refresh_from_db()
    assert (timelog.paused, timelog.finished) == (False, False) and timelog.running_since is not None
    run_for(timelog, 50)

    assert admin_api.put(url(conversation, timelog), {"action": "stop"}, format="json").status_code == 204
    timelog.refresh_from_db()
    assert (timelog.paused, timelog.finished, timelog.running_since) == (False, True, None)
    assert spent + 50 <= timelog.time_spent <= spent + 52
    (listed,) = admin_api.get(url(conversation)).json()["_embedded"]["timelogs"]
    assert (listed["timeSpent"], listed["finished"]) == (timelog.time_spent, True)


def test_stopping_a_paused_timer_finishes_it(admin_api, admin, conversation):
    timelog = services.timelog_start(conversation=conversation, user=admin)
    admin_api.put(url(conversation, timelog), {"action": "pause"}, format="json")
    assert admin_api.put(url(conversation, timelog), {"action": " stop "}, format="json").status_code == 204
    timelog.refresh_from_db()
    assert (timelog.paused, timelog.finished) == (False, True)


def test_a_finished_timelog_can_only_be_stopped_again(admin_api, admin, conversation):
    timelog = services.timelog_record(conversation=conversation, user=admin, seconds=30)
    assert admin_api.put(url(conversation, timelog), {"action": "stop"}, format="json").status_code == 204
    for verb in ("pause", "resume"):
        error = bad_request(admin_api.put(url(conversation, timelog), {"action": verb}, format="json"), "action", verb)
        assert error["message"] == "The timelog is finished."
    timelog.refresh_from_db()
    assert (timelog.time_spent, timelog.finished, timelog.paused) == (30, True, False)
    assert Timelog.objects.count() == 1


@pytest.mark.parametrize(("body", "rejected"), [({}, ...), ({"action": "rewind"}, "rewind"), ({"action": ""}, "")])
def test_a_bad_action_is_a_400(admin_api, admin, conversation, body, rejected):
    timelog = services.timelog_start(conversation=conversation, user=admin)
    error = bad_request(admin_api.put(url(conversation, timelog), body, format="json"), "action", rejected)
    if body.get("action"):
        assert error["message"] == "Expected one of these: 'pause', 'stop', 'resume'"


def test_an_unknown_timelog_or_one_of_another_conversation_is_404(admin_api, admin, conversation, mailbox):
    other = services.timelog_start(conversation=ConversationFactory(mailbox=mailbox), user=admin)
    assert_error(admin_api.put(f"{url(conversation)}/999999", {"action": "stop"}, format="json"), 404, "NOT FOUND")
    assert_error(admin_api.put(url(conversation, other), {"action": "stop"}, format="json"), 404, "NOT FOUND")
    other.refresh_from_db()
    assert not other.finished


def test_a_regular_user_may_only_touch_their_own_timers(agent_api, agent, admin, conversation):
    own = services.timelog_start(conversation=conversation, user=agent)
    admins = services.timelog_start(conversation=conversation, user=admin)
    assert agent_api.put(url(conversation, own), {"action": "pause"}, format="json").status_code == 204
    response = agent_api.put(url(conversation, admins), {"action": "stop"}, format="json")
    assert_error(response, 403, "FORBIDDEN")
    assert response.json()["message"] == "A regular user's API key can only act as that user."
    admins.refresh_from_db()
    assert not admins.finished


def test_an_admin_may_stop_an_agents_timer(admin_api, agent, mailbox, conversation):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    timelog = services.timelog_start(conversation=conversation, user=agent)
    assert admin_api.put(url(conversation, timelog), {"action": "stop"}, format="json").status_code == 204
    timelog.refresh_from_db()
    assert timelog.finished
