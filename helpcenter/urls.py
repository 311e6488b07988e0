from django.urls import path, re_path

from helpcenter import views

app_name = "helpcenter"

urlpatterns = [
    path("", views.home, name="home"),
    path("search", views.search, name="search"),
    # <urlcode>-<Title-With-Dashes>; the title part may be missing or stale (redirected to the current one).
    re_path(r"^(?P<urlcode>[1-9][0-9]{5})(?:-(?P<slug>[^/]*))?$", views.entry, name="entry"),
    re_path(r"^(?P<rest>.+)$", views.not_found),
]
