"""Bilingual user content: one JSON value ``{"zh-hans": …, "en": …}`` with a zh→en fallback.

Interface strings are gettext msgids; *user* content (names, titles, descriptions) is stored in
both languages in one field, so search, exports and indicators see one value per object.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

LANGS = ("zh-hans", "en")
Bilingual = dict[str, str]


def bilingual(zh: str = "", en: str = "") -> Bilingual:
    """A bilingual value from its two texts, trimmed; empty texts are left out."""
    value = {"zh-hans": zh.strip(), "en": en.strip()}
    return {lang: text for lang, text in value.items() if text}


def localized(value: Bilingual | None, language: str | None = None) -> str:
    """The text in ``language`` (default: the active one), else in the other language, else ''."""
    if not value:
        return ""
    wanted = "en" if (language or get_language() or "zh-hans").lower().startswith("en") else "zh-hans"
    other = "zh-hans" if wanted == "en" else "en"
    return value.get(wanted) or value.get(other) or ""


def validate_bilingual(value: Any, *, required: bool = True, max_length: int | None = None) -> None:
    if not isinstance(value, dict) or any(not isinstance(k, str) or not isinstance(v, str) for k, v in value.items()):
        raise ValidationError(_("Give the text as an object of language codes to strings."), code="bilingual_shape")
    unknown = sorted(set(value) - set(LANGS))
    if unknown:
        raise ValidationError(
            _("Unknown language code(s): %(codes)s. Use zh-hans and en."),
            code="bilingual_language",
            params={"codes": ", ".join(unknown)},
        )
    if required and not any(v.strip() for v in value.values()):
        raise ValidationError(_("Give the text in Chinese or English."), code="bilingual_required")
    if max_length is not None:
        for text in value.values():
            if len(text) > max_length:
                raise ValidationError(
                    _("Keep the text within %(limit)d characters."),
                    code="bilingual_too_long",
                    params={"limit": max_length},
                )


class BilingualTextField(models.JSONField):
    """A JSON field holding a :data:`Bilingual` value, validated on ``full_clean``."""

    def __init__(self, *args: Any, required: bool = True, max_text_length: int | None = None, **kwargs: Any) -> None:
        self.required = required
        self.max_text_length = max_text_length
        kwargs.setdefault("default", dict)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if not self.required:
            kwargs["required"] = False
        if self.max_text_length is not None:
            kwargs["max_text_length"] = self.max_text_length
        return name, path, args, kwargs

    def validate(self, value: Any, model_instance: Any) -> None:
        super().validate(value, model_instance)
        validate_bilingual(value, required=self.required, max_length=self.max_text_length)
