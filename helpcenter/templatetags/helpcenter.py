from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from knowledgebase.models import Entry
from knowledgebase.text import content_sanitise, content_text, entry_path

register = template.Library()


@register.filter
def help_url(entry: Entry) -> str:
    """The entry's page: /help/<urlcode>-<Title-With-Dashes>."""
    return entry_path(urlcode=entry.urlcode, title=entry.title)


@register.filter
def article_html(entry: Entry) -> SafeString:
    """The article's content as HTML. Stored sanitised by the services; sanitised again here, cheaply, so
    that a row written any other way still cannot put a script on the public site."""
    return mark_safe(content_sanitise(entry.content))  # noqa: S308 - nh3's output


@register.filter
def summary(entry: Entry, length: int = 180) -> str:
    """The meta description, else the start of the content's text."""
    return entry.metadescription or Truncator(content_text(entry.content)).chars(length)
