"""Pages of the contract registry: the seller's application and list, the registrar's queue and
decisions, a registration's page with its history, and the public statistics with downloads.

Every write goes through :mod:`kechuang.transfer.services.registry`; a refusal is shown on the page
(field errors where they fit, else a message) and nothing is changed. A registration the viewer may
not see answers 404, like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kechuang.accounts.models import Organization, User
from kechuang.core.errors import DomainError, NotFound
from kechuang.core.money import Money
from kechuang.core.pagecache import cache_public_page
from kechuang.core.paging import paginate
from kechuang.transfer.enums import RegistrationStatus
from kechuang.transfer.forms.registry import (
    AmendmentForm,
    CancelForm,
    ContractForm,
    ReturnForm,
    StatisticsFilterForm,
    TerminateForm,
    contract_initial,
    line_initial,
    non_technical_rows,
    seller_initial,
)
from kechuang.transfer.models import Registration
from kechuang.transfer.registry_terms import due_is_provisional
from kechuang.transfer.selectors import registry as selectors
from kechuang.transfer.services import registry as services
from kechuang.transfer.services.registry import ContractSpec
from kechuang.transfer.views import registry_stats

S = RegistrationStatus
# Service field names that the form shows under another name.
FORM_FIELD = {"contract_amount_fen": "contract_amount", "non_technical": "contract_amount"}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required ran
    return user


def _registration(request: HttpRequest, pk: int) -> Registration:
    try:
        return selectors.get_registration_for(request.user, pk)
    except NotFound:
        raise Http404 from None


def _refused(request: HttpRequest, exc: DomainError, form: Any = None, rows: Any = None) -> None:
    """Show a service's refusal: field errors on the form (or a row) where they fit, the rest as messages."""
    leftover: list[str] = []
    for key, problems in exc.errors.items():
        name = FORM_FIELD.get(key, key)
        if key.startswith("non_technical.") and rows is not None:
            index = int(key.split(".", 1)[1])
            target = rows.row_form(index)
            if target is not None:
                for problem in problems:
                    target.add_error(None, problem)
                continue
        if form is not None and name in form.fields:
            for problem in problems:
                form.add_error(name, problem)
            continue
        leftover.extend(problems)
    if not exc.errors or leftover:
        messages.error(request, " ".join([str(exc.detail), *leftover]) if not exc.errors else " ".join(leftover))


class _Rows:
    """The non-technical rows of a contract form, and which form each non-empty row came from."""

    def __init__(self, request: HttpRequest, initial: list[dict[str, Any]] | None = None) -> None:
        self.adding = request.method == "POST" and "add_row" in request.POST
        if request.method == "POST" and not self.adding:
            self.formset = non_technical_rows(data=request.POST)
        elif self.adding:
            posted = _posted_rows(request.POST)
            self.formset = non_technical_rows(rows=len(posted) + 1, initial=posted)
        else:
            rows = initial or []
            self.formset = non_technical_rows(rows=len(rows) + (1 if rows else 3), initial=rows)
        self._used: list[int] = []

    def is_valid(self) -> bool:
        return self.formset.is_valid()

    def specs(self) -> list[services.NonTechnicalSpec]:
        specs = []
        self._used = []
        for index, form in enumerate(self.formset.forms):
            if form.has_changed() and form.filled():
                data = form.cleaned_data
                specs.append(services.NonTechnicalSpec(kind=data["kind"], label=data["label"], amount=data["amount"]))
                self._used.append(index)
        return specs

    def row_form(self, index: int) -> Any:
        """The form of the ``index``-th non-empty row (the service numbers only those)."""
        if 0 <= index < len(self._used):
            return self.formset.forms[self._used[index]]
        return None


def _posted_rows(data: QueryDict) -> list[dict[str, Any]]:
    try:
        total = min(int(data.get("items-TOTAL_FORMS", "0")), 30)
    except ValueError:
        total = 0
    return [
        {name: data.get(f"items-{i}-{name}", "") for name in ("kind", "label", "amount")} for i in range(max(total, 0))
    ]


def _contract_form(
    request: HttpRequest, organizations: list[Organization], initial: dict[str, Any]
) -> tuple[ContractForm, bool]:
    """The contract form: bound on a real POST; re-shown with the typed values when a row is added."""
    adding = request.method == "POST" and "add_row" in request.POST
    if request.method == "POST" and not adding:
        return ContractForm(request.POST, organizations=organizations), False
    if adding:
        return ContractForm(initial=request.POST.dict(), organizations=organizations), True
    return ContractForm(initial=initial, organizations=organizations), False


def _valid_contract(form: ContractForm, rows: _Rows) -> ContractSpec | None:
    form_ok, rows_ok = form.is_valid(), rows.is_valid()
    if not (form_ok and rows_ok):
        return None
    return form.spec(rows.specs())


# ---------------------------------------------------------------- the seller


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The registrations of the organisations the user belongs to, newest first, paged."""
    user = _user(request)
    status = request.GET.get("status", "")
    page = paginate(selectors.my_registrations(user, status=status), page=request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "statuses": S.choices,
        "today": timezone.localdate(),
        "may_apply": bool(selectors.applying_organizations(user)),
    }
    return render(request, "transfer/registry/mine.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organizations = selectors.applying_organizations(user)
    if not organizations:
        messages.error(request, _("Join an organisation on the platform to apply for registration."))
        return redirect("transfer:registry_mine")
    chosen = next((o for o in organizations if str(o.pk) == request.GET.get("organization")), organizations[0])
    form, _adding = _contract_form(request, organizations, seller_initial(chosen))
    rows = _Rows(request)
    if request.method == "POST" and not rows.adding:
        contract = _valid_contract(form, rows)
        if contract is not None:
            try:
                registration = services.submit_registration(
                    actor=user, organization=form.cleaned_data["organization"], contract=contract
                )
            except DomainError as exc:
                _refused(request, exc, form, rows)
            else:
                messages.success(
                    request,
                    _("Your application is submitted; the registrar decides by %(due)s.")
                    % {"due": registration.due_on.isoformat()},
                )
                return redirect("transfer:registry_detail", registration.pk)
    context = {"form": form, "rows": rows.formset, "registration": None, "mode": "submit"}
    return render(request, "transfer/registry/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    registration = _registration(request, pk)
    if registration.status != S.RETURNED or not user.has_perm("transfer.change_registration", registration):
        raise PermissionDenied
    organizations = [registration.applicant_organization] if registration.applicant_organization else []
    form, _adding = _contract_form(request, organizations, contract_initial(registration))
    rows = _Rows(request, line_initial(registration))
    if request.method == "POST" and not rows.adding:
        contract = _valid_contract(form, rows)
        if contract is not None:
            try:
                services.resubmit_registration(actor=user, registration=registration, contract=contract)
            except DomainError as exc:
                _refused(request, exc, form, rows)
            else:
                messages.success(request, _("The corrected application is submitted again."))
                return redirect("transfer:registry_detail", registration.pk)
    context = {"form": form, "rows": rows.formset, "registration": registration, "mode": "resubmit"}
    return render(request, "transfer/registry/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def amend(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    registration = _registration(request, pk)
    if registration.status != S.REGISTERED or not user.has_perm("transfer.change_registration", registration):
        raise PermissionDenied
    organizations = [registration.applicant_organization] if registration.applicant_organization else []
    form, adding = _contract_form(request, organizations, contract_initial(registration))
    rows = _Rows(request, line_initial(registration))
    posted = request.method == "POST" and not adding
    amendment_form = AmendmentForm(
        request.POST if posted else None,
        initial={"benefits_claimed": registration.benefits_claimed} if not adding else request.POST,
    )
    if posted:
        contract = _valid_contract(form, rows)
        if contract is not None and amendment_form.is_valid():
            try:
                amendment = services.amend_registration(
                    actor=user,
                    registration=registration,
                    contract=contract,
                    reason=amendment_form.cleaned_data["reason"],
                    benefits_claimed=amendment_form.cleaned_data["benefits_claimed"],
                )
            except DomainError as exc:
                _refused(request, exc, amendment_form if "reason" in exc.errors else form, rows)
            else:
                messages.success(
                    request, _("The amendment is submitted; the registration stays in force until it is decided.")
                )
                return redirect("transfer:registry_detail", amendment.pk)
    context = {
        "form": form,
        "rows": rows.formset,
        "registration": registration,
        "mode": "amend",
        "amendment_form": amendment_form,
    }
    return render(request, "transfer/registry/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def terminate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    registration = _registration(request, pk)
    if registration.status != S.REGISTERED or not user.has_perm("transfer.terminate_registration", registration):
        raise PermissionDenied
    form = TerminateForm(request.POST or None, initial={"benefits_claimed": registration.benefits_claimed})
    if request.method == "POST" and form.is_valid():
        try:
            services.terminate_registration(actor=user, registration=registration, **form.cleaned_data)
        except DomainError as exc:
            _refused(request, exc, form)
        else:
            messages.success(
                request, _("The termination is recorded; the contract no longer counts in the statistics.")
            )
            return redirect("transfer:registry_detail", registration.pk)
    return render(request, "transfer/registry/terminate.html", {"form": form, "registration": registration})


# ---------------------------------------------------------------- a registration


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    registration = _registration(request, pk)
    registrar = user.has_perm("transfer.register_contract", registration)
    applicant = user.has_perm("transfer.change_registration", registration)
    status = registration.status
    context = {
        "registration": registration,
        "lines": [
            {"kind": line.get_kind_display(), "label": line.label, "amount": Money(line.amount_fen).format()}
            for line in registration.non_technical_lines.all()
        ],
        "events": [
            {
                "at": event.at,
                "actor": event.actor,
                "note": event.note,
                "from_label": _status_label(event.from_status),
                "to_label": _status_label(event.to_status),
            }
            for event in registration.events.all()
        ],
        "records": selectors.records_of(registration),
        "benefits": selectors.benefits_to_report(registration),
        "pending_amendment": selectors.pending_amendment(registration),
        "overdue": selectors.is_overdue(registration, today=timezone.localdate()),
        "due_provisional": due_is_provisional(timezone.localdate(registration.submitted_at), registration.due_on),
        "duplicates": selectors.possible_duplicates(registration) if registrar and status == S.SUBMITTED else [],
        "duplicates_help": _(
            "Live registrations of the same seller, buyer and type, signed within %(days)d days, with a contract "
            "amount within %(percent)d%%."
        )
        % {"days": selectors.NEAR_DAYS, "percent": selectors.NEAR_PERCENT},
        "may_decide": registrar and status == S.SUBMITTED,
        "may_cancel": status == S.REGISTERED and user.has_perm("transfer.cancel_registration", registration),
        "may_resubmit": applicant and status == S.RETURNED,
        "may_amend": applicant and status == S.REGISTERED,
        "may_terminate": status == S.REGISTERED and user.has_perm("transfer.terminate_registration", registration),
        "return_form": ReturnForm(),
        "cancel_form": CancelForm(initial={"benefits_claimed": registration.benefits_claimed}),
    }
    return render(request, "transfer/registry/detail.html", context)


def _status_label(status: str) -> str:
    return str(S(status).label) if status in S.values else status


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The registrar's decision from the registration's page: register, return with reasons, or cancel."""
    user = _user(request)
    registration = _registration(request, pk)
    action = request.POST.get("action", "")
    try:
        if action == "register":
            registration = services.register_contract(actor=user, registration=registration)
            messages.success(request, _("Registered as %(number)s.") % {"number": registration.number})
        elif action == "return":
            form = ReturnForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give the reasons for returning."))
            else:
                services.return_registration(
                    actor=user, registration=registration, reasons=form.cleaned_data["reasons"]
                )
                messages.success(request, _("The application is returned to the seller with your reasons."))
        elif action == "cancel":
            cancel = CancelForm(request.POST)
            if not cancel.is_valid():
                messages.error(request, _("Give the reason for cancelling."))
            else:
                services.cancel_registration(actor=user, registration=registration, **cancel.cleaned_data)
                messages.success(request, _("The registration is cancelled; it no longer counts in the statistics."))
        else:
            messages.error(request, _("Unknown action."))
    except DomainError as exc:
        _refused(request, exc)
    return redirect("transfer:registry_detail", pk)


# ---------------------------------------------------------------- the registrar


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Applications awaiting a decision, the soonest due first; overdue ones and possible duplicates flagged."""
    user = _user(request)
    if not user.has_perm("transfer.view_registration_queue"):
        raise PermissionDenied
    status = request.GET.get("status", S.SUBMITTED)
    page = paginate(selectors.registrar_queue(status=status), page=request.GET.get("page"))
    today = timezone.localdate()
    duplicates = selectors.possible_duplicates_of(page.items)
    counts = selectors.status_counts()
    rows = [
        {
            "registration": r,
            "overdue": selectors.is_overdue(r, today=today),
            "duplicates": duplicates.get(r.pk, []),
        }
        for r in page.items
    ]
    context = {
        "page": page,
        "rows": rows,
        "status": status,
        "tabs": [
            {"value": value, "label": value.label, "count": counts.get(value, 0), "current": value == status}
            for value in (S.SUBMITTED, S.RETURNED)
        ],
        "today": today,
    }
    return render(request, "transfer/registry/queue.html", context)


# ---------------------------------------------------------------- public statistics


@require_GET
@cache_public_page
def statistics(request: HttpRequest) -> HttpResponse:
    form = StatisticsFilterForm(request.GET)
    return render(request, "transfer/registry/statistics.html", registry_stats.page_context(form))


@require_GET
@cache_public_page
def statistics_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """The statistics as CSV or JSON: ``?table=`` turnover (``by=year,contract_type``), flows or published."""
    return registry_stats.download(request.GET, fmt)
