"""The conversation list's rows, written out once per page instead of through the admin's per-cell machinery
(``items_for_result``: ``lookup_field``, ``display_for_value`` and, for each row's two links, a ``reverse``
and an ``add_preserved_filters`` that resolves the URL again), which took most of the list's time.

The cells are those ``items_for_result`` writes for this admin's columns (the cell values come from the
ModelAdmin's own column methods); the change URL is reversed once, for a stand-in id, with the preserved
filters added once, and each row puts its id in its place. ``tests/core/test_admin_conversation_rows.py``
holds the rows equal to the admin's own."""

from collections.abc import Callable
from html import escape
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.templatetags.admin_list import admin_list_filter, items_for_result
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.views.main import ChangeList
from django.template.defaultfilters import iriencode
from django.utils import formats
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import gettext as _

from conversations.models import ConversationTag

# An id no row has, reversed in place of each row's: digits only, so that no URL quoting touches it.
_STAND_IN = "9081726354453627189"


def tag_names_by_conversation(*, conversation_ids: list[int]) -> dict[int, list[str]]:
    """The names of each conversation's tags, in the order of their ids (as ``conversation.tags.all()``)."""
    names: dict[int, list[str]] = {}
    pairs = ConversationTag.objects.filter(conversation_id__in=conversation_ids).order_by("tag_id")
    for conversation_id, name in pairs.values_list("conversation_id", "tag__name"):
        names.setdefault(conversation_id, []).append(name)
    return names


def checkbox_writer() -> Callable[[Any], SafeString]:
    """A row's bulk action checkbox, its label translated once (the list writes one for each row)."""
    label = _("Select this object for an action - {}")

    def checkbox(obj: Any) -> SafeString:
        return mark_safe(  # noqa: S308 - the id is an integer and the label escaped
            f'<input type="checkbox" name="{ACTION_CHECKBOX_NAME}" value="{obj.pk}" class="action-select" '
            f'aria-label="{label.format(escape(str(obj)))}">'
        )

    return checkbox


def text_escaped(value: Any) -> str:
    """``conditional_escape`` without its wrapping: safe strings as they are, anything else escaped."""
    return str(value) if isinstance(value, SafeData) else escape(str(value))


def change_url_writer(changelist: ChangeList) -> Callable[[Any], str]:
    """A row's change URL (escaped for an attribute) from its id: the admin's ``url_for_result`` with the
    preserved filters added, as ``items_for_result`` writes each link, reversed and resolved once."""
    context: dict[str, Any] = {"preserved_filters": changelist.preserved_filters, "opts": changelist.opts}

    def url_of(pk: Any) -> str:
        row: Any = SimpleNamespace(**{changelist.pk_attname: pk})
        return escape(add_preserved_filters(context, changelist.url_for_result(row)))

    before, found, after = url_of(_STAND_IN).partition(_STAND_IN)
    if not found or _STAND_IN in after:
        return url_of
    return lambda pk: f"{before}{pk}{after}"


def conversation_rows(changelist: ChangeList) -> list[SafeString]:
    """Each row of the page as the cells ``items_for_result`` writes for it (without the ``<tr>``)."""
    model_admin = changelist.model_admin
    names = [name for name in changelist.list_display if isinstance(name, str)]
    if (
        changelist.formset is not None
        or changelist.is_popup
        or changelist.to_field
        or len(names) < len(changelist.list_display)
    ):
        # Not this admin's list (no editable columns, no popups, only named columns): the admin's own cells.
        return [mark_safe("".join(items_for_result(changelist, row, None))) for row in changelist.result_list]  # noqa: S308
    default_empty = str(model_admin.get_empty_value_display())
    number_text: Callable[[int], str] = str if not settings.USE_THOUSAND_SEPARATOR else formats.number_format
    links = changelist.list_display_links or ()
    url_of = change_url_writer(changelist)
    columns: list[tuple[str, Callable[[Any], Any], str, bool]] = []
    first_link = True
    for name in names:
        # ``number`` is the model's field; every other column is one of the ModelAdmin's methods.
        value_of = (lambda row, name=name: getattr(row, name)) if name == "number" else getattr(model_admin, name)
        if name == "action_checkbox":
            value_of = checkbox_writer()
        empty = str(getattr(value_of, "empty_value_display", default_empty))
        link = name in links
        tag = "th" if link and first_link else "td"
        first_link = first_link and not link
        css = "action-checkbox" if name == "action_checkbox" else f"field-{name}"
        columns.append((f'<{tag} class="{css}">', value_of, empty, link))
    rows = []
    for row in changelist.result_list:
        cells = []
        for opening, value_of, empty, link in columns:
            value = value_of(row)
            if value is None or (isinstance(value, str) and not value.strip()):
                text = empty
            elif isinstance(value, int) and not isinstance(value, bool):
                text = number_text(value)
            else:
                text = text_escaped(value)
            if link:
                text = f'<a href="{url_of(row.pk)}">{text}</a>'
            cells.append(f"{opening}{text}</{opening[1:3]}>")
        rows.append(mark_safe("".join(cells)))  # noqa: S308 - every value above is escaped or already safe
    return rows


def filter_panel(changelist: ChangeList) -> SafeString:
    """The filter panel's filters as ``{% admin_list_filter cl spec %}`` renders each of them with
    ``admin/filter.html`` (the same choices, from each filter's own ``choices``), written out in one pass
    instead of a template per filter and a context lookup per choice. A filter with a template of its own
    is rendered by it."""
    by = _(" By %(filter_title)s ")
    parts: list[str] = []
    for spec in changelist.filter_specs:
        if spec.template != "admin/filter.html":
            parts.append(admin_list_filter(changelist, spec))  # type: ignore[arg-type]
            continue
        title = text_escaped(spec.title)
        parts.append(f'\n<details data-filter-title="{title}" open>\n  <summary>\n    ')
        parts.append(by % {"filter_title": title})
        parts.append("\n  </summary>\n  <ul>\n  ")
        for choice in spec.choices(changelist):
            selected = ' class="selected"' if choice["selected"] else ""
            href = text_escaped(iriencode(choice["query_string"]))
            parts.append(f'\n    <li{selected}>\n    <a href="{href}">{text_escaped(choice["display"])}</a></li>\n  ')
        parts.append("\n  </ul>\n</details>\n")
    return mark_safe("".join(parts))  # noqa: S308 - titles, links and labels escaped above
