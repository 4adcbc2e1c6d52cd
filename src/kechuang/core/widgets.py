"""Form widgets shared by the apps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


class InlineSelect(forms.Select):
    """A single ``<select>`` written in Python rather than through one template per option.

    Django renders every ``<option>`` through its own template; for the directory filters (the
    region list alone has about 80 options) that was a third of the page's time. Flat choices only.
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: BaseRenderer | None = None
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs or {})
        final_attrs["name"] = name
        chosen = {str(v) for v in self.format_value(value)}
        options = [
            format_html('<option value="{}"{}>{}</option>', key, " selected" if str(key) in chosen else "", label)
            for key, label in self.choices
        ]
        return mark_safe(format_html("<select{}>", flatatt(final_attrs)) + "".join(options) + "</select>")  # noqa: S308 - every part is escaped by format_html
