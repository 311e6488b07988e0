import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

application = get_wsgi_application()

# Everything loaded at startup (the apps, every view through the URLconf) lives as long as the process: moved
# out of the cyclic collector's reach, so that the collections a request's many dicts set off no longer walk
# it each time (gc.freeze, Python's advice for long-lived servers; also what a fork then shares unchanged).
get_resolver().url_patterns  # noqa: B018 - imports every view now rather than in the first request
gc.freeze()
