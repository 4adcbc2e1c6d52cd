"""Kinds only the tests use, and fixtures shared by the notification tests."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils.translation import gettext_lazy

from kechuang.notifications import kinds

DUE = kinds.register(
    "tests.review_due",
    title=gettext_lazy("Your review of %(item)s is due"),
    body=gettext_lazy("Submit it by %(when)s, please."),
    label="review due",
)
QUIET = kinds.register("tests.quiet", title="Something quiet happened", email=False)


def due_params(**changes: Any) -> dict[str, Any]:
    return {"item": {"zh-hans": "力控机械臂", "en": "force-controlled arm"}, "when": "2026-12-01", **changes}


@pytest.fixture
def mailbox(settings: Any) -> Any:
    """Django's locmem outbox, emptied (pytest-django already selects the locmem backend)."""
    from django.core import mail

    settings.SITE_URL = "https://kc.example.cn/"
    mail.outbox.clear()
    return mail.outbox
