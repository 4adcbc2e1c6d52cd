"""Pages of deals: each party's list (with the unit's public-notice period), opening and editing a draft,
and a deal's page with its stepper, one named button per allowed next step, the due-diligence record,
the completers' answer, the documents and the history.

Every write goes through :mod:`kechuang.transfer.services.deals`; a refusal (a step out of order, a
notice still running, an incomplete record) is shown on the page and changes nothing. Deals are seen
only by their parties and the operators; to anyone else they answer 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kechuang.core.errors import DomainError, NotFound
from kechuang.core.paging import paginate
from kechuang.transfer.enums import DealStage, FirstRefusal
from kechuang.transfer.forms.deals import (
    DealFilterForm,
    DealForm,
    DiligenceForm,
    DocumentForm,
    FirstRefusalForm,
    MoveForm,
    PublicityDaysForm,
)
from kechuang.transfer.models import Deal
from kechuang.transfer.selectors import achievements as achievement_selectors
from kechuang.transfer.selectors import deals as selectors
from kechuang.transfer.services import deals as services
from kechuang.transfer.services.income import INCOME_STAGES
from kechuang.transfer.views.achievements import achievement_of, refused, user_of

D = DealStage
# The name of each next-step button: what the step does, not the stage's name.
MOVE_LABELS: dict[str, Any] = {
    D.FIRST_REFUSAL: gettext_lazy("Offer it to the completers first"),
    D.PUBLICITY: gettext_lazy("Start the public notice of the price"),
    D.APPROVAL: gettext_lazy("Approve the deal"),
    D.SIGNED: gettext_lazy("Record the signed contract"),
    D.CLOSED: gettext_lazy("Close the deal"),
    D.ABANDONED: gettext_lazy("Abandon the deal"),
}


def deal_of(request: HttpRequest, pk: int) -> Deal:
    try:
        return selectors.get_deal_for(request.user, pk)
    except NotFound:
        raise Http404 from None


@login_required
def deal_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    form = DealFilterForm(request.GET)
    page = paginate(selectors.deals_for(user, stage=form.chosen_stage()), page=request.GET.get("page"))
    units = achievement_selectors.managed_units(user)
    settings_form = None
    if units.exists():
        first = units.first()
        initial = {"organization": first, "publicity_days": selectors.publicity_days_of(first)} if first else {}
        settings_form = PublicityDaysForm(units=units, initial=initial)
    context = {"form": form, "page": page, "settings_form": settings_form}
    return render(request, "transfer/deals/list.html", context)


@login_required
@require_POST
def deal_settings(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    form = PublicityDaysForm(request.POST, units=achievement_selectors.managed_units(user))
    if form.is_valid():
        try:
            services.set_publicity_days(
                actor=user, organization=form.cleaned_data["organization"], days=form.cleaned_data["publicity_days"]
            )
        except DomainError as exc:
            refused(request, exc)
        else:
            messages.success(request, _("The public-notice period is saved for deals opened from now on."))
    else:
        messages.error(request, _("The public notice lasts from 1 to 60 days."))
    return redirect("transfer:deals")


@login_required
@require_http_methods(["GET", "POST"])
def deal_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a deal on achievement ``pk`` in its owner's name."""
    user = user_of(request)
    achievement = achievement_of(request, pk)
    if not user.has_perm("transfer.open_deal", achievement):
        raise Http404
    form = DealForm(request.POST or None, seller_id=achievement.owner_id)
    if request.method == "POST" and form.is_valid():
        try:
            deal = services.open_deal(actor=user, achievement=achievement, seller=achievement.owner, terms=form.terms())
        except DomainError as exc:
            refused(request, exc, form)
        else:
            messages.success(request, _("The draft deal is opened."))
            return redirect("transfer:deal", deal.pk)
    return render(request, "transfer/deals/edit.html", {"form": form, "achievement": achievement, "deal": None})


@login_required
@require_http_methods(["GET", "POST"])
def deal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    deal = deal_of(request, pk)
    if not user.has_perm("transfer.change_deal", deal) or deal.stage != D.DRAFT:
        raise Http404
    form = DealForm(request.POST or None, seller_id=deal.seller_id, deal=deal)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_deal(actor=user, deal=deal, terms=form.terms())
        except DomainError as exc:
            refused(request, exc, form)
        else:
            messages.success(request, _("The terms are saved."))
            return redirect("transfer:deal", pk)
    context = {"form": form, "achievement": deal.achievement, "deal": deal}
    return render(request, "transfer/deals/edit.html", context)


def _detail_context(request: HttpRequest, deal: Deal, **forms: Any) -> dict[str, Any]:
    user = user_of(request)
    officer = user.has_perm("transfer.change_deal", deal)
    missing = selectors.diligence_missing(deal)
    moves = [
        {
            "to": to,
            "label": MOVE_LABELS[to],
            "form": forms.get(f"move_{to}") or MoveForm(target=to, prefix=to),
            "blocked": _blocked(deal, to, missing),
        }
        for to in services.allowed_next(deal, user)
    ]
    history = selectors.history_of(deal)
    return {
        "deal": deal,
        "may_see_income": deal.stage in INCOME_STAGES and user.has_perm("transfer.view_income", deal),
        "achievement": deal.achievement,
        "stepper": selectors.stepper(deal, history),
        "moves": moves,
        "officer": officer,
        "history": history,
        "documents": selectors.documents_of(deal),
        "missing": missing,
        "diligence_parts": [
            (DiligenceForm.base_fields[part].label, deal.diligence.get(part, "")) for part in selectors.DILIGENCE_PARTS
        ],
        "diligence_form": forms.get("diligence") or DiligenceForm(initial=dict(deal.diligence))
        if officer and deal.stage in services.DILIGENCE_STAGES
        else None,
        "first_refusal_form": forms.get("first_refusal") or FirstRefusalForm()
        if deal.stage == D.FIRST_REFUSAL
        and deal.first_refusal == FirstRefusal.PENDING
        and user.has_perm("transfer.record_first_refusal", deal)
        else None,
        "document_form": forms.get("document") or DocumentForm()
        if officer and deal.stage in services.DOCUMENT_STAGES
        else None,
        "receipt": deal.ledger_entry,
    }


def _blocked(deal: Deal, to: str, missing: list[str]) -> str:
    """Why the step to ``to`` cannot be taken yet, when the page can tell before trying ("" if it may be).

    The service checks the same conditions and refuses; saying so beside a disabled button spares the officer
    a click that can only fail."""
    if to != D.APPROVAL:
        return ""
    ends = deal.publicity_ends_on
    if deal.stage == D.PUBLICITY and ends is not None and timezone.localdate() <= ends:
        return _("The public notice runs until %(end)s; approval is possible from the day after.") % {
            "end": ends.isoformat()
        }
    if missing:
        return _("Fill in every part of the due-diligence record below first.")
    return ""


@login_required
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_of(request, pk)
    return render(request, "transfer/deals/detail.html", _detail_context(request, deal))


@login_required
@require_POST
def deal_move(request: HttpRequest, pk: int) -> HttpResponse:
    """One named next-step button: its target stage comes with its own inputs (reason, contract)."""
    deal = deal_of(request, pk)
    target = request.POST.get("to", "")
    if target not in D.values:
        raise Http404
    form = MoveForm(request.POST, target=target, prefix=target)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.transition(
                actor=user_of(request),
                deal=deal,
                to=target,
                reason=data.get("reason") or "",
                contract_number=data.get("contract_number") or "",
                signed_on=data.get("signed_on"),
            )
        except DomainError as exc:
            refused(request, exc, form)
        else:
            messages.success(request, _("The deal moved to: %(stage)s.") % {"stage": DealStage(target).label})
            return redirect("transfer:deal", pk)
    deal.refresh_from_db()
    context = _detail_context(request, deal, **{f"move_{target}": form})
    return render(request, "transfer/deals/detail.html", context, status=422)


@login_required
@require_POST
def deal_diligence(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_of(request, pk)
    form = DiligenceForm(request.POST)
    if form.is_valid():
        try:
            services.record_diligence(actor=user_of(request), deal=deal, parts=form.cleaned_data)
        except DomainError as exc:
            refused(request, exc, form)
        else:
            messages.success(request, _("The due-diligence record is saved."))
            return redirect("transfer:deal", pk)
    return render(request, "transfer/deals/detail.html", _detail_context(request, deal, diligence=form), status=422)


@login_required
@require_POST
def deal_first_refusal(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_of(request, pk)
    form = FirstRefusalForm(request.POST)
    if form.is_valid():
        try:
            services.record_first_refusal(
                actor=user_of(request), deal=deal, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"]
            )
        except DomainError as exc:
            refused(request, exc, form)
        else:
            messages.success(request, _("The completers' answer is recorded."))
            return redirect("transfer:deal", pk)
    context = _detail_context(request, deal, first_refusal=form)
    return render(request, "transfer/deals/detail.html", context, status=422)


@login_required
@require_POST
def deal_document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_of(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.upload_document(
                actor=user_of(request), deal=deal, title=form.cleaned_data["title"], upload=form.cleaned_data["file"]
            )
        except DomainError as exc:
            refused(request, exc, form)
        else:
            messages.success(request, _("The document is kept with its SHA-256."))
            return redirect("transfer:deal", pk)
    return render(request, "transfer/deals/detail.html", _detail_context(request, deal, document=form), status=422)


@login_required
def deal_document(request: HttpRequest, pk: int) -> FileResponse:
    """A document of a deal, for its parties only, as an attachment with the type read at upload."""
    try:
        document = selectors.get_document_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    try:
        handle = document.file.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1])
    response["Content-Type"] = document.content_type
    response["X-Content-Type-Options"] = "nosniff"
    return response
