"""vestnik's HTTP API (FastAPI) and its search page: ``create_app(settings)``."""

from vestnik.api.app import create_app

__all__ = ["create_app"]
