"""The kind registry: names, placeholders, rendering in the reader's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from kechuang.accounts.enums import Role
from kechuang.notifications import kinds
from tests.notifications.conftest import DUE, due_params


def test_placeholders_come_from_the_english_msgids() -> None:
    assert DUE.placeholders == frozenset({"item", "when"})


def test_a_kind_name_must_name_its_app() -> None:
    with pytest.raises(ValueError, match=r"must look like 'app\.event'"):
        kinds.register("nodot", title="x")


def test_registering_again_with_the_same_texts_is_harmless_and_with_others_refused() -> None:
    assert kinds.register("tests.review_due", title=DUE.title, body=DUE.body, label="review due") == DUE
    with pytest.raises(ValueError, match="already registered"):
        kinds.register("tests.review_due", title="Another title")


def test_unknown_kind_and_missing_placeholder_are_programming_errors() -> None:
    with pytest.raises(kinds.UnknownKindError):
        kinds.freeze_params("tests.nobody", {})
    with pytest.raises(kinds.MissingParamsError, match="when"):
        kinds.freeze_params("tests.review_due", {"item": "x"})


def test_lazy_parameters_are_stored_in_every_language() -> None:
    stored = kinds.freeze_params("tests.review_due", due_params(item=Role.ADMIN.label))
    assert stored == {"item": {"zh-hans": "管理员", "en": "Administrator"}, "when": "2026-12-01"}


def test_rendering_picks_the_readers_language() -> None:
    stored = kinds.freeze_params("tests.review_due", due_params())
    assert kinds.render("tests.review_due", stored, language="en") == (
        "Your review of force-controlled arm is due",
        "Submit it by 2026-12-01, please.",
    )
    with translation.override("zh-hans"):
        title, _body = kinds.render("tests.review_due", stored)
    assert "力控机械臂" in title


def test_stored_rows_always_render() -> None:
    assert kinds.render("tests.gone_since", {"a": 1}) == ("tests.gone_since", "")
    assert kinds.render("tests.review_due", {}, language="en")[0] == "Your review of … is due"
