"""Factories of the accounts app; they build rows through the ORM for test set-up only."""

from __future__ import annotations

from datetime import date
from typing import Any

import factory

from kechuang.accounts.enums import MembershipStatus, OrganizationKind, RelationKind, Role
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
from kechuang.core.identifiers import uscc_check_character

PASSWORD = "correct-horse-battery-9"


def make_uscc(n: int) -> str:
    """A valid unified social credit code numbered ``n`` (registered in Haidian, Beijing)."""
    body = f"91110108{n:09d}"
    return body + uscc_check_character(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: {"zh-hans": f"测试机构{n:05d}", "en": f"Test Organization {n:05d}"})
    kind = OrganizationKind.ENTERPRISE
    region = "110108"
    uscc = factory.Sequence(make_uscc)
    sectors = factory.LazyFunction(lambda: ["sei-1"])


class PlatformOfficeFactory(OrganizationFactory):
    kind = OrganizationKind.GOVERNMENT
    operates_platform = True
    name = factory.LazyFunction(lambda: {"zh-hans": "北京市科学技术委员会", "en": "Beijing S&T Commission"})


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.MEMBER
    status = MembershipStatus.APPROVED


class ExpertProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExpertProfile

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: {"zh-hans": f"专家{n}", "en": f"Expert {n}"})
    fields = factory.LazyFunction(lambda: ["机器人学"])
    keywords_zh = factory.LazyFunction(lambda: ["力控", "手术机器人"])
    keywords_en = factory.LazyFunction(lambda: ["force control", "surgical robotics"])


class WorkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Work

    profile = factory.SubFactory(ExpertProfileFactory)
    kind = "paper"
    title = factory.Sequence(lambda n: {"zh-hans": f"论文{n}", "en": f"Paper {n}"})
    year = 2024


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    profile = factory.SubFactory(ExpertProfileFactory)
    organization = factory.SubFactory(OrganizationFactory)
    start_year = 2015
    end_year = None
    position = "研究员"


class RelationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Relation

    from_profile = factory.SubFactory(ExpertProfileFactory)
    to_profile = factory.SubFactory(ExpertProfileFactory)
    kind = RelationKind.ADVISOR


class ShareholdingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shareholding

    organization = factory.SubFactory(OrganizationFactory)
    holder_user = factory.SubFactory(UserFactory)
    share_bp = 500
    as_of = factory.LazyFunction(lambda: date(2024, 12, 31))


def make_operator(**kwargs: Any) -> User:
    """A user holding the operator role in the platform office."""
    user = UserFactory(**kwargs)
    office = Organization.objects.filter(operates_platform=True).first() or PlatformOfficeFactory()
    MembershipFactory(user=user, organization=office, role=Role.OPERATOR)
    return user
