"""Conflicts of interest from platform data: each kind, its explanation, the window, and no false positives."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kechuang.accounts.demo import demo_organization_usccs, seed_demo_region
from kechuang.accounts.enums import MembershipStatus, RelationKind, Role
from kechuang.accounts.models import ExpertProfile, Organization, User
from kechuang.review.conflicts import Conflict, Parties, find_conflicts, normalise_identifier
from kechuang.review.enums import ConflictKind
from tests.factories.accounts import (
    AffiliationFactory,
    ExpertProfileFactory,
    MembershipFactory,
    OrganizationFactory,
    RelationFactory,
    ShareholdingFactory,
    UserFactory,
    WorkFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 1)  # with the default 5 years, 2020 is inside the window and 2019 outside


def org(zh: str, en: str) -> Organization:
    return OrganizationFactory(name={"zh-hans": zh, "en": en})


def expert(zh: str, en: str, *, affiliation: Organization | None = None) -> ExpertProfile:
    return ExpertProfileFactory(name={"zh-hans": zh, "en": en}, affiliation=affiliation)


def run(reviewer: User, parties: Parties, *, language: str = "en", years: int = 5) -> list[Conflict]:
    with translation.override(language):
        found = find_conflicts([reviewer.pk], {"item": parties}, years=years, today=TODAY)
    return found.get(("item", reviewer.pk), [])


def kinds(conflicts: list[Conflict]) -> list[str]:
    return [c.kind for c in conflicts]


@pytest.fixture
def robot_co() -> Organization:
    return org("锐骨医疗机器人", "Ruigu Robotics")


@pytest.fixture
def reviewer() -> ExpertProfile:
    return expert("李审", "Li Shen")


@pytest.fixture
def applicant() -> ExpertProfile:
    return expert("张三", "Zhang San")


def team(applicant: ExpertProfile, **changes: object) -> Parties:
    return Parties(people=frozenset({applicant.user_id}), **changes)  # type: ignore[arg-type]


# ---------------------------------------------------------------- each kind, explained


def test_a_reviewer_who_applies_is_in_conflict_with_themselves(reviewer: ExpertProfile) -> None:
    conflicts = run(reviewer.user, team(reviewer))
    assert conflicts == [
        Conflict(kind=ConflictKind.SELF, explanation="Is the applicant Li Shen.", evidence={"person": reviewer.user_id})
    ]


def test_same_current_organization(robot_co: Organization) -> None:
    reviewer = expert("李审", "Li Shen", affiliation=robot_co)
    applicant = expert("张三", "Zhang San", affiliation=robot_co)
    assert run(reviewer.user, team(applicant)) == [
        Conflict(
            kind=ConflictKind.SAME_ORGANIZATION,
            explanation="Works at Ruigu Robotics, as does the applicant Zhang San.",
            evidence={
                "person": applicant.user_id,
                "organization": robot_co.pk,
                "reviewer_until": None,
                "person_until": None,
            },
        )
    ]


def test_same_organization_through_history_names_the_years(
    robot_co: Organization, reviewer: ExpertProfile, applicant: ExpertProfile
) -> None:
    AffiliationFactory(profile=reviewer, organization=robot_co, start_year=2012, end_year=2021)
    AffiliationFactory(profile=applicant, organization=robot_co, start_year=2018, end_year=2022)
    [conflict] = run(reviewer.user, team(applicant))
    assert (conflict.kind, conflict.explanation) == (
        ConflictKind.SAME_ORGANIZATION,
        "Worked at Ruigu Robotics until 2021; the applicant Zhang San worked there until 2022.",
    )


def test_same_organization_through_an_approved_membership(robot_co: Organization, applicant: ExpertProfile) -> None:
    reviewer = UserFactory(display_name="王五")
    MembershipFactory(user=reviewer, organization=robot_co, role=Role.MEMBER)
    AffiliationFactory(profile=applicant, organization=robot_co, start_year=2010, end_year=2020)
    [conflict] = run(reviewer, team(applicant))
    assert conflict.explanation == "Works at Ruigu Robotics, where the applicant Zhang San worked until 2020."


def test_explanations_are_in_the_active_language(robot_co: Organization) -> None:
    reviewer = expert("李审", "Li Shen", affiliation=robot_co)
    applicant = expert("张三", "Zhang San", affiliation=robot_co)
    [conflict] = run(reviewer.user, team(applicant), language="zh-hans")
    # Names follow the language even before the catalogue has the sentence.
    assert ("锐骨医疗机器人" in conflict.explanation, "张三" in conflict.explanation) == (True, True)


def test_applicant_organization_now_and_in_the_past(robot_co: Organization, reviewer: ExpertProfile) -> None:
    former = expert("赵六", "Zhao Liu")
    AffiliationFactory(profile=former, organization=robot_co, start_year=2016, end_year=2020)
    reviewer.affiliation = robot_co
    reviewer.save()
    parties = Parties(organizations=frozenset({robot_co.pk}))
    with translation.override("en"):
        found = find_conflicts([reviewer.user_id, former.user_id], {"item": parties}, today=TODAY)
    assert {key: [(c.kind, c.explanation) for c in value] for key, value in found.items()} == {
        ("item", reviewer.user_id): [
            (ConflictKind.APPLICANT_ORGANIZATION, "Works at the applying organization Ruigu Robotics.")
        ],
        ("item", former.user_id): [
            (ConflictKind.APPLICANT_ORGANIZATION, "Worked at the applying organization Ruigu Robotics until 2020.")
        ],
    }


def test_an_applicant_at_the_applying_organization_is_named_once(
    robot_co: Organization, reviewer: ExpertProfile
) -> None:
    reviewer.affiliation = robot_co
    reviewer.save()
    applicant = expert("张三", "Zhang San", affiliation=robot_co)
    conflicts = run(reviewer.user, team(applicant, organizations=frozenset({robot_co.pk})))
    assert kinds(conflicts) == [ConflictKind.APPLICANT_ORGANIZATION]


@pytest.mark.parametrize(
    ("kind", "identifier", "other", "conflict", "sentence"),
    [
        (
            "paper",
            "10.5555/KC.2023.1",
            "https://doi.org/10.5555/kc.2023.1",
            ConflictKind.COAUTHOR,
            "Co-authored “Force control” (10.5555/kc.2023.1) with the applicant Zhang San in 2023.",
        ),
        (
            "patent",
            "CN202210593271.7",
            "202210593271",
            ConflictKind.COINVENTOR,
            "Co-invented “Force control” (patent 202210593271) with the applicant Zhang San in 2023.",
        ),
        (
            "project",
            "2023YFB 4704100",
            "2023yfb4704100",
            ConflictKind.COPROJECT,
            "Was in the project “Force control” (2023YFB4704100) with the applicant Zhang San in 2023.",
        ),
    ],
)
def test_shared_works(  # noqa: PLR0917 - the parametrised columns
    reviewer: ExpertProfile,
    applicant: ExpertProfile,
    kind: str,
    identifier: str,
    other: str,
    conflict: str,
    sentence: str,
) -> None:
    title = {"zh-hans": "力控", "en": "Force control"}
    WorkFactory(profile=applicant, kind=kind, identifier=identifier, year=2023, title=title)
    WorkFactory(profile=reviewer, kind=kind, identifier=other, year=2023, title=title)
    [found] = run(reviewer.user, team(applicant))
    assert (found.kind, found.explanation) == (conflict, sentence)


def test_an_undated_shared_work_counts(reviewer: ExpertProfile, applicant: ExpertProfile) -> None:
    WorkFactory(profile=applicant, identifier="10.1/x", year=None, title={"en": "Arms"})
    WorkFactory(profile=reviewer, identifier="10.1/X", year=None, title={"en": "Arms"})
    [found] = run(reviewer.user, team(applicant))
    assert found.explanation == "Co-authored “Arms” (10.1/x, year not given) with the applicant Zhang San."


def test_the_same_number_as_another_kind_of_work_is_no_conflict(
    reviewer: ExpertProfile, applicant: ExpertProfile
) -> None:
    WorkFactory(profile=applicant, kind="project", identifier="52375012")
    WorkFactory(profile=reviewer, kind="patent", identifier="52375012")
    assert run(reviewer.user, team(applicant)) == []


@pytest.mark.parametrize(
    ("declarer", "kind", "sentence"),
    [
        ("reviewer", RelationKind.ADVISEE, "Is or was the advisor of the applicant Zhang San."),
        ("reviewer", RelationKind.ADVISOR, "Is or was advised by the applicant Zhang San."),
        ("applicant", RelationKind.ADVISOR, "Is or was the advisor of the applicant Zhang San."),
        ("applicant", RelationKind.ADVISEE, "Is or was advised by the applicant Zhang San."),
    ],
)
def test_advisor_and_advisee_either_way_and_ever(
    reviewer: ExpertProfile, applicant: ExpertProfile, declarer: str, kind: str, sentence: str
) -> None:
    source, target = (reviewer, applicant) if declarer == "reviewer" else (applicant, reviewer)
    RelationFactory(from_profile=source, to_profile=target, kind=kind, start_year=1990, end_year=1995)
    [found] = run(reviewer.user, team(applicant))
    assert (found.kind, found.explanation) == (ConflictKind.ADVISOR, sentence)


def test_family_and_other_relations_count_ever(reviewer: ExpertProfile, applicant: ExpertProfile) -> None:
    RelationFactory(from_profile=applicant, to_profile=reviewer, kind=RelationKind.FAMILY)
    RelationFactory(from_profile=reviewer, to_profile=applicant, kind=RelationKind.OTHER, end_year=2001)
    assert [(c.kind, c.explanation) for c in run(reviewer.user, team(applicant))] == [
        (ConflictKind.RELATION, "Is a family member of the applicant Zhang San."),
        (ConflictKind.RELATION, "Has declared a personal relation with the applicant Zhang San."),
    ]


def test_collaborators_count_within_the_window(reviewer: ExpertProfile, applicant: ExpertProfile) -> None:
    relation = RelationFactory(from_profile=reviewer, to_profile=applicant, kind=RelationKind.COLLABORATOR)
    assert [c.explanation for c in run(reviewer.user, team(applicant))] == [
        "Collaborates closely with the applicant Zhang San."
    ]
    relation.end_year = 2020
    relation.save()
    assert [c.explanation for c in run(reviewer.user, team(applicant))] == [
        "Collaborated closely with the applicant Zhang San until 2020."
    ]
    relation.end_year = 2019
    relation.save()
    assert run(reviewer.user, team(applicant)) == []


def test_issuer_staff(robot_co: Organization, reviewer: ExpertProfile) -> None:
    AffiliationFactory(profile=reviewer, organization=robot_co, start_year=2015, end_year=2023)
    [found] = run(reviewer.user, Parties(issuer=robot_co.pk))
    assert (found.kind, found.explanation, found.evidence) == (
        ConflictKind.ISSUER_STAFF,
        "Worked at the issuer Ruigu Robotics until 2023.",
        {"organization": robot_co.pk, "until": 2023},
    )


def test_shareholders_of_the_issuer_and_of_an_applicant(robot_co: Organization, reviewer: ExpertProfile) -> None:
    applicant_co = org("青云精密", "Qingyun Precision")
    issuer_share = ShareholdingFactory(organization=robot_co, holder_user=reviewer.user, share_bp=250)
    ShareholdingFactory(organization=applicant_co, holder_user=reviewer.user, share_bp=10_000, as_of=date(2025, 1, 2))
    ShareholdingFactory(organization=applicant_co, holder_user=None, holder_organization=robot_co)
    conflicts = run(reviewer.user, Parties(organizations=frozenset({applicant_co.pk}), issuer=robot_co.pk))
    assert [(c.kind, c.explanation) for c in conflicts] == [
        (ConflictKind.SHAREHOLDER, "Holds 2.50% of the issuer Ruigu Robotics (as of 2024-12-31)."),
        (ConflictKind.SHAREHOLDER, "Holds 100.00% of the applying organization Qingyun Precision (as of 2025-01-02)."),
    ]
    assert conflicts[0].evidence == {
        "organization": robot_co.pk,
        "share_bp": 250,
        "as_of": "2024-12-31",
        "shareholding": issuer_share.pk,
    }


def test_an_employer_holding_shares_in_the_issuer_or_an_applicant(robot_co: Organization) -> None:
    applicant_co = org("青云精密", "Qingyun Precision")
    fund = org("京创投资", "Jingchuang Capital")
    reviewer = expert("李审", "Li Shen", affiliation=fund)
    in_issuer = ShareholdingFactory(organization=robot_co, holder_user=None, holder_organization=fund, share_bp=1_200)
    ShareholdingFactory(
        organization=applicant_co, holder_user=None, holder_organization=fund, share_bp=3_000, as_of=date(2025, 3, 1)
    )
    conflicts = run(reviewer.user, Parties(organizations=frozenset({applicant_co.pk}), issuer=robot_co.pk))
    assert [(c.kind, c.explanation) for c in conflicts] == [
        (
            ConflictKind.SHAREHOLDER,
            "Works at Jingchuang Capital, which holds 12.00% of the issuer Ruigu Robotics (as of 2024-12-31).",
        ),
        (
            ConflictKind.SHAREHOLDER,
            "Works at Jingchuang Capital, which holds 30.00% of the applying organization Qingyun Precision "
            "(as of 2025-03-01).",
        ),
    ]
    assert conflicts[0].evidence == {
        "organization": robot_co.pk,
        "holder": fund.pk,
        "until": None,
        "share_bp": 1_200,
        "as_of": "2024-12-31",
        "shareholding": in_issuer.pk,
    }


@pytest.mark.parametrize(("left", "sentences"), [(2020, 1), (2019, 0)])
def test_a_former_employer_counts_within_the_window(
    robot_co: Organization, reviewer: ExpertProfile, left: int, sentences: int
) -> None:
    fund = org("京创投资", "Jingchuang Capital")
    AffiliationFactory(profile=reviewer, organization=fund, start_year=2012, end_year=left)
    ShareholdingFactory(organization=robot_co, holder_user=None, holder_organization=fund, share_bp=50)
    expected = [
        "Worked at Jingchuang Capital until 2020; it holds 0.50% of the applying organization Ruigu Robotics "
        "(as of 2024-12-31)."
    ]
    found = run(reviewer.user, Parties(organizations=frozenset({robot_co.pk})))
    assert [c.explanation for c in found] == expected[:sentences]


def test_shares_held_by_another_organisation_or_in_a_non_party_are_no_conflict(
    robot_co: Organization, reviewer: ExpertProfile
) -> None:
    fund, elsewhere = org("京创投资", "Jingchuang Capital"), org("别处", "Elsewhere")
    applicant_co = org("青云精密", "Qingyun Precision")
    MembershipFactory(user=reviewer.user, organization=fund, role=Role.REVIEWER)  # a panel role, not employment
    ShareholdingFactory(organization=applicant_co, holder_user=None, holder_organization=fund)
    AffiliationFactory(profile=reviewer, organization=elsewhere, start_year=2020)
    ShareholdingFactory(organization=robot_co, holder_user=None, holder_organization=elsewhere)  # robot_co applies not
    ShareholdingFactory(organization=elsewhere, holder_user=None, holder_organization=applicant_co)  # the other way
    assert run(reviewer.user, Parties(organizations=frozenset({applicant_co.pk}))) == []


# ---------------------------------------------------------------- the window


@pytest.mark.parametrize(("until", "conflicted"), [(2020, True), (2019, False)])
def test_five_years_ago_counts_and_six_does_not(
    robot_co: Organization, reviewer: ExpertProfile, applicant: ExpertProfile, until: int, conflicted: bool
) -> None:
    applicant.affiliation = robot_co
    applicant.save()
    AffiliationFactory(profile=reviewer, organization=robot_co, start_year=2010, end_year=until)
    WorkFactory(profile=reviewer, identifier="10.9/old", year=until)
    WorkFactory(profile=applicant, identifier="10.9/old", year=until)
    found = run(reviewer.user, team(applicant, issuer=robot_co.pk))
    expected = [ConflictKind.SAME_ORGANIZATION, ConflictKind.COAUTHOR, ConflictKind.ISSUER_STAFF] if conflicted else []
    assert kinds(found) == expected


def test_a_wider_window_reaches_further_back(robot_co: Organization, reviewer: ExpertProfile) -> None:
    AffiliationFactory(profile=reviewer, organization=robot_co, start_year=2005, end_year=2012)
    assert kinds(run(reviewer.user, Parties(issuer=robot_co.pk), years=15)) == [ConflictKind.ISSUER_STAFF]
    assert run(reviewer.user, Parties(issuer=robot_co.pk)) == []


# ---------------------------------------------------------------- no false positives


def test_different_experts_at_different_organizations_have_no_conflict(
    robot_co: Organization, reviewer: ExpertProfile, applicant: ExpertProfile
) -> None:
    other_co = org("京轨智联", "Jinggui Rail")
    reviewer.affiliation = robot_co
    reviewer.save()
    applicant.affiliation = other_co
    applicant.save()
    WorkFactory(profile=reviewer, identifier="10.1/a")
    WorkFactory(profile=applicant, identifier="10.1/b")
    WorkFactory(profile=reviewer, identifier="")
    WorkFactory(profile=applicant, identifier="")
    ShareholdingFactory(organization=other_co, holder_user=applicant.user)
    assert run(reviewer.user, team(applicant, organizations=frozenset({other_co.pk}))) == []


def test_e_mail_domains_play_no_part(reviewer: ExpertProfile, applicant: ExpertProfile) -> None:
    # OpenReview must drop qq.com and 163.com; here organisations are ids, so a shared domain is nothing.
    reviewer.user.email = "a@qq.com"
    reviewer.user.save()
    applicant.user.email = "b@qq.com"
    applicant.user.save()
    assert run(reviewer.user, team(applicant)) == []


def test_a_reviewer_panel_role_and_a_refused_membership_are_not_employment(
    robot_co: Organization, reviewer: ExpertProfile
) -> None:
    MembershipFactory(user=reviewer.user, organization=robot_co, role=Role.REVIEWER)
    MembershipFactory(user=reviewer.user, organization=robot_co, role=Role.MEMBER, status=MembershipStatus.REJECTED)
    assert run(reviewer.user, Parties(issuer=robot_co.pk)) == []


def test_reviewers_with_no_data_and_items_with_no_parties() -> None:
    bare = UserFactory()
    applicant = UserFactory()
    assert find_conflicts([bare.pk], {"a": Parties(people=frozenset({applicant.pk})), "b": Parties()}) == {}
    assert find_conflicts([], {"a": Parties(people=frozenset({applicant.pk}))}) == {}
    assert find_conflicts([bare.pk], {}) == {}


# ---------------------------------------------------------------- in bulk


def test_many_pairs_take_a_fixed_number_of_queries(robot_co: Organization) -> None:
    def population(size: int) -> tuple[list[int], dict[str, Parties]]:
        reviewers = [expert(f"审{n}", f"R{n}", affiliation=robot_co).user_id for n in range(size)]
        applicants = [expert(f"申{n}", f"A{n}") for n in range(size)]
        items = {}
        for n, person in enumerate(applicants):
            AffiliationFactory(profile=person, organization=robot_co, start_year=2010, end_year=2021)
            WorkFactory(profile=person, identifier=f"10.1/{n}")
            applicant_co = OrganizationFactory()
            ShareholdingFactory(organization=applicant_co, holder_user=None, holder_organization=robot_co)
            ShareholdingFactory(organization=applicant_co, holder_user_id=reviewers[n])
            items[f"i{n}"] = Parties(
                people=frozenset({person.user_id}), organizations=frozenset({applicant_co.pk}), issuer=robot_co.pk
            )
        return reviewers, items

    small = population(1)
    with CaptureQueriesContext(connection) as one:
        found_small = find_conflicts(*small, today=TODAY)
    big = population(3)
    with CaptureQueriesContext(connection) as three:
        found_big = find_conflicts(*big, today=TODAY)
    assert (len(found_small), len(found_big)) == (1, 9)  # every reviewer with every item
    assert len(one.captured_queries) == len(three.captured_queries)


def test_every_pair_is_keyed_by_item_and_reviewer(robot_co: Organization) -> None:
    reviewers = [expert(f"审{n}", f"R{n}") for n in range(3)]
    AffiliationFactory(profile=reviewers[1], organization=robot_co, start_year=2019)
    found = find_conflicts(
        [r.user_id for r in reviewers],
        {"x": Parties(issuer=robot_co.pk), "y": Parties(people=frozenset({reviewers[2].user_id}))},
        today=TODAY,
    )
    assert sorted(found) == [("x", reviewers[1].user_id), ("y", reviewers[2].user_id)]


def test_the_demo_region_shows_conflicts_on_the_surgical_arm() -> None:
    seed_demo_region()
    users = {u.username: u.pk for u in User.objects.all()}
    codes = demo_organization_usccs()
    issuer = Organization.objects.get(uscc=codes["surgical_robot"])
    parties = Parties(people=frozenset({users["zhao.guodong"], users["researcher"]}), issuer=issuer.pk)
    reviewers = [users[name] for name in ("reviewer", "xu.wenbo", "wu.haifeng", "yang.fan")]
    with translation.override("en"):
        found = find_conflicts(reviewers, {"arm": parties}, today=TODAY)
    assert {reviewer: [c.kind for c in conflicts] for (_item, reviewer), conflicts in found.items()} == {
        users["reviewer"]: [ConflictKind.ADVISOR, ConflictKind.RELATION, ConflictKind.ISSUER_STAFF],
        users["xu.wenbo"]: [ConflictKind.SHAREHOLDER],
        users["wu.haifeng"]: [ConflictKind.SAME_ORGANIZATION, ConflictKind.SAME_ORGANIZATION],
    }


def test_identifiers_are_normalised() -> None:
    assert [
        normalise_identifier("paper", " DOI: 10.1000/ABC "),
        normalise_identifier("paper", "http://dx.doi.org/10.1000/abc"),
        normalise_identifier("patent", "ZL 2022 1059 3271.7"),
        normalise_identifier("patent", "CN115123456A"),
        normalise_identifier("project", " z23 0017 "),
        normalise_identifier("project", "   "),
    ] == ["10.1000/abc", "10.1000/abc", "202210593271", "115123456A", "Z230017", ""]
