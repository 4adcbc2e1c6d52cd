"""Writes of the accounts app. Each checks its rule, validates, writes in one transaction and audits."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.enums import (
    MEMBERSHIP_EDGES,
    MembershipStatus,
    OrganizationKind,
    OrganizationStatus,
    Role,
    Visibility,
    WorkKind,
)
from kechuang.accounts.models import (
    AccessToken,
    ExpertProfile,
    LoginFailure,
    Membership,
    Organization,
    User,
    Work,
)
from kechuang.core.audit import diff_of, record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.i18n import Bilingual
from kechuang.core.identifiers import normalise_orcid, normalise_uscc
from kechuang.core.permissions import require
from kechuang.core.validation import clean_or_raise

TOKEN_PREFIX = "kc_"  # noqa: S105 - a public marker that makes leaked tokens easy to scan for, not a secret


# ---------------------------------------------------------------- users


def register_user(*, username: str, email: str, password: str, display_name: str = "") -> User:
    """Create an account that can sign in at once. Refuses a taken username or e-mail address."""
    user = User(username=username.strip(), email=email.strip().lower(), display_name=display_name.strip())
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username__iexact=user.username).exists():
        errors["username"] = [str(_("This username is taken."))]
    if user.email and User.objects.filter(email__iexact=user.email).exists():
        errors["email"] = [str(_("An account with this e-mail address exists already."))]
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = [str(m) for m in exc.messages]
    if errors:
        raise DomainError(ErrorCode.VALIDATION, errors=errors)
    clean_or_raise(user, exclude=["password"])
    user.set_password(password)
    with transaction.atomic():
        user.save()
        record_event(actor=user, verb="accounts:user:register", obj=user)
    return user


def note_failed_login(*, username: str, ip: str | None) -> None:
    """Count a failed sign-in towards the lockout of this account name and address."""
    LoginFailure.objects.create(username=username.strip().lower()[:254], ip=ip or None)


def clear_failed_logins(*, username: str) -> None:
    LoginFailure.objects.filter(username=username.strip().lower()).delete()


@transaction.atomic
def update_account(*, actor: User, display_name: str, email: str) -> User:
    """Change ``actor``'s own display name and e-mail address; the address stays unique, ignoring case."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    before = {"display_name": user.display_name, "email": user.email}
    user.display_name = display_name.strip()
    user.email = email.strip().lower()
    if user.email and User.objects.filter(email__iexact=user.email).exclude(pk=user.pk).exists():
        raise DomainError(
            ErrorCode.VALIDATION, errors={"email": [str(_("An account with this e-mail address exists already."))]}
        )
    clean_or_raise(user, exclude=["password"])
    try:
        with transaction.atomic():
            user.save(update_fields=["display_name", "email"])
    except IntegrityError as exc:  # a concurrent change to the same address
        raise DomainError(
            ErrorCode.VALIDATION, errors={"email": [str(_("An account with this e-mail address exists already."))]}
        ) from exc
    record_event(
        actor=actor,
        verb="accounts:user:update",
        obj=user,
        diff=diff_of(before, {"display_name": user.display_name, "email": user.email}),
    )
    actor.display_name, actor.email = user.display_name, user.email
    return user


# ---------------------------------------------------------------- organisations

ORGANIZATION_FIELDS = ("name", "kind", "region", "uscc", "sectors", "description", "website")


def _organization_snapshot(organization: Organization) -> dict[str, Any]:
    return {field: getattr(organization, field) for field in (*ORGANIZATION_FIELDS, "status")}


def _normalised_uscc(uscc: str | None) -> str | None:
    if not uscc:
        return None
    try:
        return normalise_uscc(uscc)
    except ValidationError as exc:
        raise DomainError(ErrorCode.VALIDATION, errors={"uscc": [str(m) for m in exc.messages]}) from exc


def _save_new_organization(organization: Organization) -> None:
    clean_or_raise(organization)
    try:
        with transaction.atomic():
            organization.save()
    except IntegrityError as exc:  # a concurrent insert of the same USCC
        raise DomainError(
            ErrorCode.VALIDATION, errors={"uscc": [str(_("An organization with this code exists already."))]}
        ) from exc


@transaction.atomic
def create_organization(
    *,
    actor: User,
    name: Bilingual,
    kind: str,
    region: str,
    uscc: str | None = None,
    sectors: list[str] | None = None,
    description: Bilingual | None = None,
    website: str = "",
    operates_platform: bool = False,
) -> Organization:
    """Operator only: add an active organisation. The USCC, when given, must be valid and unused."""
    require(actor, "accounts.create_organization")
    organization = Organization(
        name=name,
        kind=kind,
        region=region,
        uscc=_normalised_uscc(uscc),
        sectors=list(sectors or []),
        description=description or {},
        website=website,
        operates_platform=operates_platform,
        status=OrganizationStatus.ACTIVE,
    )
    _save_new_organization(organization)
    record_event(
        actor=actor,
        verb="accounts:organization:create",
        obj=organization,
        diff=diff_of({}, _organization_snapshot(organization)),
    )
    return organization


@transaction.atomic
def propose_organization(
    *,
    actor: User,
    name: Bilingual,
    kind: str,
    region: str,
    uscc: str | None = None,
    sectors: list[str] | None = None,
    description: Bilingual | None = None,
    website: str = "",
) -> Organization:
    """Any signed-in user registers an organisation for an operator to approve, and asks to be its admin."""
    require(actor, "accounts.propose_organization")
    organization = Organization(
        name=name,
        kind=kind,
        region=region,
        uscc=_normalised_uscc(uscc),
        sectors=list(sectors or []),
        description=description or {},
        website=website,
        status=OrganizationStatus.PENDING,
    )
    _save_new_organization(organization)
    Membership.objects.create(
        user=actor, organization=organization, role=Role.ADMIN, note=str(_("Registered the organization"))
    )
    record_event(
        actor=actor,
        verb="accounts:organization:propose",
        obj=organization,
        diff=diff_of({}, _organization_snapshot(organization)),
    )
    return organization


@transaction.atomic
def approve_organization(*, actor: User, organization: Organization) -> Organization:
    """PENDING → ACTIVE; the proposer's admin request is approved with it."""
    require(actor, "accounts.approve_organization", organization)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.status != OrganizationStatus.PENDING:
        raise DomainError(ErrorCode.INVALID_STATE, _("Only an organization awaiting approval can be approved."))
    organization.status = OrganizationStatus.ACTIVE
    organization.save(update_fields=["status"])
    for membership in organization.memberships.filter(role=Role.ADMIN, status=MembershipStatus.REQUESTED):
        _set_membership_state(membership, MembershipStatus.APPROVED, actor=actor)
    record_event(
        actor=actor,
        verb="accounts:organization:approve",
        obj=organization,
        diff={"status": [OrganizationStatus.PENDING, OrganizationStatus.ACTIVE]},
    )
    return organization


@transaction.atomic
def update_organization(*, actor: User, organization: Organization, **changes: Any) -> Organization:
    """Change the listed fields (any of name, kind, region, uscc, sectors, description, website)."""
    require(actor, "accounts.change_organization", organization)
    unknown = set(changes) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise DomainError(ErrorCode.BAD_REQUEST, f"unknown fields: {', '.join(sorted(unknown))}")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    before = _organization_snapshot(organization)
    if "uscc" in changes:
        changes["uscc"] = _normalised_uscc(changes["uscc"])
    for field, value in changes.items():
        setattr(organization, field, value)
    clean_or_raise(organization)
    organization.save()
    record_event(
        actor=actor,
        verb="accounts:organization:update",
        obj=organization,
        diff=diff_of(before, _organization_snapshot(organization)),
    )
    return organization


# ---------------------------------------------------------------- memberships


def _set_membership_state(membership: Membership, new: str, *, actor: User) -> Membership:
    old = membership.status
    if new not in MEMBERSHIP_EDGES[old]:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            _("A membership that is %(old)s cannot become %(new)s.")
            % {"old": MembershipStatus(old).label, "new": MembershipStatus(new).label},
        )
    membership.status = new
    membership.decided_at = timezone.now()
    membership.decided_by = actor
    membership.save(update_fields=["status", "decided_at", "decided_by"])
    verb = {
        MembershipStatus.APPROVED: "approve",
        MembershipStatus.REJECTED: "reject",
        MembershipStatus.REVOKED: "revoke",
    }[MembershipStatus(new)]
    record_event(actor=actor, verb=f"accounts:membership:{verb}", obj=membership, diff={"status": [old, new]})
    return membership


@transaction.atomic
def request_membership(*, actor: User, organization: Organization, role: str, note: str = "") -> Membership:
    """Ask to hold ``role`` in ``organization``; its admin (or an operator) decides."""
    require(actor, "accounts.request_membership", organization)
    if role not in Role.values:
        raise DomainError(ErrorCode.VALIDATION, errors={"role": [str(_("Choose a valid role."))]})
    if role == Role.OPERATOR and not organization.operates_platform:
        raise DomainError(
            ErrorCode.VALIDATION,
            errors={"role": [str(_("The operator role exists only in the organization that runs the platform."))]},
        )
    live = Membership.objects.filter(
        user=actor,
        organization=organization,
        role=role,
        status__in=[MembershipStatus.REQUESTED, MembershipStatus.APPROVED],
    ).first()
    if live is not None:
        raise DomainError(ErrorCode.DUPLICATE, _("You have already asked for or hold this role here."))
    membership = Membership.objects.create(user=actor, organization=organization, role=role, note=note.strip()[:500])
    record_event(
        actor=actor,
        verb="accounts:membership:request",
        obj=membership,
        diff={"role": [None, role], "organization": [None, organization.pk]},
    )
    return membership


@transaction.atomic
def approve_membership(*, actor: User, membership: Membership) -> Membership:
    """REQUESTED → APPROVED, by an admin of the organisation or an operator."""
    require(actor, "accounts.decide_membership", membership)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    return _set_membership_state(membership, MembershipStatus.APPROVED, actor=actor)


@transaction.atomic
def reject_membership(*, actor: User, membership: Membership) -> Membership:
    """REQUESTED → REJECTED, by an admin of the organisation or an operator."""
    require(actor, "accounts.decide_membership", membership)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    return _set_membership_state(membership, MembershipStatus.REJECTED, actor=actor)


@transaction.atomic
def revoke_membership(*, actor: User, membership: Membership) -> Membership:
    """APPROVED → REVOKED, by an admin, an operator, or the member leaving."""
    if not (actor.has_perm("accounts.decide_membership", membership) or membership.user_id == actor.pk):
        require(actor, "accounts.decide_membership", membership)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    return _set_membership_state(membership, MembershipStatus.REVOKED, actor=actor)


def grant_membership(*, actor: User, user: User, organization: Organization, role: str) -> Membership:
    """Request and approve in one step (operators and the demo seed); the same rules and audit apply."""
    with transaction.atomic():
        membership = Membership.objects.filter(
            user=user, organization=organization, role=role, status=MembershipStatus.APPROVED
        ).first()
        if membership is not None:
            return membership
        require(actor, "accounts.decide_membership", Membership(organization=organization, role=role))
        membership = Membership.objects.create(user=user, organization=organization, role=role)
        record_event(actor=actor, verb="accounts:membership:request", obj=membership, diff={"role": [None, role]})
        return _set_membership_state(membership, MembershipStatus.APPROVED, actor=actor)


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


# ---------------------------------------------------------------- access tokens


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_access_token(*, actor: User, name: str, expires_at: datetime | None = None) -> tuple[AccessToken, str]:
    """A new token for ``actor``. Returns the row and the token text, which is never stored or shown again."""
    require(actor, "accounts.create_access_token")
    name = name.strip()
    if not name:
        raise DomainError(ErrorCode.VALIDATION, errors={"name": [str(_("Give the token a name."))]})
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError(ErrorCode.VALIDATION, errors={"expires_at": [str(_("The expiry must lie in the future."))]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=actor,
        name=name[:100],
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        digest=token_digest(raw),
        expires_at=expires_at,
    )
    record_event(actor=actor, verb="accounts:access_token:create", obj=token, diff={"name": [None, token.name]})
    return token, raw


@transaction.atomic
def revoke_access_token(*, actor: User, token: AccessToken) -> AccessToken:
    require(actor, "accounts.revoke_access_token", token)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(actor=actor, verb="accounts:access_token:revoke", obj=token)
    return token


def user_for_token(raw: str) -> User | None:
    """The active user a live token belongs to, noting when it was last used (at most once a minute)."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = AccessToken.objects.select_related("user").filter(digest=token_digest(raw), revoked_at__isnull=True).first()
    now = timezone.now()
    if token is None or (token.expires_at is not None and token.expires_at <= now) or not token.user.is_active:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


__all__ = [
    "OrganizationKind",
    "add_work",
    "approve_membership",
    "approve_organization",
    "create_access_token",
    "create_organization",
    "grant_membership",
    "propose_organization",
    "register_user",
    "reject_membership",
    "request_membership",
    "revoke_access_token",
    "revoke_membership",
    "save_expert_profile",
    "update_account",
    "update_organization",
    "user_for_token",
]


@transaction.atomic
def bootstrap_operator(*, user: User, organization: Organization) -> Membership:
    """Make ``user`` an operator of the platform-running ``organization`` with no approver.

    Only for installation: the demo seed and ``kechuang accounts make-operator``, run by whoever
    controls the server. Audited with no actor. Operators also get the Django admin.
    """
    if not organization.operates_platform:
        raise DomainError(
            ErrorCode.VALIDATION, errors={"organization": [str(_("This organization does not run the platform."))]}
        )
    membership = Membership.objects.filter(
        user=user, organization=organization, role=Role.OPERATOR, status=MembershipStatus.APPROVED
    ).first()
    if membership is None:
        membership = Membership.objects.create(
            user=user,
            organization=organization,
            role=Role.OPERATOR,
            status=MembershipStatus.APPROVED,
            decided_at=timezone.now(),
        )
        record_event(
            actor=None, verb="accounts:membership:bootstrap", obj=membership, diff={"role": [None, Role.OPERATOR]}
        )
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership


@transaction.atomic
def create_platform_office(*, name: Bilingual, region: str, uscc: str | None = None) -> Organization:
    """Installation only: the organisation that runs the platform (the S&T office), when none exists."""
    existing = Organization.objects.filter(operates_platform=True).order_by("id").first()
    if existing is not None:
        return existing
    organization = Organization(
        name=name,
        kind=OrganizationKind.GOVERNMENT,
        region=region,
        uscc=_normalised_uscc(uscc),
        operates_platform=True,
        status=OrganizationStatus.ACTIVE,
    )
    _save_new_organization(organization)
    record_event(
        actor=None,
        verb="accounts:organization:create",
        obj=organization,
        diff=diff_of({}, _organization_snapshot(organization)),
    )
    return organization
