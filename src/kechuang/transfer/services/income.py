"""The team's split and the income received on a deal: set and signed off, recorded and reversed.

**Split.** The completers' lead divides the team's part inside the team: a share for every completer of
the achievement (0 allowed, so leaving someone out is a recorded decision), adding up to exactly 100%
(``split_not_100``). An officer of the owning unit other than the person who set it signs it off; the
split signed off before is then superseded, so one is in force at a time. Distributions use the split in
force when they are proposed and keep pointing at it.

**Receipts.** Income arrives on a signed deal: cash (upfront, milestone, royalty) with the itemised
deductions 北京条例 §12 takes off before sharing (related taxes, maintaining the result, direct costs of
the deal), or the shares of an investment as equity. A reversal (a refund, a clawed-back milestone) is a
negative receipt naming the receipt it reverses; without amounts it reverses the whole receipt, which is
then distributed as the exact negation of the original distribution.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.accounts.models import User
from kechuang.core.audit import record_event
from kechuang.core.errors import DomainError, ErrorCode, PermissionDenied
from kechuang.core.money import Money
from kechuang.core.permissions import require
from kechuang.transfer.distribution import Deduction, DistributionError, Member, check_split, net_income
from kechuang.transfer.enums import DealKind, DealStage, DeductionKind, ReceiptKind, SplitStatus
from kechuang.transfer.models import Achievement, Deal, Receipt, SplitLine, TeamSplit
from kechuang.transfer.models import Deduction as DeductionRow
from kechuang.transfer.selectors.income import CASH_KINDS, domain_error

# Income is recorded once the contract is signed, and still after the deal is closed (royalties run on).
INCOME_STAGES = (DealStage.SIGNED, DealStage.CLOSED)
MAX_LABEL = 200
MAX_REFERENCE = 100


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, message, errors={field: [message]})


# ---------------------------------------------------------------- the team's split


def set_split(*, actor: User, achievement: Achievement, shares: Mapping[int, int], note: str = "") -> TeamSplit:
    """Set how the team's part is divided: ``shares`` maps each completer's id to basis points.

    Preconditions: ``actor`` holds ``transfer.set_split`` (the lead, or an officer of the unit for a lead
    without an account); every completer of the achievement has a share and no one else does; shares are
    whole basis points from 0 and add up to 10,000 (``split_not_100``). Effects, in one transaction: the
    split is saved as the next version, PROPOSED, its lines in the completers' order; splits still waiting
    for sign-off are superseded; an audit event. A refusal saves nothing.
    """
    require(actor, "transfer.set_split", achievement)
    completers = list(achievement.completers.order_by("position", "id"))
    known = {completer.pk for completer in completers}
    if unknown := set(shares) - known:
        raise _invalid(
            "shares",
            _("Only the achievement's completers can have a share (not %(ids)s).")
            % {"ids": ", ".join(str(pk) for pk in sorted(unknown))},
        )
    if missing := [completer.name for completer in completers if completer.pk not in shares]:
        raise _invalid(
            "shares", _("Give every completer a share, 0%% if none: %(names)s.") % {"names": "、".join(missing)}
        )
    try:
        members = check_split([Member(str(completer.pk), shares[completer.pk]) for completer in completers])
    except DistributionError as exc:
        raise domain_error(exc) from exc
    if len(note) > MAX_LABEL * 10:
        raise _invalid("note", _("The note is too long."))
    with transaction.atomic():
        # The achievement row serialises its splits: two leads' submissions cannot take one version number.
        Achievement.objects.select_for_update().filter(pk=achievement.pk).first()
        earlier = list(TeamSplit.objects.select_for_update().filter(achievement=achievement).order_by("pk"))
        for waiting in earlier:
            if waiting.status == SplitStatus.PROPOSED:
                waiting.status = SplitStatus.SUPERSEDED
                waiting.save(update_fields=["status"])
        split = TeamSplit.objects.create(
            achievement=achievement,
            version=max((split.version for split in earlier), default=0) + 1,
            set_by=actor,
            note=note.strip(),
        )
        SplitLine.objects.bulk_create(
            SplitLine(split=split, completer_id=int(member.key), share_bp=member.share_bp) for member in members
        )
        record_event(
            actor=actor,
            verb="transfer:split:set",
            obj=split,
            diff={"shares": [None, {member.key: member.share_bp for member in members}]},
        )
    return split


def sign_off_split(*, actor: User, split: TeamSplit) -> TeamSplit:
    """PROPOSED → SIGNED_OFF by an officer of the owning unit who did not set it; the split in force before
    becomes SUPERSEDED.

    Refused when the split is not waiting (``invalid_state``), when ``actor`` set it (``permission_denied``:
    four eyes), or when the achievement's completers changed since (``validation_error``: set it again).
    One transaction with an audit event; a refusal changes nothing.
    """
    require(actor, "transfer.sign_off_split", split.achievement)
    if split.set_by_id == actor.pk:
        raise PermissionDenied(_("Whoever set the split cannot sign it off; another officer of the unit must."))
    with transaction.atomic():
        Achievement.objects.select_for_update().filter(pk=split.achievement_id).first()  # as set_split does
        rows = list(
            TeamSplit.objects.select_for_update()
            .filter(achievement_id=split.achievement_id, status__in=[SplitStatus.PROPOSED, SplitStatus.SIGNED_OFF])
            .order_by("pk")
        )
        current = next((row for row in rows if row.pk == split.pk), None)
        if current is None or current.status != SplitStatus.PROPOSED:
            raise DomainError(ErrorCode.INVALID_STATE, _("Only a split waiting for sign-off can be signed off."))
        covered = set(current.lines.values_list("completer_id", flat=True))
        if covered != set(split.achievement.completers.values_list("pk", flat=True)):
            raise _invalid("shares", _("The completers changed after this split was set; the lead sets it again."))
        for row in rows:
            if row.status == SplitStatus.SIGNED_OFF:
                row.status = SplitStatus.SUPERSEDED
                row.save(update_fields=["status"])
        current.status = SplitStatus.SIGNED_OFF
        current.signed_off_by = actor
        current.signed_off_at = timezone.now()
        current.save(update_fields=["status", "signed_off_by", "signed_off_at"])
        record_event(
            actor=actor, verb="transfer:split:sign_off", obj=current, diff={"status": ["proposed", "signed_off"]}
        )
    return current


# ---------------------------------------------------------------- receipts


@dataclass(frozen=True)
class DeductionSpec:
    """One item taken off a cash receipt: ``kind`` of :class:`DeductionKind`, what it was, how much."""

    kind: str
    label: str
    amount: Money


def _deductions(items: Sequence[DeductionSpec]) -> list[Deduction]:
    found = []
    for number, item in enumerate(items):
        label = (item.label or "").strip()
        if not label or len(label) > MAX_LABEL:
            raise _invalid("deductions", _("Say what each deduction was (up to 200 characters)."))
        if item.kind not in DeductionKind.values:
            raise _invalid(
                "deductions",
                _("Deduction %(n)s is not a related tax, maintenance or a direct cost.") % {"n": number + 1},
            )
        if item.amount.fen < 0:
            raise _invalid("deductions", _("A deduction cannot be negative."))
        try:
            found.append(Deduction(item.kind, label, item.amount.fen))
        except DistributionError as exc:
            raise domain_error(exc) from exc
    return found


def _locked_deal(deal: Deal) -> Deal:
    locked = Deal.objects.select_for_update().get(pk=deal.pk)
    if locked.stage not in INCOME_STAGES:
        raise DomainError(ErrorCode.INVALID_STATE, _("Income is recorded on a signed deal only."))
    return locked


def _check_day(received_on: date, *, not_before: date | None, what: str) -> None:
    if received_on > timezone.localdate():
        raise _invalid("received_on", _("Income cannot be recorded before it arrives."))
    if not_before is not None and received_on < not_before:
        raise _invalid(
            "received_on",
            _("The day received cannot be before %(what)s (%(day)s).") % {"what": what, "day": not_before.isoformat()},
        )


def _save(receipt: Receipt, items: Sequence[Deduction], *, actor: User) -> Receipt:
    receipt.save()
    DeductionRow.objects.bulk_create(
        DeductionRow(receipt=receipt, kind=item.kind, label=item.label, amount_fen=item.amount_fen) for item in items
    )
    record_event(
        actor=actor,
        verb="transfer:receipt:record",
        obj=receipt,
        diff={
            "kind": [None, receipt.kind],
            "gross_fen": [None, receipt.gross_fen],
            "net_fen": [None, receipt.net_fen],
            "shares": [None, receipt.shares],
        },
    )
    return receipt


def record_receipt(
    *,
    actor: User,
    deal: Deal,
    kind: str,
    received_on: date,
    gross: Money | None = None,
    deductions: Sequence[DeductionSpec] = (),
    shares: int = 0,
    reference: str = "",
) -> Receipt:
    """Record income received on ``deal``: cash (``kind`` upfront, milestone or royalty; ``gross`` > 0 with
    itemised ``deductions``) or the shares of an investment as equity (``equity_grant``; ``shares`` > 0, on an
    equity deal). Record a refund with :func:`record_reversal`.

    Preconditions: ``actor`` holds ``transfer.record_receipt`` on the deal (the seller's officers); the deal is
    signed (``invalid_state`` otherwise); the day is neither in the future nor before the signing; amounts are
    positive and the deductions do not exceed the gross (``validation_error``). Effects, in one transaction
    with the deal row locked: the receipt with its net income and deduction rows, an audit event.
    """
    require(actor, "transfer.record_receipt", deal)
    reference = (reference or "").strip()
    if len(reference) > MAX_REFERENCE:
        raise _invalid("reference", _("The reference is too long."))
    if kind in CASH_KINDS:
        if gross is None or gross.fen <= 0 or shares:
            raise _invalid("gross", _("Enter the amount received, more than zero; record a refund as a reversal."))
        items = _deductions(deductions)
        try:
            net = net_income(gross.fen, items)
        except DistributionError as exc:
            raise domain_error(exc) from exc
        values = {"gross_fen": gross.fen, "deductions_fen": gross.fen - net, "net_fen": net, "shares": 0}
    elif kind == ReceiptKind.EQUITY_GRANT:
        if isinstance(shares, bool) or not isinstance(shares, int) or shares <= 0 or (gross is not None and gross):
            raise _invalid("shares", _("Enter the whole number of shares received, more than zero."))
        if deductions:
            raise _invalid("deductions", _("Shares are shared out whole; nothing is deducted from them."))
        if deal.kind != DealKind.EQUITY:
            raise _invalid("kind", _("Shares are received on an investment as equity only."))
        items, values = [], {"gross_fen": 0, "deductions_fen": 0, "net_fen": 0, "shares": shares}
    else:
        raise _invalid("kind", _("Choose upfront, milestone, royalty or equity granted."))
    with transaction.atomic():
        locked = _locked_deal(deal)
        _check_day(received_on, not_before=locked.signed_on, what=_("the contract was signed"))
        receipt = Receipt(
            deal=locked, kind=kind, received_on=received_on, reference=reference, recorded_by=actor, **values
        )
        return _save(receipt, items, actor=actor)


def record_reversal(
    *,
    actor: User,
    receipt: Receipt,
    received_on: date,
    gross: Money | None = None,
    deductions: Sequence[DeductionSpec] | None = None,
    shares: int | None = None,
    reference: str = "",
) -> Receipt:
    """Record that ``receipt`` is taken back, wholly (no amounts given) or in part (``gross`` < 0 with the
    deductions refunded with it, or ``shares`` < 0), as a negative receipt of kind ``reversal``.

    A whole reversal carries the original's negated gross and shares and a copy of its deductions, so its
    net income is exactly the original's negated. A part may not exceed the original. One reversal per
    receipt; a reversal is not reversed. Same permission, stage and day rules as :func:`record_receipt`
    (the day not before the original's). One transaction; a refusal saves nothing.
    """
    require(actor, "transfer.record_receipt", receipt.deal)
    if receipt.reverses_id is not None:
        raise DomainError(ErrorCode.INVALID_STATE, _("A reversal cannot itself be reversed."))
    whole = gross is None and shares is None and deductions is None
    original_items = [
        DeductionSpec(item.kind, item.label, Money(item.amount_fen)) for item in receipt.deductions.order_by("id")
    ]
    if whole:
        gross, shares, deductions = Money(-receipt.gross_fen), -receipt.shares, original_items
    gross, shares, deductions = gross or Money(0), shares or 0, deductions or []
    if receipt.kind == ReceiptKind.EQUITY_GRANT:
        if gross or deductions or not -receipt.shares <= shares < 0:
            raise _invalid(
                "shares", _("Take back between one share and the %(shares)s received.") % {"shares": receipt.shares}
            )
    elif shares or not -receipt.gross_fen <= gross.fen < 0:
        raise _invalid(
            "gross",
            _("A reversal is negative and no larger than the %(amount)s received.")
            % {"amount": Money(receipt.gross_fen).format()},
        )
    items = _deductions(deductions)
    try:
        net = net_income(gross.fen, items)
    except DistributionError as exc:
        raise domain_error(exc) from exc
    with transaction.atomic():
        _locked_deal(receipt.deal)
        original = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if Receipt.objects.filter(reverses=original).exists():
            raise DomainError(ErrorCode.INVALID_STATE, _("This receipt has been reversed already."))
        _check_day(received_on, not_before=original.received_on, what=_("the income it reverses arrived"))
        reversal = Receipt(
            deal_id=original.deal_id,
            kind=ReceiptKind.REVERSAL,
            gross_fen=gross.fen,
            deductions_fen=net - gross.fen,
            net_fen=net,
            shares=shares,
            received_on=received_on,
            reverses=original,
            reference=(reference or "").strip()[:MAX_REFERENCE],
            recorded_by=actor,
        )
        return _save(reversal, items, actor=actor)
