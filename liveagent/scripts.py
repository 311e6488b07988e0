"""LiveAgent's ``/scripts/`` paths, mounted at ``/liveagent/scripts/`` (helpdesk/urls.py): ``file.php``,
the download ``downloadUrl`` names (liveagent/files.py)."""

from liveagent.files import script_urlpatterns

urlpatterns = script_urlpatterns
