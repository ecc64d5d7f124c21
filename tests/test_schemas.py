"""schemas/ is generated from the code; any drift fails here."""

from __future__ import annotations

import json

from vestnik.schemagen import render_all

from .conftest import ROOT


def test_schemas_folder_matches_the_code() -> None:
    rendered = render_all()
    on_disk = {p.name for p in (ROOT / "schemas").glob("*.json")}
    assert on_disk == set(rendered), "run `vestnik schemas`"
    for name, text in rendered.items():
        current = (ROOT / "schemas" / name).read_text()
        assert current == text, f"{name} drifted: run `vestnik schemas`"


def test_asyncapi_documents_every_stream_with_its_payload() -> None:
    doc = json.loads(render_all()["asyncapi.json"])
    channels = " ".join(doc["channels"])
    for stream in ("vestnik:events", "vestnik:articles", "vestnik:rejected",
                   "vestnik:dlq:cleaner", "vestnik:dlq:indexer"):
        assert stream in channels, stream
    schemas = set(doc["components"]["schemas"])
    assert {"ScrapeEvent", "Article", "Rejection", "DeadLetter"} <= schemas
