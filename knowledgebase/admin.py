"""Writing the knowledge base in the admin: agents add and change entries (LiveAgent's #33-#35, configuration
in the reference's §1, stay with admins' keys); deleting entries and managing knowledge bases is an admin's.

The entry list is a tree walked one level at a time: ``?parent=<id>`` (the top level by default) with
breadcrumbs above, each row's contents one click away, up/down buttons that reorder siblings, and a search
that looks through the whole tree. The change form edits an article's HTML in a small rich-text editor
(``RichTextEditor``: a toolbar over a contenteditable area, served from our static files, the plain
textarea when JavaScript is off); whatever it posts is sanitised by the services (nh3), which make every
write: create, update, move (a new parent), reorder (a new position) and delete (the whole subtree)."""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from helpdesk.admin import ServiceErrorsAsMessagesMixin, admin_user, adopt
from knowledgebase import selectors, services
from knowledgebase.models import DEFAULT_KNOWLEDGE_BASE, Entry, KnowledgeBase
from knowledgebase.text import entry_path
from mailboxes.models import Mailbox
from mailboxes.selectors import mailboxes_accessible_by

ROOT = "root"
TRAIL = " \u203a "  # the breadcrumbs' separator
SHIFT_BUTTON = (
    '<button type="submit" form="kb-shift" class="kb-shift" formaction="{}" title="{}" aria-label="{}">{}</button>'
)


class RichTextEditor(forms.Textarea):
    """A textarea that ``knowledgebase/editor.js`` turns into a toolbar and an editable area, and back
    into HTML on submit. The HTML is only a suggestion: the services sanitise it."""

    template_name = "knowledgebase/rich_text_editor.html"

    class Media:
        css = {"all": ["knowledgebase/editor.css"]}
        js = ["knowledgebase/editor.js"]

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"rows": 16, "class": "kb-editor-source", **(attrs or {})})


class ParentChoiceField(forms.ModelChoiceField):
    """Containers indented by depth, so that the choice reads like the tree."""

    def label_from_instance(self, obj: Entry) -> str:
        depth = getattr(obj, "depth", 0)
        return f"{'— ' * depth}{obj.title} ({obj.get_type_display()})"


class EntryForm(forms.ModelForm):
    parent = ParentChoiceField(queryset=Entry.objects.none(), required=False, empty_label="(top level)", label="Inside")
    rorder = forms.IntegerField(
        min_value=0,
        max_value=services.MAX_RORDER,
        required=False,
        label="Position",
        help_text="0 is the top. New entries go on top unless a position is given; the entries at that "
        "position and below move one down.",
    )

    class Meta:
        model = Entry
        fields = [
            "knowledge_base",
            "parent",
            "type",
            "title",
            "content",
            "status",
            "access",
            "rorder",
            "keywords",
            "metadescription",
            "description",
            "mailbox",
            "full_preview",
        ]
        widgets = {"content": RichTextEditor(), "metadescription": forms.Textarea(attrs={"rows": 2})}
        labels = {"mailbox": "Department", "metadescription": "Meta description", "full_preview": "Full preview"}
        help_texts = {
            "content": "Sanitised when saved: scripts, styles and event handlers are removed.",
            "access": "Internal entries, and everything inside them, never show on the public help center.",
            "mailbox": "Forums and suggestion categories only: the mailbox that handles their tickets.",
            "full_preview": "Show the whole article in lists of articles.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = cast(ParentChoiceField, self.fields["parent"])
        choices = selectors.containers()
        if self.instance.pk is not None:
            # Never inside itself or its own subtree.
            below = set(Entry.objects.filter(services.subtree_q(self.instance)).values_list("pk", flat=True))
            choices = [entry for entry in choices if entry.pk != self.instance.pk and entry.pk not in below]
        parent.queryset = Entry.objects.filter(pk__in=[entry.pk for entry in choices])
        # The queryset is re-read on validation; the indented, ordered list is what the select shows.
        parent.choices = [
            ("", parent.empty_label),
            *((entry.pk, parent.label_from_instance(entry)) for entry in choices),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        parent: Entry | None = cleaned.get("parent")
        entry_type = cleaned.get("type") or self.instance.type
        knowledge_base = cleaned.get("knowledge_base") or getattr(self.instance, "knowledge_base", None)
        if entry_type and (parent.type if parent else None) not in services.ALLOWED_PARENTS.get(entry_type, ()):
            where = f"inside a {parent.get_type_display().lower()}" if parent else "at the top level"
            self.add_error("parent", f"A {Entry.Type(entry_type).label.lower()} cannot be {where}.")
        if parent is not None and knowledge_base is not None and parent.knowledge_base_id != knowledge_base.pk:
            self.add_error("parent", "That entry is in another knowledge base.")
        if cleaned.get("mailbox") and entry_type not in (Entry.Type.FORUM, Entry.Type.SUGGESTION_CATEGORY):
            self.add_error("mailbox", "Only forums and suggestion categories have a department.")
        return cleaned


class ParentFilter(admin.SimpleListFilter):
    """The level of the tree shown: the top level unless a parent is chosen or a search is made."""

    title = "inside"
    parameter_name = "parent"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(ROOT, "(top level)")] + [
            (str(entry.pk), f"{'— ' * entry.depth}{entry.title}")  # type: ignore[attr-defined]
            for entry in selectors.containers()
        ]

    def value(self) -> str | None:
        value = super().value()
        if value is None and not self.searching:
            return ROOT
        return value

    def choices(self, changelist: Any) -> Any:
        # No "All": without a choice the top level shows (a search looks through the whole tree).
        return list(super().choices(changelist))[1:]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Entry]) -> QuerySet[Entry]:
        value = self.value()
        if value == ROOT:
            return queryset.filter(parent__isnull=True)
        if value and value.isdigit():
            return queryset.filter(parent_id=int(value))
        return queryset

    def __init__(self, request: HttpRequest, params: Any, model: Any, model_admin: Any) -> None:
        self.searching = bool(request.GET.get("q"))
        super().__init__(request, params, model, model_admin)


class EntryChangeList(ChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        if self.query:
            # Search results come from anywhere in the tree: each shows its path (one query for the page).
            selectors.entries_annotate(list(self.result_list))


@admin.register(Entry)
class EntryAdmin(ServiceErrorsAsMessagesMixin, admin.ModelAdmin):
    form = EntryForm
    change_list_template = "admin/knowledgebase/entry/change_list.html"
    list_display = ["title_link", "type", "status", "access_shown", "contents", "position", "views", "updated_at"]
    list_display_links = None
    list_filter = [ParentFilter, "type", "status", "access", "knowledge_base"]
    search_fields = ["title", "keywords", "content"]
    ordering = ["rorder", "id"]
    list_per_page = 100
    readonly_fields = ["location", "public_page", "urlcode", "treepath", "views", "votes", "created_at", "updated_at"]
    actions = ["publish", "unpublish"]

    def get_fieldsets(self, request: HttpRequest, obj: Entry | None = None) -> Any:
        where = ["knowledge_base", "parent", "type"] if obj is None else ["location", "parent"]
        fieldsets: list[tuple[str | None, dict[str, Any]]] = [
            (None, {"fields": [*where, "title", "content"]}),
            ("Publishing", {"fields": ["status", "access", "rorder", "full_preview"]}),
            ("Search and forums", {"fields": ["keywords", "metadescription", "description", "mailbox"]}),
        ]
        if obj is not None:
            record = ["public_page", "urlcode", "treepath", "views", "votes", "created_at", "updated_at"]
            fieldsets.append(("Record", {"fields": record}))
        return fieldsets

    def get_form(self, request: HttpRequest, obj: Entry | None = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form.base_fields["knowledge_base"].initial = DEFAULT_KNOWLEDGE_BASE
        elif obj.mailbox_id is not None and "mailbox" in form.base_fields:
            # The department set by someone else stays a valid choice for an agent outside it.
            mailbox = cast(forms.ModelChoiceField, form.base_fields["mailbox"])
            offered = mailbox.queryset if mailbox.queryset is not None else Mailbox.objects.none()
            mailbox.queryset = (offered | Mailbox.objects.filter(pk=obj.mailbox_id)).distinct()
        return form

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "mailbox":
            # An agent picks among the mailboxes it works in.
            kwargs["queryset"] = mailboxes_accessible_by(user=admin_user(request)).order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        # "Add here" from a level of the tree passes ?parent=<id>; a forum's children are topics and so on.
        parent_id = request.GET.get("parent", "")
        parent = Entry.objects.filter(pk=int(parent_id)).first() if parent_id.isdigit() else None
        if parent is not None:
            initial["knowledge_base"] = parent.knowledge_base_id
            child_types = {Entry.Type.FORUM: Entry.Type.TOPIC, Entry.Type.SUGGESTION_CATEGORY: Entry.Type.SUGGESTION}
            initial["type"] = child_types.get(Entry.Type(parent.type), Entry.Type.ARTICLE)
        else:
            initial.pop("parent", None)
            initial.setdefault("type", Entry.Type.ARTICLE)
        return initial

    def get_queryset(self, request: HttpRequest) -> QuerySet[Entry]:
        return (
            super()
            .get_queryset(request)
            .select_related("knowledge_base")
            .annotate(children_total=Count("children"), internal_above=selectors.internal_above())
        )

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return EntryChangeList

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Entry], search_term: str) -> Any:
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            queryset = queryset.order_by("treepath", "rorder", "id")
        return queryset, duplicates

    # --- Columns -----------------------------------------------------------------------------------

    @admin.display(description="Title", ordering="title")
    def title_link(self, obj: Entry) -> str:
        url = reverse("admin:knowledgebase_entry_change", args=[obj.pk])
        trail = getattr(obj, "ancestor_titles", [])
        above = format_html('<span class="kb-trail">{}{}</span>', TRAIL.join(trail), TRAIL) if trail else ""
        return format_html('{}<a href="{}">{}</a>', above, url, obj.title)

    @admin.display(description="Access")
    def access_shown(self, obj: Entry) -> str:
        if obj.access == Entry.Access.INTERNAL:
            return "Internal"
        return "Internal (inherited)" if getattr(obj, "internal_above", False) else "Public"

    @admin.display(description="Contents", ordering="children_total")
    def contents(self, obj: Entry) -> str:
        total = getattr(obj, "children_total", 0)
        if obj.type not in selectors.CONTAINER_TYPES:
            return "—"
        url = reverse("admin:knowledgebase_entry_changelist") + f"?parent={obj.pk}"
        noun = "entry" if total == 1 else "entries"
        return format_html('<a class="kb-open" href="{}">{} {}{}</a>', url, total, noun, TRAIL.rstrip())

    @admin.display(description="Order", ordering="rorder")
    def position(self, obj: Entry) -> str:
        buttons = format_html_join(
            "",
            SHIFT_BUTTON,
            (
                (reverse("admin:knowledgebase_entry_shift", args=[obj.pk, direction]), label, label, arrow)
                for direction, label, arrow in (("up", "Move up", "↑"), ("down", "Move down", "↓"))
            ),
        )
        return format_html('<span class="kb-rorder">{}</span> {}', obj.rorder, buttons)

    @admin.display(description="Location")
    def location(self, obj: Entry) -> str:
        selectors.entries_annotate([obj])
        crumbs = [obj.knowledge_base.name, *obj.ancestor_titles]  # type: ignore[attr-defined]
        return TRAIL.join(crumbs)

    @admin.display(description="Public page")
    def public_page(self, obj: Entry) -> str:
        selectors.entries_annotate([obj])
        if obj.access_inherited == Entry.Access.INTERNAL:  # type: ignore[attr-defined]
            return "None: internal (on its own or through a category above)."
        if obj.status != Entry.Status.PUBLISHED:
            return f"None yet: {obj.get_status_display().lower()}."
        url = entry_path(urlcode=obj.urlcode, title=obj.title)
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    # --- Writes through the services ----------------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Entry, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        fields = {
            "title": data["title"],
            "content": data.get("content") or "",
            "status": data["status"],
            "access": data["access"],
            "keywords": data.get("keywords") or "",
            "metadescription": data.get("metadescription") or "",
            "description": data.get("description") or "",
            "mailbox": data.get("mailbox"),
            "full_preview": bool(data.get("full_preview")),
        }
        if not change:
            saved = services.entry_create(
                knowledge_base=data["knowledge_base"],
                parent=data.get("parent"),
                type=data["type"],
                rorder=data.get("rorder"),
                **fields,
            )
            adopt(obj, saved)
            return
        entry = Entry.objects.get(pk=obj.pk)
        saved = services.entry_update(entry=entry, **fields)
        parent = data.get("parent")
        if "parent" in form.changed_data and (parent.pk if parent else None) != entry.parent_id:
            saved = services.entry_move(entry=saved, parent=parent, rorder=data.get("rorder"))
        elif "rorder" in form.changed_data and data.get("rorder") is not None:
            saved = services.entry_reorder(entry=saved, rorder=data["rorder"])
        adopt(obj, saved)

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        """Nothing related: the services wrote everything."""

    def delete_model(self, request: HttpRequest, obj: Entry) -> None:
        services.entry_delete(entry=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Entry]) -> None:
        for entry in queryset.order_by("treepath"):
            # An entry inside another one chosen went with it.
            if Entry.objects.filter(pk=entry.pk).exists():
                services.entry_delete(entry=entry)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, Any, set[str], Any]:
        # The subtree goes with its root (the confirmation page lists it); no per-model permission needed.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def response_post_save_add(self, request: HttpRequest, obj: Entry) -> HttpResponseRedirect:
        return self._back_to_level(request, obj, super().response_post_save_add(request, obj))

    def response_post_save_change(self, request: HttpRequest, obj: Entry) -> HttpResponseRedirect:
        return self._back_to_level(request, obj, super().response_post_save_change(request, obj))

    @staticmethod
    def _back_to_level(request: HttpRequest, obj: Entry, response: HttpResponseRedirect) -> HttpResponseRedirect:
        """After saving, the level of the tree the entry is in (unless the admin kept a filter)."""
        changelist = reverse("admin:knowledgebase_entry_changelist")
        if response.url == changelist:
            return HttpResponseRedirect(f"{changelist}?parent={obj.parent_id or ROOT}")
        return response

    @admin.action(description="Publish selected entries")
    def publish(self, request: HttpRequest, queryset: QuerySet[Entry]) -> None:
        for entry in queryset:
            services.entry_update(entry=entry, status=Entry.Status.PUBLISHED)
        messages.success(request, f"Published {len(queryset)} entries.")

    @admin.action(description="Make selected entries drafts")
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Entry]) -> None:
        for entry in queryset:
            services.entry_update(entry=entry, status=Entry.Status.DRAFT)
        messages.success(request, f"Made {len(queryset)} entries drafts.")

    # --- Reordering ---------------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        shift = path(
            "<int:entry_id>/shift/<str:direction>/",
            self.admin_site.admin_view(self.shift_view),
            name="knowledgebase_entry_shift",
        )
        return [shift, *super().get_urls()]

    def shift_view(self, request: HttpRequest, entry_id: int, direction: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        if direction not in ("up", "down"):
            raise Http404
        entry = Entry.objects.filter(pk=entry_id).first()
        if entry is None:
            raise Http404
        services.entry_shift(entry=entry, up=direction == "up")
        changelist = reverse("admin:knowledgebase_entry_changelist")
        return HttpResponseRedirect(f"{changelist}?parent={entry.parent_id or ROOT}")

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        value = request.GET.get("parent", "")
        level = Entry.objects.filter(pk=int(value)).first() if value.isdigit() else None
        trail: list[tuple[str, str]] = []
        if level is not None:
            selectors.entries_annotate([level])
            ids = selectors.ancestor_ids(level)
            trail = [(str(pk), title) for pk, title in zip(ids, level.ancestor_titles, strict=False)]  # type: ignore[attr-defined]
        context = {
            "kb_level": level,
            "kb_trail": trail,
            "kb_searching": bool(request.GET.get("q")),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)


class KnowledgeBaseForm(forms.ModelForm):
    class Meta:
        model = KnowledgeBase
        fields = ["id", "name"]
        labels = {"id": "Id (kb_id)"}
        help_texts = {"id": "LiveAgent's kb_id: letters, digits, _ and -. It cannot change later."}


@admin.register(KnowledgeBase)
class KnowledgeBaseAdmin(ServiceErrorsAsMessagesMixin, admin.ModelAdmin):
    """Knowledge bases are few; the default one (``kb_defa``) is what LiveAgent clients use without kb_id.
    They are not deleted here (their entries, public pages and widgets would go with them)."""

    form = KnowledgeBaseForm
    list_display = ["id", "name", "entries_count", "created_at"]
    search_fields = ["id", "name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[KnowledgeBase]:
        return super().get_queryset(request).annotate(entries_total=Count("entries"))

    @admin.display(description="Entries", ordering="entries_total")
    def entries_count(self, obj: KnowledgeBase) -> int:
        return getattr(obj, "entries_total", 0)

    def get_readonly_fields(self, request: HttpRequest, obj: KnowledgeBase | None = None) -> list[str]:
        return ["id", "created_at"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: KnowledgeBase | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: KnowledgeBase, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            knowledge_base = KnowledgeBase.objects.get(pk=obj.pk)
            adopt(obj, services.knowledge_base_rename(knowledge_base=knowledge_base, name=data["name"]))
        else:
            adopt(obj, services.knowledge_base_create(id=data["id"], name=data["name"]))
