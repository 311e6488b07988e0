"""Placeholder: the routes of this area (filled by its operations)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
