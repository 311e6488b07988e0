"""The knowledge base: #32 GET (deprecated) and #33 POST ``/knowledgebase/articles``, #34 POST
``/knowledgebase/categories``, #35 DELETE ``/knowledgebase/entries/{entry_id}``, #36 GET
``/knowledgebase/entries``, #37 GET ``/knowledgebase/knowledgebases``, #38 GET ``/knowledgebase/search`` and
#61 GET ``/suggestioncategories`` (reference §2, §3.7, §4.4, §5.19).

Every key reads the whole knowledge base (it is not kept per mailbox); writing is configuration, an admin's
key only (403). Entry ids are ``str(pk)``, as in treepaths; ``kb_id`` is the knowledge base's slug
(``kb_defa`` by default); an unknown one of either is a 404. Empty values are ``""`` (§1); an entry at the
root has ``parent_entry_id`` ``""`` as #32's example shows, and ``0`` or ``""`` both name the root on input.
#32 is #36 with the old parameter names (``parent_id``, ``article_id``) and a default limit of 10; both list
every type of entry, as #32's example (two categories in ``articles``) shows."""

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.links import absolute_url
from knowledgebase import selectors, services
from knowledgebase.models import Entry, KnowledgeBase
from knowledgebase.search import entries_search
from knowledgebase.text import content_simple_html, content_text, entry_path, title_clear
from liveagent.conversations.lookup import conversation_id
from liveagent.departments import department_id, department_visible
from liveagent.plumbing.dates import datetime_in, datetime_out
from liveagent.plumbing.errors import InvalidParameter, service_errors_at
from liveagent.plumbing.permissions import IsAdminKey
from liveagent.plumbing.routes import endpoint
from liveagent.plumbing.views import LiveAgentView
from liveagent.tags import AdminKeyToChange

# The domain's names of what the requests call otherwise.
ENTRY_PARAMETERS = {"parent": "parent_entry_id", "status": "rstatus", "type": "rtype", "mailbox": "departmentid"}
_NUMBER = re.compile(r"[0-9]{1,18}")
_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# --- Reading parameters ------------------------------------------------------------------------------------


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name, "")
    if not value.strip():
        raise InvalidParameter(name, f"Parameter {name} is missing.")
    return value


def _entry_number(value: str, name: str) -> int:
    if not _NUMBER.fullmatch(value.strip()):
        raise InvalidParameter(name, f"Parameter {name} must be an entry id (a whole number).")
    return int(value.strip())


def _knowledge_base_named(kb_id: str) -> KnowledgeBase:
    knowledge_base = selectors.knowledge_base_get(kb_id=kb_id)
    if knowledge_base is None:
        raise NotFound(f"Knowledgebase {kb_id} not found.")
    return knowledge_base


def _knowledge_base(params: Mapping[str, str]) -> KnowledgeBase:
    """``kb_id``, ``kb_defa`` when absent (#33, #34, #38): that one always exists."""
    kb_id = params.get("kb_id", "").strip()
    return _knowledge_base_named(kb_id) if kb_id else services.knowledge_base_default()


def _knowledge_base_filter(params: Mapping[str, str]) -> KnowledgeBase | None:
    """``kb_id`` as a filter (#32, #36): every knowledge base when absent."""
    kb_id = params.get("kb_id", "").strip()
    return _knowledge_base_named(kb_id) if kb_id else None


def _entry(value: str, name: str, *, knowledge_base: KnowledgeBase | None = None) -> Entry:
    entry = selectors.entry_get(
        entry_id=_entry_number(value, name), knowledge_base_id=knowledge_base.pk if knowledge_base else None
    )
    if entry is None:
        raise NotFound(f"Knowledgebase entry {value.strip()} not found.")
    return entry


def _parent(params: Mapping[str, str], knowledge_base: KnowledgeBase) -> Entry | None:
    value = params.get("parent_entry_id", "").strip()
    return None if value in ("", "0") else _entry(value, "parent_entry_id", knowledge_base=knowledge_base)


def _code(params: Mapping[str, str], name: str, allowed: Sequence[str], default: str) -> str:
    value = params.get(name, "").strip() or default
    if value not in allowed:
        raise InvalidParameter(name, f"Parameter {name} must be one of {', '.join(allowed)}.")
    return value


def _rorder(params: Mapping[str, str]) -> int | None:
    value = params.get("rorder", "").strip()
    if value == "":
        return None
    if not _NUMBER.fullmatch(value):
        raise InvalidParameter("rorder", "Parameter rorder must be a whole number of at least 0.")
    return int(value)


def _changed_since(params: Mapping[str, str]) -> datetime | None:
    value = params.get("date_changed", "").strip()
    if not value:
        return None
    # The seed's example is a date (2014-11-24): from its first second on (§1, report dates).
    return datetime_in(f"{value} 00:00:00" if _DATE_ONLY.fullmatch(value) else value, parameter="date_changed")


# --- Payloads (§3.7) ---------------------------------------------------------------------------------------


def _id_or_empty(pk: int | None) -> str:
    return "" if pk is None else str(pk)


def _fields(entry: Entry) -> dict[str, str]:
    """Every column the entry payloads share, as strings; each payload picks its own, in the seed's order."""
    return {
        "kb_id": entry.knowledge_base_id,
        "kb_entry_id": str(entry.pk),
        "parent_entry_id": _id_or_empty(entry.parent_id),
        "rtype": entry.type,
        "rstatus": entry.status,
        "access": entry.access,
        "access_inherited": entry.access_inherited,  # type: ignore[attr-defined]
        "urlcode": entry.urlcode,
        "treepath": entry.treepath,
        "rorder": str(entry.rorder),
        "title": entry.title,
        "metadescription": entry.metadescription,
        "keywords": entry.keywords,
        "content": entry.content,
        "conversationid": conversation_id(entry.conversation_id) if entry.conversation_id else "",
        "departmentid": department_id(entry.mailbox_id) if entry.mailbox_id else "",
        "views": str(entry.views),
        "votes": str(entry.votes),
        "datecreated": datetime_out(entry.created_at) or "",
        "datechanged": datetime_out(entry.updated_at) or "",
        "description": entry.description,
    }


_ENTRY_ROW = (
    "kb_id", "kb_entry_id", "parent_entry_id", "rtype", "rstatus", "access", "access_inherited", "urlcode",
    "treepath", "rorder", "title", "metadescription", "keywords", "content", "conversationid", "departmentid",
    "views", "votes", "datecreated", "datechanged", "deleted", "description",
)  # fmt: skip
_ARTICLE = (
    "kb_id", "kb_entry_id", "parent_entry_id", "urlcode", "title", "content", "content_text",
    "content_simple_html", "treepath", "rstatus", "access", "access_inherited", "rorder", "keywords",
    "datecreated", "datechanged", "views",
)  # fmt: skip
_CATEGORY = (
    "kb_id", "kb_entry_id", "parent_entry_id", "urlcode", "title", "treepath", "rtype", "rstatus", "access",
    "access_inherited", "rorder", "keywords", "datecreated", "datechanged", "departmentid", "views",
    "description",
)  # fmt: skip


def _pick(fields: dict[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {name: fields[name] for name in names}


def entry_row(entry: Entry) -> dict[str, str]:
    """An entry of #36 and #32 (after ``selectors.entries_annotate``)."""
    fields = _fields(entry)
    fields["deleted"] = "Y" if selectors.entry_is_deleted(entry) else "N"
    return _pick(fields, _ENTRY_ROW)


def article_payload(entry: Entry) -> dict[str, str]:
    """What #33 created."""
    fields = _fields(entry)
    fields["content_text"] = content_text(entry.content)
    fields["content_simple_html"] = content_simple_html(entry.content)
    return _pick(fields, _ARTICLE)


def category_payload(entry: Entry) -> dict[str, str]:
    """What #34 created."""
    return _pick(_fields(entry), _CATEGORY)


def entry_public_url(entry: Entry) -> str:
    """``//<host>/help/<urlcode>-<Title-With-Dashes>``: protocol-relative as LiveAgent writes it."""
    url = absolute_url(entry_path(urlcode=entry.urlcode, title=entry.title))
    return "//" + url.split("://", 1)[1]


def search_row(entry: Entry) -> dict[str, str]:
    """A #38 result."""
    return {
        "kb_id": entry.knowledge_base_id,
        "kb_entry_id": str(entry.pk),
        "rtype": entry.type,
        "rstatus": entry.status,
        "access": entry.access,
        "access_inherited": entry.access_inherited,  # type: ignore[attr-defined]
        "urlcode": entry.urlcode,
        "treepath": entry.treepath,
        "title": entry.title,
        "title_clear": title_clear(entry.title),
        "content_text": content_text(entry.content),
        "content_simple_html": content_simple_html(entry.content),
        "conversationid": conversation_id(entry.conversation_id) if entry.conversation_id else "",
        "votesCount": str(entry.votes),
        "datechanged": datetime_out(entry.updated_at) or "",
        "url": entry_public_url(entry),
    }


def _annotated(entry: Entry) -> Entry:
    selectors.entries_annotate([entry])
    return entry


# --- Views -------------------------------------------------------------------------------------------------


class _EntryListView(LiveAgentView):
    """#36, and #32 under its old names."""

    html_fields = frozenset({"content"})
    container = "entries"
    default_limit = 50
    parent_name = "parent_entry_id"
    entry_name = "entry_id"
    takes_date_changed = True

    def entries(self) -> list[dict[str, Any]]:
        params = self.params()
        page = self.page(default_limit=self.default_limit, max_limit=500)
        knowledge_base = _knowledge_base_filter(params)
        parent_value = params.get(self.parent_name, "").strip()
        parent = None
        if parent_value not in ("", "0"):
            parent = _entry(parent_value, self.parent_name, knowledge_base=knowledge_base)
        entry_value = params.get(self.entry_name, "").strip()
        only = _entry(entry_value, self.entry_name, knowledge_base=knowledge_base) if entry_value else None
        entries = selectors.entries_filtered(
            knowledge_base_id=knowledge_base.pk if knowledge_base else None,
            tree_path=params.get("tree_path", "").strip() or None,
            parent_id=parent.pk if parent else None,
            at_root=parent_value == "0",
            entry_id=only.pk if only else None,
            changed_since=_changed_since(params) if self.takes_date_changed else None,
        )
        return [entry_row(entry) for entry in selectors.entries_annotate(list(entries[page.slice]))]

    def get(self, request: Request) -> Response:
        return self.answer({self.container: self.entries()})


class EntryListView(_EntryListView):
    pass


class ArticleListView(_EntryListView):
    """#32 GET, and #33 POST on the same path."""

    permission_classes = [AdminKeyToChange]
    html_fields = frozenset({"content", "content_simple_html"})
    container = "articles"
    default_limit = 10
    parent_name = "parent_id"
    entry_name = "article_id"
    takes_date_changed = False

    def post(self, request: Request) -> Response:
        params = self.params()
        title, content = _required(params, "title"), _required(params, "content")
        knowledge_base = _knowledge_base(params)
        with service_errors_at(ENTRY_PARAMETERS):
            entry = services.entry_create(
                knowledge_base=knowledge_base,
                parent=_parent(params, knowledge_base),
                type=Entry.Type.ARTICLE,
                title=title,
                content=content,
                status=_code(params, "rstatus", ("P", "D"), Entry.Status.PUBLISHED),
                access=_code(params, "access", ("I", "P"), Entry.Access.PUBLIC),
                rorder=_rorder(params),
                keywords=params.get("keywords", ""),
                full_preview=_code(params, "full_preview", ("Y", "N"), "N") == "Y",
            )
        return self.answer(article_payload(_annotated(entry)))


class CategoryCreateView(LiveAgentView):
    """#34: a category, a forum or a suggestion category."""

    permission_classes = [IsAdminKey]

    def post(self, request: Request) -> Response:
        params = self.params()
        title = _required(params, "title")
        knowledge_base = _knowledge_base(params)
        rtype = _code(params, "rtype", ("C", "Q", "G"), Entry.Type.CATEGORY)
        departmentid = params.get("departmentid", "").strip()
        mailbox = department_visible(user=self.user, departmentid=departmentid) if departmentid else None
        with service_errors_at(ENTRY_PARAMETERS):
            entry = services.entry_create(
                knowledge_base=knowledge_base,
                parent=_parent(params, knowledge_base),
                type=rtype,
                title=title,
                access=_code(params, "access", ("I", "P"), Entry.Access.PUBLIC),
                rorder=_rorder(params),
                keywords=params.get("keywords", ""),
                description=params.get("description", ""),
                mailbox=mailbox,
            )
        return self.answer(category_payload(_annotated(entry)))


class EntryView(LiveAgentView):
    """#35: the entry and its whole subtree, for good."""

    permission_classes = [IsAdminKey]

    def delete(self, request: Request, entry_id: str) -> Response:
        # In the path, anything but a known entry id is simply not found.
        entry = selectors.entry_get(entry_id=int(entry_id)) if _NUMBER.fullmatch(entry_id) else None
        if entry is None:
            raise NotFound(f"Knowledgebase entry {entry_id} not found.")
        services.entry_delete(entry=entry)
        return self.ok()


class KnowledgeBaseListView(LiveAgentView):
    def get(self, request: Request) -> Response:
        page = self.page(default_limit=10, max_limit=500)
        rows = selectors.knowledge_bases()[page.slice]
        return self.answer({"knowledgebases": [{"kb_id": kb.pk, "name": kb.name} for kb in rows]})


class SearchView(LiveAgentView):
    """#38: best first. Every key searches internal entries and drafts too (agents answer with them);
    entries whose ticket went to Deleted are skipped."""

    html_fields = frozenset({"content_simple_html"})

    def get(self, request: Request) -> Response:
        params = self.params()
        query = _required(params, "query")
        page = self.page(default_limit=10, max_limit=500, offset_name=None)
        knowledge_base = _knowledge_base(params)
        top = params.get("top_article_id", "").strip()
        under = _entry(top, "top_article_id", knowledge_base=knowledge_base) if top not in ("", "0") else None
        found = entries_search(
            query=query, knowledge_base_id=knowledge_base.pk, under=under, limit=page.limit, public_only=False
        )
        return self.answer({"entries": [search_row(entry) for entry in selectors.entries_annotate(found)]})


class SuggestionCategoryListView(LiveAgentView):
    """#61: ``path`` is the titles from the top down to the category's own, joined by `` / ``."""

    def get(self, request: Request) -> Response:
        rows = [
            {"id": str(entry.pk), "title": entry.title, "path": " / ".join([*entry.ancestor_titles, entry.title])}  # type: ignore[attr-defined]
            for entry in selectors.suggestion_categories()
        ]
        return self.answer({"suggestioncategories": rows})


urlpatterns = [
    endpoint(r"knowledgebase/articles", ArticleListView.as_view(), name="liveagent-kb-articles"),
    endpoint(r"knowledgebase/categories", CategoryCreateView.as_view(), name="liveagent-kb-categories"),
    endpoint(r"knowledgebase/entries", EntryListView.as_view(), name="liveagent-kb-entries"),
    endpoint(r"knowledgebase/entries/(?P<entry_id>[^/]+?)", EntryView.as_view(), name="liveagent-kb-entry"),
    endpoint(r"knowledgebase/knowledgebases", KnowledgeBaseListView.as_view(), name="liveagent-kb-knowledgebases"),
    endpoint(r"knowledgebase/search", SearchView.as_view(), name="liveagent-kb-search"),
    endpoint(r"suggestioncategories", SuggestionCategoryListView.as_view(), name="liveagent-suggestioncategories"),
]
