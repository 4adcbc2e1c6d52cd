"""揭榜挂帅 in the admin, for operators to look things up: read-only.

A list moves only through ``services.transition`` (one function for every edge, with its guard,
its ledger records and its notices); money is escrowed, allocated and released only through the
services, under row locks and database constraints. The admin therefore adds, changes and deletes
nothing: lists, applications and agreements are shown with their parts, and the money and
decision rows (escrow, releases, gate decisions, closures, diligence records) as the records they are.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kechuang.challenges.models import (
    Agreement,
    Application,
    ApplicationMember,
    Challenge,
    Closure,
    DiligenceRecord,
    EscrowDeposit,
    Indicator,
    Milestone,
    NdaAcceptance,
    Objection,
    StageGate,
    StageGateDecision,
    StatusChange,
    TrancheRelease,
)
from kechuang.core.admin import OperatorAdmin, ReadOnlyInline
from kechuang.core.money import Money


def _yuan(fen: int) -> str:
    return Money(fen).format()


# ---------------------------------------------------------------- lists


class IndicatorInline(ReadOnlyInline):
    model = Indicator
    fields = ("position", "name", "target", "unit", "acceptance")
    readonly_fields = fields
    show_change_link = False


class StageGateInline(ReadOnlyInline):
    model = StageGate
    fields = ("position", "name", "due_on")
    readonly_fields = fields
    show_change_link = False


class StatusChangeInline(ReadOnlyInline):
    model = StatusChange
    fields = ("at", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields
    show_change_link = False


@admin.register(Challenge)
class ChallengeAdmin(OperatorAdmin):
    list_display = (
        "__str__",
        "issuer",
        "status",
        "bounty",
        "escrowed",
        "released",
        "application_deadline",
        "updated_at",
    )
    list_filter = ("status", "ip_terms", "blind_review")
    search_fields = ("title_text", "issuer__sort_name", "issuer__uscc")
    list_select_related = ("issuer",)
    raw_id_fields = ("issuer", "created_by")
    inlines = (IndicatorInline, StageGateInline, StatusChangeInline)

    @admin.display(description=_("bounty"), ordering="bounty_fen")
    def bounty(self, challenge: Challenge) -> str:
        return _yuan(challenge.bounty_fen)

    @admin.display(description=_("escrowed"), ordering="escrowed_fen")
    def escrowed(self, challenge: Challenge) -> str:
        return _yuan(challenge.escrowed_fen)

    @admin.display(description=_("released"), ordering="released_fen")
    def released(self, challenge: Challenge) -> str:
        return _yuan(challenge.released_fen)


@admin.register(NdaAcceptance)
class NdaAcceptanceAdmin(OperatorAdmin):
    list_display = ("user", "challenge", "accepted_at")
    search_fields = ("user__username", "user__display_name", "challenge__title_text")
    list_select_related = ("user", "challenge")
    raw_id_fields = ("user",)


@admin.register(EscrowDeposit)
class EscrowDepositAdmin(OperatorAdmin):
    list_display = ("challenge", "source", "amount", "reference", "recorded_by", "recorded_at")
    list_filter = ("source",)
    search_fields = ("reference", "challenge__title_text")
    list_select_related = ("challenge", "recorded_by")
    raw_id_fields = ("recorded_by",)

    @admin.display(description=_("amount"), ordering="amount_fen")
    def amount(self, deposit: EscrowDeposit) -> str:
        return _yuan(deposit.amount_fen)


@admin.register(StatusChange)
class StatusChangeAdmin(OperatorAdmin):
    list_display = ("challenge", "from_status", "to_status", "actor", "at")
    list_filter = ("to_status",)
    search_fields = ("challenge__title_text", "reason")
    list_select_related = ("challenge", "actor")
    raw_id_fields = ("actor",)


# ---------------------------------------------------------------- applications


class ApplicationMemberInline(ReadOnlyInline):
    model = ApplicationMember
    fields = ("user", "status", "invited_at", "decided_at")
    readonly_fields = fields
    show_change_link = False


@admin.register(Application)
class ApplicationAdmin(OperatorAdmin):
    list_display = ("team_name", "challenge", "lead", "organization", "status", "shortlist_rank", "submitted_at")
    list_filter = ("status",)
    search_fields = ("team_name", "lead__username", "lead__display_name", "challenge__title_text")
    list_select_related = ("challenge", "lead", "organization")
    raw_id_fields = ("lead", "organization")
    inlines = (ApplicationMemberInline,)


@admin.register(ApplicationMember)
class ApplicationMemberAdmin(OperatorAdmin):
    list_display = ("user", "application", "status", "invited_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("user__username", "user__display_name", "application__team_name")
    list_select_related = ("user", "application")
    raw_id_fields = ("user",)


@admin.register(Objection)
class ObjectionAdmin(OperatorAdmin):
    list_display = ("__str__", "challenge", "author", "created_at", "answered_at")
    list_filter = (("answered_at", admin.EmptyFieldListFilter),)
    search_fields = ("text", "answer", "challenge__title_text")
    list_select_related = ("challenge", "author")
    raw_id_fields = ("author", "answered_by")


# ---------------------------------------------------------------- delivery and money


class MilestoneInline(ReadOnlyInline):
    model = Milestone
    fields = ("position", "deliverable", "due_on", "amount_fen", "status", "decided_at")
    readonly_fields = fields


@admin.register(Agreement)
class AgreementAdmin(OperatorAdmin):
    list_display = ("application", "challenge", "amount", "released", "status", "signed_at")
    list_filter = ("status",)
    search_fields = ("application__team_name", "challenge__title_text")
    list_select_related = ("application", "challenge")
    raw_id_fields = ("application", "merged_into")
    inlines = (MilestoneInline,)

    @admin.display(description=_("amount"), ordering="amount_fen")
    def amount(self, agreement: Agreement) -> str:
        return _yuan(agreement.amount_fen)

    @admin.display(description=_("released"), ordering="released_fen")
    def released(self, agreement: Agreement) -> str:
        return _yuan(agreement.released_fen)


@admin.register(Milestone)
class MilestoneAdmin(OperatorAdmin):
    list_display = ("__str__", "team", "due_on", "tranche", "status", "decided_at")
    list_filter = ("status",)
    search_fields = ("deliverable", "agreement__application__team_name")
    list_select_related = ("agreement__application",)
    raw_id_fields = ("decided_by",)

    @admin.display(description=_("team"), ordering="agreement__application__team_name")
    def team(self, milestone: Milestone) -> str:
        return milestone.agreement.application.team_name

    @admin.display(description=_("tranche"), ordering="amount_fen")
    def tranche(self, milestone: Milestone) -> str:
        return _yuan(milestone.amount_fen)


@admin.register(TrancheRelease)
class TrancheReleaseAdmin(OperatorAdmin):
    list_display = ("milestone", "challenge", "amount", "released_by", "released_at")
    search_fields = ("challenge__title_text", "milestone__deliverable")
    list_select_related = ("milestone", "challenge", "released_by")
    raw_id_fields = ("released_by",)

    @admin.display(description=_("amount"), ordering="amount_fen")
    def amount(self, release: TrancheRelease) -> str:
        return _yuan(release.amount_fen)


@admin.register(StageGateDecision)
class StageGateDecisionAdmin(OperatorAdmin):
    list_display = ("gate", "team", "decision", "decided_by", "decided_at")
    list_filter = ("decision",)
    search_fields = ("agreement__application__team_name", "reasons")
    list_select_related = ("gate", "agreement__application", "decided_by")
    raw_id_fields = ("decided_by",)

    @admin.display(description=_("team"), ordering="agreement__application__team_name")
    def team(self, decision: StageGateDecision) -> str:
        return decision.agreement.application.team_name


@admin.register(Closure)
class ClosureAdmin(OperatorAdmin):
    list_display = ("challenge", "outcome", "decided_by", "decided_at")
    list_filter = ("outcome",)
    search_fields = ("challenge__title_text", "report")
    list_select_related = ("challenge", "decided_by")
    raw_id_fields = ("decided_by",)


@admin.register(DiligenceRecord)
class DiligenceRecordAdmin(OperatorAdmin):
    list_display = ("team", "diligent", "recorded_by", "recorded_at")
    list_filter = ("diligent",)
    search_fields = ("agreement__application__team_name", "finding")
    list_select_related = ("agreement__application", "recorded_by")
    raw_id_fields = ("recorded_by",)

    @admin.display(description=_("team"), ordering="agreement__application__team_name")
    def team(self, record: DiligenceRecord) -> str:
        return record.agreement.application.team_name
