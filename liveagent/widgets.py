"""Contact widgets: #67 ``GET /widgets``, #69 ``POST /widgets``, #68 ``GET`` and #70 ``PUT
/widgets/{contactwidgetid}`` (reference §2, §3.9).

Any key reads the widgets of the departments it sees (others are unknown: 404); creating and changing them
is configuration, for an admin's key only (403). #70 replaces the whole widget: what it is not given goes
back to its default. ``attributes`` and ``form_fields`` are strings holding JSON arrays, checked against
their columns by ``widgets.services``. The code fields (CODE8, ``integration_code``) are HTML, written as
CDATA in XML: those given are kept as given; the others, and ``integration_code``, are our real snippet
(widgets/snippets.py). The answers of #68-#70 name the last CSS field ``offlinecode_ieold_CSS`` where #67
and every request say ``offlinecode_ieold_css`` (reference §5.26): reproduced, and both spellings are taken."""

from collections.abc import Mapping
from typing import Any

import orjson
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.models import User
from knowledgebase.models import KnowledgeBase
from liveagent.departments import department_id, department_visible
from liveagent.ids import Kind, id_encode, pk_decode
from liveagent.plumbing.dates import datetime_in, datetime_out
from liveagent.plumbing.errors import InvalidParameter, service_errors_at
from liveagent.plumbing.routes import endpoint
from liveagent.plumbing.views import LiveAgentView
from liveagent.tags import AdminKeyToChange
from mailboxes.selectors import mailboxes_accessible_by
from widgets import services
from widgets.models import ATTRIBUTE_COLUMNS, FORM_FIELD_COLUMNS, Widget
from widgets.selectors import widgets_for_mailboxes
from widgets.snippets import integration_code

# The request's names of the code fields, by our column.
CODE_PARAMETERS = {
    "online_code": "onlinecode",
    "online_code_ieold": "onlinecode_ieold",
    "offline_code": "offlinecode",
    "offline_code_ieold": "offlinecode_ieold",
    "online_code_css": "onlinecode_css",
    "online_code_ieold_css": "onlinecode_ieold_css",
    "offline_code_css": "offlinecode_css",
    "offline_code_ieold_css": "offlinecode_ieold_css",
}
HTML_CODES = ("online_code", "online_code_ieold", "offline_code", "offline_code_ieold")
# The domain's names of the request's parameters, where they differ (for service_errors_at).
PARAMETERS = {
    "type": "rtype",
    "use_code": "usecode",
    "mailbox": "departmentid",
    "knowledge_base": "kb_id",
    "attributes": "attributes",
    "form_fields": "form_fields",
    **CODE_PARAMETERS,
}
REQUIRED = ("name", "provide", "departmentid", "rtype", "usecode", "status", "attributes")
HTML_FIELDS = frozenset({*CODE_PARAMETERS.values(), "offlinecode_ieold_CSS", "integration_code"})


def widget_id(pk: int) -> str:
    return id_encode(Kind.WIDGET, pk)


def _widgets(user: User) -> QuerySet[Widget]:
    return widgets_for_mailboxes(mailboxes_accessible_by(user=user))


def widget_visible(*, user: User, contactwidgetid: str) -> Widget:
    """The widget ``contactwidgetid`` names, if ``user``'s key may see its department; else 404."""
    pk = pk_decode(Kind.WIDGET, contactwidgetid.strip())
    widget = _widgets(user).filter(pk=pk).first() if pk is not None else None
    if widget is None:
        raise NotFound(f"Widget {contactwidgetid} not found.")
    return widget


def _codes(widget: Widget) -> dict[str, str | None]:
    """CODE8 as #67 names them: the given code, else (for the four HTML codes) the snippet."""
    snippet = integration_code(widget)
    codes: dict[str, str | None] = {}
    for column, name in CODE_PARAMETERS.items():
        value = getattr(widget, column)
        codes[name] = value if value is not None or column not in HTML_CODES else snippet
    return codes


def _head(widget: Widget) -> dict[str, Any]:
    return {"contactwidgetid": widget_id(widget.pk), "name": widget.name, "provide": widget.provide}


def _counters(widget: Widget) -> dict[str, Any]:
    return {
        "description": widget.description,
        "impressions": str(widget.impressions),
        "tickets": str(widget.tickets),
        "language": widget.language,
        "last_display_time": datetime_out(widget.last_display_time),
        "last_display_url": widget.last_display_url,
    }


def widget_row_payload(widget: Widget) -> dict[str, Any]:
    """#67's row."""
    return {
        **_head(widget),
        "departmentid": department_id(widget.mailbox_id),
        "kb_id": widget.knowledge_base_id,
        "rtype": widget.type,
        "usecode": widget.use_code,
        "status": widget.status,
        **_counters(widget),
        **_codes(widget),
        "integration_code": integration_code(widget),
    }


def widget_payload(widget: Widget) -> dict[str, Any]:
    """#68, and what #69 and #70 wrote."""
    codes = _codes(widget)
    codes["offlinecode_ieold_CSS"] = codes.pop("offlinecode_ieold_css")
    return {
        **_head(widget),
        "departmentid": department_id(widget.mailbox_id),
        "rtype": widget.type,
        "usecode": widget.use_code,
        "status": widget.status,
        "kb_id": widget.knowledge_base_id,
        **_counters(widget),
        **codes,
        "integration_code": integration_code(widget),
        "attributes": _rows(widget.attributes, ATTRIBUTE_COLUMNS),
        "form_fields": _rows(widget.form_fields, FORM_FIELD_COLUMNS),
    }


def _rows(rows: list[dict[str, str]], columns: tuple[str, ...]) -> list[dict[str, str]]:
    """Stored rows in the documented column order (PostgreSQL's jsonb keeps no key order)."""
    return [{column: row.get(column, "") for column in columns} for row in rows]


def _json_list(params: Mapping[str, str], name: str) -> Any:
    raw = params.get(name, "")
    if not raw.strip():
        return []
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidParameter(name, f"{name}: not valid JSON. Expected a JSON array of objects.") from None


def _knowledge_base(params: Mapping[str, str]) -> KnowledgeBase | None:
    kb_id = params.get("kb_id", "").strip()
    if not kb_id:
        return None
    knowledge_base = KnowledgeBase.objects.filter(pk=kb_id).first()
    if knowledge_base is None:
        raise NotFound(f"Knowledge base {kb_id} not found.")
    return knowledge_base


class WidgetWriteMixin(LiveAgentView):
    permission_classes = [AdminKeyToChange]
    html_fields = HTML_FIELDS

    def widget_fields(self, *, required: tuple[str, ...]) -> dict[str, Any]:
        """The whole widget from the parameters, as ``widget_create``/``widget_update`` take it."""
        params = self.params()
        if "offlinecode_ieold_css" not in params and "offlinecode_ieold_CSS" in params:
            params["offlinecode_ieold_css"] = params["offlinecode_ieold_CSS"]
        for name in required:
            if name not in params:
                raise InvalidParameter(name, f"Parameter {name} is missing.")
        last_display_time = params.get("last_display_time", "").strip()
        return {
            "name": params["name"],
            "mailbox": department_visible(user=self.user, departmentid=params["departmentid"].strip()),
            "provide": params["provide"].strip(),
            "knowledge_base": _knowledge_base(params),
            "type": params["rtype"].strip(),
            "use_code": params["usecode"].strip(),
            "status": params["status"].strip(),
            "description": params.get("description", ""),
            "language": params.get("language", "").strip(),
            "last_display_time": (
                datetime_in(last_display_time, parameter="last_display_time") if last_display_time else None
            ),
            "last_display_url": params.get("last_display_url", "").strip(),
            "attributes": _json_list(params, "attributes"),
            "form_fields": _json_list(params, "form_fields"),
            **{column: params.get(name) or None for column, name in CODE_PARAMETERS.items()},
        }


class WidgetListView(WidgetWriteMixin):
    def get(self, request: Request) -> Response:
        params = self.params()
        widgets = _widgets(self.user)
        if provide := params.get("provide", "").strip():
            widgets = widgets.filter(provide=provide)
        if departmentid := params.get("departmentid", "").strip():
            widgets = widgets.filter(mailbox=department_visible(user=self.user, departmentid=departmentid))
        for name, column, choices in (
            ("rtype", "type", Widget.Type),
            ("usecode", "use_code", Widget.UseCode),
            ("status", "status", Widget.Status),
        ):
            if value := params.get(name, "").strip():
                if value not in choices.values:
                    raise InvalidParameter(name, f"{name}: unknown code {value!r}; one of {', '.join(choices.values)}.")
                widgets = widgets.filter(**{column: value})
        page = self.page(default_limit=100, max_limit=1000, limit_name="limitcount", offset_name="limitfrom")
        return self.answer({"widgets": [widget_row_payload(widget) for widget in widgets[page.slice]]})

    def post(self, request: Request) -> Response:
        fields = self.widget_fields(required=REQUIRED)
        with service_errors_at(PARAMETERS):
            widget = services.widget_create(**fields)
        return self.answer(widget_payload(widget))


class WidgetView(WidgetWriteMixin):
    def get(self, request: Request, contactwidgetid: str) -> Response:
        return self.answer(widget_payload(widget_visible(user=self.user, contactwidgetid=contactwidgetid)))

    def put(self, request: Request, contactwidgetid: str) -> Response:
        widget = widget_visible(user=self.user, contactwidgetid=contactwidgetid)
        fields = self.widget_fields(required=(*REQUIRED, "form_fields"))
        with service_errors_at(PARAMETERS):
            widget = services.widget_update(widget=widget, **fields)
        return self.answer(widget_payload(widget))


urlpatterns = [
    endpoint(r"widgets", WidgetListView.as_view(), name="liveagent-widgets"),
    endpoint(r"widgets/(?P<contactwidgetid>[^/]+?)", WidgetView.as_view(), name="liveagent-widget"),
]
