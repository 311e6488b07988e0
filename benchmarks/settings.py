"""The project's own settings with two changes for the benchmark: the URLconf adds the bare views
(``benchmarks.urls``), and the database defaults to the dedicated benchmark database.

Everything the project reads from the environment still applies; ``run.py`` sets what it needs.
"""

import os
import tempfile
from pathlib import Path

from benchmarks import DEFAULT_DATABASE_URL

os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
# Keeps the generated secret key and the file broker out of the checkout's ./data.
os.environ.setdefault("HELPDESK_DATA_DIR", str(Path(tempfile.gettempdir()) / "helpdesk-bench"))

from helpdesk.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
# Query logging under DEBUG would grow without bound during the load and skew every number.
DEBUG = False
