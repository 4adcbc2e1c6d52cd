"""Tables of the accounts app. Writes go through :mod:`kechuang.accounts.services`."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kechuang.accounts.enums import (
    INVERSE_RELATION,
    MembershipStatus,
    OrganizationKind,
    OrganizationStatus,
    RelationKind,
    Role,
    Visibility,
    WorkKind,
)
from kechuang.core.i18n import BilingualTextField, localized
from kechuang.core.identifiers import validate_orcid, validate_uscc
from kechuang.core.regions import validate_region
from kechuang.core.sectors import validate_sectors


class User(AbstractUser):
    """A person who signs in. Roles are not held here but in :class:`Membership` rows."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci", condition=~models.Q(email=""))
        ]

    def __str__(self) -> str:
        return self.display_name or self.username


class Organization(models.Model):
    name = BilingualTextField(_("name"), max_text_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=OrganizationKind.choices, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=OrganizationStatus.choices,
        default=OrganizationStatus.ACTIVE,
        db_index=True,
    )
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_uscc],
    )
    region = models.CharField(_("region"), max_length=6, validators=[validate_region], db_index=True)
    sectors = models.JSONField(_("sectors"), default=list, blank=True, validators=[validate_sectors])
    description = BilingualTextField(_("description"), required=False, blank=True, max_text_length=4000)
    website = models.URLField(_("website"), blank=True)
    operates_platform = models.BooleanField(
        _("operates the platform"),
        default=False,
        help_text=_("The S&T office whose operators run this platform."),
    )
    # The Chinese name, kept beside the JSON so lists can sort by it with an index.
    sort_name = models.CharField(max_length=200, editable=False, db_index=True, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["sort_name", "id"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        indexes = [
            # The directory's default order, so a page is read from the index instead of sorting every row.
            models.Index(fields=["status", "sort_name", "id"], name="org_status_sort_name_id"),
            models.Index(fields=["status", "kind", "sort_name"]),
        ]

    def __str__(self) -> str:
        return localized(self.name)

    def save(self, *args: object, **kwargs: object) -> None:
        self.sort_name = (self.name.get("zh-hans") or self.name.get("en") or "")[:200]
        if self.uscc == "":
            self.uscc = None
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Membership(models.Model):
    """A role a user holds in an organisation, requested by the user and approved by its admin."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=MembershipStatus.choices, default=MembershipStatus.REQUESTED
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # One live request or grant per user, organisation and role; rejected and revoked rows stay as history.
            models.UniqueConstraint(
                fields=["user", "organization", "role"],
                condition=models.Q(status__in=["requested", "approved"]),
                name="membership_one_live_per_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_role_display()}"


class ExpertProfile(models.Model):
    """A researcher's public face: fields, keywords, works. The expert decides what is shown."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="expert_profile")
    name = BilingualTextField(_("name"), max_text_length=100)
    title = BilingualTextField(pgettext_lazy("academic rank", "title"), required=False, blank=True, max_text_length=100)
    affiliation = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="experts",
        verbose_name=_("affiliation"),
    )
    fields = models.JSONField(_("fields"), default=list, blank=True)
    keywords_zh = models.JSONField(_("keywords (Chinese)"), default=list, blank=True)
    keywords_en = models.JSONField(_("keywords (English)"), default=list, blank=True)
    orcid = models.CharField("ORCID", max_length=19, unique=True, null=True, blank=True, validators=[validate_orcid])
    bio = BilingualTextField(_("biography"), required=False, blank=True, max_text_length=4000)
    visibility = models.CharField(
        _("who may see this profile"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    show_works = models.BooleanField(_("show my works"), default=True)
    show_email = models.BooleanField(_("show my e-mail address"), default=False)
    sort_name = models.CharField(max_length=100, editable=False, db_index=True, default="")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["sort_name", "id"]
        verbose_name = _("expert profile")
        verbose_name_plural = _("expert profiles")

    def __str__(self) -> str:
        return localized(self.name)

    def save(self, *args: object, **kwargs: object) -> None:
        self.sort_name = (self.name.get("zh-hans") or self.name.get("en") or "")[:100]
        if self.orcid == "":
            self.orcid = None
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Work(models.Model):
    profile = models.ForeignKey(ExpertProfile, on_delete=models.CASCADE, related_name="works")
    kind = models.CharField(_("kind"), max_length=10, choices=WorkKind.choices)
    title = BilingualTextField(_("title"), max_text_length=500)
    abstract = BilingualTextField(_("abstract"), required=False, blank=True, max_text_length=8000)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    venue = models.CharField(_("journal, office or funder"), max_length=200, blank=True)
    identifier = models.CharField(_("DOI, patent or project number"), max_length=100, blank=True)
    is_public = models.BooleanField(_("public"), default=True)

    class Meta:
        ordering = ["-year", "id"]
        verbose_name = _("work")
        verbose_name_plural = _("works")

    def __str__(self) -> str:
        return localized(self.title)


class Affiliation(models.Model):
    """A row of an expert's employment history: where, from which year, until which year (null: still there).

    The current affiliation on the profile is kept as it is; these rows add the past (and other
    current posts), so conflicts of interest can look back a number of years.
    """

    profile = models.ForeignKey(ExpertProfile, on_delete=models.CASCADE, related_name="history")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    start_year = models.PositiveSmallIntegerField(_("from (year)"))
    end_year = models.PositiveSmallIntegerField(_("until (year)"), null=True, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-start_year", "-id"]
        verbose_name = _("employment history row")
        verbose_name_plural = _("employment history")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_year__isnull=True) | models.Q(end_year__gte=models.F("start_year")),
                name="affiliation_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.start_year}–{self.end_year or ''}"


class Relation(models.Model):
    """A personal relation one expert declares with another: ``to_profile`` is ``kind`` to ``from_profile``.

    Only the two people and the operators ever see it; it is never public.
    """

    from_profile = models.ForeignKey(ExpertProfile, on_delete=models.CASCADE, related_name="relations")
    to_profile = models.ForeignKey(ExpertProfile, on_delete=models.CASCADE, related_name="relations_to")
    kind = models.CharField(_("relation"), max_length=12, choices=RelationKind.choices)
    start_year = models.PositiveSmallIntegerField(_("from (year)"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("until (year)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("declared relation")
        verbose_name_plural = _("declared relations")
        constraints = [
            models.CheckConstraint(condition=~models.Q(from_profile=models.F("to_profile")), name="relation_not_self"),
            models.UniqueConstraint(fields=["from_profile", "to_profile", "kind"], name="relation_unique_kind"),
            models.CheckConstraint(
                condition=models.Q(end_year__isnull=True)
                | models.Q(start_year__isnull=True)
                | models.Q(end_year__gte=models.F("start_year")),
                name="relation_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_profile} → {self.to_profile}: {self.get_kind_display()}"

    @property
    def inverse_kind_display(self) -> str:
        """The relation as ``to_profile`` reads it: my advisor's row says I am their advisee."""
        return str(RelationKind(INVERSE_RELATION[self.kind]).label)


class Shareholding(models.Model):
    """Who holds shares in an organisation: a person or another organisation (exactly one), in basis points."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="shareholdings", verbose_name=_("organization")
    )
    holder_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="shareholdings", verbose_name=_("holder")
    )
    holder_organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="holdings",
        verbose_name=_("holding organization"),
    )
    share_bp = models.PositiveIntegerField(_("share (basis points)"))
    as_of = models.DateField(_("as of"))

    class Meta:
        ordering = ["-share_bp", "id"]
        verbose_name = _("shareholding")
        verbose_name_plural = _("shareholdings")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(holder_user__isnull=False) & models.Q(holder_organization__isnull=True))
                | (models.Q(holder_user__isnull=True) & models.Q(holder_organization__isnull=False)),
                name="shareholding_one_holder",
            ),
            models.CheckConstraint(
                condition=models.Q(share_bp__gt=0) & models.Q(share_bp__lte=10_000), name="shareholding_share_range"
            ),
            models.UniqueConstraint(
                fields=["organization", "holder_user"],
                condition=models.Q(holder_user__isnull=False),
                name="shareholding_one_row_per_user",
            ),
            models.UniqueConstraint(
                fields=["organization", "holder_organization"],
                condition=models.Q(holder_organization__isnull=False),
                name="shareholding_one_row_per_organization",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder_user or self.holder_organization} · {self.organization} · {self.share_percent}"

    @property
    def share_percent(self) -> str:
        """The share as people write it, e.g. ``12.50%``."""
        return f"{self.share_bp / 100:.2f}%"


class AccessToken(models.Model):
    """A personal access token for the API. Only a SHA-256 digest is kept; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginFailure(models.Model):
    """A failed sign-in, counted per account name and per address to throttle guessing."""

    username = models.CharField(max_length=254, db_index=True)
    ip = models.GenericIPAddressField(null=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} {self.ip or ''}".strip()
