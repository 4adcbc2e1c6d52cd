"""Expert profiles and their works; the expert decides what is public."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.enums import (
    Visibility,
    WorkKind,
)
from kechuang.accounts.models import (
    ExpertProfile,
    User,
    Work,
)
from kechuang.core.audit import diff_of, record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.i18n import Bilingual
from kechuang.core.identifiers import normalise_orcid
from kechuang.core.permissions import require
from kechuang.core.validation import clean_or_raise

# ---------------------------------------------------------------- expert profiles

PROFILE_FIELDS = (
    "name",
    "title",
    "affiliation",
    "fields",
    "keywords_zh",
    "keywords_en",
    "orcid",
    "bio",
    "visibility",
    "show_works",
    "show_email",
)


def _clean_keywords(values: Any) -> list[str]:
    if isinstance(values, str):
        values = values.replace("，", ",").replace("；", ",").replace(";", ",").split(",")
    seen: list[str] = []
    for value in values or []:
        text = str(value).strip()
        if text and text not in seen:
            seen.append(text[:60])
    return seen[:30]


@transaction.atomic
def save_expert_profile(*, actor: User, **values: Any) -> ExpertProfile:
    """Create or update ``actor``'s own expert profile with the given fields."""
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise DomainError(ErrorCode.BAD_REQUEST, f"unknown fields: {', '.join(sorted(unknown))}")
    profile = ExpertProfile.objects.select_for_update().filter(user=actor).first()
    created = profile is None
    if profile is None:
        profile = ExpertProfile(user=actor, visibility=Visibility.PUBLIC)
    else:
        require(actor, "accounts.change_expert_profile", profile)
    before = {f: getattr(profile, f) for f in PROFILE_FIELDS if f != "affiliation"}
    for key in ("fields", "keywords_zh", "keywords_en"):
        if key in values:
            values[key] = _clean_keywords(values[key])
    if values.get("orcid"):
        try:
            values["orcid"] = normalise_orcid(values["orcid"])
        except ValidationError as exc:
            raise DomainError(ErrorCode.VALIDATION, errors={"orcid": [str(m) for m in exc.messages]}) from exc
    for field, value in values.items():
        setattr(profile, field, value)
    clean_or_raise(profile)
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError as exc:
        raise DomainError(
            ErrorCode.VALIDATION, errors={"orcid": [str(_("Another profile already uses this ORCID iD."))]}
        ) from exc
    after = {f: getattr(profile, f) for f in PROFILE_FIELDS if f != "affiliation"}
    record_event(
        actor=actor,
        verb=f"accounts:expert_profile:{'create' if created else 'update'}",
        obj=profile,
        diff=diff_of(before if not created else {}, after),
    )
    return profile


@transaction.atomic
def add_work(
    *,
    actor: User,
    profile: ExpertProfile,
    kind: str,
    title: Bilingual,
    abstract: Bilingual | None = None,
    year: int | None = None,
    venue: str = "",
    identifier: str = "",
    is_public: bool = True,
) -> Work:
    """Add a paper, patent or project to ``actor``'s own profile."""
    require(actor, "accounts.change_expert_profile", profile)
    if kind not in WorkKind.values:
        raise DomainError(ErrorCode.VALIDATION, errors={"kind": [str(_("Choose paper, patent or project."))]})
    work = Work(
        profile=profile,
        kind=kind,
        title=title,
        abstract=abstract or {},
        year=year,
        venue=venue,
        identifier=identifier,
        is_public=is_public,
    )
    clean_or_raise(work)
    work.save()
    record_event(actor=actor, verb="accounts:work:create", obj=work, diff={"title": [None, title]})
    return work


@transaction.atomic
def delete_work(*, actor: User, work: Work) -> None:
    require(actor, "accounts.change_expert_profile", work.profile)
    record_event(actor=actor, verb="accounts:work:delete", obj=work, diff={"title": [work.title, None]})
    work.delete()
