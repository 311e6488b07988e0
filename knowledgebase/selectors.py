"""Reads of the knowledge base tree. What LiveAgent computes from an entry's ancestors (``access_inherited``,
a suggestion category's ``path``) is read for a whole page of entries in one more query, from the ancestor
ids their treepaths hold: never a query per entry. Search is ``knowledgebase.search``."""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db.models import CharField, Exists, F, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.db.models.lookups import Exact, StartsWith

from conversations.models import ConversationState
from knowledgebase.models import Entry, KnowledgeBase

CONTAINER_TYPES = (Entry.Type.HOME, Entry.Type.CATEGORY, Entry.Type.FORUM, Entry.Type.SUGGESTION_CATEGORY)
# Deterministic, and parents before their children (a child's treepath extends its parent's).
TREE_ORDER = ("knowledge_base_id", "treepath", "rorder", "id")


def ancestor_ids(entry: Entry) -> list[int]:
    """The entry's ancestors, root first, read from its treepath (``0|7|16`` → [7, 16])."""
    return [int(part) for part in entry.treepath.split("|")[1:]]


def knowledge_bases() -> QuerySet[KnowledgeBase]:
    return KnowledgeBase.objects.order_by("created_at", "id")


def knowledge_base_get(*, kb_id: str) -> KnowledgeBase | None:
    return KnowledgeBase.objects.filter(pk=kb_id).first()


def entry_get(*, entry_id: int, knowledge_base_id: str | None = None) -> Entry | None:
    entries = Entry.objects.filter(pk=entry_id)
    if knowledge_base_id is not None:
        entries = entries.filter(knowledge_base_id=knowledge_base_id)
    return entries.first()


def entries_filtered(
    *,
    knowledge_base_id: str | None = None,
    tree_path: str | None = None,
    parent_id: int | None = None,
    at_root: bool = False,
    entry_id: int | None = None,
    changed_since: datetime | None = None,
    types: Iterable[str] | None = None,
) -> QuerySet[Entry]:
    """Entries in tree order. ``tree_path`` is a prefix of ``treepath + "|"`` (reference §5.19: LiveAgent's
    example ``0|23|`` ends in ``|`` where treepaths do not, and means everything below 23); ``at_root``
    keeps the entries directly under the root (``parent_id`` is then ignored)."""
    # The conversation for ``entry_is_deleted``.
    entries = Entry.objects.select_related("conversation").order_by(*TREE_ORDER)
    if knowledge_base_id is not None:
        entries = entries.filter(knowledge_base_id=knowledge_base_id)
    if tree_path:
        entries = entries.annotate(treepath_bar=Concat("treepath", Value("|"))).filter(
            treepath_bar__startswith=tree_path
        )
    if at_root:
        entries = entries.filter(parent__isnull=True)
    elif parent_id is not None:
        entries = entries.filter(parent_id=parent_id)
    if entry_id is not None:
        entries = entries.filter(pk=entry_id)
    if changed_since is not None:
        entries = entries.filter(updated_at__gte=changed_since)
    if types is not None:
        entries = entries.filter(type__in=list(types))
    return entries


def entries_annotate(entries: Sequence[Entry]) -> Sequence[Entry]:
    """Sets ``access_inherited`` (I when the entry or one of its ancestors is internal, else P) and
    ``ancestor_titles`` (root first) on each entry, in one query for the whole sequence."""
    wanted = {pk for entry in entries for pk in ancestor_ids(entry)}
    rows = Entry.objects.filter(pk__in=wanted).values_list("pk", "access", "title") if wanted else []
    ancestors = {pk: access for pk, access, _ in rows}
    titles = {pk: title for pk, _, title in rows}
    for entry in entries:
        path = ancestor_ids(entry)
        internal = entry.access == Entry.Access.INTERNAL or any(
            ancestors.get(pk) == Entry.Access.INTERNAL for pk in path
        )
        entry.access_inherited = Entry.Access.INTERNAL if internal else Entry.Access.PUBLIC  # type: ignore[attr-defined]
        entry.ancestor_titles = [titles[pk] for pk in path if pk in titles]  # type: ignore[attr-defined]
    return entries


def entry_is_deleted(entry: Entry) -> bool:
    """LiveAgent's ``deleted`` ("suggestion and topic only"): the ticket behind a topic or suggestion went to
    Deleted. Other entries are deleted for good (#35), never marked."""
    conversation = entry.conversation
    return (
        entry.type in (Entry.Type.TOPIC, Entry.Type.SUGGESTION)
        and conversation is not None
        and conversation.state == ConversationState.DELETED
    )


def suggestion_categories() -> list[Entry]:
    """Every suggestion category, annotated (``entries_annotate``) for its path."""
    return list(entries_annotate(list(entries_filtered(types=[Entry.Type.SUGGESTION_CATEGORY]))))


def internal_above() -> Exists:
    """For annotating a queryset of entries: whether an ancestor is internal (so the entry's
    ``access_inherited`` is I whatever its own access), in SQL, for lists that page in the database."""
    ancestors = (
        Entry.objects.filter(knowledge_base_id=OuterRef("knowledge_base_id"), access=Entry.Access.INTERNAL)
        .annotate(subtree=Concat(F("treepath"), Value("|"), Cast("id", output_field=CharField())))
        .filter(
            Exact(OuterRef("treepath"), F("subtree"))
            | StartsWith(OuterRef("treepath"), Concat(F("subtree"), Value("|"), output_field=CharField()))
        )
    )
    return Exists(ancestors)


def containers(*, knowledge_base_id: str | None = None) -> list[Entry]:
    """The entries that may hold others (home, categories, forums, suggestion categories), in depth-first
    order with each one's ``depth`` set (for indented choices)."""
    entries = Entry.objects.filter(type__in=CONTAINER_TYPES).only(
        "id", "knowledge_base_id", "parent_id", "treepath", "title", "type", "rorder"
    )
    if knowledge_base_id is not None:
        entries = entries.filter(knowledge_base_id=knowledge_base_id)
    return depth_first(list(entries.order_by("rorder", "id")))


def depth_first(entries: list[Entry]) -> list[Entry]:
    """``entries`` (siblings in order) as a depth-first walk, each with ``depth`` (0 at the root); an entry
    whose parent is not among them starts its own walk."""
    present = {entry.pk for entry in entries}
    children: dict[int | None, list[Entry]] = {}
    for entry in entries:
        children.setdefault(entry.parent_id if entry.parent_id in present else None, []).append(entry)
    ordered: list[Entry] = []
    stack = [(entry, 0) for entry in reversed(children.get(None, []))]
    while stack:
        entry, depth = stack.pop()
        entry.depth = depth  # type: ignore[attr-defined]
        ordered.append(entry)
        stack.extend((child, depth + 1) for child in reversed(children.get(entry.pk, [])))
    return ordered
