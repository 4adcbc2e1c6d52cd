"""The marketplace: cards only for achievements that show TRL and IP status, companies' answers with
structured reasons counted per reason, the public list's filters, and achievements found by search and
matched with published needs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kechuang.accounts.enums import OrganizationKind, Role
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.money import Money
from kechuang.notifications.models import Notification
from kechuang.search import selectors as search_selectors
from kechuang.search.selectors import close_indexes
from kechuang.search.tasks import reindex
from kechuang.transfer.enums import AchievementStatus, InterestKind, OpportunityStatus, PassReason
from kechuang.transfer.models import Achievement, Interest, Opportunity
from kechuang.transfer.selectors import market as selectors
from kechuang.transfer.services import market as services
from kechuang.transfer.views.market import matching_needs
from tests.challenges import builders as challenge_builders
from tests.factories.accounts import MembershipFactory, OrganizationFactory
from tests.transfer import achievement_builders as build

pytestmark = pytest.mark.django_db
CARD = {
    "problem": {"zh-hans": "手术机器人机械臂关节依赖进口，力控精度不足。"},
    "benefit": {"zh-hans": "力控精度0.3N，优于进口产品的0.5N，成本降低40%。"},
}


def refused(code: ErrorCode, call: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code
    return caught.value


def publish(people: build.Cast, achievement: Achievement, **overrides: Any) -> Opportunity:
    return services.publish_opportunity(**{"actor": people.tto, "achievement": achievement, **CARD, **overrides})


def answer(people: build.Cast, card: Opportunity, **kwargs: Any) -> Interest:
    values = {"actor": people.company_member, "opportunity": card, "organization": people.company, **kwargs}
    return services.answer_opportunity(**values)


# ---------------------------------------------------------------- publishing


def test_the_unit_publishes_a_card_and_the_achievement_is_listed() -> None:
    people = build.cast()
    achievement = build.register(people)
    card = publish(people, achievement, asking_price=Money(50_000_000))
    achievement.refresh_from_db()
    assert (card.status, card.asking_price_fen, achievement.status) == (
        OpportunityStatus.OPEN,
        50_000_000,
        AchievementStatus.LISTED,
    )
    refused(ErrorCode.DUPLICATE, publish, people=people, achievement=achievement)
    services.close_opportunity(actor=people.tto, opportunity=card)
    achievement.refresh_from_db()
    assert achievement.status == AchievementStatus.REGISTERED
    assert publish(people, achievement).status == OpportunityStatus.OPEN


def test_strangers_and_companies_do_not_publish_the_units_cards() -> None:
    people = build.cast()
    achievement = build.register(people)
    for outsider in (people.stranger, people.company_admin, people.lead):
        refused(ErrorCode.PERMISSION_DENIED, publish, people=people, achievement=achievement, actor=outsider)
    assert Opportunity.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [({"ip_status": ""}, "ip_status"), ({"ip_number": ""}, "ip_number"), ({"status": "withdrawn"}, "achievement")],
)
def test_a_card_is_refused_when_the_achievement_lacks_what_it_shows(change: dict[str, Any], field: str) -> None:
    people = build.cast()
    achievement = build.register(people)
    # As if imported incomplete (TRL cannot be missing: the database requires 1-9).
    Achievement.objects.filter(pk=achievement.pk).update(**change)
    error = refused(ErrorCode.INVALID_STATE, publish, people=people, achievement=achievement)
    assert list(error.errors) == [field]
    assert Opportunity.objects.count() == 0


def test_a_card_needs_the_problem_the_benefit_and_a_positive_price() -> None:
    people = build.cast()
    achievement = build.register(people)
    error = refused(ErrorCode.VALIDATION, publish, people=people, achievement=achievement, benefit={})
    assert list(error.errors) == ["benefit"]
    refused(ErrorCode.VALIDATION, publish, people=people, achievement=achievement, asking_price=Money(0))
    assert Opportunity.objects.count() == 0


# ---------------------------------------------------------------- answers


def test_a_company_answers_once_and_its_second_answer_replaces_the_first() -> None:
    people = build.cast()
    card = publish(people, build.register(people))
    answer(people, card, kind=InterestKind.PASSED, pass_reason=PassReason.TOO_EARLY, comment="需要工程样机")
    second = answer(people, card, actor=people.company_admin, kind=InterestKind.INTERESTED)
    assert Interest.objects.count() == 1
    assert (second.kind, second.pass_reason, second.user) == (InterestKind.INTERESTED, "", people.company_admin)
    notified = Notification.objects.filter(kind="transfer.interest_received").values_list("recipient_id", flat=True)
    assert list(notified) == [people.tto.pk, people.tto.pk]


def test_the_unit_sees_answers_counted_per_reason() -> None:
    people = build.cast()
    card = publish(people, build.register(people))
    answer(people, card, kind=InterestKind.INTERESTED)
    for reason in (PassReason.TOO_EARLY, PassReason.TOO_EARLY, PassReason.ROUTE_UNCLEAR):
        company = OrganizationFactory()
        member = MembershipFactory(organization=company, role=Role.MEMBER).user
        answer(people, card, actor=member, organization=company, kind=InterestKind.PASSED, pass_reason=reason)
    feedback = selectors.feedback_of(card)
    assert (feedback.interested, feedback.passed, feedback.answers) == (1, 3, 4)
    assert {row.reason: row.count for row in feedback.reasons} == {
        "too_early": 2,
        "benefit_unclear": 0,
        "route_unclear": 1,
        "description_unclear": 0,
        "not_our_field": 0,
        "other": 0,
    }


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"kind": InterestKind.INTERESTED, "pass_reason": PassReason.TOO_EARLY}, ErrorCode.VALIDATION, "pass_reason"),
        ({"kind": InterestKind.PASSED}, ErrorCode.VALIDATION, "pass_reason"),
        ({"kind": InterestKind.PASSED, "pass_reason": "too_expensive"}, ErrorCode.VALIDATION, "pass_reason"),
        ({"kind": InterestKind.PASSED, "pass_reason": PassReason.OTHER}, ErrorCode.VALIDATION, "comment"),
        ({"kind": "maybe"}, ErrorCode.VALIDATION, "kind"),
    ],
)
def test_answers_are_structured(kwargs: dict[str, Any], code: ErrorCode, field: str) -> None:
    people = build.cast()
    card = publish(people, build.register(people))
    error = refused(code, answer, people=people, card=card, **kwargs)
    assert list(error.errors) == [field]
    assert Interest.objects.count() == 0


def test_only_people_of_a_company_outside_the_unit_answer_an_open_card() -> None:
    people = build.cast()
    card = publish(people, build.register(people))
    # A university member belongs to no company; the unit does not answer its own card.
    refused(ErrorCode.PERMISSION_DENIED, answer, people=people, card=card, actor=people.lead, kind="interested")
    # One answers only for a company one belongs to.
    other = OrganizationFactory()
    refused(ErrorCode.VALIDATION, answer, people=people, card=card, organization=other, kind="interested")
    institute = OrganizationFactory(kind=OrganizationKind.INSTITUTE)
    MembershipFactory(organization=institute, user=people.company_member)
    refused(ErrorCode.VALIDATION, answer, people=people, card=card, organization=institute, kind="interested")
    services.close_opportunity(actor=people.tto, opportunity=card)
    refused(ErrorCode.INVALID_STATE, answer, people=people, card=card, kind="interested")
    assert Interest.objects.count() == 0


def test_the_feedback_is_shown_to_the_unit_only(client: Client) -> None:
    people = build.cast()
    card = publish(people, build.register(people))
    answer(people, card, kind=InterestKind.PASSED, pass_reason=PassReason.BENEFIT_UNCLEAR, comment="看不出优势")
    url = reverse("transfer:opportunity", args=[card.pk])
    client.force_login(people.company_admin)
    page = client.get(url).content.decode()
    assert 'data-testid="feedback"' not in page
    assert 'data-testid="my-answers"' in page
    client.force_login(people.tto)
    page = client.get(url).content.decode()
    assert 'data-testid="feedback"' in page
    assert '<tr data-reason="benefit_unclear"><th scope="row">' in page
    assert "看不出优势" in page


def test_a_company_answers_through_the_page(client: Client) -> None:
    people = build.cast()
    card = publish(people, build.register(people))
    client.force_login(people.company_member)
    page = client.get(reverse("transfer:opportunity", args=[card.pk])).content.decode()
    assert 'data-testid="interest-form"' in page
    response = client.post(
        reverse("transfer:opportunity_answer", args=[card.pk]),
        {"organization": people.company.pk, "kind": "passed", "pass_reason": "route_unclear", "comment": ""},
    )
    assert response.status_code == 302
    assert list(Interest.objects.values_list("kind", "pass_reason")) == [("passed", "route_unclear")]


# ---------------------------------------------------------------- the public list


def test_the_marketplace_filters_by_type_trl_sector_and_words(client: Client) -> None:
    people = build.cast()
    joint = publish(people, build.register(people))
    secret = publish(
        people,
        build.register(
            people,
            kind="technical_secret",
            ip_status="secret",
            ip_number="",
            trl=4,
            sectors=["sei-3"],
            title={"zh-hans": "高熵合金热处理工艺"},
        ),
        problem={"zh-hans": "合金零件寿命短"},
    )
    found = selectors.public_opportunities
    assert list(found()) == [secret, joint]
    assert list(found(kind="technical_secret")) == [secret]
    assert list(found(trl_min=5)) == [joint]
    assert list(found(sector="sei-3")) == [secret]
    assert list(found(query="高熵合金")) == [secret]
    assert list(found(query="寿命")) == [secret]
    response = client.get(reverse("transfer:market"), {"trl": "5"})
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="opportunity-row"') == 1
    body = client.get("/api/v1/transfer/opportunities", {"kind": "technical_secret"}).json()
    assert [item["id"] for item in body["items"]] == [secret.pk]


# ---------------------------------------------------------------- search


@pytest.fixture
def index_dir(settings: Any, tmp_path: Path) -> Iterator[Path]:
    close_indexes()
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    yield settings.SEARCH_INDEX_DIR
    close_indexes()


def test_achievements_are_found_by_search_without_their_private_facts(index_dir: Path) -> None:
    people = build.cast()
    achievement = build.register(people, funding=[{"source": "国家自然科学基金", "number": "62171234"}])
    publish(people, achievement)
    reindex()
    hits = search_selectors.search("力控关节", kinds=["achievement"]).results.hits
    assert [hit.key for hit in hits] == [f"achievement:{achievement.pk}"]
    assert search_selectors.search("62171234", kinds=["achievement"]).results.hits == []
    assert search_selectors.search("进口", kinds=["achievement"]).results.total == 1  # the card's problem


def test_an_open_card_shows_the_published_needs_it_may_answer(index_dir: Path, client: Client) -> None:
    people = build.cast()
    card = publish(people, build.register(people))
    challenge = challenge_builders.published(challenge_builders.cast())
    reindex()
    needs = matching_needs(card)
    assert [item["url"] for item in needs] == [reverse("challenges:detail", args=[challenge.pk])]
    assert needs[0]["reasons"]
    page = client.get(reverse("transfer:opportunity", args=[card.pk])).content.decode()
    assert 'data-testid="matching-needs"' in page
