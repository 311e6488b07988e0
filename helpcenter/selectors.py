"""The public help center's reads: only what the public may read (``knowledgebase.search.entries_public``:
published, public, and under nothing draft or internal), each page in a fixed number of queries."""

from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from conversations.models import ConversationState
from knowledgebase.models import DEFAULT_KNOWLEDGE_BASE, Entry, KnowledgeBase
from knowledgebase.search import entries_public, entries_search
from knowledgebase.selectors import ancestor_ids
from mailboxes.models import Mailbox

T = Entry.Type
# Entries that read as a page of text, and those that hold other entries.
PAGE_TYPES = (T.ARTICLE, T.TOPIC, T.SUGGESTION)
CONTAINER_TYPES = (T.CATEGORY, T.FORUM, T.SUGGESTION_CATEGORY)
HOME_ARTICLES_PER_CATEGORY = 6
CATEGORY_PAGE_MAX_ENTRIES = 500
SEARCH_MAX_RESULTS = 50


@dataclass
class Brand:
    name: str
    support_email: str


@dataclass
class Section:
    category: Entry | None
    articles: list[Entry] = field(default_factory=list)
    more: bool = False


def knowledge_base_id() -> str:
    """The help center shows the default knowledge base."""
    return DEFAULT_KNOWLEDGE_BASE


def brand() -> Brand:
    """The name in the header and the address to write to: the first mailbox's (the installation's first,
    its default), else the knowledge base's name and no address."""
    mailbox = Mailbox.objects.order_by("id").only("name", "email").first()
    if mailbox is not None:
        return Brand(name=mailbox.name, support_email=mailbox.email)
    knowledge_base = KnowledgeBase.objects.filter(pk=knowledge_base_id()).only("name").first()
    return Brand(name=knowledge_base.name if knowledge_base else "Help center", support_email="")


def _public() -> QuerySet[Entry]:
    entries = Entry.objects.filter(knowledge_base_id=knowledge_base_id()).filter(
        Q(conversation__isnull=True) | ~Q(conversation__state=ConversationState.DELETED)
    )
    return entries_public(entries).order_by("rorder", "id")


def home_sections() -> list[Section]:
    """The top categories (directly under the root or under a home entry) with their first articles, then the
    articles directly under the root; three queries whatever the size."""
    top = Q(parent__isnull=True) | Q(parent__type=T.HOME, parent__parent__isnull=True)
    categories = list(_public().filter(top, type__in=CONTAINER_TYPES))
    sections = {category.pk: Section(category=category) for category in categories}
    # The first pages of each top category, and how many there are, numbered per category by the database.
    in_category = [F("parent_id")]
    articles = (
        _public()
        .filter(parent_id__in=list(sections), type__in=PAGE_TYPES)
        .defer("content")
        .annotate(
            place=Window(RowNumber(), partition_by=in_category, order_by=[F("rorder").asc(), F("id").asc()]),
            siblings=Window(Count("id"), partition_by=in_category),
        )
        .filter(place__lte=HOME_ARTICLES_PER_CATEGORY)
    )
    for article in articles:
        section = sections[article.parent_id or 0]  # in a category: never None
        section.articles.append(article)
        section.more = article.siblings > HOME_ARTICLES_PER_CATEGORY
    loose = list(_public().filter(top, type__in=PAGE_TYPES).defer("content")[: HOME_ARTICLES_PER_CATEGORY * 4])
    result = list(sections.values())
    if loose:
        result.append(Section(category=None, articles=loose))
    return result


def entry_public(*, urlcode: str) -> Entry | None:
    return _public().filter(urlcode=urlcode).first()


def category_children(category: Entry) -> tuple[list[Entry], list[Entry]]:
    """The category's subcategories and its pages, in their order."""
    # With their content: an article marked full_preview shows whole in the list.
    children = list(
        _public().filter(parent=category, type__in=CONTAINER_TYPES + PAGE_TYPES)[:CATEGORY_PAGE_MAX_ENTRIES]
    )
    return (
        [child for child in children if child.type in CONTAINER_TYPES],
        [child for child in children if child.type in PAGE_TYPES],
    )


def neighbours(entry: Entry, *, limit: int = 8) -> list[Entry]:
    """Other pages of the entry's category, for "More in <category>"."""
    if entry.parent_id is None:
        return []
    return list(
        _public().filter(parent_id=entry.parent_id, type__in=PAGE_TYPES).exclude(pk=entry.pk).defer("content")[:limit]
    )


def breadcrumbs(entry: Entry) -> list[Entry]:
    """The entry's ancestors, root first, without home entries (the help center's home stands for them)."""
    wanted = ancestor_ids(entry)
    if not wanted:
        return []
    ancestors = {a.pk: a for a in Entry.objects.filter(pk__in=wanted).exclude(type=T.HOME).only("title", "urlcode")}
    return [ancestors[pk] for pk in wanted if pk in ancestors]


def search(query: str) -> list[Entry]:
    """The best public matches, each with ``section``: its category (None at the root), read in one query."""
    results = entries_search(
        query=query, knowledge_base_id=knowledge_base_id(), under=None, limit=SEARCH_MAX_RESULTS, public_only=True
    )
    wanted = {result.parent_id for result in results if result.parent_id is not None}
    parents = Entry.objects.filter(pk__in=wanted).exclude(type=T.HOME).only("title", "urlcode") if wanted else []
    sections = {parent.pk: parent for parent in parents}
    for result in results:
        result.section = sections.get(result.parent_id or 0)  # type: ignore[attr-defined]
    return results
