from rest_framework.routers import SimpleRouter


class ApiRouter(SimpleRouter):
    """Paths exactly as FreeScout documents them (no trailing slash); one with a slash works too,
    without a redirect that would drop a POST body."""

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"
