"""Calls, their criteria and items, and the reviewer pool."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from kechuang.accounts.enums import OrganizationKind
from kechuang.accounts.models import ExpertProfile, User
from kechuang.core.audit import record_event
from kechuang.core.errors import DomainError, ErrorCode, errors_from_django
from kechuang.core.i18n import validate_bilingual
from kechuang.core.permissions import require
from kechuang.review.conflicts import Parties
from kechuang.review.enums import AssignmentStatus, CallStatus
from kechuang.review.models import Assignment, Call, Criterion, Item, PoolReviewer


@dataclass(frozen=True)
class CriterionSpec:
    """One criterion of a new call. Weights are percent and all of a call's weights sum to 100."""

    name: dict[str, str]
    weight: int
    scale_min: int = 0
    scale_max: int = 10
    description: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemSpec:
    """One item to review. ``identity`` is shown only when the call is not blind."""

    subject: models.Model
    title: dict[str, str]
    summary: dict[str, str]
    parties: Parties
    identity: dict[str, Any]


def _invalid(field_name: str, message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, errors={field_name: [message]})


def _check_bilingual(value: Any, field_name: str, *, required: bool = True, max_length: int = 500) -> None:
    try:
        validate_bilingual(value, required=required, max_length=max_length)
    except ValidationError as exc:
        raise DomainError(ErrorCode.VALIDATION, errors={field_name: errors_from_django(exc)["__all__"]}) from exc


def _check_criteria(criteria: Sequence[CriterionSpec]) -> None:
    if not criteria:
        raise _invalid("criteria", _("Give at least one criterion."))
    for spec in criteria:
        _check_bilingual(spec.name, "criteria", max_length=200)
        if spec.weight < 1 or spec.weight > 100:
            raise _invalid("criteria", _("Each weight is a whole percentage from 1 to 100."))
        if spec.scale_max <= spec.scale_min:
            raise _invalid("criteria", _("A criterion's highest score must be above its lowest."))
    total = sum(spec.weight for spec in criteria)
    if total != 100:
        raise _invalid(
            "criteria", _("The weights add up to %(total)d%%; they must add up to 100%%.") % {"total": total}
        )


def parties_json(parties: Parties) -> dict[str, Any]:
    return {
        "people": sorted(parties.people),
        "organizations": sorted(parties.organizations),
        "issuer": parties.issuer,
    }


@transaction.atomic
def open_call(
    *,
    actor: User,
    subject: models.Model,
    title: dict[str, str],
    criteria: Sequence[CriterionSpec],
    blind: bool,
    reviews_per_item: int,
    max_load: int,
    review_deadline: datetime,
    alternates: int = 2,
    require_industry: bool = False,
    distinct_organizations: bool = False,
    min_load: int = 0,
) -> Call:
    """Open a review call on ``subject`` with its criteria (weights summing to 100). Operators only.

    Refuses bad numbers with a validation error and writes nothing. Audited.
    """
    require(actor, "review.open_call", subject)
    _check_bilingual(title, "title", max_length=300)
    _check_criteria(criteria)
    if reviews_per_item < 1:
        raise _invalid("reviews_per_item", _("Ask for at least one review per item."))
    if max_load < 1 or min_load < 0 or min_load > max_load:
        raise _invalid("max_load", _("Loads must satisfy 0 ≤ fewest ≤ most, and most at least 1."))
    if alternates < 0:
        raise _invalid("alternates", _("The number of alternates cannot be negative."))
    call = Call.objects.create(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        title=title,
        blind=blind,
        reviews_per_item=reviews_per_item,
        max_load=max_load,
        min_load=min_load,
        alternates=alternates,
        require_industry=require_industry,
        distinct_organizations=distinct_organizations,
        review_deadline=review_deadline,
        created_by=actor,
    )
    Criterion.objects.bulk_create(
        [
            Criterion(
                call=call,
                name=spec.name,
                description=spec.description,
                weight=spec.weight,
                scale_min=spec.scale_min,
                scale_max=spec.scale_max,
                order=position,
            )
            for position, spec in enumerate(criteria)
        ]
    )
    record_event(
        actor=actor,
        verb="review:call:open",
        obj=call,
        diff={"subject": [None, f"{subject._meta.label_lower}:{subject.pk}"], "blind": [None, blind]},
    )
    return call


def _require_open(call: Call) -> None:
    if call.status != CallStatus.OPEN:
        raise DomainError(ErrorCode.INVALID_STATE, _("This call is closed."))


@transaction.atomic
def add_items(*, actor: User, call: Call, items: Sequence[ItemSpec]) -> list[Item]:
    """Add items to an open call; a subject already in the call is refused as a duplicate. Audited."""
    require(actor, "review.add_items", call)
    call = Call.objects.select_for_update().get(pk=call.pk)
    _require_open(call)
    created = []
    for spec in items:
        _check_bilingual(spec.title, "title")
        _check_bilingual(spec.summary, "summary", required=False, max_length=8000)
        content_type = ContentType.objects.get_for_model(spec.subject)
        if Item.objects.filter(call=call, subject_type=content_type, subject_id=spec.subject.pk).exists():
            raise DomainError(ErrorCode.DUPLICATE, _("This subject is already an item of the call."))
        item = Item.objects.create(
            call=call,
            subject_type=content_type,
            subject_id=spec.subject.pk,
            title=spec.title,
            summary=spec.summary,
            parties=parties_json(spec.parties),
            identity=dict(spec.identity),
        )
        record_event(actor=actor, verb="review:item:add", obj=item, diff={"call": [None, call.pk]})
        created.append(item)
    return created


@transaction.atomic
def close_call(*, actor: User, call: Call) -> Call:
    """OPEN → CLOSED: no more items, runs, changes or reviews. Audited."""
    require(actor, "review.open_call", call)
    call = Call.objects.select_for_update().get(pk=call.pk)
    _require_open(call)
    call.status = CallStatus.CLOSED
    call.save(update_fields=["status"])
    record_event(actor=actor, verb="review:call:close", obj=call, diff={"status": [CallStatus.OPEN, CallStatus.CLOSED]})
    return call


def industry_by_default(user: User) -> bool:
    """A reviewer counts as industry when her expert profile's affiliation is an enterprise."""
    profile = ExpertProfile.objects.select_related("affiliation").filter(user=user).first()
    return bool(profile and profile.affiliation and profile.affiliation.kind == OrganizationKind.ENTERPRISE)


@transaction.atomic
def invite_reviewer(
    *, actor: User, call: Call, user: User, industry: bool | None = None, max_load: int | None = None
) -> PoolReviewer:
    """Put ``user`` in the call's pool. ``industry`` defaults from her affiliation, ``max_load`` from the call."""
    require(actor, "review.manage_pool", call)
    call = Call.objects.select_for_update().get(pk=call.pk)
    _require_open(call)
    if not user.is_active:
        raise _invalid("user", _("This account is not active."))
    if PoolReviewer.objects.filter(call=call, user=user).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("This reviewer is already in the pool."))
    load = call.max_load if max_load is None else max_load
    if load < 1:
        raise _invalid("max_load", _("A reviewer's load must be at least 1."))
    member = PoolReviewer.objects.create(
        call=call,
        user=user,
        industry=industry_by_default(user) if industry is None else industry,
        max_load=load,
        invited_by=actor,
    )
    record_event(actor=actor, verb="review:pool:invite", obj=member, diff={"user": [None, user.pk]})
    return member


@transaction.atomic
def remove_reviewer(*, actor: User, member: PoolReviewer) -> None:
    """Take a reviewer out of the pool; refused while she holds assignments (unassign them first)."""
    require(actor, "review.manage_pool", member.call)
    Call.objects.select_for_update().get(pk=member.call_id)
    held = Assignment.objects.filter(item__call_id=member.call_id, reviewer_id=member.user_id).exclude(
        status=AssignmentStatus.WITHDRAWN
    )
    if held.filter(status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED]).exists():
        raise DomainError(
            ErrorCode.INVALID_STATE, _("This reviewer holds assignments in the call; unassign them first.")
        )
    held.filter(status=AssignmentStatus.ALTERNATE).delete()
    record_event(actor=actor, verb="review:pool:remove", obj=member, diff={"user": [member.user_id, None]})
    member.delete()
