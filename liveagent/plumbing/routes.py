from typing import Any

from django.urls import URLPattern, re_path

_SUFFIX = r"(?:\.(?:json|xml|yaml))?/?$"


def endpoint(route: str, view: Any, name: str) -> URLPattern:
    """A route (a regular expression without anchors, e.g. ``r"customers/(?P<customeridentifier>[^/]+?)"``;
    make a last path parameter lazy so that it leaves the suffix) that also takes ``.json``, ``.xml`` or
    ``.yaml`` (the renderer is chosen from the path: ``liveagent.plumbing.renderers``) and a trailing slash."""
    return re_path(rf"^{route}{_SUFFIX}", view, name=name)
