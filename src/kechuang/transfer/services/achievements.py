"""Registering achievements (科技成果) with their unit, their completers, the idle clock and release requests.

A unit's TTO officers (or administrators) register and edit its results (rule
``transfer.manage_achievements`` on the owner). Completers' contributions are basis points that add
up to exactly 10,000, with exactly one lead, because every later split of income starts from them.
The idle clock of 北京市促进科技成果转化条例 §11 runs from ``registered_on`` (fixed at registration,
so an edit cannot restart it) until a deal is signed: :func:`send_idle_alerts` tells the unit and the
completers once when a result passes a year unused, and the completers may then ask to commercialise
it themselves (:func:`request_release`); the unit grants or refuses with its reasons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.accounts.models import Organization, User
from kechuang.core.audit import diff_of, record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.i18n import Bilingual
from kechuang.core.identifiers import normalise_patent_application
from kechuang.core.permissions import require
from kechuang.core.validation import clean_or_raise
from kechuang.transfer import notices
from kechuang.transfer.enums import (
    PATENT_KINDS,
    AchievementKind,
    AchievementStatus,
    DealStage,
    IpStatus,
    OpportunityStatus,
    ReleaseRequestStatus,
)
from kechuang.transfer.models import IDLE_AFTER, Achievement, Completer, ReleaseRequest

WHOLE_BP = 10_000
MAX_FUNDING_ROWS = 20
# Fields an edit may change. ``registered_on`` is not among them: it starts the §11 clock.
FIELDS = ("kind", "title", "summary", "ip_status", "ip_number", "trl", "funding", "sectors")
# Stages of a deal still being negotiated: the achievement is "in a deal" while one exists.
LIVE_DEAL_STAGES = (DealStage.DRAFT, DealStage.FIRST_REFUSAL, DealStage.PUBLICITY, DealStage.APPROVAL)


@dataclass(frozen=True)
class CompleterSpec:
    """One completer: a platform user, or only a name (a person without an account), and a contribution."""

    contribution_bp: int
    is_lead: bool = False
    user: User | None = None
    name: str = ""


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, errors={field: [message]})


# ---------------------------------------------------------------- checks


def check_ip(*, kind: str, ip_status: str, ip_number: str) -> str:
    """The IP number as stored, or a refusal: patent numbers carry a check digit, a secret has no number.

    A patent kind that is filed or granted needs its CNIPA application number (checked and normalised);
    a patent not yet filed has none; a technical secret is kept as a secret and has no number at all.
    """
    number = ip_number.strip()
    if kind not in AchievementKind.values:
        raise _invalid("kind", _("Choose a type of achievement."))
    if ip_status not in IpStatus.values:
        raise _invalid("ip_status", _("Choose an IP status."))
    if kind == AchievementKind.TECHNICAL_SECRET:
        if number:
            raise _invalid("ip_number", _("A technical secret has no patent or registration number."))
        if ip_status != IpStatus.SECRET:
            raise _invalid("ip_status", _("A technical secret is kept as a trade secret."))
        return ""
    if ip_status == IpStatus.SECRET:
        raise _invalid("ip_status", _("Only a technical secret is kept as a trade secret; choose that type."))
    if kind in PATENT_KINDS:
        if ip_status == IpStatus.NOT_FILED:
            if number:
                raise _invalid("ip_number", _("A patent not yet filed has no application number."))
            return ""
        if not number and ip_status in (IpStatus.FILED, IpStatus.GRANTED):
            raise _invalid("ip_number", _("Give the patent application number."))
        if number:
            try:
                return normalise_patent_application(number)
            except ValidationError as exc:
                raise _invalid("ip_number", " ".join(exc.messages)) from exc
    return number


def check_completers(completers: Sequence[CompleterSpec]) -> list[CompleterSpec]:
    """The completers as stored (names filled from accounts), or a refusal.

    Contributions are whole basis points above zero adding up to exactly 10,000 (``shares_not_100``
    otherwise); exactly one completer is the lead; a platform user appears once.
    """
    if not completers:
        raise _invalid("completers", _("Name at least one completer."))
    cleaned = []
    for spec in completers:
        share = spec.contribution_bp
        if isinstance(share, bool) or not isinstance(share, int) or not 0 < share <= WHOLE_BP:
            raise _invalid("completers", _("Every contribution is above 0% and at most 100%."))
        name = spec.name.strip() or (spec.user.display_name or spec.user.username if spec.user is not None else "")
        if not name:
            raise _invalid("completers", _("Every completer needs a name."))
        if len(name) > 100:
            raise _invalid("completers", _("Keep each name within 100 characters."))
        cleaned.append(CompleterSpec(contribution_bp=share, is_lead=bool(spec.is_lead), user=spec.user, name=name))
    total = sum(spec.contribution_bp for spec in cleaned)
    if total != WHOLE_BP:
        raise DomainError(
            ErrorCode.SHARES_NOT_100,
            _("The contributions add up to %(total)s%%; they must add up to exactly 100%%.")
            % {"total": f"{total / 100:g}"},
            errors={"completers": [_("The contributions must add up to exactly 100%.")]},
        )
    if sum(1 for spec in cleaned if spec.is_lead) != 1:
        raise _invalid("completers", _("Mark exactly one completer as the lead."))
    users = [spec.user.pk for spec in cleaned if spec.user is not None]
    if len(users) != len(set(users)):
        raise _invalid("completers", _("A person is named twice among the completers."))
    return cleaned


def check_funding(funding: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Funding sources as stored: ``[{"source": …, "number": …}]``, each with a source."""
    rows = []
    for row in funding:
        source = str(row.get("source") or "").strip()
        number = str(row.get("number") or "").strip()
        if not source:
            raise _invalid("funding", _("Every funding row names its source."))
        if len(source) > 200 or len(number) > 100:
            raise _invalid("funding", _("Keep a source within 200 and a project number within 100 characters."))
        rows.append({"source": source, "number": number})
    if len(rows) > MAX_FUNDING_ROWS:
        raise _invalid("funding", _("Name at most %(most)d funding sources.") % {"most": MAX_FUNDING_ROWS})
    return rows


def _check_trl(trl: object) -> int:
    if isinstance(trl, bool) or not isinstance(trl, int) or not 1 <= trl <= 9:
        raise _invalid("trl", _("The technology readiness level is a whole number from 1 to 9."))
    return trl


def _write_completers(achievement: Achievement, completers: Sequence[CompleterSpec]) -> None:
    achievement.completers.all().delete()
    Completer.objects.bulk_create(
        [
            Completer(
                achievement=achievement,
                user=spec.user,
                name=spec.name,
                position=position,
                contribution_bp=spec.contribution_bp,
                is_lead=spec.is_lead,
            )
            for position, spec in enumerate(completers)
        ]
    )


def _snapshot(achievement: Achievement) -> dict[str, Any]:
    values = {field: getattr(achievement, field) for field in FIELDS}
    values["completers"] = [
        [row.name, row.user_id, row.contribution_bp, row.is_lead] for row in achievement.completers.all()
    ]
    return values


def refresh_status(achievement: Achievement) -> None:
    """Set the status the achievement's deals and cards imply (withdrawn and commercialised stay)."""
    if achievement.status in (AchievementStatus.WITHDRAWN, AchievementStatus.COMMERCIALISED):
        return
    if achievement.deals.filter(stage__in=LIVE_DEAL_STAGES).exists():
        status = AchievementStatus.IN_DEAL
    elif achievement.opportunities.filter(status=OpportunityStatus.OPEN).exists():
        status = AchievementStatus.LISTED
    else:
        status = AchievementStatus.REGISTERED
    if status != achievement.status:
        achievement.status = status
        achievement.save(update_fields=["status", "updated_at"])


# ---------------------------------------------------------------- writes


@transaction.atomic
def register_achievement(
    *,
    actor: User,
    owner: Organization,
    kind: str,
    title: Bilingual,
    summary: Bilingual,
    ip_status: str,
    trl: int,
    registered_on: date,
    completers: Sequence[CompleterSpec],
    ip_number: str = "",
    funding: Sequence[Mapping[str, Any]] = (),
    sectors: Sequence[str] = (),
) -> Achievement:
    """Register a result in ``owner``'s name (rule ``transfer.manage_achievements``: its TTO officers and admins).

    Checks the IP number against the type and status (:func:`check_ip`), TRL 1–9, funding rows, the
    completers (:func:`check_completers`: ``shares_not_100`` unless they add up to exactly 100%) and a
    registration date not in the future. Writes the achievement, its completers and an audit event in
    one transaction; a refusal leaves nothing behind.
    """
    require(actor, "transfer.manage_achievements", owner)
    if owner.status != "active":
        raise _invalid("owner", _("The unit is not active on the platform."))
    number = check_ip(kind=kind, ip_status=ip_status, ip_number=ip_number)
    people = check_completers(completers)
    if registered_on > timezone.localdate():
        raise _invalid("registered_on", _("The registration date cannot lie in the future."))
    achievement = Achievement(
        owner=owner,
        created_by=actor,
        kind=kind,
        title=title,
        summary=summary,
        ip_status=ip_status,
        ip_number=number,
        trl=_check_trl(trl),
        funding=check_funding(funding),
        sectors=list(sectors),
        registered_on=registered_on,
    )
    clean_or_raise(achievement, exclude=["owner", "created_by"])
    achievement.save()
    _write_completers(achievement, people)
    record_event(
        actor=actor,
        verb="transfer:achievement:register",
        obj=achievement,
        diff=diff_of({}, {**_snapshot(achievement), "registered_on": registered_on.isoformat()}),
    )
    return achievement


@transaction.atomic
def update_achievement(
    *,
    actor: User,
    achievement: Achievement,
    completers: Sequence[CompleterSpec] | None = None,
    **fields: Any,
) -> Achievement:
    """Change an achievement's public and private facts (rule ``transfer.change_achievement``).

    ``fields`` are names of :data:`FIELDS`; the registration date cannot change. The completers and
    their contributions are fixed once a deal is signed (income is shared from them); a withdrawn
    result cannot be edited. Same checks as :func:`register_achievement`.
    """
    require(actor, "transfer.change_achievement", achievement)
    achievement = Achievement.objects.select_for_update().get(pk=achievement.pk)
    if achievement.status == AchievementStatus.WITHDRAWN:
        raise DomainError(ErrorCode.INVALID_STATE, _("A withdrawn achievement cannot be edited."))
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise DomainError(ErrorCode.VALIDATION, errors={name: [_("This field cannot be changed.")] for name in unknown})
    before = _snapshot(achievement)
    values = {name: fields.get(name, getattr(achievement, name)) for name in FIELDS}
    values["ip_number"] = check_ip(
        kind=values["kind"], ip_status=values["ip_status"], ip_number=values["ip_number"] or ""
    )
    values["trl"] = _check_trl(values["trl"])
    values["funding"] = check_funding(values["funding"] or [])
    values["sectors"] = list(values["sectors"] or [])
    for name, value in values.items():
        setattr(achievement, name, value)
    people = check_completers(completers) if completers is not None else None
    if people is not None and achievement.commercialised_on is not None:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            _("The completers and their contributions are fixed once a deal is signed."),
            errors={"completers": [_("The completers and their contributions are fixed once a deal is signed.")]},
        )
    clean_or_raise(achievement, exclude=["owner", "created_by"])
    achievement.save()
    if people is not None:
        _write_completers(achievement, people)
    changes = diff_of(before, _snapshot(achievement))
    if changes:
        record_event(actor=actor, verb="transfer:achievement:update", obj=achievement, diff=changes)
    return achievement


def send_idle_alerts(*, today: date | None = None) -> int:
    """Tell each unit and its completers, once, that a result passed a year registered without a signed deal.

    For every achievement not withdrawn, not commercialised, registered on or before ``today`` minus
    :data:`IDLE_AFTER` and not alerted yet: marks ``idle_alerted_on`` and notifies the owner's TTO
    officers and administrators and the completers who have accounts, in one transaction per
    achievement. The mark is set by a conditional update, so two runs at once (the worker and
    ``kechuang manage transfer_idle_alerts``) still alert once. Returns how many were alerted.
    """
    day = today or timezone.localdate()
    due = (
        Achievement.objects.filter(
            idle_alerted_on__isnull=True,
            commercialised_on__isnull=True,
            registered_on__lte=day - IDLE_AFTER,
        )
        .exclude(status__in=(AchievementStatus.WITHDRAWN, AchievementStatus.COMMERCIALISED))
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    alerted = 0
    for pk in list(due):
        with transaction.atomic():
            if not Achievement.objects.filter(pk=pk, idle_alerted_on__isnull=True).update(idle_alerted_on=day):
                continue
            achievement = Achievement.objects.get(pk=pk)
            notices.tell(
                notices.unit_officers(achievement.owner_id) + notices.completers_of(achievement),
                notices.IDLE.name,
                url=achievement.get_absolute_url(),
                actor=None,
                title=achievement.title,
            )
            record_event(
                actor=None,
                verb="transfer:achievement:idle_alert",
                obj=achievement,
                diff={"idle_alerted_on": [None, day.isoformat()]},
            )
            alerted += 1
    return alerted


@transaction.atomic
def request_release(*, actor: User, achievement: Achievement, plan: str) -> ReleaseRequest:
    """A completer asks to commercialise an idle result (北京条例 §11; rule ``transfer.request_release``).

    Only once the result has been idle for a year (registered more than a year ago, no deal signed),
    with a plan, and one open request at a time (``duplicate`` otherwise). Notifies the unit's officers
    and the other completers.
    """
    require(actor, "transfer.request_release", achievement)
    achievement = Achievement.objects.select_for_update().get(pk=achievement.pk)
    if achievement.idle_since(timezone.localdate()) is None:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            _("The completers may ask only once the result has gone a year without a signed deal."),
        )
    text = plan.strip()
    if not text:
        raise _invalid("plan", _("Say how the completers will commercialise the result."))
    if achievement.release_requests.filter(status=ReleaseRequestStatus.REQUESTED).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("A request is already waiting for the unit's decision."))
    release = ReleaseRequest(achievement=achievement, requested_by=actor, plan=text)
    clean_or_raise(release, exclude=["achievement", "requested_by"])
    try:
        with transaction.atomic():
            release.save()
    except IntegrityError as exc:  # a request filed at the same moment
        raise DomainError(ErrorCode.DUPLICATE, _("A request is already waiting for the unit's decision.")) from exc
    record_event(actor=actor, verb="transfer:release_request:create", obj=release, diff={"plan": ["", text]})
    notices.tell(
        notices.unit_officers(achievement.owner_id) + notices.completers_of(achievement),
        notices.RELEASE_REQUESTED.name,
        url=achievement.get_absolute_url(),
        actor=actor,
        title=achievement.title,
        plan=text,
    )
    return release


@transaction.atomic
def decide_release(*, actor: User, release: ReleaseRequest, grant: bool, reason: str = "") -> ReleaseRequest:
    """The unit grants or refuses a release request (rule ``transfer.decide_release``).

    §11 lets the completers go ahead when the unit leaves the result unused "without good reason", so a
    refusal must give the reason; a grant may. Decided once (``invalid_state`` after). Notifies the
    completers and the unit's officers; audited.
    """
    require(actor, "transfer.decide_release", release.achievement)
    release = ReleaseRequest.objects.select_for_update().select_related("achievement").get(pk=release.pk)
    if release.status != ReleaseRequestStatus.REQUESTED:
        raise DomainError(ErrorCode.INVALID_STATE, _("This request has been decided already."))
    text = reason.strip()
    if not grant and not text:
        raise _invalid("reason", _("A refusal must give the unit's reason."))
    release.status = ReleaseRequestStatus.GRANTED if grant else ReleaseRequestStatus.REFUSED
    release.reason = text
    release.decided_by = actor
    release.decided_at = timezone.now()
    clean_or_raise(release, exclude=["achievement", "requested_by", "decided_by"])
    release.save()
    record_event(
        actor=actor,
        verb="transfer:release_request:decide",
        obj=release,
        diff={"status": [ReleaseRequestStatus.REQUESTED, release.status], "reason": ["", text]},
    )
    achievement = release.achievement
    notices.tell(
        notices.completers_of(achievement) + notices.unit_officers(achievement.owner_id),
        notices.RELEASE_DECIDED.name,
        url=achievement.get_absolute_url(),
        actor=actor,
        title=achievement.title,
        outcome=ReleaseRequestStatus(release.status).label,
        reason=text,
    )
    return release


__all__ = [
    "FIELDS",
    "LIVE_DEAL_STAGES",
    "WHOLE_BP",
    "CompleterSpec",
    "check_completers",
    "check_funding",
    "check_ip",
    "decide_release",
    "refresh_status",
    "register_achievement",
    "request_release",
    "send_idle_alerts",
    "update_achievement",
]
