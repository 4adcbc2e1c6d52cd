"""Reads of the challenges app: accessors that answer "not found" for hidden lists, public lists with
their live participation figures, each role's queues, and links to ledger receipts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.urls import reverse

from kechuang.challenges.enums import (
    LIVE_APPLICATION_STATUSES,
    PUBLIC_STATUSES,
    ApplicationStatus,
    ChallengeStatus,
    MemberStatus,
)
from kechuang.challenges.models import Agreement, Application, ApplicationMember, Challenge, Milestone
from kechuang.core.errors import NotFound
from kechuang.core.regions import all_regions
from kechuang.ledger.models import Entry

# Waiting for an operator: a list to check, to close, to send to review, to shortlist, to award…
OPERATOR_QUEUE = (
    ChallengeStatus.OPERATOR_REVIEW,
    ChallengeStatus.APPLICATIONS_CLOSED,
    ChallengeStatus.REVIEW,
    ChallengeStatus.SHORTLIST,
    ChallengeStatus.PUBLICITY,
    ChallengeStatus.AWARDED,
    ChallengeStatus.IN_PROGRESS,
)


def _with_counts(challenges: QuerySet[Challenge]) -> QuerySet[Challenge]:
    """Each list with its live participation: applications, people in the teams, organisations."""
    live = Q(applications__status__in=LIVE_APPLICATION_STATUSES)
    return challenges.select_related("issuer").annotate(
        application_count=Count("applications", filter=live, distinct=True),
        lead_count=Count("applications__lead", filter=live, distinct=True),
        member_count=Count(
            "applications__memberships__user",
            filter=live & Q(applications__memberships__status=MemberStatus.ACCEPTED),
            distinct=True,
        ),
        organization_count=Count("applications__organization", filter=live, distinct=True),
    )


def get_challenge_for(user: Any, pk: int) -> Challenge:
    """The list if ``user`` may see it (published lists: anyone; drafts: the issuer's people and operators)."""
    challenge = Challenge.objects.select_related("issuer").filter(pk=pk).first()
    if challenge is None or not user.has_perm("challenges.view_challenge", challenge):
        raise NotFound()
    return challenge


def public_challenges(*, query: str = "", status: str = "", sector: str = "", region: str = "") -> QuerySet[Challenge]:
    """Published lists (any stage from publication on), newest first, filtered, with participation counts."""
    found = Challenge.objects.filter(status__in=PUBLIC_STATUSES)
    if status in PUBLIC_STATUSES:
        found = found.filter(status=status)
    if sector:
        # JSON containment is not on SQLite; the codes are short tokens, so a quoted substring is exact.
        found = found.filter(sectors__icontains=f'"{sector}"')
    if region:
        region_row = all_regions().get(region)
        found = found.filter(region__startswith=_region_prefix(region)) if region_row else found.none()
    if query.strip():
        words = query.strip()
        found = found.filter(Q(title__icontains=words) | Q(summary__icontains=words) | Q(issuer__name__icontains=words))
    return _with_counts(found).order_by("-published_at", "-id")


def _region_prefix(code: str) -> str:
    """A province (xx0000) covers its cities, a city (xxxx00) its districts (GB/T 2260)."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def participation(challenge: Challenge) -> dict[str, int]:
    """Live participation figures of one list: applications, people in the teams (leads and members who
    accepted), organisations, page views."""
    counts = challenge.applications.filter(status__in=LIVE_APPLICATION_STATUSES).aggregate(
        applications=Count("id", distinct=True),
        leads=Count("lead", distinct=True),
        members=Count("memberships__user", filter=Q(memberships__status=MemberStatus.ACCEPTED), distinct=True),
        organizations=Count("organization", distinct=True),
    )
    views = Challenge.objects.filter(pk=challenge.pk).values_list("views", flat=True).first() or 0
    return {
        "applications": counts["applications"],
        "people": counts["leads"] + counts["members"],
        "organizations": counts["organizations"],
        "views": views,
    }


def issuer_challenges(user: Any) -> QuerySet[Challenge]:
    """Every list of the organisations ``user`` administers, drafts included."""
    if not getattr(user, "is_authenticated", False):
        return Challenge.objects.none()
    organizations = user.memberships.filter(role="admin", status="approved").values("organization_id")
    return _with_counts(Challenge.objects.filter(issuer_id__in=organizations)).order_by("-updated_at", "-id")


def operator_queue() -> QuerySet[Challenge]:
    """Lists waiting for an operator's step, oldest change first."""
    return _with_counts(Challenge.objects.filter(status__in=OPERATOR_QUEUE)).order_by("updated_at", "id")


def my_applications(user: Any) -> QuerySet[Application]:
    """The applications ``user`` leads, has joined or is invited to, newest first.

    Each carries ``my_member_status``: the user's answer to the lead's invitation (None for the lead).
    """
    if not getattr(user, "is_authenticated", False):
        return Application.objects.none()
    mine = ApplicationMember.objects.filter(application=OuterRef("pk"), user=user)
    named = mine.filter(status__in=(MemberStatus.INVITED, MemberStatus.ACCEPTED))
    return (
        Application.objects.filter(Q(lead=user) | Q(Exists(named)))
        .annotate(my_member_status=Subquery(mine.values("status")[:1]))
        .select_related("challenge", "challenge__issuer", "lead", "organization", "agreement")
        .order_by("-submitted_at", "-id")
    )


def team_prefetch() -> Prefetch[str, QuerySet[ApplicationMember], str]:
    """Prefetch an application's invitations with their users in one query (what ``member_rows`` reads),
    whether or not any application has a member."""
    return Prefetch("memberships", queryset=ApplicationMember.objects.select_related("user"))


def applications_of(challenge: Challenge) -> QuerySet[Application]:
    return (
        challenge.applications.exclude(status=ApplicationStatus.WITHDRAWN)
        .select_related("lead", "organization", "agreement")
        .prefetch_related(team_prefetch())
        .order_by("shortlist_rank", "submitted_at", "id")
    )


def get_application_for(user: Any, pk: int) -> Application:
    application = (
        Application.objects.select_related("challenge", "challenge__issuer", "lead", "organization")
        .filter(pk=pk)
        .first()
    )
    if application is None or not user.has_perm("challenges.view_application", application):
        raise NotFound()
    return application


def agreements_of(challenge: Challenge) -> list[Agreement]:
    return list(
        challenge.agreements.select_related("application", "application__lead", "ledger_entry__leaf", "merged_into")
        .prefetch_related("milestones__acceptance_entry__leaf", "milestones__releases__ledger_entry__leaf")
        .order_by("id")
    )


def get_milestone_for(user: Any, pk: int) -> Milestone:
    """A milestone, for whoever may see its list (its evidence is shown only under ``view_evidence``)."""
    milestone = (
        Milestone.objects.select_related("agreement__challenge__issuer", "agreement__application").filter(pk=pk).first()
    )
    if milestone is None or not user.has_perm("challenges.view_challenge", milestone.agreement.challenge):
        raise NotFound()
    return milestone


def get_agreement_for(user: Any, pk: int) -> Agreement:
    agreement = Agreement.objects.select_related("challenge__issuer", "application").filter(pk=pk).first()
    if agreement is None or not user.has_perm("challenges.view_challenge", agreement.challenge):
        raise NotFound()
    return agreement


@dataclass(frozen=True)
class Receipt:
    """Where a ledger record of a list can be read and its receipt fetched (once it has an index)."""

    entry_id: int
    index: int | None

    @property
    def page_url(self) -> str:
        return reverse("ledger:entry", args=[self.index]) if self.index is not None else ""

    @property
    def receipt_url(self) -> str:
        return reverse("ledger:receipt", args=[self.index]) if self.index is not None else ""

    @property
    def api_receipt_url(self) -> str:
        return reverse("api:get_receipt", kwargs={"index": self.index}) if self.index is not None else ""


def receipt_of(entry: Entry | None) -> Receipt | None:
    """The receipt links of ``entry``; ``index`` is None until the sequencer has integrated it."""
    if entry is None:
        return None
    leaf = getattr(entry, "leaf", None)
    return Receipt(entry_id=entry.pk, index=leaf.index if leaf is not None else None)


def can_see_details(user: Any, challenge: Challenge) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm("challenges.view_details", challenge))
