"""The public help center (/help/): server-rendered pages of the default knowledge base's public, published
entries. Internal, draft and unknown entries answer 404 (they never render); an entry's URL is
``/help/<urlcode>-<Title-With-Dashes>``, any other spelling of the title redirected (301) there. Pages may be
cached by browsers and shared caches for a short while when nobody is signed in; a view counted while a
cached copy is served is not counted (the price of cheap pages)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from helpcenter import selectors
from knowledgebase.models import Entry
from knowledgebase.services import entry_viewed
from knowledgebase.text import entry_path, title_dashed

PUBLIC_MAX_AGE_SECONDS = 300
MAX_QUERY_CHARS = 200

View = Callable[..., HttpResponse]


def _cacheable(view: View) -> View:
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code not in (200, 301):
            # A missing article may be published in a minute: never keep its 404.
            patch_cache_control(response, no_cache=True, max_age=0)
        elif request.user.is_authenticated:
            # A signed-in agent may see the admin's links; never share that page.
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE_SECONDS)
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _page(request: HttpRequest, template: str, context: dict[str, object], status: int = 200) -> HttpResponse:
    context = {"brand": selectors.brand(), "query": "", **context}
    return render(request, f"helpcenter/{template}", context, status=status)


@require_safe
@_cacheable
def home(request: HttpRequest) -> HttpResponse:
    return _page(request, "home.html", {"sections": selectors.home_sections()})


@require_safe
@_cacheable
def entry(request: HttpRequest, urlcode: str, slug: str = "") -> HttpResponse:
    found = selectors.entry_public(urlcode=urlcode)
    if found is None or found.type == Entry.Type.HOME:
        return _not_found(request)
    if slug != title_dashed(found.title):
        return HttpResponsePermanentRedirect(entry_path(urlcode=found.urlcode, title=found.title))
    crumbs = selectors.breadcrumbs(found)
    context: dict[str, object] = {"entry": found, "breadcrumbs": crumbs}
    if found.type in selectors.CONTAINER_TYPES:
        categories, articles = selectors.category_children(found)
        return _page(request, "category.html", {**context, "categories": categories, "articles": articles})
    if request.method == "GET":
        entry_viewed(entry=found)
    category = crumbs[-1] if crumbs and crumbs[-1].pk == found.parent_id else None
    return _page(request, "article.html", {**context, "category": category, "neighbours": selectors.neighbours(found)})


@require_safe
@_cacheable
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under /help/: the help center's own 404, with its search box."""
    return _not_found(request)


def _not_found(request: HttpRequest) -> HttpResponse:
    # The same answer for an unknown, a draft and an internal entry: nothing tells them apart.
    return _page(request, "not_found.html", {}, status=404)


@require_safe
@_cacheable
def search(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "")[:MAX_QUERY_CHARS].split())
    results = selectors.search(query) if query else []
    return _page(request, "search.html", {"query": query, "results": results, "searched": bool(query)})
