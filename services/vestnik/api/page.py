"""The search page: plain HTML, CSS and a little JavaScript in ``static/`` (package data),
served as they are: no build step, nothing loaded from elsewhere, so it works offline."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"
# Only this server's own files and API: the page cannot load or send anything elsewhere.
CSP = ("default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")


def mount(app: FastAPI) -> None:
    """``/`` (the page) and ``/static/…`` (its script and style) on ``app``."""
    html = (STATIC / "index.html").read_text(encoding="utf-8")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def search_page() -> HTMLResponse:
        return HTMLResponse(html, headers={"Content-Security-Policy": CSP})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
