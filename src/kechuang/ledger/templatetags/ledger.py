"""Template helpers of the ledger pages (``{% load ledger %}``)."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Hashes and keys are long unbroken words; a break opportunity every this many characters lets them
# wrap on a 375 px screen while a copy of the text stays exactly the value.
CHUNK = 16


@register.filter
def breakable(value: object) -> SafeString:
    """``value`` escaped, with a ``<wbr>`` every 16 characters."""
    text = str(value or "")
    parts = [escape(text[start : start + CHUNK]) for start in range(0, len(text), CHUNK)]
    return mark_safe("<wbr>".join(parts))  # noqa: S308 - every part is escaped above
