"""The conversation page's form widgets written out in Python: Django renders each widget, each option of a
select and each attribute through its own template include, a sizeable part of the page's time. The HTML
is the same, character for character, as Django's default widget templates give
(``tests/core/test_admin_conversation_page.py`` compares them); a template this module does not know
(a file input showing its current file, a form's error list) is rendered by the wrapped renderer as before.
"""

from collections.abc import Callable
from typing import Any

from django.forms.renderers import BaseRenderer
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.html import conditional_escape

_PLAIN = Context()


def _out(value: Any) -> str:
    """``{{ value }}`` in a template: localised, then escaped unless marked safe."""
    return conditional_escape(value) if isinstance(value, str) else render_value_in_context(value, _PLAIN)


def _formatted(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: not localised, escaped unless marked safe."""
    return conditional_escape(value) if isinstance(value, str) else conditional_escape(f"{value}")


def _attrs(attrs: dict[str, Any]) -> str:
    return "".join(
        f" {_out(name)}" if value is True else f' {_out(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


# Each writer returns what its template gives, the newline that ends the template's file included: an
# included template keeps it (only the outermost render is stripped).


def _input(widget: dict[str, Any]) -> str:
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    return f'<input type="{_out(widget["type"])}" name="{_out(widget["name"])}"{value}{_attrs(widget["attrs"])}>\n'


def _textarea(widget: dict[str, Any]) -> str:
    value = _out(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>\n'


def _select_option(widget: dict[str, Any]) -> str:
    return f'<option value="{_formatted(widget["value"])}"{_attrs(widget["attrs"])}>{_out(widget["label"])}</option>\n'


def _input_option(widget: dict[str, Any]) -> str:
    if not widget["wrap_label"]:
        return f"{_input(widget)}\n"
    label_for = f' for="{_out(widget["attrs"]["id"])}"' if widget["attrs"].get("id") else ""
    return f"<label{label_for}>{_input(widget)} {_out(widget['label'])}</label>\n"


def _choice_option(widget: dict[str, Any]) -> str:
    return f"{_input_option(widget)}\n"  # radio_option.html and checkbox_option.html include input_option.html


def _option(widget: dict[str, Any]) -> str:
    return _OPTIONS[widget["template_name"]](widget)


def _grouped(optgroups: list[tuple[Any, list[dict[str, Any]], int]], *, opens: str, option: str, closes: str) -> str:
    """The options of a choice widget, each group's between ``opens`` (formatted with its name) and
    ``closes``, each option as ``option`` formats it."""
    html = []
    for group, options, _index in optgroups:
        if group:
            html.append(opens.format(_out(group)))
        html.extend(option.format(_option(each)) for each in options)
        if group:
            html.append(closes)
    return "".join(html)


def _select(widget: dict[str, Any]) -> str:
    opens, closes = '\n  <optgroup label="{}">', "\n  </optgroup>"
    options = _grouped(widget["optgroups"], opens=opens, option="\n  {}", closes=closes)
    return f'<select name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>{options}\n</select>\n'


def _multiple_input(widget: dict[str, Any]) -> str:
    id_, class_ = widget["attrs"].get("id"), widget["attrs"].get("class")
    id_html = f' id="{_out(id_)}"' if id_ else ""
    class_html = f' class="{_out(class_)}"' if class_ else ""
    options = _grouped(
        widget["optgroups"], opens="\n  <div><label>{}</label>", option="<div>\n    {}</div>", closes="\n  </div>"
    )
    return f"<div{id_html}{class_html}>{options}\n</div>\n"


def _file_input(widget: dict[str, Any]) -> str | None:
    if widget["is_initial"]:
        return None  # a current file to show: the template's
    return f'<input type="{_out(widget["type"])}" name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>\n'


_WIDGETS = "django/forms/widgets/"
_OPTIONS: dict[str, Callable[[dict[str, Any]], str]] = {
    f"{_WIDGETS}select_option.html": _select_option,
    f"{_WIDGETS}radio_option.html": _choice_option,
    f"{_WIDGETS}checkbox_option.html": _choice_option,
    f"{_WIDGETS}input_option.html": _input_option,
}
_TEMPLATES: dict[str, Callable[[dict[str, Any]], str | None]] = {
    **{
        f"{_WIDGETS}{kind}.html": _input
        for kind in ("input", "text", "hidden", "email", "url", "number", "date", "time", "password", "checkbox")
    },
    f"{_WIDGETS}textarea.html": _textarea,
    f"{_WIDGETS}select.html": _select,
    f"{_WIDGETS}radio.html": _multiple_input,
    f"{_WIDGETS}checkbox_select.html": _multiple_input,
    f"{_WIDGETS}multiple_input.html": _multiple_input,
    f"{_WIDGETS}clearable_file_input.html": _file_input,
    **_OPTIONS,
}


class WidgetsInPython(BaseRenderer):
    """Renders the widget templates above in Python and hands everything else to ``renderer``."""

    def __init__(self, renderer: BaseRenderer) -> None:
        self.renderer = renderer
        self.form_template_name = renderer.form_template_name
        self.formset_template_name = renderer.formset_template_name
        self.field_template_name = renderer.field_template_name

    def get_template(self, template_name: str) -> Any:
        return self.renderer.get_template(template_name)

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        write = _TEMPLATES.get(template_name)
        html = write(context["widget"]) if write is not None and "widget" in context else None
        if html is None:
            return self.renderer.render(template_name, context, request=request)
        return html.strip()
