"""The widgets' public endpoints (widgets/public.py), mounted at /widgets/."""

from django.urls import path

from widgets import public

urlpatterns = [
    path("<str:key>/embed.js", public.embed, name="widget-embed"),
    path("<str:key>/submit", public.submit, name="widget-submit"),
    path("<str:key>/impression", public.impression, name="widget-impression"),
]
