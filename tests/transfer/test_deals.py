"""Deals: only the owner sells, terms are checked, stages move through one function in order, first refusal
cannot be skipped on an assignment, the public notice runs its days, approval needs the due-diligence
record, signing stops the idle clock and is logged; documents keep their SHA-256."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kechuang.accounts.enums import OrganizationKind, Role
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.models import AuditEvent
from kechuang.core.money import Money
from kechuang.ledger.models import Entry
from kechuang.notifications.models import Notification
from kechuang.transfer.enums import AchievementStatus, DealKind, DealStage, FirstRefusal, PricingMethod
from kechuang.transfer.models import Deal, DealDocument
from kechuang.transfer.services import achievements as achievement_services
from kechuang.transfer.services import deals as services
from tests.factories.accounts import MembershipFactory, OrganizationFactory
from tests.transfer import achievement_builders as build

pytestmark = pytest.mark.django_db
D = DealStage
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def refused(code: ErrorCode, call: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code
    return caught.value


def move(people: build.Cast, deal: Deal, to: str, **kwargs: Any) -> Deal:
    return services.transition(actor=people.tto, deal=deal, to=to, **kwargs)


# ---------------------------------------------------------------- opening


def test_the_owner_opens_a_draft_and_the_achievement_is_in_a_deal() -> None:
    people = build.cast()
    achievement = build.register(people)
    deal = build.open_deal(people, achievement)
    assert (deal.stage, deal.seller, deal.buyer, deal.price_fen) == (
        D.DRAFT,
        people.university,
        people.company,
        100_000_000,
    )
    assert (deal.first_refusal, deal.publicity_days) == (FirstRefusal.NOT_APPLICABLE, 15)
    achievement.refresh_from_db()
    assert achievement.status == AchievementStatus.IN_DEAL


def test_a_unit_cannot_sell_what_it_does_not_own() -> None:
    people = build.cast()
    achievement = build.register(people)
    other = OrganizationFactory(kind=OrganizationKind.INSTITUTE)
    other_tto = MembershipFactory(organization=other, role=Role.TTO_OFFICER).user
    error = refused(
        ErrorCode.NOT_OWNER,
        services.open_deal,
        actor=other_tto,
        achievement=achievement,
        seller=other,
        terms=build.terms(people),
    )
    assert error.status == 403
    # Nor may anyone sell in the name of a unit they do not manage.
    refused(
        ErrorCode.PERMISSION_DENIED,
        services.open_deal,
        actor=other_tto,
        achievement=achievement,
        seller=people.university,
        terms=build.terms(people),
    )
    assert Deal.objects.count() == 0


def test_after_a_signed_assignment_the_unit_owns_nothing_to_sell() -> None:
    people = build.cast()
    achievement = build.register(people)
    build.signed(people, achievement, kind=DealKind.ASSIGNMENT, licence_scope="")
    refused(
        ErrorCode.NOT_OWNER,
        services.open_deal,
        actor=people.tto,
        achievement=achievement,
        seller=people.university,
        terms=build.terms(people),
    )
    assert Deal.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"price": Money(-1)}, "price"),
        ({"licence_scope": ""}, "licence_scope"),
        ({"kind": DealKind.ASSIGNMENT, "licence_scope": "exclusive"}, "licence_scope"),
        ({"kind": DealKind.EQUITY, "licence_scope": "", "equity_shares": None}, "equity_shares"),
        ({"kind": DealKind.EQUITY, "licence_scope": "", "equity_shares": 0}, "equity_shares"),
        ({"kind": DealKind.EQUITY, "licence_scope": "", "equity_shares": 100, "price": Money(0)}, "price"),
        ({"equity_shares": 5}, "equity_shares"),
        ({"pricing": "handshake"}, "pricing"),
    ],
)
def test_bad_terms_are_refused_and_nothing_is_opened(overrides: dict[str, Any], field: str) -> None:
    people = build.cast()
    achievement = build.register(people)
    error = refused(
        ErrorCode.VALIDATION,
        services.open_deal,
        actor=people.tto,
        achievement=achievement,
        seller=people.university,
        terms=build.terms(people, **overrides),
    )
    assert list(error.errors) == [field]
    assert Deal.objects.count() == 0
    achievement.refresh_from_db()
    assert achievement.status == AchievementStatus.REGISTERED


def test_the_buyer_is_not_the_seller() -> None:
    people = build.cast()
    achievement = build.register(people)
    refused(
        ErrorCode.VALIDATION,
        services.open_deal,
        actor=people.tto,
        achievement=achievement,
        seller=people.university,
        terms=build.terms(people, buyer=people.university),
    )
    assert Deal.objects.count() == 0


def test_terms_are_fixed_after_the_draft() -> None:
    people = build.cast()
    deal = build.open_deal(people, build.register(people))
    services.update_deal(actor=people.tto, deal=deal, terms=build.terms(people, price=Money(90_000_000)))
    deal = move(people, deal, D.PUBLICITY)
    refused(ErrorCode.INVALID_STATE, services.update_deal, actor=people.tto, deal=deal, terms=build.terms(people))
    deal.refresh_from_db()
    assert deal.price_fen == 90_000_000


# ---------------------------------------------------------------- order


@pytest.mark.parametrize("to", [D.SIGNED, D.CLOSED, D.DRAFT, "paid"])
def test_moves_out_of_order_are_refused_and_change_nothing(to: str) -> None:
    people = build.cast()
    deal = build.open_deal(people, build.register(people))
    refused(ErrorCode.INVALID_STATE, move, people=people, deal=deal, to=to)
    deal.refresh_from_db()
    assert (deal.stage, deal.stage_changes.count()) == (D.DRAFT, 0)


def test_only_the_sellers_officers_move_a_deal() -> None:
    people = build.cast()
    deal = build.open_deal(people, build.register(people))
    for outsider in (people.company_admin, people.lead, people.stranger):
        refused(ErrorCode.PERMISSION_DENIED, services.transition, actor=outsider, deal=deal, to=D.PUBLICITY)
    deal.refresh_from_db()
    assert deal.stage == D.DRAFT


def test_abandoning_needs_a_reason_and_frees_the_achievement() -> None:
    people = build.cast()
    achievement = build.register(people)
    deal = build.open_deal(people, achievement)
    refused(ErrorCode.VALIDATION, move, people=people, deal=deal, to=D.ABANDONED)
    move(people, deal, D.ABANDONED, reason="买方撤回")
    achievement.refresh_from_db()
    assert achievement.status == AchievementStatus.REGISTERED
    refused(ErrorCode.INVALID_STATE, move, people=people, deal=deal, to=D.PUBLICITY)


# ---------------------------------------------------------------- first refusal (民法典 §847)


def _assignment(people: build.Cast, pricing: str = PricingMethod.NEGOTIATED) -> Deal:
    return build.with_diligence(
        people,
        build.open_deal(people, build.register(people), kind=DealKind.ASSIGNMENT, licence_scope="", pricing=pricing),
    )


@pytest.mark.parametrize("pricing", [PricingMethod.NEGOTIATED, PricingMethod.AUCTION])
def test_an_assignment_cannot_skip_the_completers_first_refusal(pricing: str) -> None:
    people = build.cast()
    deal = _assignment(people, pricing)
    assert deal.first_refusal == FirstRefusal.PENDING
    for to in (D.PUBLICITY, D.APPROVAL):
        error = refused(ErrorCode.INVALID_STATE, move, people=people, deal=deal, to=to)
        assert list(error.errors) in (["first_refusal"], ["pricing"])
    deal = move(people, deal, D.FIRST_REFUSAL)
    assert _recipients("transfer.first_refusal_offered") == sorted([people.lead.pk, people.member.pk])
    nxt = D.PUBLICITY if pricing == PricingMethod.NEGOTIATED else D.APPROVAL
    error = refused(ErrorCode.INVALID_STATE, move, people=people, deal=deal, to=nxt)
    assert list(error.errors) == ["first_refusal"]
    deal.refresh_from_db()
    assert deal.stage == D.FIRST_REFUSAL


def test_only_an_assignment_is_offered_first() -> None:
    people = build.cast()
    deal = build.open_deal(people, build.register(people))
    error = refused(ErrorCode.INVALID_STATE, move, people=people, deal=deal, to=D.FIRST_REFUSAL)
    assert list(error.errors) == ["first_refusal"]


def test_once_waived_the_assignment_goes_on() -> None:
    people = build.cast()
    deal = move(people, _assignment(people), D.FIRST_REFUSAL)
    services.record_first_refusal(actor=people.tto, deal=deal, outcome=FirstRefusal.WAIVED, note="书面放弃，见附件。")
    deal = move(people, deal, D.PUBLICITY)
    assert deal.stage == D.PUBLICITY
    assert _recipients("transfer.first_refusal_answered") == sorted([people.lead.pk, people.member.pk])


def test_a_completer_exercises_for_the_team_but_cannot_waive_for_the_others() -> None:
    people = build.cast()
    deal = move(people, _assignment(people), D.FIRST_REFUSAL)
    refused(
        ErrorCode.PERMISSION_DENIED,
        services.record_first_refusal,
        actor=people.member,
        deal=deal,
        outcome=FirstRefusal.WAIVED,
        note="我放弃",
    )
    refused(
        ErrorCode.PERMISSION_DENIED,
        services.record_first_refusal,
        actor=people.stranger,
        deal=deal,
        outcome=FirstRefusal.EXERCISED,
        note="x",
    )
    services.record_first_refusal(
        actor=people.lead, deal=deal, outcome=FirstRefusal.EXERCISED, note="团队以同等条件受让。"
    )
    error = refused(ErrorCode.INVALID_STATE, move, people=people, deal=deal, to=D.PUBLICITY)
    assert list(error.errors) == ["first_refusal"]
    refused(
        ErrorCode.INVALID_STATE,
        services.record_first_refusal,
        actor=people.tto,
        deal=deal,
        outcome=FirstRefusal.WAIVED,
        note="改为放弃",
    )
    assert move(people, deal, D.ABANDONED, reason="完成人行使优先受让权").stage == D.ABANDONED


def test_the_answer_needs_a_record() -> None:
    people = build.cast()
    deal = move(people, _assignment(people), D.FIRST_REFUSAL)
    refused(
        ErrorCode.VALIDATION,
        services.record_first_refusal,
        actor=people.tto,
        deal=deal,
        outcome=FirstRefusal.WAIVED,
        note=" ",
    )
    deal.refresh_from_db()
    assert deal.first_refusal == FirstRefusal.PENDING


# ---------------------------------------------------------------- public notice (促进法 §18)


def test_a_negotiated_price_is_publicised_for_the_units_period_before_approval() -> None:
    people = build.cast()
    services.set_publicity_days(actor=people.tto, organization=people.university, days=10)
    deal = build.with_diligence(people, build.open_deal(people, build.register(people)))
    error = refused(ErrorCode.INVALID_STATE, move, people=people, deal=deal, to=D.APPROVAL)
    assert list(error.errors) == ["publicity"]
    deal = move(people, deal, D.PUBLICITY)
    today = timezone.localdate()
    assert (deal.publicity_days, deal.publicity_starts_on, deal.publicity_ends_on) == (
        10,
        today,
        today + timedelta(days=9),
    )
    assert "七自由度力控关节模组" in deal.publicity_text
    assert Money(100_000_000).format() in deal.publicity_text
    assert "北京锐骨医疗机器人有限公司" in deal.publicity_text
    error = refused(ErrorCode.INVALID_STATE, move, people=people, deal=deal, to=D.APPROVAL)
    assert list(error.errors) == ["publicity_ends_on"]
    # On the last day of the notice, still not.
    Deal.objects.filter(pk=deal.pk).update(publicity_starts_on=today - timedelta(days=9), publicity_ends_on=today)
    refused(ErrorCode.INVALID_STATE, move, people=people, deal=deal, to=D.APPROVAL)
    deal.refresh_from_db()
    assert (deal.stage, deal.approved_at) == (D.PUBLICITY, None)
    deal = move(people, build.end_publicity(deal), D.APPROVAL)
    assert (deal.stage, deal.approved_by) == (D.APPROVAL, people.tto)


def test_the_default_period_is_15_days_and_a_deal_keeps_its_own() -> None:
    people = build.cast()
    achievement = build.register(people)
    first = build.open_deal(people, achievement)
    services.set_publicity_days(actor=people.tto, organization=people.university, days=20)
    second = build.open_deal(people, achievement, licence_scope="non_exclusive")
    assert (first.publicity_days, second.publicity_days) == (15, 20)
    for days in (0, 61):
        refused(
            ErrorCode.VALIDATION,
            services.set_publicity_days,
            actor=people.tto,
            organization=people.university,
            days=days,
        )
    refused(
        ErrorCode.PERMISSION_DENIED,
        services.set_publicity_days,
        actor=people.lead,
        organization=people.university,
        days=5,
    )


def test_exchange_and_auction_prices_skip_the_notice() -> None:
    people = build.cast()
    deal = build.with_diligence(people, build.open_deal(people, build.register(people), pricing=PricingMethod.EXCHANGE))
    error = refused(ErrorCode.INVALID_STATE, move, people=people, deal=deal, to=D.PUBLICITY)
    assert list(error.errors) == ["pricing"]
    assert move(people, deal, D.APPROVAL).stage == D.APPROVAL


# ---------------------------------------------------------------- due diligence (北京条例 §19)


def test_approval_needs_all_four_parts_of_the_record() -> None:
    people = build.cast()
    deal = build.open_deal(people, build.register(people), pricing=PricingMethod.AUCTION)
    services.record_diligence(actor=people.tto, deal=deal, parts={"technology": "权属清晰", "plan": "拍卖"})
    error = refused(ErrorCode.INVALID_STATE, move, people=people, deal=deal, to=D.APPROVAL)
    assert sorted(error.errors) == ["approvals", "buyer"]
    refused(ErrorCode.VALIDATION, services.record_diligence, actor=people.tto, deal=deal, parts={"opinion": "好"})
    services.record_diligence(actor=people.tto, deal=deal, parts={"buyer": "资信良好", "approvals": "党委会审议"})
    deal = move(people, deal, D.APPROVAL)
    refused(ErrorCode.INVALID_STATE, services.record_diligence, actor=people.tto, deal=deal, parts={"plan": "改"})


# ---------------------------------------------------------------- signing


def test_signing_needs_the_contract_and_commercialises_the_achievement() -> None:
    people = build.cast()
    achievement = build.register(people, registered_on=timezone.localdate() - timedelta(days=400))
    deal = build.with_diligence(people, build.open_deal(people, achievement, pricing=PricingMethod.EXCHANGE))
    deal = move(people, deal, D.APPROVAL)
    refused(ErrorCode.VALIDATION, move, people=people, deal=deal, to=D.SIGNED, signed_on=timezone.localdate())
    tomorrow = timezone.localdate() + timedelta(days=1)
    refused(
        ErrorCode.VALIDATION, move, people=people, deal=deal, to=D.SIGNED, contract_number="C-1", signed_on=tomorrow
    )
    deal = move(people, deal, D.SIGNED, contract_number="JH-2026-007", signed_on=timezone.localdate())
    achievement.refresh_from_db()
    assert (achievement.status, achievement.commercialised_on) == (
        AchievementStatus.COMMERCIALISED,
        timezone.localdate(),
    )
    assert (deal.contract_number, deal.signed_on) == ("JH-2026-007", timezone.localdate())
    # The idle clock stopped: no alert for a result a deal was signed on.
    assert achievement_services.send_idle_alerts() == 0
    history = list(deal.stage_changes.values_list("from_stage", "to_stage"))
    assert history == [(D.DRAFT, D.APPROVAL), (D.APPROVAL, D.SIGNED)]
    assert AuditEvent.objects.filter(verb="transfer:deal:transition", object_id=str(deal.pk)).count() == 2
    refused(ErrorCode.VALIDATION, move, people=people, deal=deal, to=D.CLOSED)
    assert move(people, deal, D.CLOSED, reason="合同履行完毕").stage == D.CLOSED


def test_a_state_units_signed_deal_is_a_public_ledger_record() -> None:
    people = build.cast()
    deal = build.signed(people, build.register(people))
    entry = Entry.objects.get(pk=deal.ledger_entry_id)
    assert (entry.kind, entry.salt, entry.subject) == (
        "transfer.deal_signed",
        None,
        f"achievement:{deal.achievement_id}",
    )
    body = entry.body.decode() if isinstance(entry.body, bytes) else bytes(entry.body).decode()
    assert '"price_fen":100000000' in body
    assert '"contract_number":"JH-2026-001"' in body


def test_a_companys_signed_deal_is_logged_as_a_commitment() -> None:
    people = build.cast()
    seller = OrganizationFactory(kind=OrganizationKind.ENTERPRISE)
    tto = MembershipFactory(organization=seller, role=Role.ADMIN).user
    achievement = build.register(people, actor=tto, owner=seller)
    people.tto, people.university = tto, seller
    deal = build.signed(people, achievement, pricing=PricingMethod.EXCHANGE)
    entry = Entry.objects.get(pk=deal.ledger_entry_id)
    assert entry.kind == "transfer.deal_signed"
    assert entry.salt is not None
    assert b"100000000" not in bytes(entry.body)


def test_the_parties_are_told_of_each_move() -> None:
    people = build.cast()
    deal = build.open_deal(people, build.register(people))
    move(people, deal, D.PUBLICITY)
    assert _recipients("transfer.deal_stage_changed") == sorted(
        [people.lead.pk, people.member.pk, people.company_admin.pk]
    )


# ---------------------------------------------------------------- documents


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def test_a_document_is_kept_with_its_digest_and_sent_again_is_not_kept_twice(media: Path) -> None:
    people = build.cast()
    deal = build.open_deal(people, build.register(people))
    upload = SimpleUploadedFile("许可合同.pdf", PDF, content_type="application/pdf")
    document = services.upload_document(actor=people.tto, deal=deal, title="许可合同", upload=upload)
    assert (document.sha256, document.size, document.content_type) == (
        hashlib.sha256(PDF).hexdigest(),
        len(PDF),
        "application/pdf",
    )
    assert Path(document.file.path).read_bytes() == PDF
    again = SimpleUploadedFile("copy.pdf", PDF, content_type="application/pdf")
    assert services.upload_document(actor=people.tto, deal=deal, title="", upload=again).pk == document.pk
    assert DealDocument.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("note.txt", b"just text", "text/plain"),
        ("fake.pdf", b"MZ\x90\x00 an executable", "application/pdf"),
        ("contract.pdf", PDF, "image/png"),
        ("empty.pdf", b"", "application/pdf"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(
    media: Path, name: str, content: bytes, content_type: str
) -> None:
    people = build.cast()
    deal = build.open_deal(people, build.register(people))
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    error = refused(
        ErrorCode.VALIDATION, services.upload_document, actor=people.tto, deal=deal, title="x", upload=upload
    )
    assert list(error.errors) == ["file"]
    assert DealDocument.objects.count() == 0


def test_a_document_over_the_limit_is_refused(media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "MAX_DOCUMENT_BYTES", len(PDF) - 1)
    people = build.cast()
    deal = build.open_deal(people, build.register(people))
    upload = SimpleUploadedFile("big.pdf", PDF, content_type="application/pdf")
    refused(ErrorCode.VALIDATION, services.upload_document, actor=people.tto, deal=deal, title="x", upload=upload)
    refused(
        ErrorCode.PERMISSION_DENIED,
        services.upload_document,
        actor=people.company_admin,
        deal=deal,
        title="x",
        upload=SimpleUploadedFile("ok.pdf", PDF, content_type="application/pdf"),
    )
    assert DealDocument.objects.count() == 0


def _recipients(kind: str) -> list[int]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))
