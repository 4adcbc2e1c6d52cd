"""Achievements: who may register them, what is refused (nothing written then), who sees the private facts,
the §11 idle alert (sent once) and the completers' release requests."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kechuang.accounts.enums import Role
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.models import AuditEvent
from kechuang.notifications.models import Notification
from kechuang.transfer.enums import AchievementStatus, ReleaseRequestStatus
from kechuang.transfer.models import Achievement, Completer, ReleaseRequest
from kechuang.transfer.services import achievements as services
from tests.factories.accounts import MembershipFactory, make_operator
from tests.transfer import achievement_builders as build

pytestmark = pytest.mark.django_db
Spec = services.CompleterSpec


def refused(code: ErrorCode, call: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code
    return caught.value


def nothing_written() -> None:
    assert (Achievement.objects.count(), Completer.objects.count()) == (0, 0)


# ---------------------------------------------------------------- registering


def test_a_tto_officer_registers_an_achievement_with_its_completers() -> None:
    people = build.cast()
    achievement = build.register(people, ip_number="2022 1059 3271 7")
    assert achievement.owner == people.university
    assert achievement.ip_number == build.patent("202210593271")
    assert achievement.status == AchievementStatus.REGISTERED
    rows = [(c.name, c.user_id, c.contribution_bp, c.is_lead) for c in achievement.completers.all()]
    assert rows == [
        (people.lead.display_name, people.lead.pk, 6000, True),
        (people.member.display_name, people.member.pk, 3000, False),
        ("王工（退休）", None, 1000, False),
    ]
    assert list(AuditEvent.objects.filter(object_id=str(achievement.pk)).values_list("verb", flat=True)) == [
        "transfer:achievement:register"
    ]


def test_the_units_administrator_may_register_too() -> None:
    people = build.cast()
    admin = MembershipFactory(organization=people.university, role=Role.ADMIN).user
    assert build.register(people, actor=admin).created_by == admin


@pytest.mark.parametrize("who", ["stranger", "lead", "company_admin"])
def test_people_outside_the_units_office_cannot_register(who: str) -> None:
    people = build.cast()
    refused(ErrorCode.PERMISSION_DENIED, build.register, people=people, actor=getattr(people, who))
    nothing_written()


@pytest.mark.parametrize(
    "shares",
    [(6000, 3000, 999), (6000, 3000, 1001), (10_000, 1, 1)],
    ids=["short by one basis point", "over by one basis point", "far over"],
)
def test_contributions_must_add_up_to_exactly_100_percent(shares: tuple[int, int, int]) -> None:
    people = build.cast()
    completers = [
        Spec(contribution_bp=shares[0], is_lead=True, user=people.lead),
        Spec(contribution_bp=shares[1], user=people.member),
        Spec(contribution_bp=shares[2], name="王工"),
    ]
    error = refused(ErrorCode.SHARES_NOT_100, build.register, people=people, completers=completers)
    assert list(error.errors) == ["completers"]
    nothing_written()


@pytest.mark.parametrize("leads", [0, 2])
def test_exactly_one_completer_is_the_lead(leads: int) -> None:
    people = build.cast()
    completers = [
        Spec(contribution_bp=5000, is_lead=leads >= 1, user=people.lead),
        Spec(contribution_bp=5000, is_lead=leads >= 2, user=people.member),
    ]
    error = refused(ErrorCode.VALIDATION, build.register, people=people, completers=completers)
    assert list(error.errors) == ["completers"]
    nothing_written()


def test_a_person_is_named_once_and_every_share_is_above_zero() -> None:
    people = build.cast()
    twice = [Spec(contribution_bp=5000, is_lead=True, user=people.lead), Spec(contribution_bp=5000, user=people.lead)]
    refused(ErrorCode.VALIDATION, build.register, people=people, completers=twice)
    zero = [Spec(contribution_bp=10_000, is_lead=True, user=people.lead), Spec(contribution_bp=0, name="王工")]
    refused(ErrorCode.VALIDATION, build.register, people=people, completers=zero)
    nothing_written()


@pytest.mark.parametrize(
    ("kind", "ip_status", "ip_number", "field"),
    [
        ("invention_patent", "granted", "202210593271.8", "ip_number"),  # wrong check digit
        ("invention_patent", "filed", "2022105932", "ip_number"),  # wrong shape
        ("invention_patent", "filed", "", "ip_number"),  # a filed patent has a number
        ("utility_model", "not_filed", build.patent("202210593271"), "ip_number"),  # not filed: no number yet
        ("technical_secret", "secret", "SECRET-001", "ip_number"),  # a secret has no number at all
        ("technical_secret", "granted", "", "ip_status"),
        ("software", "secret", "", "ip_status"),
    ],
)
def test_ip_numbers_are_checked_against_the_type(kind: str, ip_status: str, ip_number: str, field: str) -> None:
    people = build.cast()
    error = refused(
        ErrorCode.VALIDATION, build.register, people=people, kind=kind, ip_status=ip_status, ip_number=ip_number
    )
    assert list(error.errors) == [field]
    nothing_written()


def test_a_technical_secret_is_registered_without_a_number() -> None:
    people = build.cast()
    secret = build.register(people, kind="technical_secret", ip_status="secret", ip_number="")
    assert (secret.ip_number, secret.ip_status) == ("", "secret")


@pytest.mark.parametrize(("field", "value"), [("trl", 0), ("trl", 10), ("sectors", ["sei-99"])])
def test_trl_and_sectors_are_checked(field: str, value: Any) -> None:
    people = build.cast()
    error = refused(ErrorCode.VALIDATION, build.register, people=people, **{field: value})
    assert list(error.errors) == [field]
    nothing_written()


def test_the_registration_date_cannot_lie_in_the_future() -> None:
    people = build.cast()
    tomorrow = timezone.localdate() + timedelta(days=1)
    refused(ErrorCode.VALIDATION, build.register, people=people, registered_on=tomorrow)
    nothing_written()


# ---------------------------------------------------------------- editing


def test_an_edit_changes_facts_but_never_the_registration_date() -> None:
    people = build.cast()
    achievement = build.register(people)
    updated = services.update_achievement(actor=people.tto, achievement=achievement, trl=7, sectors=["sei-4"])
    assert (updated.trl, updated.sectors) == (7, ["sei-4"])
    before = achievement.registered_on
    refused(
        ErrorCode.VALIDATION,
        services.update_achievement,
        actor=people.tto,
        achievement=achievement,
        registered_on=before - timedelta(days=400),
    )
    refused(ErrorCode.PERMISSION_DENIED, services.update_achievement, actor=people.lead, achievement=achievement, trl=9)
    achievement.refresh_from_db()
    assert (achievement.registered_on, achievement.trl) == (before, 7)


def test_bad_shares_on_edit_keep_the_old_completers() -> None:
    people = build.cast()
    achievement = build.register(people)
    bad = [Spec(contribution_bp=9000, is_lead=True, user=people.lead)]
    refused(
        ErrorCode.SHARES_NOT_100, services.update_achievement, actor=people.tto, achievement=achievement, completers=bad
    )
    assert sorted(achievement.completers.values_list("contribution_bp", flat=True)) == [1000, 3000, 6000]


def test_completers_are_fixed_once_commercialised() -> None:
    people = build.cast()
    achievement = build.register(people)
    build.signed(people, achievement)
    fresh = [Spec(contribution_bp=10_000, is_lead=True, user=people.lead)]
    refused(
        ErrorCode.INVALID_STATE,
        services.update_achievement,
        actor=people.tto,
        achievement=achievement,
        completers=fresh,
    )
    assert achievement.completers.count() == 3


# ---------------------------------------------------------------- who sees what


def _page(client: Client, achievement: Achievement) -> str:
    response = client.get(reverse("transfer:achievement", args=[achievement.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_public_facts_are_public_and_funding_and_shares_are_not(client: Client) -> None:
    people = build.cast()
    achievement = build.register(people)
    anonymous = _page(client, achievement)
    assert "七自由度力控关节模组" in anonymous
    assert build.patent("202210593271") in anonymous
    assert people.lead.display_name in anonymous  # completers' names are public
    assert "62171234" not in anonymous
    assert 'data-testid="contribution"' not in anonymous
    client.force_login(people.stranger)
    assert "62171234" not in _page(client, achievement)
    for insider in (people.tto, people.member, make_operator()):
        client.force_login(insider)
        page = _page(client, achievement)
        assert "62171234" in page
        assert page.count('data-testid="contribution"') == 3


def test_the_api_gives_strangers_no_funding_and_no_contributions(client: Client) -> None:
    people = build.cast()
    achievement = build.register(people)
    body = client.get(f"/api/v1/transfer/achievements/{achievement.pk}").json()
    assert (body["private"], body["funding"]) == (False, None)
    assert [c["contribution_bp"] for c in body["completers"]] == [None, None, None]
    client.force_login(people.lead)
    body = client.get(f"/api/v1/transfer/achievements/{achievement.pk}").json()
    assert body["funding"] == [{"source": "国家自然科学基金", "number": "62171234"}]
    assert [c["contribution_bp"] for c in body["completers"]] == [6000, 3000, 1000]


# ---------------------------------------------------------------- the idle clock


def _idle(people: build.Cast, days: int = 366) -> Achievement:
    return build.register(people, registered_on=timezone.localdate() - timedelta(days=days))


def _notices(kind: str) -> list[int]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def test_the_idle_alert_is_sent_once_to_the_unit_and_the_completers() -> None:
    people = build.cast()
    achievement = _idle(people)
    assert services.send_idle_alerts() == 1
    assert _notices("transfer.achievement_idle") == sorted([people.tto.pk, people.lead.pk, people.member.pk])
    assert services.send_idle_alerts() == 0
    assert services.send_idle_alerts(today=timezone.localdate() + timedelta(days=30)) == 0
    assert len(_notices("transfer.achievement_idle")) == 3
    achievement.refresh_from_db()
    assert achievement.idle_alerted_on == timezone.localdate()


def test_no_alert_before_a_year_nor_after_a_signed_deal() -> None:
    people = build.cast()
    young = build.register(people, registered_on=timezone.localdate() - timedelta(days=364))
    sold = build.register(
        people, registered_on=timezone.localdate() - timedelta(days=500), title={"zh-hans": "已转化的成果"}
    )
    build.signed(people, sold)
    assert services.send_idle_alerts() == 0
    assert services.send_idle_alerts(today=timezone.localdate() + timedelta(days=1)) == 1  # young turns a year
    young.refresh_from_db()
    sold.refresh_from_db()
    assert (young.idle_alerted_on is not None, sold.idle_alerted_on) == (True, None)


def test_the_command_runs_the_same_check() -> None:
    people = build.cast()
    _idle(people)
    out = StringIO()
    call_command("transfer_idle_alerts", stdout=out)
    call_command("transfer_idle_alerts", stdout=out)
    assert out.getvalue().splitlines() == [
        "transfer: 1 idle achievement(s) alerted",
        "transfer: 0 idle achievement(s) alerted",
    ]


# ---------------------------------------------------------------- release requests (§11)


def test_completers_may_ask_only_once_the_result_is_idle() -> None:
    people = build.cast()
    fresh = build.register(people)
    refused(ErrorCode.INVALID_STATE, services.request_release, actor=people.lead, achievement=fresh, plan="自行转化")
    idle = _idle(people)
    refused(ErrorCode.PERMISSION_DENIED, services.request_release, actor=people.stranger, achievement=idle, plan="x")
    refused(ErrorCode.VALIDATION, services.request_release, actor=people.lead, achievement=idle, plan="  ")
    assert ReleaseRequest.objects.count() == 0
    release = services.request_release(
        actor=people.member, achievement=idle, plan="与校友企业合作实施，收益按协议分配。"
    )
    assert release.status == ReleaseRequestStatus.REQUESTED
    assert _notices("transfer.release_requested") == sorted([people.tto.pk, people.lead.pk])
    refused(ErrorCode.DUPLICATE, services.request_release, actor=people.lead, achievement=idle, plan="再次申请")


def test_a_refusal_needs_the_units_reason_and_everyone_is_told() -> None:
    people = build.cast()
    idle = _idle(people)
    release = services.request_release(actor=people.lead, achievement=idle, plan="自行实施")
    refused(ErrorCode.PERMISSION_DENIED, services.decide_release, actor=people.lead, release=release, grant=True)
    refused(ErrorCode.VALIDATION, services.decide_release, actor=people.tto, release=release, grant=False, reason=" ")
    release.refresh_from_db()
    assert release.status == ReleaseRequestStatus.REQUESTED
    decided = services.decide_release(
        actor=people.tto, release=release, grant=False, reason="已与企业进入许可谈判，预计三个月内签约。"
    )
    assert (decided.status, decided.decided_by) == (ReleaseRequestStatus.REFUSED, people.tto)
    assert _notices("transfer.release_decided") == sorted([people.lead.pk, people.member.pk])
    refused(ErrorCode.INVALID_STATE, services.decide_release, actor=people.tto, release=release, grant=True)
    verbs = set(AuditEvent.objects.filter(object_type="transfer.releaserequest").values_list("verb", flat=True))
    assert verbs == {"transfer:release_request:create", "transfer:release_request:decide"}


def test_a_grant_may_come_without_a_reason_through_the_page(client: Client) -> None:
    people = build.cast()
    idle = _idle(people)
    client.force_login(people.lead)
    url = reverse("transfer:release_request", args=[idle.pk])
    assert client.post(url, {"plan": "与企业共建中试线"}).status_code == 302
    release = ReleaseRequest.objects.get()
    client.force_login(people.tto)
    response = client.post(reverse("transfer:release_decide", args=[release.pk]), {"grant": "1", "reason": ""})
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.status == ReleaseRequestStatus.GRANTED
