"""The agent UI's live endpoints (issue 18): the cheap "has anything changed?" checks that the list and
the conversation page poll, the page's presence heartbeat and the agent's preferences.

A check answers in two queries beyond authentication: the version token (``*_live_version``) and who
else is viewing (``viewers_of``); and, being the agent's presence heartbeat too (``presence``), one more
(an UPDATE only every half heartbeat period) while the agent stays online. Only when the token moved
does the page fetch itself again and swap the changed parts in, so an idle desk costs a few index
lookups per agent every ten seconds. The checks run outside a transaction (``non_atomic_requests``):
they read, but for the heartbeat's own short write, and ATOMIC_REQUESTS would add its own statements
around them."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from conversations.selectors import (
    Viewer,
    agent_preferences_of,
    conversation_live_version,
    conversations_live_version,
    conversations_visible_to,
    viewers_of,
)
from conversations.services import agent_preferences_update, conversation_viewer_heartbeat, conversation_viewer_leave
from helpdesk.admin import admin_user
from presence.services import presence_heartbeat

POLL_SECONDS = 10


def viewers_json(viewers: list[Viewer]) -> list[dict[str, object]]:
    return [{"id": v.user_id, "name": v.name, "replying": v.replying} for v in viewers]


def presence_text(viewers: list[Viewer]) -> str:
    """ "Ana Lopez is replying", "Ana Lopez and Ben Bee are viewing", "Ana Lopez is replying; Ben Bee is
    viewing": who writes comes first, it matters most."""

    def joined(names: list[str], doing: str) -> str:
        people = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"{people} {'is' if len(names) == 1 else 'are'} {doing}"

    replying = [v.name for v in viewers if v.replying]
    viewing = [v.name for v in viewers if not v.replying]
    return "; ".join(joined(names, doing) for names, doing in ((replying, "replying"), (viewing, "viewing")) if names)


@transaction.non_atomic_requests
@require_GET
def conversation_check(request: HttpRequest, object_id: str) -> HttpResponse:
    """``?v=<token>``: whether the page's conversation changed since the token, and who else has it open."""
    if not object_id.isdigit():
        raise Http404
    user = admin_user(request)
    # The page's poll is the agent's presence heartbeat too (issue 17).
    presence_heartbeat(user=user, now=timezone.now())
    version = conversation_live_version(user=user, conversation_id=int(object_id))
    if version is None:
        raise Http404
    viewers = viewers_of(user=user, conversation_ids=[int(object_id)]).get(int(object_id), [])
    return JsonResponse(
        {
            "version": version,
            "changed": version != request.GET.get("v", ""),
            "viewers": viewers_json(viewers),
            "presence": presence_text(viewers),
        }
    )


@transaction.non_atomic_requests
@require_GET
def list_check(request: HttpRequest) -> HttpResponse:
    """``?v=<token>``: whether any conversation the agent can see changed (the folder counts and the list
    with it), and who is viewing which, by conversation id."""
    user = admin_user(request)
    presence_heartbeat(user=user, now=timezone.now())
    version = conversations_live_version(user=user)
    return JsonResponse(
        {
            "version": version,
            "changed": version != request.GET.get("v", ""),
            "viewers": {str(pk): viewers_json(viewers) for pk, viewers in viewers_of(user=user).items()},
        }
    )


@require_POST
def presence_view(request: HttpRequest, object_id: str) -> HttpResponse:
    """The page's heartbeat: ``replying=1`` while the agent writes, ``leave=1`` when the page closes."""
    user = admin_user(request)
    conversation = (
        conversations_visible_to(user=user).filter(pk=int(object_id)).first() if object_id.isdigit() else None
    )
    if conversation is None:
        raise Http404
    if request.POST.get("leave") == "1":
        conversation_viewer_leave(conversation=conversation, user=user)
    else:
        conversation_viewer_heartbeat(
            conversation=conversation, user=user, replying=request.POST.get("replying") == "1"
        )
    return HttpResponse(status=204)


@require_POST
def preferences_view(request: HttpRequest) -> HttpResponse:
    """``newest_first`` (0/1) and/or ``after_send``; then back to ``next`` (a page of this site), else 204.
    A refusal is 400 naming what was refused."""
    newest_first = request.POST.get("newest_first")
    try:
        agent_preferences_update(
            user=admin_user(request),
            newest_first=None if newest_first is None else newest_first == "1",
            after_send=request.POST.get("after_send"),
        )
    except ValidationError as error:
        return JsonResponse({"errors": error.message_dict}, status=400)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return HttpResponse(status=204)


# What a saved filter leaves out of the list's query: the page, and what the admin adds for itself.
NOT_FILTERS = frozenset({"p", "_changelist_filters", "e", "all", "_to_field", "_popup"})


def list_query(query: QueryDict) -> str:
    """The list's current search, filters and sort as a query string, as a saved filter keeps it."""
    kept = query.copy()
    for name in NOT_FILTERS:
        kept.pop(name, None)
    return kept.urlencode()


@require_POST
def saved_filters_view(request: HttpRequest) -> HttpResponse:
    """Saves the list's current filters under a name (``name``, ``query``), or forgets one (``forget``);
    then back to the list."""
    user = admin_user(request)
    saved = [dict(item) for item in agent_preferences_of(user=user).saved_filters]
    forget, name = request.POST.get("forget", ""), request.POST.get("name", "")
    query = list_query(QueryDict(request.POST.get("query", "")))
    if forget:
        saved = [item for item in saved if item["name"] != forget]
    else:
        saved.append({"name": name, "query": query})
    try:
        agent_preferences_update(user=user, saved_filters=saved)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Forgot “{forget}”." if forget else f"Saved “{' '.join(name.split())}”.")
    changelist = reverse("admin:conversations_conversation_changelist")
    return HttpResponseRedirect(f"{changelist}?{query}" if query and not forget else changelist)
