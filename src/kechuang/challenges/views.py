"""Pages of the challenges app: the public lists, a list's page, and each role's forms and queues.

Every write goes through :mod:`kechuang.challenges.services`; a refusal is shown on the page as a
message (or as field errors) and nothing is changed. Hidden lists answer 404 like missing ones.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kechuang.accounts.models import User
from kechuang.challenges import selectors, services
from kechuang.challenges.enums import ChallengeStatus, MemberStatus
from kechuang.challenges.forms import (
    AnswerForm,
    ApplicationForm,
    AwardForm,
    ChallengeForm,
    EscrowForm,
    EvidenceForm,
    FilterForm,
    GateDecisionForm,
    MilestoneDecisionForm,
    ObjectionForm,
    ReleaseForm,
    ShortlistForm,
    TerminationForm,
    TransitionForm,
)
from kechuang.challenges.models import Challenge, Objection
from kechuang.challenges.services import reviewing, teams
from kechuang.core.errors import DomainError, NotFound
from kechuang.core.i18n import localized
from kechuang.core.idempotency import claim_form_token
from kechuang.core.paging import paginate
from kechuang.search import selectors as search_selectors

logger = logging.getLogger("kechuang.challenges")
SOLVERS_SHOWN = 5
S = ChallengeStatus


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required ran
    return user


def _challenge(request: HttpRequest, pk: int) -> Challenge:
    try:
        return selectors.get_challenge_for(request.user, pk)
    except NotFound:
        raise Http404 from None


def _refused(request: HttpRequest, exc: DomainError, form: Any = None) -> None:
    """Show a service's refusal: field errors on the form where they fit, the detail as a message."""
    placed = False
    if form is not None:
        for field, problems in exc.errors.items():
            if field in form.fields:
                for problem in problems:
                    form.add_error(field, problem)
                placed = True
    if not placed or not exc.errors:
        messages.error(request, str(exc.detail))
    elif exc.errors:
        for field, problems in exc.errors.items():
            if form is None or field not in form.fields:
                messages.error(request, " ".join(problems))


def _solvers(challenge: Challenge) -> list[dict[str, Any]]:
    """Experts and organisations whose public work is most like the problem (search's ``match``)."""
    text = "\n".join([localized(challenge.title), localized(challenge.summary), localized(challenge.problem)])
    try:
        found = search_selectors.match(
            text,
            kinds=["expert", "organization"],
            limit=SOLVERS_SHOWN,
            exclude=[f"organization:{challenge.issuer_id}"],  # the issuer is not its own solver
        )
    except (OSError, ValueError, DomainError):
        logger.warning("solvers for challenge %s could not be matched", challenge.pk, exc_info=True)
        return []
    items = []
    for hit in found.hits:
        item = search_selectors.hit_out(hit)
        words = {word.casefold(): word for field in hit.matched.values() for word in field}
        item["reasons"] = list(words.values())[:6]
        items.append(item)
    return items


# ---------------------------------------------------------------- public


def challenge_list(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET)
    filters = form.filters()
    found = selectors.public_challenges(
        query=filters["q"], status=filters["status"], sector=filters["sector"], region=filters["region"]
    )
    page = paginate(found, page=request.GET.get("page"))
    context = {"form": form, "page": page, "filtered": form.active()}
    htmx = getattr(request, "htmx", None)
    template = "challenges/list.html#results" if htmx and not htmx.history_restore_request else "challenges/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def challenge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = _challenge(request, pk)
    services.record_view(challenge)
    user = request.user
    actor = user if isinstance(user, User) else None
    public = challenge.status not in (S.DRAFT, S.OPERATOR_REVIEW)
    context = {
        "challenge": challenge,
        "stats": selectors.participation(challenge),
        "indicators": list(challenge.indicators.all()),
        "gates": list(challenge.stage_gates.all()),
        "criteria": reviewing.criteria_of(challenge),
        "sees_details": selectors.can_see_details(user, challenge),
        "may_accept_nda": actor is not None and actor.has_perm("challenges.accept_nda", challenge),
        "may_apply": actor is not None
        and challenge.status == S.PUBLISHED
        and actor.has_perm("challenges.apply", challenge),
        "may_object": actor is not None and challenge.status == S.PUBLICITY,
        "may_answer": actor is not None and actor.has_perm("challenges.answer_objection", challenge),
        "may_manage": actor is not None and bool(services.allowed_next(challenge, actor)),
        "may_edit": actor is not None
        and challenge.status in (S.DRAFT, S.OPERATOR_REVIEW)
        and actor.has_perm("challenges.change_challenge", challenge),
        "may_see_applications": actor is not None and actor.has_perm("challenges.view_applications", challenge),
        "objections": list(challenge.objections.all()),
        "shortlist": list(challenge.applications.filter(status="shortlisted").order_by("shortlist_rank"))
        if challenge.status == S.PUBLICITY
        else [],
        "agreements": selectors.agreements_of(challenge),
        "award_receipt": selectors.receipt_of(challenge.award_entry),
        "timeline": list(challenge.status_changes.all()),
        "solvers": _solvers(challenge) if public else [],
        "objection_form": ObjectionForm(),
        "answer_form": AnswerForm(),
    }
    return render(request, "challenges/detail.html", context)


@login_required
@require_POST
def accept_nda(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = _challenge(request, pk)
    try:
        services.accept_nda(actor=_user(request), challenge=challenge)
        messages.success(request, _("You accepted the confidentiality terms; the details are shown below."))
    except DomainError as exc:
        _refused(request, exc)
    return redirect("challenges:detail", pk)


@login_required
@require_POST
def raise_objection(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = _challenge(request, pk)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            services.raise_objection(actor=_user(request), challenge=challenge, text=form.cleaned_data["text"])
            messages.success(request, _("Your objection is recorded; the answer will be published here."))
        except DomainError as exc:
            _refused(request, exc)
    else:
        messages.error(request, _("Write your objection."))
    return redirect("challenges:detail", pk)


@login_required
@require_POST
def answer_objection(request: HttpRequest, pk: int) -> HttpResponse:
    objection = Objection.objects.select_related("challenge").filter(pk=pk).first()
    if objection is None:
        raise Http404
    _challenge(request, objection.challenge_id)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer_objection(actor=_user(request), objection=objection, answer=form.cleaned_data["answer"])
            messages.success(request, _("The answer is published."))
        except DomainError as exc:
            _refused(request, exc)
    else:
        messages.error(request, _("Write the answer."))
    return redirect("challenges:detail", objection.challenge_id)


# ---------------------------------------------------------------- issuer


@login_required
@require_http_methods(["GET", "POST"])
def challenge_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ChallengeForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            challenge = services.create_challenge(actor=user, issuer=form.cleaned_data["issuer"], **form.values())
        except DomainError as exc:
            _refused(request, exc, form)
        else:
            messages.success(request, _("The draft is saved. Submit it for review when it is complete."))
            return redirect("challenges:detail", challenge.pk)
    return render(request, "challenges/edit.html", {"form": form, "challenge": None})


@login_required
@require_http_methods(["GET", "POST"])
def challenge_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    challenge = _challenge(request, pk)
    form = ChallengeForm(request.POST or None, user=user, challenge=challenge)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        try:
            services.update_challenge(
                actor=user,
                challenge=challenge,
                bounty=values.pop("bounty"),
                issuer_share=values.pop("issuer_share"),
                subsidy_share=values.pop("subsidy_share"),
                indicators=values.pop("indicators"),
                stage_gates=values.pop("stage_gates"),
                **values,
            )
        except DomainError as exc:
            _refused(request, exc, form)
        else:
            messages.success(request, _("The list is saved."))
            return redirect("challenges:detail", pk)
    return render(request, "challenges/edit.html", {"form": form, "challenge": challenge})


@login_required
def challenge_applications(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = _challenge(request, pk)
    if not request.user.has_perm("challenges.view_applications", challenge):
        raise Http404
    rows = {row.application_id: row for row in _review_rows(challenge)}
    applications = list(selectors.applications_of(challenge))
    return render(
        request,
        "challenges/applications.html",
        {"challenge": challenge, "applications": [(a, rows.get(a.pk)) for a in applications]},
    )


def _review_rows(challenge: Challenge) -> list[reviewing.ReviewRow]:
    if challenge.status in (S.DRAFT, S.OPERATOR_REVIEW, S.PUBLISHED, S.APPLICATIONS_CLOSED):
        return []
    return reviewing.review_rows(challenge)


# ---------------------------------------------------------------- applicant


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    challenge = _challenge(request, pk)
    form = ApplicationForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.apply(
                actor=user,
                challenge=challenge,
                team_name=data["team_name"],
                proposal=data["proposal"],
                technical_route=data["technical_route"],
                plan=data["plan"],
                organization=data.get("organization"),
                members=data["members"],
            )
        except DomainError as exc:
            _refused(request, exc, form)
        else:
            messages.success(request, _("Your application is submitted."))
            return redirect("challenges:mine")
    return render(request, "challenges/apply.html", {"form": form, "challenge": challenge})


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The signed-in user's side: applications and their milestones, and the lists they issue."""
    user = _user(request)
    applications = list(selectors.my_applications(user).prefetch_related("agreement__milestones"))
    return render(
        request,
        "challenges/mine.html",
        {"applications": applications, "issued": list(selectors.issuer_challenges(user)[:50])},
    )


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        application = selectors.get_application_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    feedback = reviewing.feedback_for(application)
    rows = application.member_rows()
    viewer = _user(request)
    is_lead = application.lead_id == viewer.pk
    context = {
        "application": application,
        "feedback": feedback,
        "members": [row.user for row in rows if row.status == MemberStatus.ACCEPTED],
        # The lead follows every invitation; an invited person sees only their own.
        "invitations": rows if is_lead else [],
        "my_invitation": next((row for row in rows if row.user_id == viewer.pk), None),
        "may_withdraw_invitations": is_lead and teams.is_editable(application),
    }
    return render(request, "challenges/application.html", context)


@login_required
@require_POST
def answer_invitation(request: HttpRequest, pk: int, answer: str) -> HttpResponse:
    """The invited person accepts or declines joining the team (``answer`` is accept or decline)."""
    try:
        application = selectors.get_application_for(request.user, pk)
        services.answer_invitation(actor=_user(request), application=application, accept=answer == "accept")
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request, _("You joined the team.") if answer == "accept" else _("You declined the invitation.")
        )
    return redirect("challenges:application", pk=pk)


@login_required
@require_POST
def withdraw_invitation(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    """The team lead takes back a pending invitation."""
    try:
        application = selectors.get_application_for(request.user, pk)
        invited = User.objects.filter(pk=user_id).first()
        if invited is None:
            raise NotFound()
        services.withdraw_invitation(actor=_user(request), application=application, user=invited)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The invitation is withdrawn."))
    return redirect("challenges:application", pk=pk)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        application = selectors.get_application_for(request.user, pk)
        services.withdraw_application(actor=_user(request), application=application)
        messages.success(request, _("Your application is withdrawn."))
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _refused(request, exc)
    return redirect("challenges:mine")


@login_required
@require_http_methods(["GET", "POST"])
def milestone(request: HttpRequest, pk: int) -> HttpResponse:
    """A milestone: the team submits evidence, the issuer decides, the operator releases the tranche."""
    user = _user(request)
    try:
        item = selectors.get_milestone_for(user, pk)
    except NotFound:
        raise Http404 from None
    agreement = item.agreement
    evidence_form = EvidenceForm(prefix="evidence")
    decision_form = MilestoneDecisionForm(prefix="decision")
    release_form = ReleaseForm(prefix="release")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "evidence":
                evidence_form = EvidenceForm(request.POST, request.FILES, prefix="evidence")
                if evidence_form.is_valid():
                    files = evidence_form.digests()
                    services.submit_evidence(
                        actor=user, milestone=item, evidence=evidence_form.cleaned_data["evidence"], files=files
                    )
                    messages.success(request, _("The evidence is submitted."))
                    return redirect("challenges:milestone", pk)
            elif action == "decision":
                decision_form = MilestoneDecisionForm(request.POST, prefix="decision")
                if decision_form.is_valid():
                    services.decide_milestone(
                        actor=user,
                        milestone=item,
                        accept=decision_form.cleaned_data["accept"],
                        reasons=decision_form.cleaned_data["reasons"],
                    )
                    messages.success(request, _("The decision is recorded."))
                    return redirect("challenges:milestone", pk)
            elif action == "release":
                release_form = ReleaseForm(request.POST, prefix="release")
                if release_form.is_valid():
                    # The claim and the payment commit together: a refused payment leaves the token unused.
                    with transaction.atomic():
                        if claim_form_token(request, release_form.cleaned_data["once"]):
                            amount = release_form.cleaned_data["amount"]
                            services.release_tranche(actor=user, milestone=item, amount=amount)
                            messages.success(request, _("The tranche is released."))
                        else:
                            messages.info(request, _("This form was sent already; the tranche was released once."))
                    return redirect("challenges:milestone", pk)
        except DomainError as exc:
            _refused(request, exc)
    item.refresh_from_db()
    releases = [(r, selectors.receipt_of(r.ledger_entry)) for r in item.releases.select_related("ledger_entry__leaf")]
    # Once the whole tranche is paid there is nothing left to release: no form that could only be refused.
    unpaid = item.amount_fen - sum(release.amount_fen for release, _receipt in releases)
    context = {
        "milestone": item,
        "title": item.deliverable,
        "criterion": item.criterion,
        "agreement": agreement,
        "challenge": agreement.challenge,
        "may_submit": user.has_perm("challenges.submit_evidence", agreement) and item.status in ("planned", "rejected"),
        "may_decide": user.has_perm("challenges.accept_milestone", agreement) and item.status == "submitted",
        "may_release": user.has_perm("challenges.release_tranche", agreement.challenge)
        and item.status == "accepted"
        and unpaid > 0,
        "sees_evidence": user.has_perm("challenges.view_evidence", agreement),
        "acceptance": selectors.receipt_of(item.acceptance_entry),
        "releases": releases,
        "evidence_form": evidence_form,
        "decision_form": decision_form,
        "release_form": release_form,
    }
    return render(request, "challenges/milestone.html", context)


# ---------------------------------------------------------------- operator


@login_required
def operate(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("challenges.moderate_challenge"):
        raise Http404
    return render(request, "challenges/operate.html", {"queue": list(selectors.operator_queue()[:200])})


@login_required
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, pk: int) -> HttpResponse:
    """The next steps of a list for whoever may take them: a button per lifecycle step (named in
    :data:`kechuang.challenges.services.EDGES`), escrow, shortlist, award and stage gates.

    Termination is offered here as a link to :func:`terminate`, which says what it ends before it is confirmed.
    """
    user = _user(request)
    challenge = _challenge(request, pk)
    targets = services.allowed_next(challenge, user)
    may_escrow = challenge.status in (S.DRAFT, S.OPERATOR_REVIEW) and user.has_perm(
        "challenges.record_escrow", challenge
    )
    may_gate = (
        challenge.status == S.IN_PROGRESS
        and challenge.is_race
        and user.has_perm("challenges.decide_stage_gate", challenge)
    )
    if not targets and not may_escrow and not may_gate:
        raise Http404
    action = request.POST.get("action") if request.method == "POST" else None
    bound = request.POST if request.method == "POST" else None
    simple = [t for t in targets if (challenge.status, t) not in _SPECIAL and t != S.TERMINATED]
    sent_to = request.POST.get("to", "") if action == "transition" else ""
    forms: dict[str, Any] = {
        "transition": TransitionForm(
            bound if action == "transition" else None,
            targets=simple,
            auto_id=f"id_{sent_to}_%s" if sent_to in simple else "id_%s",
        ),
        "escrow": EscrowForm(bound if action == "escrow" else None, prefix="e") if may_escrow else None,
        "shortlist": ShortlistForm(bound if action == "shortlist" else None, challenge=challenge, prefix="s")
        if S.SHORTLIST in targets
        else None,
        "award": AwardForm(bound if action == "award" else None, challenge=challenge, prefix="a")
        if S.AWARDED in targets
        else None,
        "gate": GateDecisionForm(bound if action == "gate" else None, challenge=challenge, prefix="g")
        if may_gate
        else None,
    }
    if action in forms and forms[action] is not None and forms[action].is_valid():
        done = _act(request, user, challenge, action, forms[action])
        if done:
            # Escrow is often recorded in parts: back to this page, as a fresh GET so a reload cannot post again.
            return redirect("challenges:manage" if action == "escrow" else "challenges:detail", pk)
    elif action == "transition" and "to" in forms["transition"].errors:
        # A page left open while someone else moved the list on: its button names a step no longer open.
        messages.error(
            request,
            _("This step is not open now: the list is “%(status)s”.") % {"status": challenge.get_status_display()},
        )
    steps = _steps(challenge, simple, forms["transition"])
    context = {
        "challenge": challenge,
        "forms": forms,
        "steps": steps,
        "plain_steps": [step for step in steps if not step["asks_reason"]],
        "reason_steps": [step for step in steps if step["asks_reason"]],
        "labels": {to: services.EDGES[(challenge.status, to)].label for to in targets},
        "may_terminate": S.TERMINATED in targets,
        "problems": services.measurable_problems(challenge) if challenge.status in (S.DRAFT, S.OPERATOR_REVIEW) else [],
        "review": _review_rows(challenge) if challenge.status == S.REVIEW else [],
        # The pool, the assignment run and the scores live on the review engine's call page.
        "review_call": reviewing.review_call(challenge) if challenge.status == S.REVIEW else None,
    }
    return render(request, "challenges/manage.html", context)


_SPECIAL = {(S.REVIEW, S.SHORTLIST), (S.PUBLICITY, S.AWARDED)}


def _steps(challenge: Challenge, simple: list[str], sent: TransitionForm) -> list[dict[str, Any]]:
    """One entry per plain step: its target, its button's label, and its form (the sent one, if it was this step)."""
    steps = []
    for to in simple:
        edge = services.EDGES[(challenge.status, to)]
        mine = sent.is_bound and sent.data.get("to") == to
        form = sent if mine else TransitionForm(targets=[to], auto_id=f"id_{to}_%s")
        steps.append({"to": to, "label": edge.label, "asks_reason": edge.asks_reason, "form": form})
    return steps


def _act(request: HttpRequest, user: User, challenge: Challenge, action: str, form: Any) -> bool:
    """Take the sent form's step; say what it did, or show the service's refusal (and return False)."""
    data = form.cleaned_data
    try:
        if action == "transition":
            challenge = services.transition(actor=user, challenge=challenge, to=data["to"], reason=data["reason"])
        elif action == "escrow":
            # The claim and the deposit commit together: a refused deposit leaves the token unused.
            with transaction.atomic():
                if not claim_form_token(request, data["once"]):
                    messages.info(request, _("This form was sent already; the escrow was recorded once."))
                    return True
                services.record_escrow(
                    actor=user,
                    challenge=challenge,
                    source=data["source"],
                    amount=data["amount"],
                    reference=data["reference"],
                )
            messages.success(request, _("The escrow is recorded."))
            return True
        elif action == "shortlist":
            challenge = services.transition(
                actor=user,
                challenge=challenge,
                to=S.SHORTLIST,
                reason=data["reason"],
                shortlist=[a.pk for a in data["applications"]],
            )
        elif action == "award":
            challenge = services.transition(
                actor=user, challenge=challenge, to=S.AWARDED, reason=data["reason"], awards=form.plans()
            )
        elif action == "gate":
            services.decide_stage_gate(
                actor=user,
                gate=data["gate"],
                agreement=data["agreement"],
                decision=data["decision"],
                reasons=data["reasons"],
                merged_into=data.get("merged_into"),
            )
            messages.success(request, _("The decision is recorded."))
            return True
    except DomainError as exc:
        _refused(request, exc, form)
        return False
    messages.success(request, _("The list is now “%(status)s”.") % {"status": challenge.get_status_display()})
    return True


@login_required
@require_http_methods(["GET", "POST"])
def terminate(request: HttpRequest, pk: int) -> HttpResponse:
    """Terminating a list, on a page of its own: what it ends, each working team's due-diligence
    record, and the confirming button. Only those who may terminate the list see the page."""
    user = _user(request)
    challenge = _challenge(request, pk)
    if S.TERMINATED not in services.allowed_next(challenge, user):
        raise Http404
    form = TerminationForm(request.POST if request.method == "POST" else None, challenge=challenge, prefix="x")
    if request.method == "POST" and form.is_valid():
        try:
            services.transition(
                actor=user,
                challenge=challenge,
                to=S.TERMINATED,
                reason=form.cleaned_data["reason"],
                diligence=form.diligence(),
            )
        except DomainError as exc:
            _refused(request, exc, form)
        else:
            messages.success(request, _("The list is terminated."))
            return redirect("challenges:detail", pk)
    context = {"challenge": challenge, "form": form, "label": services.EDGES[(challenge.status, S.TERMINATED)].label}
    return render(request, "challenges/terminate.html", context)
