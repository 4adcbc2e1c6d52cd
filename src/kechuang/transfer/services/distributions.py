"""Distributing a receipt: proposed by one officer of the unit, approved by another, then in the ledger.

**Proposal.** The engine (:mod:`kechuang.transfer.distribution`) splits the receipt under the policy that
applies on the day it was received (the unit's own version in force, else the national row) and the split
signed off for the achievement; for a university or institute the floor in force that day is checked
again. The plan's lines become payouts with their tax tags; the engine's working is kept for the page.
A reversal is distributed under the policy and split of the distribution it takes back: a whole reversal
as that distribution's exact negation, a part by the same rule on its absolute value, negated.

**Approval (four eyes).** Another TTO officer or administrator of the unit approves — never the proposer,
and never someone the distribution pays; a unit with a single officer has its administrator approve.
Approving appends one private ``transfer.payout`` entry per person (a salted commitment of the payout
record, which the person can disclose with the salt and verify offline with ``kechuang ledger verify``)
and one private ``transfer.distribution`` entry committing the whole distribution and naming every payout
entry's leaf hash. Rows, entries and the audit event are one transaction: a refusal saves nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.accounts.models import User
from kechuang.core.audit import record_event
from kechuang.core.errors import DomainError, ErrorCode, PermissionDenied
from kechuang.core.permissions import require
from kechuang.ledger.services import record
from kechuang.transfer import kinds
from kechuang.transfer.distribution import Plan, reverse, verify
from kechuang.transfer.distribution.taxes import DEFERRAL_101
from kechuang.transfer.enums import DistributionStatus
from kechuang.transfer.models import Completer, Distribution, Payout, Receipt
from kechuang.transfer.selectors import income as selectors
from kechuang.transfer.services.policies import ensure_legal_policies


def _plan_original(distribution: Distribution, receipt: Receipt) -> Plan:
    """Recompute ``distribution`` of ``receipt`` exactly as it was proposed (same policy, split and tags)."""
    deal = receipt.deal
    chose_101 = any(tag.get("code") == DEFERRAL_101 for payout in distribution.payouts.all() for tag in payout.tax_tags)
    return selectors.plan_receipt(
        receipt=receipt,
        deductions=selectors.engine_deductions(receipt),
        terms=selectors.terms_of(distribution.policy),
        members=selectors.members_of(distribution.split),
        seller=deal.seller,
        usage_right_only=deal.usage_right_only,
        deferral_101=chose_101,
        check_floor=False,
    )


def _plan(receipt: Receipt, *, deferral_101: bool) -> tuple[Plan, Any, Any]:
    """The plan for ``receipt`` with the policy and split it is distributed under."""
    deal = receipt.deal
    original = receipt.reverses
    if original is not None:
        earlier = Distribution.objects.filter(receipt=original).select_related("policy", "split").first()
        if earlier is None or earlier.status != DistributionStatus.APPROVED:
            raise DomainError(
                ErrorCode.INVALID_STATE,
                _("A reversal is distributed after the distribution it takes back has been approved."),
            )
        if selectors.is_whole_reversal(receipt, original):
            plan = reverse(_plan_original(earlier, original), on=receipt.received_on)
            paid = [(p.completer_id, p.cash_fen, p.shares) for p in earlier.payouts.order_by("id")]
            mirrored = [(int(line.member_key), *_amounts(plan, line.amount)) for line in plan.lines]
            if mirrored != [(key, -cash, -shares) for key, cash, shares in paid]:
                raise DomainError(ErrorCode.INTEGRITY, "the recomputed distribution differs from the one paid")
            return plan, earlier.policy, earlier.split
        partial = selectors.plan_receipt(
            receipt=receipt,
            deductions=selectors.engine_deductions(receipt),
            terms=selectors.terms_of(earlier.policy),
            members=selectors.members_of(earlier.split),
            seller=deal.seller,
            usage_right_only=deal.usage_right_only,
            deferral_101=deferral_101,
            check_floor=False,
        )
        return partial, earlier.policy, earlier.split
    split = selectors.split_in_force(deal.achievement_id)
    if split is None:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            _("The team's split is not signed off yet: the team lead sets it and an officer of the unit signs it off."),
        )
    policy = selectors.applicable_policy(deal.seller, receipt.received_on)
    if policy is None:
        raise DomainError(ErrorCode.INVALID_STATE, _("No reward policy was in force on the day this was received."))
    plan = selectors.plan_receipt(
        receipt=receipt,
        deductions=selectors.engine_deductions(receipt),
        terms=selectors.terms_of(policy),
        members=selectors.members_of(split),
        seller=deal.seller,
        usage_right_only=deal.usage_right_only,
        deferral_101=deferral_101,
        check_floor=True,
    )
    return plan, policy, split


def _amounts(plan: Plan, amount: int) -> tuple[int, int]:
    """(cash in fen, shares) of a line of ``plan``."""
    return (0, amount) if plan.measure == "share" else (amount, 0)


def propose_distribution(*, actor: User, receipt: Receipt, deferral_101: bool = False) -> Distribution:
    """Compute and save the distribution of ``receipt`` with a payout per completer, PROPOSED.

    Preconditions: ``actor`` holds ``transfer.propose_distribution`` on the deal (its seller's officers); the
    receipt has no distribution yet (``duplicate``); a split is signed off (``invalid_state``); the policy
    that applies meets the floor binding the unit on the day of receipt (``policy_below_floor``, citing the
    article); for a reversal, the distribution it takes back is approved. ``deferral_101``: the completers
    chose the 财税〔2016〕101号 deferral for shares (tagged on every line). One transaction with the receipt
    row locked; the engine's self-check (``verify``) must find nothing (``integrity_error``). A refusal saves
    nothing. Nothing is in the ledger until :func:`approve_distribution`.
    """
    require(actor, "transfer.propose_distribution", receipt.deal)
    with transaction.atomic():
        locked = (
            Receipt.objects.select_for_update(of=("self",))
            .select_related("deal__seller", "reverses")
            .get(pk=receipt.pk)
        )
        if Distribution.objects.filter(receipt=locked).exists():
            raise DomainError(ErrorCode.DUPLICATE, _("This receipt has a distribution already."))
        ensure_legal_policies()
        plan, policy, split = _plan(locked, deferral_101=deferral_101)
        if problems := verify(plan):
            raise DomainError(ErrorCode.INTEGRITY, "; ".join(problems))
        cash = plan.measure == "fen"
        distribution = Distribution.objects.create(
            receipt=locked,
            policy=policy,
            split=split,
            distributable_fen=plan.distributable if cash else 0,
            team_fen=plan.team_amount if cash else 0,
            unit_fen=plan.unit_amount if cash else 0,
            distributable_shares=0 if cash else plan.distributable,
            team_shares=0 if cash else plan.team_amount,
            unit_shares=0 if cash else plan.unit_amount,
            working=[step.as_dict() for step in plan.explain()],
            proposed_by=actor,
        )
        completers = Completer.objects.in_bulk([int(line.member_key) for line in plan.lines])
        Payout.objects.bulk_create(
            Payout(
                distribution=distribution,
                completer=completers[int(line.member_key)],
                user_id=completers[int(line.member_key)].user_id,
                share_bp=line.share_bp,
                cash_fen=_amounts(plan, line.amount)[0],
                shares=_amounts(plan, line.amount)[1],
                tax_tags=selectors.tag_records(line.tax_tags),
            )
            for line in plan.lines
        )
        record_event(
            actor=actor,
            verb="transfer:distribution:propose",
            obj=distribution,
            diff={"team": [None, plan.team_amount], "unit": [None, plan.unit_amount], "measure": [None, plan.measure]},
        )
    return distribution


def discard_distribution(*, actor: User, distribution: Distribution) -> None:
    """Delete a PROPOSED distribution and its payouts (nothing of it is in the ledger), so the receipt can be
    distributed again, e.g. after a new split is signed off. Same permission as proposing; ``invalid_state``
    once approved. One transaction with an audit event."""
    require(actor, "transfer.propose_distribution", distribution.receipt.deal)
    with transaction.atomic():
        locked = Distribution.objects.select_for_update().filter(pk=distribution.pk).first()
        if locked is None or locked.status != DistributionStatus.PROPOSED:
            raise DomainError(ErrorCode.INVALID_STATE, _("Only a proposed distribution can be discarded."))
        record_event(actor=actor, verb="transfer:distribution:discard", obj=locked, diff={"status": ["proposed", None]})
        Payout.objects.filter(distribution=locked).delete()
        locked.delete()


def payout_record(payout: Payout, distribution: Distribution) -> dict[str, Any]:
    """What a ``transfer.payout`` entry commits: who is paid what, from which contract, receipt, policy
    version and approval. Kept on the payout row verbatim (``committed``) for disclosure."""
    receipt = distribution.receipt
    approved_at = distribution.approved_at
    return {
        "payout": payout.pk,
        "distribution": distribution.pk,
        "completer": payout.completer_id,
        "name": payout.completer.name,
        "user": payout.user_id,
        "share_bp": payout.share_bp,
        "cash_fen": payout.cash_fen,
        "shares": payout.shares,
        "tax_tags": [tag["code"] for tag in payout.tax_tags],
        "deal": receipt.deal_id,
        "contract_number": receipt.deal.contract_number,
        "receipt": receipt.pk,
        "receipt_kind": receipt.kind,
        "received_on": receipt.received_on.isoformat(),
        "policy": distribution.policy_id,
        "policy_version": distribution.policy.version,
        "split": distribution.split_id,
        "approved_by": distribution.approved_by_id,
        "approved_at": approved_at.isoformat() if approved_at else None,
    }


def distribution_record(distribution: Distribution, payouts: list[Payout]) -> dict[str, Any]:
    """What the ``transfer.distribution`` entry commits: the whole distribution, naming each payout entry."""
    receipt = distribution.receipt
    policy = distribution.policy
    return {
        "distribution": distribution.pk,
        "deal": receipt.deal_id,
        "contract_number": receipt.deal.contract_number,
        "seller": receipt.deal.seller_id,
        "receipt": receipt.pk,
        "receipt_kind": receipt.kind,
        "received_on": receipt.received_on.isoformat(),
        "reverses": receipt.reverses_id,
        "gross_fen": receipt.gross_fen,
        "net_fen": receipt.net_fen,
        "shares_received": receipt.shares,
        "policy": {
            "id": policy.pk,
            "version": policy.version,
            "scope": policy.scope,
            "cash_bp": policy.cash_bp,
            "equity_bp": policy.equity_bp,
            "profit_bp": policy.profit_bp,
        },
        "split": {"id": distribution.split_id, "version": distribution.split.version},
        "team_fen": distribution.team_fen,
        "unit_fen": distribution.unit_fen,
        "team_shares": distribution.team_shares,
        "unit_shares": distribution.unit_shares,
        "payouts": [
            {"payout": payout.pk, "leaf_hash": bytes(payout.ledger_entry.leaf_hash).hex()}
            for payout in payouts
            if payout.ledger_entry is not None
        ],
        "proposed_by": distribution.proposed_by_id,
        "approved_by": distribution.approved_by_id,
        "approved_at": distribution.approved_at.isoformat() if distribution.approved_at else None,
    }


def approve_distribution(*, actor: User, distribution: Distribution) -> Distribution:
    """PROPOSED → APPROVED by a second officer of the unit; the payouts and the distribution go to the ledger.

    Refused (``permission_denied``) for the proposer and for anyone the distribution pays, and for anyone
    without ``transfer.approve_distribution``; ``invalid_state`` when not PROPOSED, or for a reversal whose
    original was reversed meanwhile. Effects, in one transaction with the distribution row (and for a
    reversal the original's) locked in key order: the approver and time; a ``transfer.payout`` entry per
    payout and a ``transfer.distribution`` entry (private commitments, records kept on the rows); a whole
    reversal marks the original REVERSED; an audit event. A refusal writes nothing, in the ledger neither.
    """
    if distribution.proposed_by_id == actor.pk:
        raise PermissionDenied(
            _("Whoever proposed a distribution cannot approve it; another officer of the unit must.")
        )
    if distribution.payouts.filter(user_id=actor.pk).exists():
        raise PermissionDenied(_("You receive a payout from this distribution, so another officer must approve it."))
    require(actor, "transfer.approve_distribution", distribution)
    with transaction.atomic():
        receipt = distribution.receipt
        original = receipt.reverses
        ids = [distribution.pk]
        if original is not None:
            ids += list(Distribution.objects.filter(receipt=original).values_list("pk", flat=True))
        locked = {row.pk: row for row in Distribution.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
        if locked[distribution.pk].status != DistributionStatus.PROPOSED:
            raise DomainError(ErrorCode.INVALID_STATE, _("Only a proposed distribution can be approved."))
        taken_back = next((row for pk, row in locked.items() if pk != distribution.pk), None)
        if original is not None and (taken_back is None or taken_back.status != DistributionStatus.APPROVED):
            raise DomainError(ErrorCode.INVALID_STATE, _("The distribution this reverses is no longer in force."))
        whole = original is not None and selectors.is_whole_reversal(receipt, original)
        current = _reloaded(distribution.pk)
        current.status = DistributionStatus.APPROVED
        current.approved_by = actor
        current.approved_at = timezone.now()
        current.save(update_fields=["status", "approved_by", "approved_at"])
        seller = current.receipt.deal.seller
        payouts = list(current.payouts.select_related("completer").order_by("id"))
        for payout in payouts:
            committed = payout_record(payout, current)
            payout.ledger_entry = record(
                kind=kinds.PAYOUT.name,
                payload=committed,
                actor=actor,
                organization=seller,
                subject=f"transfer.payout:{payout.pk}",
            )
            payout.committed = committed
            payout.save(update_fields=["ledger_entry", "committed"])
        committed = distribution_record(current, payouts)
        current.ledger_entry = record(
            kind=kinds.DISTRIBUTION.name,
            payload=committed,
            actor=actor,
            organization=seller,
            subject=f"transfer.distribution:{current.pk}",
        )
        current.committed = committed
        current.save(update_fields=["ledger_entry", "committed"])
        if whole and taken_back is not None:
            taken_back.status = DistributionStatus.REVERSED
            taken_back.save(update_fields=["status"])
        record_event(
            actor=actor,
            verb="transfer:distribution:approve",
            obj=current,
            diff={"status": ["proposed", "approved"], "payouts": [None, len(payouts)]},
        )
    return current


def _reloaded(pk: int) -> Distribution:
    return Distribution.objects.select_related(
        "receipt__deal__seller", "receipt__reverses", "policy", "split", "proposed_by"
    ).get(pk=pk)
