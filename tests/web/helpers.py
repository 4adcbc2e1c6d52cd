"""Helpers of the web page tests."""

from __future__ import annotations

import re

TESTID = re.compile(r'data-testid="home-role-([a-z_]+)"')


def role_panels(html: str) -> set[str]:
    """The role panels a rendered home page shows."""
    return set(TESTID.findall(html))
