"""API shapes of the accounts app."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from kechuang.accounts.enums import MembershipStatus, OrganizationKind, RelationKind, Role, Visibility, WorkKind


class BilingualText(Schema):
    zh_hans: str = Field("", alias="zh-hans", max_length=8000)
    en: str = Field("", max_length=8000)

    model_config = {"populate_by_name": True}

    def as_value(self) -> dict[str, str]:
        return {k: v for k, v in {"zh-hans": self.zh_hans.strip(), "en": self.en.strip()}.items() if v}


class RegionOut(Schema):
    code: str
    name: str


class OrganizationOut(Schema):
    id: int
    name: dict[str, str]
    display_name: str
    kind: OrganizationKind
    status: str
    uscc: str | None
    region: RegionOut
    sectors: list[str]
    description: dict[str, str]
    website: str
    created_at: datetime


class OrganizationIn(Schema):
    name: BilingualText
    kind: OrganizationKind
    region: str = Field(..., min_length=6, max_length=6, description="GB/T 2260 code, e.g. 110108 (Haidian)")
    uscc: str | None = Field(None, description="统一社会信用代码, 18 characters with its check character")
    sectors: list[str] = Field(default_factory=list)
    description: BilingualText | None = None
    website: str = ""


class MembershipIn(Schema):
    organization_id: int
    role: Role
    note: str = Field("", max_length=500)


class MembershipOut(Schema):
    id: int
    user: str
    organization_id: int
    organization: str
    role: Role
    status: MembershipStatus
    note: str
    requested_at: datetime
    decided_at: datetime | None


class MeOut(Schema):
    id: int
    username: str
    email: str
    display_name: str
    is_operator: bool
    roles: list[str]
    memberships: list[MembershipOut]


class WorkOut(Schema):
    id: int
    kind: WorkKind
    title: dict[str, str]
    abstract: dict[str, str]
    year: int | None
    venue: str
    identifier: str


class AffiliationOut(Schema):
    id: int
    organization_id: int
    organization: str
    position: str
    start_year: int
    end_year: int | None = Field(..., description="null while the expert is still there")


class AffiliationIn(Schema):
    organization_id: int
    start_year: int = Field(..., ge=1900, le=2100)
    end_year: int | None = Field(None, ge=1900, le=2100, description="omit or null while still there")
    position: str = Field("", max_length=200)


class RelationOut(Schema):
    id: int
    from_profile_id: int
    from_name: str
    to_profile_id: int
    to_name: str
    kind: RelationKind = Field(..., description="what the 'to' expert is to the 'from' expert, who declared it")
    declared_by_me: bool
    start_year: int | None
    end_year: int | None


class RelationIn(Schema):
    to_profile_id: int
    kind: RelationKind
    start_year: int | None = Field(None, ge=1900, le=2100)
    end_year: int | None = Field(None, ge=1900, le=2100)


class ShareholdingOut(Schema):
    id: int
    organization_id: int
    holder_user: str | None = Field(..., description="the holder's user name, when a person holds the shares")
    holder_organization_id: int | None
    holder_name: str
    share_bp: int = Field(..., description="basis points: 10,000 is the whole company")
    as_of: date


class ShareholdingIn(Schema):
    holder_user: str | None = Field(None, description="a person's user name; or give holder_organization_id")
    holder_organization_id: int | None = None
    share_bp: int = Field(..., gt=0, le=10_000)
    as_of: date


class ExpertProfileOut(Schema):
    id: int
    name: dict[str, str]
    display_name: str
    title: dict[str, str]
    affiliation_id: int | None
    affiliation: str | None
    fields: list[str]
    keywords_zh: list[str]
    keywords_en: list[str]
    orcid: str | None
    bio: dict[str, str]
    email: str | None
    works: list[WorkOut]
    history: list[AffiliationOut] = Field(
        default_factory=list, description="employment history; only on a public profile (and to its owner)"
    )


class ExpertProfileIn(Schema):
    name: BilingualText
    title: BilingualText | None = None
    affiliation_id: int | None = None
    fields: list[str] = Field(default_factory=list)
    keywords_zh: list[str] = Field(default_factory=list)
    keywords_en: list[str] = Field(default_factory=list)
    orcid: str | None = None
    bio: BilingualText | None = None
    visibility: Visibility = Visibility.PUBLIC
    show_works: bool = True
    show_email: bool = False


class WorkIn(Schema):
    kind: WorkKind
    title: BilingualText
    abstract: BilingualText | None = None
    year: int | None = Field(None, ge=1900, le=2100)
    venue: str = Field("", max_length=200)
    identifier: str = Field("", max_length=100)
    is_public: bool = True


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    expires_at: datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="The token itself. It is shown this once and never again.")
