"""A ``<select>`` written out in Python, as Django's form templates write it: the list's action bar has four
(an option per assignee and per mailbox among them), and the form template engine renders an include for
each option and each of its attributes."""

from html import escape
from typing import Any

from django import forms
from django.utils.safestring import SafeData, SafeString, mark_safe


def _text(value: Any) -> str:
    return str(value) if isinstance(value, SafeData) else escape(str(value))


def _attributes(attrs: dict[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``: False leaves the attribute out, True writes its name alone."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class ListedSelect(forms.Select):
    """``forms.Select`` with the same HTML (``django/forms/widgets/select.html`` and ``select_option.html``),
    written without the template engine (the option template's own last line break included)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{_text(widget["name"])}"{_attributes(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_text(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{_text(option["value"])}"{_attributes(option["attrs"])}>'
                    f"{_text(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or already safe
