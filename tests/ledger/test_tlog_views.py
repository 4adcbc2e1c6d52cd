"""The tlog-tiles resources at /ledger/: content types, cache headers, and what is not served."""

from __future__ import annotations

import pytest
from django.test import Client

from kechuang.ledger import services

pytestmark = pytest.mark.django_db


def _log(count: int) -> None:
    for number in range(count):
        services.record(kind="evidence", payload={"title": f"doc {number}", "sha256": f"{number:064x}"}, actor=None)
    services.integrate_all()


def test_before_any_checkpoint_there_is_nothing(client: Client) -> None:
    response = client.get("/ledger/checkpoint")
    assert response.status_code == 404
    assert client.get("/ledger/tile/0/000.p/1").status_code == 404


def test_checkpoint_and_tiles(client: Client) -> None:
    _log(300)
    checkpoint = client.get("/ledger/checkpoint")
    assert checkpoint["Content-Type"] == "text/plain; charset=utf-8"
    assert checkpoint["Cache-Control"] == "public, max-age=2"
    assert checkpoint.content.decode().startswith("test.kechuang.example/ledger\n300\n")

    full = client.get("/ledger/tile/0/000")
    assert (full.status_code, len(full.content), full["Content-Type"]) == (200, 8192, "application/octet-stream")
    assert full["Cache-Control"] == "public, max-age=31536000, immutable"
    assert full["Access-Control-Allow-Origin"] == "*"
    assert len(client.get("/ledger/tile/0/001.p/44").content) == 44 * 32
    assert client.get("/ledger/tile/0/001.p/20").content == client.get("/ledger/tile/0/001.p/44").content[: 20 * 32]
    assert len(client.get("/ledger/tile/1/000.p/1").content) == 32
    assert len(client.get("/ledger/tile/entries/001.p/44").content) > 44 * 2


@pytest.mark.parametrize(
    "path",
    [
        "/ledger/tile/0/001",  # level-0 tile 1 is still partial
        "/ledger/tile/0/001.p/45",  # wider than the tree
        "/ledger/tile/0/002.p/1",
        "/ledger/tile/1/000",
        "/ledger/tile/entries/001.p/45",
        "/ledger/tile/0/1",
        "/ledger/tile/0/000.p/256",
        "/ledger/tile/64/000",
    ],
)
def test_what_the_published_tree_does_not_have_is_not_found(client: Client, path: str) -> None:
    _log(300)
    response = client.get(path)
    assert (response.status_code, response["Content-Type"]) == (404, "text/plain; charset=utf-8")


def test_only_reads(client: Client) -> None:
    _log(1)
    assert client.post("/ledger/checkpoint").status_code == 405
    assert client.head("/ledger/tile/0/000.p/1").status_code == 200
