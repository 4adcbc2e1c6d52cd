"""``/api/v1`` endpoints of the accounts app: me, organisations, memberships, experts, tokens."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError

from kechuang.accounts import selectors, services
from kechuang.accounts.auth import PUBLIC_AUTH
from kechuang.accounts.models import (
    Affiliation,
    ExpertProfile,
    Membership,
    Organization,
    Relation,
    Shareholding,
    User,
    Work,
)
from kechuang.accounts.schemas import (
    AffiliationIn,
    AffiliationOut,
    ExpertProfileIn,
    ExpertProfileOut,
    MembershipIn,
    MembershipOut,
    MeOut,
    OrganizationIn,
    OrganizationOut,
    RelationIn,
    RelationOut,
    ShareholdingIn,
    ShareholdingOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    WorkIn,
    WorkOut,
)
from kechuang.core.errors import DomainError, ErrorCode, NotFound
from kechuang.core.i18n import localized
from kechuang.core.idempotency import idempotent
from kechuang.core.pagecache import cache_public_page
from kechuang.core.paging import paginate
from kechuang.core.regions import all_regions

router = Router()
PUBLIC = PUBLIC_AUTH  # anyone may call; a token or session is still used when sent
# In OpenAPI an empty requirement makes the credentials optional.
PUBLIC_OPENAPI: dict[str, Any] = {"security": [{}]}  # appended to the generated requirements


class PageOf(Schema):
    count: int
    page: int
    pages: int
    page_size: int


class OrganizationPage(PageOf):
    items: list[OrganizationOut]


class ExpertPage(PageOf):
    items: list[ExpertProfileOut]


class MembershipPage(PageOf):
    items: list[MembershipOut]


def actor(request: HttpRequest) -> User:
    """The signed-in user of an authenticated endpoint (the API's auth has already refused anonymous calls)."""
    user = request.user
    if not isinstance(user, User):
        raise AuthenticationError()
    return user


def organization_out(organization: Organization) -> dict[str, Any]:
    region = all_regions().get(organization.region)
    return {
        "id": organization.pk,
        "name": organization.name,
        "display_name": localized(organization.name),
        "kind": organization.kind,
        "status": organization.status,
        "uscc": organization.uscc,
        "region": {"code": organization.region, "name": region.name if region else organization.region},
        "sectors": organization.sectors,
        "description": organization.description,
        "website": organization.website,
        "created_at": organization.created_at,
    }


def membership_out(membership: Membership) -> dict[str, Any]:
    return {
        "id": membership.pk,
        "user": membership.user.username,
        "organization_id": membership.organization_id,
        "organization": localized(membership.organization.name),
        "role": membership.role,
        "status": membership.status,
        "note": membership.note,
        "requested_at": membership.requested_at,
        "decided_at": membership.decided_at,
    }


def work_out(work: Work) -> dict[str, Any]:
    return {
        "id": work.pk,
        "kind": work.kind,
        "title": work.title,
        "abstract": work.abstract,
        "year": work.year,
        "venue": work.venue,
        "identifier": work.identifier,
    }


def affiliation_out(row: Affiliation) -> dict[str, Any]:
    return {
        "id": row.pk,
        "organization_id": row.organization_id,
        "organization": localized(row.organization.name),
        "position": row.position,
        "start_year": row.start_year,
        "end_year": row.end_year,
    }


def relation_out(relation: Relation, me: User) -> dict[str, Any]:
    return {
        "id": relation.pk,
        "from_profile_id": relation.from_profile_id,
        "from_name": localized(relation.from_profile.name),
        "to_profile_id": relation.to_profile_id,
        "to_name": localized(relation.to_profile.name),
        "kind": relation.kind,
        "declared_by_me": relation.from_profile.user_id == me.pk,
        "start_year": relation.start_year,
        "end_year": relation.end_year,
    }


def shareholding_out(holding: Shareholding) -> dict[str, Any]:
    holder = holding.holder_user or holding.holder_organization
    return {
        "id": holding.pk,
        "organization_id": holding.organization_id,
        "holder_user": holding.holder_user.username if holding.holder_user else None,
        "holder_organization_id": holding.holder_organization_id,
        "holder_name": str(holder),
        "share_bp": holding.share_bp,
        "as_of": holding.as_of,
    }


def expert_out(profile: ExpertProfile, works: list[Work], history: list[Affiliation] | None = None) -> dict[str, Any]:
    return {
        "id": profile.pk,
        "name": profile.name,
        "display_name": localized(profile.name),
        "title": profile.title,
        "affiliation_id": profile.affiliation_id,
        "affiliation": localized(profile.affiliation.name) if profile.affiliation else None,
        "fields": profile.fields,
        "keywords_zh": profile.keywords_zh,
        "keywords_en": profile.keywords_en,
        "orcid": profile.orcid,
        "bio": profile.bio,
        "email": profile.user.email if profile.show_email else None,
        "works": [work_out(w) for w in works],
        "history": [affiliation_out(row) for row in history or []],
    }


# ---------------------------------------------------------------- me


@router.get("/me", response=MeOut, tags=["me"], summary="The signed-in user, with roles and memberships")
def me(request: HttpRequest) -> dict[str, Any]:
    user = actor(request)
    memberships = list(selectors.memberships_of(user).select_related("user"))
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "is_operator": user.has_perm("accounts.view_audit"),
        "roles": sorted({m.role for m in memberships if m.status == "approved"}),
        "memberships": [membership_out(m) for m in memberships],
    }


# ---------------------------------------------------------------- organisations


class OrganizationFilters(Schema):
    q: str = ""
    kind: str = ""
    region: str = ""
    sector: str = ""
    page: int = 1
    page_size: int = 20


@router.get(
    "/organizations",
    response=OrganizationPage,
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    tags=["organizations"],
    summary="Active organisations, filtered and paged",
)
@decorate_view(cache_public_page)
def list_organizations(request: HttpRequest, filters: Query[OrganizationFilters]) -> dict[str, Any]:
    found = selectors.organizations(
        query=filters.q.strip(), kind=filters.kind, region=filters.region, sector=filters.sector
    )
    page = paginate(found, page=filters.page, page_size=filters.page_size)
    return page.as_dict([organization_out(o) for o in page.items])


@router.get(
    "/organizations/{organization_id}",
    response=OrganizationOut,
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    tags=["organizations"],
)
def get_organization(request: HttpRequest, organization_id: int) -> dict[str, Any]:
    return organization_out(selectors.get_organization_for(request.user, organization_id))


@router.post(
    "/organizations",
    response={201: OrganizationOut},
    tags=["organizations"],
    summary="Create an organisation (operators)",
)
@decorate_view(idempotent)
def create_organization(request: HttpRequest, payload: OrganizationIn) -> Status[dict[str, Any]]:
    organization = services.create_organization(
        actor=actor(request),
        name=payload.name.as_value(),
        kind=payload.kind,
        region=payload.region,
        uscc=payload.uscc,
        sectors=payload.sectors,
        description=payload.description.as_value() if payload.description else None,
        website=payload.website,
    )
    return Status(201, organization_out(organization))


@router.get(
    "/organizations/{organization_id}/memberships",
    response=MembershipPage,
    tags=["memberships"],
    summary="Members and requests of an organisation (its admins and operators)",
)
def organization_memberships(request: HttpRequest, organization_id: int, page: int = 1) -> dict[str, Any]:
    organization = selectors.get_organization_for(actor(request), organization_id)
    if not actor(request).has_perm("accounts.view_org_memberships", organization):
        raise NotFound()
    result = paginate(selectors.organization_members(organization).select_related("organization"), page=page)
    return result.as_dict([membership_out(m) for m in result.items])


# ---------------------------------------------------------------- memberships


@router.get("/memberships", response=list[MembershipOut], tags=["memberships"], summary="My memberships")
def my_memberships(request: HttpRequest) -> list[dict[str, Any]]:
    return [membership_out(m) for m in selectors.memberships_of(actor(request)).select_related("user")]


@router.post(
    "/memberships", response={201: MembershipOut}, tags=["memberships"], summary="Ask to hold a role in an organisation"
)
def request_membership(request: HttpRequest, payload: MembershipIn) -> Status[dict[str, Any]]:
    organization = selectors.get_organization_for(actor(request), payload.organization_id)
    membership = services.request_membership(
        actor=actor(request),
        organization=organization,
        role=payload.role,
        note=payload.note,
    )
    return Status(201, membership_out(membership))


@router.post("/memberships/{membership_id}/approve", response=MembershipOut, tags=["memberships"])
def approve_membership(request: HttpRequest, membership_id: int) -> dict[str, Any]:
    membership = selectors.get_membership_for(actor(request), membership_id)
    return membership_out(services.approve_membership(actor=actor(request), membership=membership))


@router.post("/memberships/{membership_id}/reject", response=MembershipOut, tags=["memberships"])
def reject_membership(request: HttpRequest, membership_id: int) -> dict[str, Any]:
    membership = selectors.get_membership_for(actor(request), membership_id)
    return membership_out(services.reject_membership(actor=actor(request), membership=membership))


@router.post("/memberships/{membership_id}/revoke", response=MembershipOut, tags=["memberships"])
def revoke_membership(request: HttpRequest, membership_id: int) -> dict[str, Any]:
    membership = selectors.get_membership_for(actor(request), membership_id)
    return membership_out(services.revoke_membership(actor=actor(request), membership=membership))


# ---------------------------------------------------------------- experts


class ExpertFilters(Schema):
    q: str = ""
    field: str = ""
    affiliation: int | None = None
    page: int = 1
    page_size: int = 20


@router.get(
    "/experts",
    response=ExpertPage,
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    tags=["experts"],
    summary="Expert profiles I may see",
)
@decorate_view(cache_public_page)
def list_experts(request: HttpRequest, filters: Query[ExpertFilters]) -> dict[str, Any]:
    found = selectors.expert_profiles_visible_to(
        request.user, query=filters.q.strip(), field=filters.field, affiliation=filters.affiliation
    )
    page = paginate(found, page=filters.page, page_size=filters.page_size)
    return page.as_dict([expert_out(p, []) for p in page.items])


@router.get(
    "/experts/{profile_id}", response=ExpertProfileOut, auth=PUBLIC, openapi_extra=PUBLIC_OPENAPI, tags=["experts"]
)
def get_expert(request: HttpRequest, profile_id: int) -> dict[str, Any]:
    profile = selectors.get_expert_profile_for(request.user, profile_id)
    return expert_out(
        profile, selectors.visible_works(request.user, profile), selectors.visible_history(request.user, profile)
    )


@router.put(
    "/me/expert-profile", response=ExpertProfileOut, tags=["experts"], summary="Create or replace my expert profile"
)
def save_my_profile(request: HttpRequest, payload: ExpertProfileIn) -> dict[str, Any]:
    affiliation = None
    if payload.affiliation_id is not None:
        affiliation = selectors.get_organization_for(actor(request), payload.affiliation_id)
    profile = services.save_expert_profile(
        actor=actor(request),
        name=payload.name.as_value(),
        title=payload.title.as_value() if payload.title else {},
        affiliation=affiliation,
        fields=payload.fields,
        keywords_zh=payload.keywords_zh,
        keywords_en=payload.keywords_en,
        orcid=payload.orcid or None,
        bio=payload.bio.as_value() if payload.bio else {},
        visibility=payload.visibility,
        show_works=payload.show_works,
        show_email=payload.show_email,
    )
    return expert_out(profile, list(profile.works.all()), selectors.visible_history(actor(request), profile))


def _own_profile(request: HttpRequest) -> ExpertProfile:
    profile = ExpertProfile.objects.filter(user=actor(request)).first()
    if profile is None:
        raise NotFound()
    return profile


@router.post("/me/expert-profile/works", response={201: WorkOut}, tags=["experts"])
def add_work(request: HttpRequest, payload: WorkIn) -> Status[dict[str, Any]]:
    work = services.add_work(
        actor=actor(request),
        profile=_own_profile(request),
        kind=payload.kind,
        title=payload.title.as_value(),
        abstract=payload.abstract.as_value() if payload.abstract else None,
        year=payload.year,
        venue=payload.venue,
        identifier=payload.identifier,
        is_public=payload.is_public,
    )
    return Status(201, work_out(work))


@router.delete("/me/expert-profile/works/{work_id}", response={204: None}, tags=["experts"])
def delete_work(request: HttpRequest, work_id: int) -> Status[None]:
    work = _own_profile(request).works.filter(pk=work_id).first()
    if work is None:
        raise NotFound()
    services.delete_work(actor=actor(request), work=work)
    return Status(204, None)


# ---------------------------------------------------------------- employment history and relations


@router.get(
    "/me/expert-profile/history", response=list[AffiliationOut], tags=["experts"], summary="My employment history"
)
def my_history(request: HttpRequest) -> list[dict[str, Any]]:
    return [affiliation_out(row) for row in selectors.visible_history(actor(request), _own_profile(request))]


@router.post(
    "/me/expert-profile/history",
    response={201: AffiliationOut},
    tags=["experts"],
    summary="Add a post to my employment history",
)
def add_history(request: HttpRequest, payload: AffiliationIn) -> Status[dict[str, Any]]:
    row = services.add_affiliation(
        actor=actor(request),
        profile=_own_profile(request),
        organization=selectors.get_organization_for(actor(request), payload.organization_id),
        start_year=payload.start_year,
        end_year=payload.end_year,
        position=payload.position,
    )
    return Status(201, affiliation_out(row))


@router.delete("/me/expert-profile/history/{row_id}", response={204: None}, tags=["experts"])
def delete_history(request: HttpRequest, row_id: int) -> Status[None]:
    row = _own_profile(request).history.select_related("organization").filter(pk=row_id).first()
    if row is None:
        raise NotFound()
    services.delete_affiliation(actor=actor(request), affiliation=row)
    return Status(204, None)


@router.get(
    "/me/expert-profile/relations",
    response=list[RelationOut],
    tags=["experts"],
    summary="Relations I declared and those declared about me (never public)",
)
def my_relations(request: HttpRequest) -> list[dict[str, Any]]:
    me = actor(request)
    return [relation_out(r, me) for r in selectors.relations_of(_own_profile(request))]


@router.post(
    "/me/expert-profile/relations",
    response={201: RelationOut},
    tags=["experts"],
    summary="Declare that another expert is my advisor, advisee, family, collaborator or other relation",
)
def declare_relation(request: HttpRequest, payload: RelationIn) -> Status[dict[str, Any]]:
    me = actor(request)
    relation = services.declare_relation(
        actor=me,
        profile=_own_profile(request),
        other=selectors.get_expert_profile_for(me, payload.to_profile_id),
        kind=payload.kind,
        start_year=payload.start_year,
        end_year=payload.end_year,
    )
    return Status(201, relation_out(relation, me))


@router.delete("/me/expert-profile/relations/{relation_id}", response={204: None}, tags=["experts"])
def withdraw_relation(request: HttpRequest, relation_id: int) -> Status[None]:
    relation = (
        _own_profile(request).relations.select_related("from_profile", "to_profile").filter(pk=relation_id).first()
    )
    if relation is None:
        raise NotFound()
    services.withdraw_relation(actor=actor(request), relation=relation)
    return Status(204, None)


# ---------------------------------------------------------------- shareholdings


def _shareholding_organization(request: HttpRequest, organization_id: int) -> Organization:
    organization = selectors.get_organization_for(actor(request), organization_id)
    if not actor(request).has_perm("accounts.view_shareholdings", organization):
        raise NotFound()
    return organization


@router.get(
    "/organizations/{organization_id}/shareholdings",
    response=list[ShareholdingOut],
    tags=["organizations"],
    summary="Shareholders of an organisation (its admins and operators)",
)
def list_shareholdings(request: HttpRequest, organization_id: int) -> list[dict[str, Any]]:
    organization = _shareholding_organization(request, organization_id)
    return [shareholding_out(h) for h in selectors.shareholdings_of(organization)]


@router.post(
    "/organizations/{organization_id}/shareholdings",
    response={201: ShareholdingOut},
    tags=["organizations"],
    summary="Record or replace one holder's share (its admins and operators)",
)
def set_shareholding(request: HttpRequest, organization_id: int, payload: ShareholdingIn) -> Status[dict[str, Any]]:
    organization = _shareholding_organization(request, organization_id)
    holder_user = None
    if payload.holder_user:
        holder_user = User.objects.filter(username=payload.holder_user, is_active=True).first()
        if holder_user is None:
            raise DomainError(ErrorCode.VALIDATION, errors={"holder_user": [str(_("No account has this user name."))]})
    holder_organization = None
    if payload.holder_organization_id is not None:
        holder_organization = selectors.get_organization_for(actor(request), payload.holder_organization_id)
    holding = services.set_shareholding(
        actor=actor(request),
        organization=organization,
        holder_user=holder_user,
        holder_organization=holder_organization,
        share_bp=payload.share_bp,
        as_of=payload.as_of,
    )
    return Status(201, shareholding_out(holding))


@router.delete(
    "/organizations/{organization_id}/shareholdings/{holding_id}", response={204: None}, tags=["organizations"]
)
def remove_shareholding(request: HttpRequest, organization_id: int, holding_id: int) -> Status[None]:
    organization = _shareholding_organization(request, organization_id)
    holding = selectors.shareholdings_of(organization).filter(pk=holding_id).first()
    if holding is None:
        raise NotFound()
    services.remove_shareholding(actor=actor(request), shareholding=holding)
    return Status(204, None)


# ---------------------------------------------------------------- tokens


@router.get("/tokens", response=list[TokenOut], tags=["tokens"], summary="My personal access tokens")
def list_tokens(request: HttpRequest) -> list[Any]:
    return list(selectors.tokens_of(actor(request)))


@router.post(
    "/tokens", response={201: TokenCreatedOut}, tags=["tokens"], summary="Create a token; the response carries it once"
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    token, raw = services.create_access_token(actor=actor(request), name=payload.name, expires_at=payload.expires_at)
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.delete("/tokens/{token_id}", response={204: None}, tags=["tokens"], summary="Revoke a token")
def revoke_token(request: HttpRequest, token_id: int) -> Status[None]:
    token = selectors.tokens_of(actor(request)).filter(pk=token_id).first()
    if token is None:
        raise NotFound()
    services.revoke_access_token(actor=actor(request), token=token)
    return Status(204, None)
