"""Every write to the knowledge base. The tree's invariants (knowledgebase/models.py) hold after each call:

- ``treepath`` is the parent's treepath + ``|`` + the parent's id (``"0"`` at the root), for the entry and,
  after a move, for its whole subtree;
- ``urlcode`` is unique in the knowledge base (a collision is retried with a new code);
- siblings keep distinct ``rorder`` values: an entry put at position p (0, the top, by default) pushes every
  sibling at p or below one step down, so the others keep their order;
- ``content`` is sanitised (nh3) on every write: the public help center renders it.

Which types may hold which (reference §3.1): categories (and the home) hold categories, articles, forums and
suggestion categories; a forum holds topics and a suggestion category suggestions; nothing holds anything
else. Deleting an entry deletes its subtree (LiveAgent #35: irreversible)."""

from collections.abc import Mapping
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from helpdesk.errors import Conflict, Invalid, NotFound
from knowledgebase.models import DEFAULT_KNOWLEDGE_BASE, ROOT_TREEPATH, Entry, KnowledgeBase, urlcode_new
from knowledgebase.text import content_sanitise
from mailboxes.models import Mailbox

T = Entry.Type
# What each type may be put under; None is the knowledge base's root.
ALLOWED_PARENTS: Mapping[str, frozenset[str | None]] = {
    T.HOME: frozenset({None}),
    T.CATEGORY: frozenset({None, T.HOME, T.CATEGORY}),
    T.ARTICLE: frozenset({None, T.HOME, T.CATEGORY}),
    T.FORUM: frozenset({None, T.HOME, T.CATEGORY}),
    T.SUGGESTION_CATEGORY: frozenset({None, T.HOME, T.CATEGORY}),
    T.TOPIC: frozenset({T.FORUM}),
    T.SUGGESTION: frozenset({T.SUGGESTION_CATEGORY}),
}
CONTAINER_TYPES = frozenset({T.HOME, T.CATEGORY, T.FORUM, T.SUGGESTION_CATEGORY})

# As migration 0002 names it.
DEFAULT_KNOWLEDGE_BASE_NAME = "Knowledge base"
# Beyond any real tree; keeps the pushed-down orders far from the column's limit.
MAX_RORDER = 1_000_000
MAX_CONTENT_LENGTH = 1_000_000
MAX_TEXT_LENGTH = 10_000
_URLCODE_ATTEMPTS = 10

# The fields ``entry_update`` takes as they are (after their checks), besides content and the tree.
TEXT_FIELDS = {"title": 255, "keywords": 255, "metadescription": MAX_TEXT_LENGTH, "description": MAX_TEXT_LENGTH}


def subtree_prefix(entry: Entry) -> str:
    """The treepath every descendant of ``entry`` has or starts with (followed by ``|``)."""
    return f"{entry.treepath}|{entry.pk}"


def subtree_q(entry: Entry) -> Q:
    """The entry's descendants (not the entry itself)."""
    prefix = subtree_prefix(entry)
    return Q(knowledge_base_id=entry.knowledge_base_id) & (Q(treepath=prefix) | Q(treepath__startswith=f"{prefix}|"))


def _text(field: str, value: Any, *, required: bool = False) -> str:
    text = " ".join(str(value or "").split()) if field in ("title", "keywords") else str(value or "").strip()
    if required and not text:
        raise Invalid({field: "Enter a title."})
    if len(text) > TEXT_FIELDS[field]:
        raise Invalid({field: f"At most {TEXT_FIELDS[field]} characters."})
    return text


def _content(value: str) -> str:
    if len(value or "") > MAX_CONTENT_LENGTH:
        raise Invalid({"content": f"At most {MAX_CONTENT_LENGTH} characters."})
    return content_sanitise(value)


def _choice(field: str, value: str, choices: type[Entry.Type] | type[Entry.Status] | type[Entry.Access]) -> str:
    if value not in choices.values:
        raise Invalid({field: f"Unknown {field} {value!r}: one of {', '.join(choices.values)}."})
    return value


def _rorder(value: int | None) -> int:
    if value is None:
        return 0
    if not 0 <= value <= MAX_RORDER:
        raise Invalid({"rorder": f"Give an order from 0 to {MAX_RORDER}."})
    return value


def _parent_check(*, knowledge_base: KnowledgeBase, parent: Entry | None, type: str) -> None:
    if parent is not None and parent.knowledge_base_id != knowledge_base.pk:
        raise Invalid({"parent": "The parent is in another knowledge base."})
    parent_type = parent.type if parent is not None else None
    if parent_type not in ALLOWED_PARENTS[type]:
        where = f"under a {Entry.Type(parent_type).label.lower()}" if parent_type else "at the root"
        raise Invalid({"parent": f"A {Entry.Type(type).label.lower()} cannot be put {where}."})


def _siblings(*, knowledge_base_id: str, parent_id: int | None) -> Any:
    return Entry.objects.filter(knowledge_base_id=knowledge_base_id, parent_id=parent_id)


def _make_room(*, knowledge_base_id: str, parent_id: int | None, rorder: int, exclude: int | None = None) -> None:
    """Pushes the siblings at ``rorder`` or below one step down."""
    siblings = _siblings(knowledge_base_id=knowledge_base_id, parent_id=parent_id).filter(rorder__gte=rorder)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude)
    siblings.update(rorder=F("rorder") + 1)


def _mailbox_check(type: str, mailbox: Mailbox | None) -> Mailbox | None:
    # The department handling tickets only means something for forums and suggestion categories.
    if mailbox is not None and type not in (T.FORUM, T.SUGGESTION_CATEGORY):
        raise Invalid({"mailbox": "Only forums and suggestion categories have a department."})
    return mailbox


@transaction.atomic
def entry_create(
    *,
    knowledge_base: KnowledgeBase,
    parent: Entry | None,
    type: str,
    title: str,
    content: str = "",
    status: str = Entry.Status.PUBLISHED,
    access: str = Entry.Access.PUBLIC,
    rorder: int | None = None,
    keywords: str = "",
    metadescription: str = "",
    description: str = "",
    mailbox: Mailbox | None = None,
    full_preview: bool = False,
) -> Entry:
    """A new entry at ``rorder`` among its siblings (0, the top, when None), pushing them down."""
    _choice("type", type, Entry.Type)
    _tree_lock(knowledge_base.pk)
    if parent is not None:
        parent = _locked(parent)
    _parent_check(knowledge_base=knowledge_base, parent=parent, type=type)
    now = timezone.now()
    entry = Entry(
        knowledge_base=knowledge_base,
        parent=parent,
        type=type,
        status=_choice("status", status, Entry.Status),
        access=_choice("access", access, Entry.Access),
        treepath=subtree_prefix(parent) if parent is not None else ROOT_TREEPATH,
        rorder=_rorder(rorder),
        title=_text("title", title, required=True),
        keywords=_text("keywords", keywords),
        metadescription=_text("metadescription", metadescription),
        description=_text("description", description),
        content=_content(content),
        mailbox=_mailbox_check(type, mailbox),
        full_preview=full_preview,
        created_at=now,
        updated_at=now,
    )
    _make_room(knowledge_base_id=knowledge_base.pk, parent_id=entry.parent_id, rorder=entry.rorder)
    _insert_with_fresh_urlcode(entry)
    return entry


def _insert_with_fresh_urlcode(entry: Entry) -> None:
    """Six random digits collide once in a while in a big knowledge base: drawn again, in a savepoint so
    that the surrounding transaction survives the failed insert."""
    for _ in range(_URLCODE_ATTEMPTS):
        entry.urlcode = urlcode_new()
        if Entry.objects.filter(knowledge_base_id=entry.knowledge_base_id, urlcode=entry.urlcode).exists():
            continue
        try:
            with transaction.atomic():
                entry.save(force_insert=True)
            return
        except IntegrityError:
            if not Entry.objects.filter(knowledge_base_id=entry.knowledge_base_id, urlcode=entry.urlcode).exists():
                raise  # another constraint: a real fault
            entry.pk = None
    raise IntegrityError("No free urlcode found for a new knowledge base entry.")


def _tree_lock(knowledge_base_id: str) -> None:
    """Tree writes of one knowledge base take turns (on its row), so that two of them never push the same
    siblings or rewrite the same subtree at once. SQLite, which writes one at a time anyway, ignores it."""
    list(KnowledgeBase.objects.select_for_update().filter(pk=knowledge_base_id).values_list("pk", flat=True))


def _locked(entry: Entry) -> Entry:
    """The entry as stored, after its knowledge base's tree lock."""
    _tree_lock(entry.knowledge_base_id)
    try:
        return Entry.objects.select_for_update().get(pk=entry.pk)
    except Entry.DoesNotExist:
        raise NotFound(f"Knowledge base entry {entry.pk} not found.") from None


@transaction.atomic
def entry_update(
    *,
    entry: Entry,
    title: str | None = None,
    content: str | None = None,
    status: str | None = None,
    access: str | None = None,
    keywords: str | None = None,
    metadescription: str | None = None,
    description: str | None = None,
    mailbox: Mailbox | Literal["keep"] | None = "keep",
    full_preview: bool | None = None,
) -> Entry:
    """Changes what is given (None: kept; ``mailbox`` kept unless given, cleared by None). Moving and
    reordering are ``entry_move`` and ``entry_reorder``."""
    locked = _locked(entry)
    if title is not None:
        locked.title = _text("title", title, required=True)
    for field, value in (("keywords", keywords), ("metadescription", metadescription), ("description", description)):
        if value is not None:
            setattr(locked, field, _text(field, value))
    if content is not None:
        locked.content = _content(content)
    if status is not None:
        locked.status = _choice("status", status, Entry.Status)
    if access is not None:
        locked.access = _choice("access", access, Entry.Access)
    if mailbox != "keep":
        locked.mailbox = _mailbox_check(locked.type, mailbox)
    if full_preview is not None:
        locked.full_preview = full_preview
    locked.updated_at = timezone.now()
    locked.save()
    return locked


@transaction.atomic
def entry_move(*, entry: Entry, parent: Entry | None, rorder: int | None = None) -> Entry:
    """Puts the entry, with its subtree, under ``parent`` (None: the root) at ``rorder`` (0 when None);
    every treepath below follows. Never under itself or its own subtree."""
    locked = _locked(entry)
    if parent is not None:
        parent = _locked(parent)
        if parent.pk == locked.pk or Entry.objects.filter(subtree_q(locked), pk=parent.pk).exists():
            raise Invalid({"parent": "An entry cannot be moved under itself or one of its own entries."})
    _parent_check(knowledge_base=locked.knowledge_base, parent=parent, type=locked.type)
    new_rorder = _rorder(rorder)
    old_prefix = subtree_prefix(locked)
    locked.parent = parent
    locked.treepath = subtree_prefix(parent) if parent is not None else ROOT_TREEPATH
    new_prefix = subtree_prefix(locked)
    if new_prefix != old_prefix:
        # One statement for the whole subtree: its paths change only in the part the moved entry gave them.
        Entry.objects.filter(
            Q(knowledge_base_id=locked.knowledge_base_id)
            & (Q(treepath=old_prefix) | Q(treepath__startswith=f"{old_prefix}|"))
        ).update(treepath=Concat(Value(new_prefix), Substr("treepath", len(old_prefix) + 1)))
    _make_room(
        knowledge_base_id=locked.knowledge_base_id, parent_id=locked.parent_id, rorder=new_rorder, exclude=locked.pk
    )
    locked.rorder = new_rorder
    locked.updated_at = timezone.now()
    locked.save(update_fields=["parent", "treepath", "rorder", "updated_at"])
    return locked


@transaction.atomic
def entry_reorder(*, entry: Entry, rorder: int) -> Entry:
    """Puts the entry at ``rorder`` among its siblings, pushing those at that place or below down."""
    locked = _locked(entry)
    locked.rorder = _rorder(rorder)
    _make_room(
        knowledge_base_id=locked.knowledge_base_id, parent_id=locked.parent_id, rorder=locked.rorder, exclude=locked.pk
    )
    locked.updated_at = timezone.now()
    locked.save(update_fields=["rorder", "updated_at"])
    return locked


@transaction.atomic
def entry_shift(*, entry: Entry, up: bool) -> Entry:
    """One place up (towards the top) or down among the siblings; at the end already, nothing changes."""
    locked = _locked(entry)
    siblings = _siblings(knowledge_base_id=locked.knowledge_base_id, parent_id=locked.parent_id).exclude(pk=locked.pk)
    if up:
        before = Q(rorder__lt=locked.rorder) | Q(rorder=locked.rorder, pk__lt=locked.pk)
        neighbour = siblings.filter(before).order_by("-rorder", "-pk").first()
        return entry_reorder(entry=locked, rorder=neighbour.rorder) if neighbour else locked
    after = Q(rorder__gt=locked.rorder) | Q(rorder=locked.rorder, pk__gt=locked.pk)
    neighbour = siblings.filter(after).order_by("rorder", "pk").first()
    return entry_reorder(entry=locked, rorder=neighbour.rorder + 1) if neighbour else locked


@transaction.atomic
def entry_delete(*, entry: Entry) -> int:
    """Deletes the entry and its whole subtree, for good; answers how many entries went."""
    locked = _locked(entry)
    doomed = Entry.objects.filter(Q(pk=locked.pk) | subtree_q(locked))
    count = doomed.count()
    doomed.delete()
    return count


def entry_viewed(*, entry: Entry) -> None:
    """Counts one view (the help center's article page). Not a change: ``updated_at`` stays."""
    Entry.objects.filter(pk=entry.pk).update(views=F("views") + 1)


def knowledge_base_default() -> KnowledgeBase:
    """``kb_defa``, which LiveAgent's writes fall back to without ``kb_id``: made by a migration, and made
    again here if a flush (tests, ``manage.py flush``) took it away."""
    knowledge_base, _ = KnowledgeBase.objects.get_or_create(
        pk=DEFAULT_KNOWLEDGE_BASE, defaults={"name": DEFAULT_KNOWLEDGE_BASE_NAME}
    )
    return knowledge_base


@transaction.atomic
def knowledge_base_create(*, id: str, name: str) -> KnowledgeBase:
    kb_id, kb_name = str(id).strip(), " ".join(str(name).split())
    try:
        validate_slug(kb_id)
    except ValidationError:
        raise Invalid({"id": "Use letters, digits, _ and - only."}) from None
    if len(kb_id) > 20:
        raise Invalid({"id": "At most 20 characters."})
    if not kb_name or len(kb_name) > 100:
        raise Invalid({"name": "Enter a name of at most 100 characters."})
    if KnowledgeBase.objects.filter(pk=kb_id).exists():
        raise Conflict({"id": "A knowledge base with this id already exists."})
    return KnowledgeBase.objects.create(id=kb_id, name=kb_name)


@transaction.atomic
def knowledge_base_rename(*, knowledge_base: KnowledgeBase, name: str) -> KnowledgeBase:
    kb_name = " ".join(str(name).split())
    if not kb_name or len(kb_name) > 100:
        raise Invalid({"name": "Enter a name of at most 100 characters."})
    knowledge_base.name = kb_name
    knowledge_base.save(update_fields=["name"])
    return knowledge_base
