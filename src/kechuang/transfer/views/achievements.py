"""Pages of achievements: the unit's list, an achievement's page, the register and edit forms, and the
completers' request to commercialise an idle result with the unit's decision.

Every write goes through :mod:`kechuang.transfer.services.achievements`; a refusal is shown on the page
(field errors where they fit, else a message) and nothing is changed. An achievement's public facts
are public; its funding and the completers' contributions are shown only under
``transfer.view_achievement_private``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kechuang.accounts.models import User
from kechuang.core.errors import DomainError, NotFound
from kechuang.core.paging import paginate
from kechuang.transfer.enums import AchievementStatus
from kechuang.transfer.forms.achievements import (
    AchievementFilterForm,
    AchievementForm,
    ReleaseDecisionForm,
    ReleaseRequestForm,
)
from kechuang.transfer.models import Achievement, ReleaseRequest
from kechuang.transfer.selectors import achievements as selectors
from kechuang.transfer.selectors import deals as deal_selectors
from kechuang.transfer.selectors import market as market_selectors
from kechuang.transfer.services import achievements as services
from kechuang.transfer.services.income import INCOME_STAGES


def user_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required ran
    return user


def refused(request: HttpRequest, exc: DomainError, form: Any = None) -> None:
    """Show a service's refusal: field errors on the form where they fit, the rest as messages."""
    shown = False
    for field, problems in exc.errors.items():
        if form is not None and field in form.fields:
            for problem in problems:
                form.add_error(field, problem)
            shown = True
        elif " ".join(problems) != str(exc.detail):
            messages.error(request, " ".join(problems))
            shown = True
    # The generic detail ("Invalid request.") only when nothing more precise was said.
    if not shown:
        messages.error(request, str(exc.detail))


def achievement_of(request: HttpRequest, pk: int) -> Achievement:
    try:
        return selectors.get_achievement_for(request.user, pk)
    except NotFound:
        raise Http404 from None


@login_required
def achievement_list(request: HttpRequest) -> HttpResponse:
    """The achievements of the units the viewer manages and those they completed, filtered and paged."""
    user = user_of(request)
    units = list(selectors.managed_units(user))
    form = AchievementFilterForm(request.GET, units=units)
    chosen = form.filters()
    found = selectors.achievements_for(
        user,
        unit=chosen["unit"],
        status=chosen["status"],
        kind=chosen["kind"],
        query=chosen["query"],
        idle_on=timezone.localdate() if chosen["idle"] else None,
    )
    page = paginate(found, page=request.GET.get("page"))
    today = timezone.localdate()
    context = {
        "form": form,
        "page": page,
        "rows": [(a, a.idle_since(today)) for a in page.items],
        "filtered": form.active(),
        "may_register": bool(units),
    }
    htmx = getattr(request, "htmx", None)
    partial = htmx and not htmx.history_restore_request
    template = "transfer/achievements/list.html#results" if partial else "transfer/achievements/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def achievement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = achievement_of(request, pk)
    user = request.user
    actor = user if isinstance(user, User) else None
    private = selectors.can_see_private(user, achievement)
    today = timezone.localdate()
    release = selectors.open_release_request(achievement) if private else None
    officer = actor is not None and actor.has_perm("transfer.change_achievement", achievement)
    deals = list(deal_selectors.deals_for(actor, achievement=achievement.pk)) if actor is not None else []
    context = {
        "achievement": achievement,
        "private": private,
        "completers": [(row, str(Decimal(row.contribution_bp) / 100)) for row in selectors.completers_of(achievement)],
        "idle_since": achievement.idle_since(today),
        "cards": market_selectors.opportunities_of(achievement),
        "deals": deals,
        # Signed deals whose income page the viewer may open (the seller's officers, completers, operators).
        "income_deals": {
            deal.pk
            for deal in deals
            if deal.stage in INCOME_STAGES and actor is not None and actor.has_perm("transfer.view_income", deal)
        },
        "releases": selectors.release_requests_of(achievement) if private else [],
        "open_release": release,
        "may_edit": officer and achievement.status != AchievementStatus.WITHDRAWN,
        "may_publish": actor is not None and actor.has_perm("transfer.publish_opportunity", achievement),
        "may_open_deal": actor is not None and actor.has_perm("transfer.open_deal", achievement),
        "may_request_release": actor is not None
        and release is None
        and achievement.idle_since(today) is not None
        and actor.has_perm("transfer.request_release", achievement),
        "may_decide_release": release is not None and officer,
        "release_form": ReleaseRequestForm(),
        "decision_form": ReleaseDecisionForm(),
    }
    return render(request, "transfer/achievements/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def achievement_create(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    form = AchievementForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            achievement = services.register_achievement(
                actor=user,
                owner=form.cleaned_data["owner"],
                registered_on=form.cleaned_data["registered_on"],
                completers=form.cleaned_data["completers"],
                **form.values(),
            )
        except DomainError as exc:
            refused(request, exc, form)
        else:
            messages.success(request, _("The achievement is registered."))
            return redirect("transfer:achievement", achievement.pk)
    return render(request, "transfer/achievements/edit.html", {"form": form, "achievement": None})


@login_required
@require_http_methods(["GET", "POST"])
def achievement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    achievement = achievement_of(request, pk)
    if not user.has_perm("transfer.change_achievement", achievement):
        raise Http404
    form = AchievementForm(request.POST or None, user=user, achievement=achievement)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_achievement(
                actor=user, achievement=achievement, completers=form.cleaned_data["completers"], **form.values()
            )
        except DomainError as exc:
            refused(request, exc, form)
        else:
            messages.success(request, _("The achievement is saved."))
            return redirect("transfer:achievement", pk)
    return render(request, "transfer/achievements/edit.html", {"form": form, "achievement": achievement})


@login_required
@require_POST
def release_request(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = achievement_of(request, pk)
    form = ReleaseRequestForm(request.POST)
    if form.is_valid():
        try:
            services.request_release(actor=user_of(request), achievement=achievement, plan=form.cleaned_data["plan"])
        except DomainError as exc:
            refused(request, exc)
        else:
            messages.success(request, _("Your request is sent to the unit."))
    else:
        messages.error(request, _("Say how the completers will commercialise the result."))
    return redirect("transfer:achievement", pk)


@login_required
@require_POST
def release_decide(request: HttpRequest, pk: int) -> HttpResponse:
    release = ReleaseRequest.objects.select_related("achievement").filter(pk=pk).first()
    if release is None:
        raise Http404
    achievement_of(request, release.achievement_id)
    form = ReleaseDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decide_release(
                actor=user_of(request),
                release=release,
                grant=form.cleaned_data["grant"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            refused(request, exc)
        else:
            messages.success(request, _("The decision is recorded and the completers are told."))
    else:
        messages.error(request, _("Choose grant or refuse."))
    return redirect("transfer:achievement", release.achievement_id)
