"""Review pages: the reviewer's list and form, and the operator's call and item pages.

Reviewer pages read items only through :func:`kechuang.review.selectors.item_view`, so a blind
call never shows who applied. Accessors answer 404 for objects the user may not see; a refused
action is shown as a message (or as form errors) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kechuang.accounts.models import User
from kechuang.core.errors import DomainError, NotFound, PermissionDenied
from kechuang.core.i18n import localized
from kechuang.core.paging import paginate
from kechuang.review import selectors, services
from kechuang.review.enums import ACTIVE_RUN_STATUSES, AssignmentStatus
from kechuang.review.forms import (
    AssignForm,
    ConflictForm,
    DecideForm,
    InviteForm,
    ReasonForm,
    ReconcileForm,
    ReviewForm,
)
from kechuang.review.models import Assignment, Call, Item, PoolReviewer


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _found(get: Callable[[], Any]) -> Any:
    """Run an accessor; its "not found" becomes a 404 page."""
    try:
        return get()
    except NotFound as exc:
        raise Http404 from exc


def _act(request: HttpRequest, action: Callable[[], Any], done: str) -> None:
    """Call a service; say it worked, or show its refusal. Permission refusals become 404."""
    try:
        action()
    except (NotFound, PermissionDenied) as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, " ".join([str(exc.detail), *(m for ms in exc.errors.values() for m in ms)]))
    else:
        messages.success(request, done)


def _form_errors(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


# ---------------------------------------------------------------- reviewer


@login_required
@require_GET
def my_reviews(request: HttpRequest) -> HttpResponse:
    assignments = list(selectors.my_assignments(_user(request)))
    rows = [{"assignment": a, "view": selectors.item_view(a.item, request.user)} for a in assignments]
    return render(request, "review/my_reviews.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def assignment_page(request: HttpRequest, pk: int) -> HttpResponse:
    assignment: Assignment = _found(lambda: selectors.get_assignment_for(request.user, pk))
    if assignment.reviewer_id != request.user.pk:
        # Operators read items on their own pages; this one is the reviewer's.
        return redirect("review:item", pk=assignment.item_id)
    call = assignment.item.call
    criteria = selectors.criteria(call)
    review = getattr(assignment, "review", None)
    form = ReviewForm(request.POST if request.method == "POST" else None, criteria=criteria, review=review)
    if request.method == "POST" and form.is_valid() and form.submit(actor=_user(request), assignment=assignment):
        messages.success(request, _("Your review has been submitted. You may revise it until the deadline."))
        return redirect("review:my")
    context = {
        "assignment": assignment,
        "view": selectors.item_view(assignment.item, request.user),
        "call": call,
        "form": form,
        "conflict_form": ReasonForm(),
        "criteria": criteria,
    }
    return render(request, "review/assignment.html", context)


@login_required
@require_POST
def declare_conflict(request: HttpRequest, pk: int) -> HttpResponse:
    item: Item = _found(lambda: selectors.get_item_for(request.user, pk))
    form = ReasonForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        back = item.assignments.filter(reviewer=_user(request)).first()
        return redirect("review:assignment", pk=back.pk) if back else redirect("review:my")
    _act(
        request,
        lambda: services.declare_conflict(actor=_user(request), item=item, reason=form.cleaned_data["reason"]),
        _("Your conflict of interest is recorded; the item has been taken off your list."),
    )
    return redirect("review:my")


# ---------------------------------------------------------------- operator: calls


@login_required
@require_GET
def call_list(request: HttpRequest) -> HttpResponse:
    if not selectors.is_operator(request.user):
        raise Http404
    page = paginate(Call.objects.order_by("-created_at", "-id"), page=request.GET.get("page"))
    return render(request, "review/call_list.html", {"page": page, "calls": page.items})


def _items_context(call: Call) -> dict[str, Any]:
    """The call's items with their scores, ranked, each with the reviewers assigned to it (one query for all)."""
    scores = selectors.call_scores(call)
    reviewers: dict[int, list[Assignment]] = {}
    for assignment in (
        Assignment.objects.filter(item__call=call, status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED])
        .select_related("reviewer")
        .order_by("item_id", "-affinity", "id")
    ):
        reviewers.setdefault(assignment.item_id, []).append(assignment)
    return {
        "call": call,
        "scores": scores,
        "rows": [{"result": r, "assignments": reviewers.get(r.item.pk, [])} for r in selectors.ranked(scores.items)],
    }


def _call_context(request: HttpRequest, call: Call) -> dict[str, Any]:
    context = _items_context(call)
    pool = list(PoolReviewer.objects.filter(call=call).select_related("user").order_by("id"))
    run = selectors.latest_run(call)
    titles = {r.item.pk: localized(r.item.title) for r in context["scores"].items}
    return {
        **context,
        "pool": pool,
        "run": run,
        "active": run is not None and run.status in ACTIVE_RUN_STATUSES,
        "shortfalls": [selectors.explain_shortfall(s, titles) for s in (run.shortfalls if run else [])],
        "invite_form": InviteForm(),
        "criteria": selectors.criteria(call),
    }


@login_required
@require_GET
def call_page(request: HttpRequest, pk: int) -> HttpResponse:
    call: Call = _found(lambda: selectors.get_call_for(request.user, pk))
    return render(request, "review/call.html", _call_context(request, call))


@login_required
@require_POST
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    call: Call = _found(lambda: selectors.get_call_for(request.user, pk))
    form = InviteForm(request.POST)
    if form.is_valid() and form.submit(actor=_user(request), call=call):
        messages.success(request, _("The reviewer has been added to the pool."))
    else:
        _form_errors(request, form)
    return redirect("review:call", pk=call.pk)


@login_required
@require_POST
def remove(request: HttpRequest, pk: int, member: int) -> HttpResponse:
    call: Call = _found(lambda: selectors.get_call_for(request.user, pk))
    found = PoolReviewer.objects.filter(call=call, pk=member).first()
    if found is None:
        raise Http404
    _act(request, lambda: services.remove_reviewer(actor=_user(request), member=found), _("Removed from the pool."))
    return redirect("review:call", pk=call.pk)


@login_required
@require_POST
def run_start(request: HttpRequest, pk: int) -> HttpResponse:
    call: Call = _found(lambda: selectors.get_call_for(request.user, pk))
    _act(
        request,
        lambda: services.start_assignment(actor=_user(request), call=call),
        _("The assignment run has been queued."),
    )
    return redirect("review:call", pk=call.pk)


@login_required
@require_GET
def run_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The run panel, which the call page polls (htmx) while the run is under way.

    A panel of a finished run carries no poll, so polling stops; sent to a poll, it also carries the
    items table with the run's assignments, swapped in out of band, so the page needs no reload.
    """
    run = _found(lambda: selectors.get_run_for(request.user, pk))
    titles = {item.pk: localized(item.title) for item in run.call.items.all()}
    active = run.status in ACTIVE_RUN_STATUSES
    context: dict[str, Any] = {
        "call": run.call,
        "run": run,
        "active": active,
        "shortfalls": [selectors.explain_shortfall(s, titles) for s in run.shortfalls],
    }
    if not active and getattr(request, "htmx", False):
        context |= {**_items_context(run.call), "refresh_items": True}
    return render(request, "review/_run.html", context)


@login_required
@require_POST
def run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    run = _found(lambda: selectors.get_run_for(request.user, pk))
    _act(
        request,
        lambda: services.cancel_assignment_run(actor=_user(request), run=run),
        _("The run has been asked to stop."),
    )
    return redirect("review:call", pk=run.call_id)


# ---------------------------------------------------------------- operator: items


@login_required
@require_GET
def item_page(request: HttpRequest, pk: int) -> HttpResponse:
    item: Item = _found(lambda: selectors.get_item_for(request.user, pk))
    if not selectors.is_operator(request.user):
        mine = item.assignments.filter(reviewer=_user(request)).first()
        if mine is None:
            raise Http404
        return redirect("review:assignment", pk=mine.pk)
    call = item.call
    result = selectors.item_result(item)
    context = {
        "item": item,
        "view": selectors.item_view(item, request.user),
        "call": call,
        "result": result,
        "criteria": selectors.criteria(call),
        "assignments": list(
            item.assignments.select_related("reviewer").order_by("status", "alternate_rank", "-affinity")
        ),
        "conflicts": list(item.conflicts.select_related("reviewer")),
        "reconciliations": list(item.reconciliations.select_related("author")),
        "feedback": selectors.feedback(item),
        "assign_form": AssignForm(call=call),
        "conflict_form": ConflictForm(call=call, prefix="conflict"),
        "reason_form": ReasonForm(),
        "reconcile_form": ReconcileForm(),
        "decide_form": DecideForm(),
    }
    return render(request, "review/item.html", context)


def _operator_item(request: HttpRequest, pk: int) -> Item:
    item: Item = _found(lambda: selectors.get_item_for(request.user, pk))
    if not selectors.is_operator(request.user):
        raise Http404
    return item


@login_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    item = _operator_item(request, pk)
    form = AssignForm(request.POST, call=item.call)
    if form.is_valid():
        _act(
            request,
            lambda: services.assign(
                actor=_user(request), item=item, reviewer=form.chosen_reviewer(), reason=form.cleaned_data["reason"]
            ),
            _("The reviewer has been assigned."),
        )
    else:
        _form_errors(request, form)
    return redirect("review:item", pk=item.pk)


@login_required
@require_POST
def set_conflict(request: HttpRequest, pk: int) -> HttpResponse:
    item = _operator_item(request, pk)
    form = ConflictForm(request.POST, call=item.call, prefix="conflict")
    if form.is_valid():
        _act(
            request,
            lambda: services.set_conflict(
                actor=_user(request), item=item, reviewer=form.chosen_reviewer(), reason=form.cleaned_data["reason"]
            ),
            _("The conflict of interest is recorded."),
        )
    else:
        _form_errors(request, form)
    return redirect("review:item", pk=item.pk)


@login_required
@require_POST
def change(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Unassign or replace-with-alternate, with the reason the form requires."""
    assignment: Assignment = _found(lambda: selectors.get_assignment_for(request.user, pk))
    if not selectors.is_operator(request.user):
        raise Http404
    form = ReasonForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("review:item", pk=assignment.item_id)
    reason = form.cleaned_data["reason"]
    if action == "replace":
        _act(
            request,
            lambda: services.replace_with_alternate(actor=_user(request), assignment=assignment, reason=reason),
            _("The reviewer has been replaced by an alternate."),
        )
    else:
        _act(
            request,
            lambda: services.unassign(actor=_user(request), assignment=assignment, reason=reason),
            _("The assignment has been withdrawn."),
        )
    return redirect("review:item", pk=assignment.item_id)


@login_required
@require_POST
def reconcile(request: HttpRequest, pk: int) -> HttpResponse:
    item = _operator_item(request, pk)
    form = ReconcileForm(request.POST)
    if form.is_valid():
        _act(
            request,
            lambda: services.reconcile(actor=_user(request), item=item, note=form.cleaned_data["note"]),
            _("The reconciliation note is saved."),
        )
    else:
        _form_errors(request, form)
    return redirect("review:item", pk=item.pk)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    item = _operator_item(request, pk)
    form = DecideForm(request.POST)
    if form.is_valid() and form.submit(actor=_user(request), item=item):
        messages.success(request, _("The decision is recorded."))
    else:
        _form_errors(request, form)
    return redirect("review:item", pk=item.pk)
