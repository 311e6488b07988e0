import logging
import re

_API_KEY_IN_QUERY = re.compile(r"(api_key=)[^&\s\"']+", re.IGNORECASE)


class ScrubApiKeys(logging.Filter):
    """Masks ``api_key=…`` in log lines: request logs would otherwise keep live credentials."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "api_key=" in message.lower():
            record.msg = _API_KEY_IN_QUERY.sub(r"\1***", message)
            record.args = ()
        return True
