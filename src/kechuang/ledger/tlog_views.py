"""The C2SP tlog-tiles read API at ``/ledger/``: the checkpoint, hash tiles and entry bundles.

These are the static resources any tlog client, monitor or witness reads. Tiles and bundles never
change once served (a partial tile of width W is the same forever), so they carry immutable cache
headers and may be mirrored to a CDN; the checkpoint is cached for a few seconds only.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from kechuang.ledger import selectors
from kechuang.ledger.tlog.tiles import ENTRIES, TilePathError, parse_tile_path

IMMUTABLE = "public, max-age=31536000, immutable"
CHECKPOINT_CACHE = "public, max-age=2"


def _open_to_all(response: HttpResponse, cache: str) -> HttpResponse:
    response["Cache-Control"] = cache
    response["Access-Control-Allow-Origin"] = "*"  # public data; browser-based verifiers may read it
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _not_found(message: str) -> HttpResponse:
    return _open_to_all(HttpResponse(message + "\n", status=404, content_type="text/plain; charset=utf-8"), "no-store")


@require_safe
def checkpoint(request: HttpRequest) -> HttpResponse:
    latest = selectors.latest_checkpoint()
    if latest is None:
        return _not_found("no checkpoint has been signed yet")
    body = selectors.checkpoint_text(latest)
    return _open_to_all(HttpResponse(body, content_type="text/plain; charset=utf-8"), CHECKPOINT_CACHE)


@require_safe
def tile(request: HttpRequest, path: str) -> HttpResponse:
    try:
        wanted = parse_tile_path("tile/" + path)
    except TilePathError as exc:
        return _not_found(str(exc))
    if wanted.level == ENTRIES:
        data = selectors.entry_bundle(wanted.index, wanted.width)
    else:
        data = selectors.tile_bytes(wanted.level, wanted.index, wanted.width)
    if data is None:
        return _not_found(f"{wanted.path()} is not part of the published tree")
    return _open_to_all(HttpResponse(data, content_type="application/octet-stream"), IMMUTABLE)
