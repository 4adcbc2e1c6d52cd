"""Tables of the accounts app. Writes go through :mod:`kechuang.accounts.services`."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.enums import (
    MembershipStatus,
    OrganizationKind,
    OrganizationStatus,
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
    title = BilingualTextField(_("title"), required=False, blank=True, max_text_length=100)
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
