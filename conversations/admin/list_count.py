"""The conversation list's two totals (the filtered count and the count of everything the agent may see)
summed from the tally, as the API's list reads its ``totalElements``: Django's changelist counts every row
of both, which took a second at a million conversations. A list the tally cannot answer (a search, a tag,
a type, Starred, several values of one filter) is counted as Django counts it."""

from typing import Any

from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils.functional import cached_property

from conversations.tallies import NOBODY, TallyFilter, conversations_count_tallied, folder_filter
from helpdesk.admin import admin_user

# Parameters that change what the list shows without changing its rows (page, order, the admin's own).
ROW_NEUTRAL = frozenset({"p", "o", "all", "_facets", "e"})


def list_filter_tallied(request: HttpRequest, folder: Any) -> TallyFilter | None:
    """The list's filters as tally conditions, or None when one of them is not a condition the tally keys.
    ``folder`` is the request's folder (``request_folder``), None when there is none or it may not be seen."""
    where = TallyFilter()
    for name, values in request.GET.lists():
        if name in ROW_NEUTRAL or (name == "q" and not "".join(values).strip()):
            continue
        if len(values) != 1:
            return None
        value = values[0]
        if name == "folder":
            narrowed = folder_filter(folder) if folder is not None else None
            if narrowed is None:
                return None
            where = where.narrowed(
                mailbox_ids=narrowed.mailbox_ids,
                statuses=narrowed.statuses,
                states=narrowed.states,
                assignee=narrowed.assignee,
            )
        elif name == "status__exact":
            where = where.narrowed(statuses=frozenset({value}))
        elif name == "state__exact":
            where = where.narrowed(states=frozenset({value}))
        elif name == "mailbox__id__exact" and value.isdigit():
            where = where.narrowed(mailbox_ids=frozenset({int(value)}))
        elif name == "assignee__id__exact" and value.isdigit():
            where = where.narrowed(assignee=int(value))
        elif name == "assignee__isnull" and value in ("True", "1"):
            where = where.narrowed(assignee=NOBODY)
        else:
            return None
    return where


class TalliedPaginator(Paginator):
    """A paginator told its count (the tally's sum) instead of counting the list; None counts as usual."""

    def __init__(self, *args: Any, tallied_count: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tallied_count = tallied_count

    @cached_property
    def count(self) -> int:
        return super().count if self.tallied_count is None else self.tallied_count


class TalliedChangeList(ChangeList):
    """The changelist with the count of everything the agent may see ("50 results (1,000,000 total)") from
    the tally. Its ModelAdmin sets ``show_full_result_count = False`` so that Django does not count it
    first; this puts back what Django would have shown."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        total = conversations_count_tallied(user=admin_user(request), where=TallyFilter())
        self.full_result_count = self.root_queryset.count() if total is None else total
        self.show_full_result_count = True
        self.show_admin_actions = bool(self.full_result_count)
