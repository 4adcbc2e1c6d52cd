"""The benchmark's data: many active organisations, a few experts written in bulk, and one member who signs in.

Benchmark set-up only: rows go in with ``bulk_create`` rather than through the services, so
``save()`` does not run and the fields it would fill (``sort_name``) are filled here. A sample of
rows is checked with ``full_clean()`` so the data stays valid as the models change.
"""

from __future__ import annotations

import random

from django.contrib.auth.hashers import make_password

from kechuang.accounts.enums import OrganizationKind, OrganizationStatus, Visibility
from kechuang.accounts.models import ExpertProfile, Organization, User
from kechuang.core.identifiers import uscc_check_character
from kechuang.core.regions import all_regions
from kechuang.core.sectors import SECTORS

MEMBER_USERNAME = "bench-member"

# Roughly the mix of a regional directory: mostly companies, then universities and institutes.
KIND_WEIGHTS: dict[str, int] = {
    OrganizationKind.ENTERPRISE: 60,
    OrganizationKind.UNIVERSITY: 8,
    OrganizationKind.INSTITUTE: 10,
    OrganizationKind.FACILITY_OPERATOR: 2,
    OrganizationKind.FUND: 8,
    OrganizationKind.GOVERNMENT: 3,
    OrganizationKind.INCUBATOR: 6,
    OrganizationKind.HOSPITAL: 3,
}
# First two characters of a USCC: registering authority and organisation type (GB 32100-2015).
USCC_PREFIX: dict[str, str] = {
    OrganizationKind.ENTERPRISE: "91",
    OrganizationKind.FUND: "91",
    OrganizationKind.INCUBATOR: "91",
    OrganizationKind.FACILITY_OPERATOR: "12",
    OrganizationKind.UNIVERSITY: "12",
    OrganizationKind.INSTITUTE: "12",
    OrganizationKind.HOSPITAL: "12",
    OrganizationKind.GOVERNMENT: "11",
}


def uscc_for(number: int, *, kind: str, region: str) -> str:
    """A valid, unique USCC: prefix by kind, the region code, an organisation code ``MA`` + number, the check."""
    body = f"{USCC_PREFIX[kind]}{region}MA{number:07d}"
    return body + uscc_check_character(body)


def build_organizations(count: int, *, seed: int = 2025) -> list[Organization]:
    rng = random.Random(seed)
    regions = sorted(all_regions())
    kinds = list(KIND_WEIGHTS)
    weights = list(KIND_WEIGHTS.values())
    sector_codes = [s.code for s in SECTORS]
    built = []
    for number in range(1, count + 1):
        kind = rng.choices(kinds, weights)[0]
        region = rng.choice(regions)
        name = {"zh-hans": f"测试机构{number:05d}", "en": f"Test Organization {number:05d}"}
        built.append(
            Organization(
                name=name,
                sort_name=name["zh-hans"],
                kind=kind,
                status=OrganizationStatus.ACTIVE,
                uscc=uscc_for(number, kind=kind, region=region),
                region=region,
                sectors=sorted(rng.sample(sector_codes, rng.randint(1, 3))),
                description={
                    "zh-hans": f"{name['zh-hans']}是用于性能测试的机构，从事研发与成果转化。",
                    "en": f"{name['en']} exists for the benchmark; it does research and technology transfer.",
                },
                website=f"https://org{number:05d}.example.cn" if number % 3 else "",
            )
        )
    return built


def seed(*, organizations: int, experts: int) -> None:
    """Write ``organizations`` active organisations and ``experts`` public expert profiles."""
    built = build_organizations(organizations)
    for sample in built[:: max(1, organizations // 20)]:
        sample.full_clean(exclude=["sort_name"])
    Organization.objects.bulk_create(built, batch_size=1000)
    affiliations = list(Organization.objects.order_by("id").values_list("id", flat=True)[:experts])
    # The experts exist to be listed, not to sign in: an unusable password, and no hashing cost.
    User.objects.bulk_create(
        [
            User(username=f"expert{n:03d}", email=f"expert{n:03d}@example.cn", password=make_password(None))
            for n in range(experts)
        ]
    )
    users = list(User.objects.filter(username__startswith="expert").order_by("username"))
    ExpertProfile.objects.bulk_create(
        [
            ExpertProfile(
                user=user,
                name={"zh-hans": f"测试专家{n:03d}", "en": f"Test Expert {n:03d}"},
                sort_name=f"测试专家{n:03d}",
                affiliation_id=affiliations[n % len(affiliations)] if affiliations else None,
                fields=["机器人学"],
                keywords_zh=["力控", "手术机器人"],
                keywords_en=["force control", "surgical robotics"],
                visibility=Visibility.PUBLIC,
            )
            for n, user in enumerate(users)
        ]
    )


def seed_member() -> User:
    """The ordinary signed-in visitor of the rendered rows: an active account with no role and no password to hash."""
    return User.objects.create(
        username=MEMBER_USERNAME,
        email=f"{MEMBER_USERNAME}@example.cn",
        display_name="测试会员",
        password=make_password(None),
    )
