"""Form widgets shared by the apps."""

from __future__ import annotations

import html
from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


class InlineSelect(forms.Select):
    """A single ``<select>`` written in Python rather than through one template per option.

    Django renders every ``<option>`` through its own template; for the directory filters (the
    region list alone has about 490 options) that was most of the page's time. Grouped choices
    (``[(label, [(value, label), …]), …]``) become ``<optgroup>`` elements, one level deep.
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: BaseRenderer | None = None
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs or {})
        final_attrs["name"] = name
        chosen = {str(v) for v in self.format_value(value)}

        def option(key: Any, label: Any) -> str:
            selected = " selected" if str(key) in chosen else ""
            return f'<option value="{_escape(key)}"{selected}>{_escape(label)}</option>'

        options = [
            f'<optgroup label="{_escape(key)}">' + "".join(option(*choice) for choice in label) + "</optgroup>"
            if isinstance(label, list | tuple)
            else option(key, label)
            for key, label in self.choices
        ]
        return mark_safe(format_html("<select{}>", flatatt(final_attrs)) + "".join(options) + "</select>")  # noqa: S308 - every part is escaped by _escape or format_html


def _escape(value: Any) -> str:
    """What ``conditional_escape`` does, without its lazy-string wrapper: a third of the region picker's time
    (490 options on every directory page) went to that wrapper alone."""
    return str(value.__html__()) if hasattr(value, "__html__") else html.escape(str(value))
