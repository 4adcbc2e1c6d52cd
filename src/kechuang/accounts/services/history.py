"""What conflicts of interest are computed from: employment history, declared relations, shareholdings.

Employment history and relations belong to the expert (rules ``accounts.change_employment_history``
and ``accounts.declare_relation`` on their own profile); shareholdings belong to the organisation
whose shares they are (its administrators and the operators). Every write validates, writes in one
transaction and records an audit event.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.enums import OrganizationStatus, RelationKind
from kechuang.accounts.models import Affiliation, ExpertProfile, Organization, Relation, Shareholding, User
from kechuang.core.audit import record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.permissions import require
from kechuang.core.validation import clean_or_raise

FIRST_YEAR = 1900
FULL_SHARE_BP = 10_000


def _refuse(field: str, message: object) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, errors={field: [str(message)]})


def _check_years(start_year: int | None, end_year: int | None, *, start_required: bool) -> None:
    """Years lie between 1900 and next year; an end is not before its start."""
    last = timezone.localdate().year + 1
    if start_year is None and start_required:
        raise _refuse("start_year", _("Give the year it started."))
    for field, year in (("start_year", start_year), ("end_year", end_year)):
        if year is not None and not FIRST_YEAR <= year <= last:
            raise _refuse(field, _("Give a year between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": last})
    if start_year is not None and end_year is not None and end_year < start_year:
        raise _refuse("end_year", _("The end year cannot be before the start year."))


def _active(organization: Organization, field: str) -> None:
    if organization.status != OrganizationStatus.ACTIVE:
        raise _refuse(field, _("Choose an active organization."))


# ---------------------------------------------------------------- employment history


@transaction.atomic
def add_affiliation(
    *,
    actor: User,
    profile: ExpertProfile,
    organization: Organization,
    start_year: int,
    end_year: int | None = None,
    position: str = "",
) -> Affiliation:
    """Add a post to ``actor``'s own employment history; ``end_year`` None means they are still there.

    Refuses years outside 1900..next year, an end before the start and inactive organisations.
    """
    require(actor, "accounts.change_employment_history", profile)
    _check_years(start_year, end_year, start_required=True)
    _active(organization, "organization")
    row = Affiliation(
        profile=profile,
        organization=organization,
        start_year=start_year,
        end_year=end_year,
        position=position.strip()[:200],
    )
    clean_or_raise(row)
    row.save()
    record_event(
        actor=actor,
        verb="accounts:affiliation:create",
        obj=row,
        diff={"organization": [None, organization.pk], "years": [None, [start_year, end_year]]},
    )
    return row


@transaction.atomic
def delete_affiliation(*, actor: User, affiliation: Affiliation) -> None:
    """Remove a row of ``actor``'s own employment history."""
    require(actor, "accounts.change_employment_history", affiliation.profile)
    record_event(
        actor=actor,
        verb="accounts:affiliation:delete",
        obj=affiliation,
        diff={
            "organization": [affiliation.organization_id, None],
            "years": [[affiliation.start_year, affiliation.end_year], None],
        },
    )
    affiliation.delete()


# ---------------------------------------------------------------- declared relations


@transaction.atomic
def declare_relation(
    *,
    actor: User,
    profile: ExpertProfile,
    other: ExpertProfile,
    kind: str,
    start_year: int | None = None,
    end_year: int | None = None,
) -> Relation:
    """Declare on ``actor``'s own profile that ``other`` is ``kind`` to them (e.g. their advisor).

    Only the two people and the operators will see it. Refuses a relation with oneself, an unknown
    kind, bad years and a second relation of the same kind with the same person (``duplicate``).
    """
    require(actor, "accounts.declare_relation", profile)
    if kind not in RelationKind.values:
        raise _refuse("kind", _("Choose a kind of relation."))
    if other.pk == profile.pk:
        raise _refuse("other", _("You cannot declare a relation with yourself."))
    _check_years(start_year, end_year, start_required=False)
    if Relation.objects.filter(from_profile=profile, to_profile=other, kind=kind).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("You have already declared this relation."))
    relation = Relation(from_profile=profile, to_profile=other, kind=kind, start_year=start_year, end_year=end_year)
    try:
        with transaction.atomic():
            relation.save()
    except IntegrityError as exc:  # a concurrent declaration of the same relation
        raise DomainError(ErrorCode.DUPLICATE, _("You have already declared this relation.")) from exc
    record_event(
        actor=actor,
        verb="accounts:relation:create",
        obj=relation,
        diff={"to_profile": [None, other.pk], "kind": [None, kind], "years": [None, [start_year, end_year]]},
    )
    return relation


@transaction.atomic
def withdraw_relation(*, actor: User, relation: Relation) -> None:
    """Delete a declared relation: the person who declared it, or an operator."""
    require(actor, "accounts.withdraw_relation", relation)
    record_event(
        actor=actor,
        verb="accounts:relation:delete",
        obj=relation,
        diff={"to_profile": [relation.to_profile_id, None], "kind": [relation.kind, None]},
    )
    relation.delete()


# ---------------------------------------------------------------- shareholdings


@transaction.atomic
def set_shareholding(
    *,
    actor: User,
    organization: Organization,
    share_bp: int,
    as_of: date,
    holder_user: User | None = None,
    holder_organization: Organization | None = None,
) -> Shareholding:
    """Record (or replace) how many basis points of ``organization`` one holder owns, as of a date.

    Exactly one of ``holder_user`` and ``holder_organization``; 1..10,000 basis points; a date not in
    the future; an organisation does not hold itself. Its administrators or an operator may do this.
    """
    require(actor, "accounts.change_shareholdings", organization)
    if (holder_user is None) == (holder_organization is None):
        raise _refuse("holder", _("Give either a person or an organization as the holder, not both."))
    if holder_organization is not None and holder_organization.pk == organization.pk:
        raise _refuse("holder", _("An organization cannot hold its own shares here."))
    if not 0 < share_bp <= FULL_SHARE_BP:
        raise _refuse("share_bp", _("Give a share of more than 0 and at most 10,000 basis points (the whole)."))
    if as_of > timezone.localdate():
        raise _refuse("as_of", _("The date cannot be in the future."))
    holding = (
        Shareholding.objects.select_for_update()
        .filter(organization=organization, holder_user=holder_user, holder_organization=holder_organization)
        .first()
    )
    # The organisation's row is locked first, so two holders recorded at once cannot pass 100% together.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    others = Shareholding.objects.filter(organization=organization)
    if holding is not None:  # a replaced share does not count against itself
        others = others.exclude(pk=holding.pk)
    held = others.aggregate(total=Sum("share_bp"))["total"] or 0
    if held + share_bp > FULL_SHARE_BP:
        raise _refuse(
            "share_bp",
            _("The other holders already hold %(held)s; this share would take the total past 100%%.")
            % {"held": f"{held / 100:g}%"},
        )
    created = holding is None
    before = {} if holding is None else {"share_bp": holding.share_bp, "as_of": holding.as_of.isoformat()}
    if holding is None:
        holding = Shareholding(
            organization=organization, holder_user=holder_user, holder_organization=holder_organization
        )
    holding.share_bp = share_bp
    holding.as_of = as_of
    holder = f"user:{holder_user.pk}" if holder_user is not None else f"organization:{holding.holder_organization_id}"
    holding.save()
    record_event(
        actor=actor,
        verb=f"accounts:shareholding:{'create' if created else 'update'}",
        obj=holding,
        diff={
            **({"holder": [None, holder]} if created else {}),
            "share_bp": [before.get("share_bp"), share_bp],
            "as_of": [before.get("as_of"), as_of.isoformat()],
        },
    )
    return holding


@transaction.atomic
def remove_shareholding(*, actor: User, shareholding: Shareholding) -> None:
    """Delete a shareholding row: the organisation's administrators or an operator."""
    require(actor, "accounts.remove_shareholding", shareholding)
    record_event(
        actor=actor,
        verb="accounts:shareholding:delete",
        obj=shareholding,
        diff={"share_bp": [shareholding.share_bp, None]},
    )
    shareholding.delete()
