"""``manage.py openapi``: print the JSON API's OpenAPI schema, as committed in ``docs/api/openapi.json``."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import translation


def openapi_document() -> str:
    """The schema as stable text: sorted keys, two-space indent, UTF-8 kept readable, a final newline.

    Rendered in English so the committed file does not depend on the machine's locale.
    """
    from kechuang.api import api

    with translation.override("en"):
        schema = api.get_openapi_schema()
        return json.dumps(schema, sort_keys=True, indent=2, ensure_ascii=False, default=str) + "\n"


class Command(BaseCommand):
    help = "Print the OpenAPI schema of /api/v1 (write it to docs/api/openapi.json with `make openapi`)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(openapi_document(), ending="")
