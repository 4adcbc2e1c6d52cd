"""Pages of the marketplace: the public list of opportunity cards, a card with the needs it may answer,
publishing and closing a card, and a company's answer. Writes go through
:mod:`kechuang.transfer.services.market`; the feedback summary is shown only to the unit's officers."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kechuang.accounts.models import User
from kechuang.core.errors import DomainError, NotFound
from kechuang.core.i18n import localized
from kechuang.core.money import Money
from kechuang.core.paging import paginate
from kechuang.search import registry as search_registry
from kechuang.search import selectors as search_selectors
from kechuang.transfer.enums import OpportunityStatus
from kechuang.transfer.forms.market import InterestForm, MarketFilterForm, OpportunityForm
from kechuang.transfer.models import Opportunity
from kechuang.transfer.selectors import market as selectors
from kechuang.transfer.services import market as services
from kechuang.transfer.services.market import publishing_problems
from kechuang.transfer.views.achievements import achievement_of, refused, user_of

logger = logging.getLogger("kechuang.transfer")
NEEDS_SHOWN = 5
# Kinds of search document that state a need a result may answer; those registered are asked.
NEED_KINDS = ("challenge", "need")


def card_of(request: HttpRequest, pk: int) -> Opportunity:
    try:
        return selectors.get_opportunity_for(request.user, pk)
    except NotFound:
        raise Http404 from None


def matching_needs(card: Opportunity) -> list[dict[str, Any]]:
    """Published needs (challenge lists, and needs once they are findable) most like the card, with the
    shared words that explain each (search's ``match``)."""
    kinds = [kind for kind in NEED_KINDS if kind in search_registry.kinds()]
    if not kinds:
        return []
    achievement = card.achievement
    text = "\n".join(
        [localized(achievement.title), localized(achievement.summary), localized(card.problem), localized(card.benefit)]
    )
    try:
        found = search_selectors.match(text, kinds=kinds, limit=NEEDS_SHOWN)
    except (OSError, ValueError, DomainError):
        logger.warning("needs for opportunity %s could not be matched", card.pk, exc_info=True)
        return []
    items = []
    for hit in found.hits:
        item = search_selectors.hit_out(hit)
        words = {word.casefold(): word for field in hit.matched.values() for word in field}
        item["reasons"] = list(words.values())[:6]
        items.append(item)
    return items


def market(request: HttpRequest) -> HttpResponse:
    form = MarketFilterForm(request.GET)
    found = selectors.public_opportunities(**form.filters())
    page = paginate(found, page=request.GET.get("page"))
    context = {"form": form, "page": page, "filtered": form.active()}
    htmx = getattr(request, "htmx", None)
    partial = htmx and not htmx.history_restore_request
    response = render(request, "transfer/market/list.html#results" if partial else "transfer/market/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    card = card_of(request, pk)
    user = request.user
    actor = user if isinstance(user, User) else None
    officer = actor is not None and actor.has_perm("transfer.view_feedback", card)
    companies = selectors.answering_organizations(actor) if actor is not None else []
    may_answer = (
        card.status == OpportunityStatus.OPEN
        and bool(companies)
        and actor is not None
        and actor.has_perm("transfer.answer_opportunity", card)
    )
    context = {
        "card": card,
        "achievement": card.achievement,
        "asking_price": Money(card.asking_price_fen) if card.asking_price_fen is not None else None,
        "needs": matching_needs(card) if card.status == OpportunityStatus.OPEN else [],
        "feedback": selectors.feedback_of(card) if officer else None,
        "interests": selectors.interests_of(card) if officer else [],
        "my_answers": selectors.answers_of(actor, card) if actor is not None else [],
        "may_answer": may_answer,
        "may_close": card.status == OpportunityStatus.OPEN
        and actor is not None
        and actor.has_perm("transfer.close_opportunity", card),
        "interest_form": InterestForm(organizations=companies) if may_answer else None,
    }
    return render(request, "transfer/market/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    achievement = achievement_of(request, pk)
    if not user.has_perm("transfer.publish_opportunity", achievement):
        raise Http404
    form = OpportunityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            card = services.publish_opportunity(actor=user, achievement=achievement, **form.values())
        except DomainError as exc:
            refused(request, exc, form)
        else:
            messages.success(request, _("The card is on the marketplace."))
            return redirect("transfer:opportunity", card.pk)
    context = {"form": form, "achievement": achievement, "problems": publishing_problems(achievement)}
    return render(request, "transfer/market/publish.html", context)


@login_required
@require_POST
def opportunity_close(request: HttpRequest, pk: int) -> HttpResponse:
    card = card_of(request, pk)
    try:
        services.close_opportunity(actor=user_of(request), opportunity=card)
    except DomainError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("The card is closed."))
    return redirect("transfer:opportunity", pk)


@login_required
@require_POST
def opportunity_answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    card = card_of(request, pk)
    form = InterestForm(request.POST, organizations=selectors.answering_organizations(user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.answer_opportunity(
                actor=user,
                opportunity=card,
                organization=data["organization"],
                kind=data["kind"],
                pass_reason=data.get("pass_reason") or "",
                comment=data.get("comment") or "",
            )
        except DomainError as exc:
            refused(request, exc)
        else:
            messages.success(request, _("Your answer is recorded; the unit sees it."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("transfer:opportunity", pk)
