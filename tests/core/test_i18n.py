"""Bilingual user content: one value in both languages, shown in the active one with a fallback."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kechuang.accounts.models import Organization
from kechuang.core.i18n import BilingualTextField, bilingual, localized, validate_bilingual


def test_bilingual_trims_and_drops_empty_texts() -> None:
    assert bilingual(" 北京 ", " Beijing ") == {"zh-hans": "北京", "en": "Beijing"}
    assert bilingual("北京", "  ") == {"zh-hans": "北京"}
    assert bilingual() == {}


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        ({"zh-hans": "北京", "en": "Beijing"}, "zh-hans", "北京"),
        ({"zh-hans": "北京", "en": "Beijing"}, "en", "Beijing"),
        ({"zh-hans": "北京", "en": "Beijing"}, "en-us", "Beijing"),
        ({"zh-hans": "北京"}, "en", "北京"),  # English asked, only Chinese kept: Chinese
        ({"en": "Beijing"}, "zh-hans", "Beijing"),  # Chinese asked, only English kept: English
        ({"zh-hans": "", "en": "Beijing"}, "zh-hans", "Beijing"),
        ({}, "zh-hans", ""),
        (None, "en", ""),
    ],
)
def test_localized_falls_back_both_ways(value: dict[str, str] | None, language: str, expected: str) -> None:
    assert localized(value, language) == expected


def test_localized_uses_the_active_language() -> None:
    value = {"zh-hans": "北京", "en": "Beijing"}
    with translation.override("en"):
        assert localized(value) == "Beijing"
    with translation.override("zh-hans"):
        assert localized(value) == "北京"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("北京", "bilingual_shape"),
        (["北京"], "bilingual_shape"),
        ({"zh-hans": 1}, "bilingual_shape"),
        ({"fr": "Pékin"}, "bilingual_language"),
        ({"zh-hans": "北京", "ja": "北京"}, "bilingual_language"),
        ({}, "blank"),  # Django's own check for a required field comes first
        ({"zh-hans": "  ", "en": ""}, "bilingual_required"),
        ({"zh-hans": "长" * 201}, "bilingual_too_long"),
    ],
)
def test_bilingual_field_refuses(value: Any, code: str) -> None:
    field = Organization._meta.get_field("name")
    assert isinstance(field, BilingualTextField)
    with pytest.raises(ValidationError) as caught:
        field.validate(value, Organization())
    assert caught.value.code == code


def test_bilingual_field_accepts() -> None:
    name = Organization._meta.get_field("name")
    description = Organization._meta.get_field("description")
    assert isinstance(name, BilingualTextField)
    assert isinstance(description, BilingualTextField)
    name.validate({"zh-hans": "长" * 200}, Organization())
    name.validate({"en": "Beijing"}, Organization())
    validate_bilingual({}, required=False)
    # An optional field may be left empty; a required one may not.
    description.validate({}, Organization())


def test_error_message_is_translated_lazily() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_bilingual({"fr": "Pékin"})
    with translation.override("en"):
        assert caught.value.messages == ["Unknown language code(s): fr. Use zh-hans and en."]


def test_field_deconstructs_its_options() -> None:
    field = BilingualTextField(required=False, max_text_length=50)
    _name, path, _args, kwargs = field.deconstruct()
    assert path == "kechuang.core.i18n.BilingualTextField"
    assert (kwargs["required"], kwargs["max_text_length"]) == (False, 50)
    assert BilingualTextField().deconstruct()[3].get("required", True) is True
