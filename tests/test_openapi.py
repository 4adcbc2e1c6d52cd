"""The API is a contract: the committed docs/api/openapi.json must match the running code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from kechuang.web.management.commands.openapi import openapi_document

COMMITTED = Path(__file__).resolve().parent.parent / "docs" / "api" / "openapi.json"
FIX = "the API schema changed; if that was intended, run `make openapi` and commit docs/api/openapi.json"


def test_committed_schema_matches_the_code() -> None:
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert json.loads(openapi_document()) == committed, FIX


def test_committed_file_is_exactly_what_the_command_writes() -> None:
    # Same bytes, so `make openapi` on an unchanged API leaves no diff behind.
    assert COMMITTED.read_text(encoding="utf-8") == openapi_document(), FIX


@pytest.mark.django_db
def test_served_schema_is_the_committed_one(client: Client) -> None:
    response = client.get("/api/v1/openapi.json", headers={"Accept-Language": "en"})
    assert response.json() == json.loads(COMMITTED.read_text(encoding="utf-8")), FIX


def test_command_prints_the_document(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("openapi")
    printed = capsys.readouterr().out
    assert printed == openapi_document()
    assert printed.endswith("}\n")
    assert json.loads(printed)["info"]["title"] == "kechuang API"
