"""The agent UI's conversation list: its table with the rows written out once (``list_rows``)."""

from typing import Any

from django import template
from django.contrib.admin.templatetags.admin_list import result_headers, result_hidden_fields
from django.contrib.admin.views.main import ChangeList
from django.utils.safestring import SafeString

from conversations.admin.list_rows import conversation_rows, filter_panel

register = template.Library()


@register.inclusion_tag("admin/conversations/conversation/list_results.html")
def conversation_result_list(cl: ChangeList) -> dict[str, Any]:
    """What the admin's ``{% result_list %}`` gives its template, the rows as ``conversation_rows`` writes
    them."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
        "results": conversation_rows(cl),
    }


@register.simple_tag
def conversation_filters(cl: ChangeList) -> SafeString:
    """The filter panel's filters, as ``{% for spec in cl.filter_specs %}{% admin_list_filter cl spec %}`` renders
    them (``list_rows.filter_panel``)."""
    return filter_panel(cl)
