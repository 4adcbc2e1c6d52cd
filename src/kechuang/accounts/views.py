"""Account pages: sign in and up, password reset, settings, tokens, memberships, expert profile.

Views read through :mod:`~kechuang.accounts.selectors` and write through the forms' ``submit``,
which call :mod:`~kechuang.accounts.services`. Permission is the services' business: a view turns
"not found" into 404 and "not allowed" into 403, and shows any other refusal as a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kechuang.accounts import selectors, services
from kechuang.accounts.forms import (
    AccountForm,
    AffiliationForm,
    ExpertProfileForm,
    LoginForm,
    MembershipRequestForm,
    OrganizationProposalForm,
    RelationForm,
    ShareholdingForm,
    SignupForm,
    TokenForm,
    WorkForm,
    expert_options,
    organization_options,
    role_choices,
)
from kechuang.accounts.models import ExpertProfile, Membership, Organization, User
from kechuang.core.errors import DomainError, NotFound, PermissionDenied
from kechuang.core.paging import paginate

BACKEND = "kechuang.accounts.backends.UsernameOrEmailBackend"


def _user(request: HttpRequest) -> User:
    # Only called behind login_required, where the user is a real account, never AnonymousUser.
    return cast(User, request.user)


def _client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: a forwarded-for header is whatever the client wants it to be unless a
    # trusted proxy rewrites it, and the deployment's proxy sets REMOTE_ADDR itself.
    return request.META.get("REMOTE_ADDR") or None


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


# ---------------------------------------------------------------- signing in and out


class LoginView(auth_views.LoginView):
    """Django's sign-in, throttled: a locked account name or address is refused before any password check."""

    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        name = request.POST.get("username", "").strip()
        if name and selectors.login_locked(username=name, ip=_client_ip(request)):
            # An unbound form: a bound one would authenticate as soon as its errors are shown.
            form = LoginForm(request, initial={"username": name})
            minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
            return self.render_to_response(self.get_context_data(form=form, locked_minutes=minutes), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        name = str(form.data.get("username", "")).strip()
        if name and form.data.get("password"):
            services.note_failed_login(username=name, ip=_client_ip(self.request))
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        for name in {str(form.cleaned_data["username"]), user.username, user.email}:
            if name:
                services.clear_failed_logins(username=name)
        return super().form_valid(form)


logout_view = auth_views.LogoutView.as_view()  # POST only since Django 5.0


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignupForm(_posted(request))
    if request.method == "POST" and form.is_valid() and (user := form.submit()) is not None:
        login(request, user, backend=BACKEND)
        messages.success(request, _("Welcome, %(name)s. Your account is ready.") % {"name": user})
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/signup.html", {"form": form})


# ---------------------------------------------------------------- passwords


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        # The link in the mail points at the public address, not at whatever host the request used.
        self.extra_email_context = {
            "site_url": settings.SITE_URL.rstrip("/"),
            "timeout_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        }
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")


# ---------------------------------------------------------------- settings


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = AccountForm(_posted(request), initial={"display_name": user.display_name, "email": user.email})
    if request.method == "POST" and form.is_valid() and form.submit(actor=user) is not None:
        messages.success(request, _("Your account settings are saved."))
        return redirect("accounts:settings")
    password_form = PasswordChangeForm(user)
    password_form.fields["old_password"].widget.attrs.pop("autofocus", None)
    memberships = paginate(selectors.memberships_of(user), page=1, page_size=10)
    return render(
        request, "accounts/settings.html", {"form": form, "password_form": password_form, "memberships": memberships}
    )


# ---------------------------------------------------------------- tokens


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The token list and the create form. A new token is in this one response only and is never stored."""
    user = _user(request)
    form = TokenForm(_posted(request))
    created = None
    if request.method == "POST" and form.is_valid() and (result := form.submit(actor=user)) is not None:
        created = {"token": result[0], "raw": result[1]}
        form = TokenForm()
    page = paginate(selectors.tokens_of(user), page=request.GET.get("page"))
    return render(
        request, "accounts/tokens.html", {"form": form, "created": created, "page": page, "now": timezone.now()}
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    token = selectors.tokens_of(user).filter(pk=pk).first()
    if token is None:
        raise Http404
    services.revoke_access_token(actor=user, token=token)
    messages.success(request, _("The token “%(name)s” is revoked and no longer works.") % {"name": token.name})
    return redirect("accounts:tokens")


# ---------------------------------------------------------------- memberships


def _memberships_page(request: HttpRequest, form: MembershipRequestForm) -> HttpResponse:
    user = _user(request)
    members = paginate(selectors.members_administered_by(user), page=request.GET.get("members"))
    context = {
        "form": form,
        "mine": paginate(selectors.memberships_of(user), page=request.GET.get("mine")),
        "pending": paginate(selectors.pending_memberships_for_admin(user), page=request.GET.get("pending")),
        "members": members,
        "decides": members.count > 0 or user.has_perm("accounts.view_audit"),
    }
    return render(request, "accounts/memberships.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def memberships(request: HttpRequest) -> HttpResponse:
    form = MembershipRequestForm(_posted(request))
    if request.method == "POST":
        if "find" in request.POST:
            form.keep_values_only()
        elif form.is_valid() and (membership := form.submit(actor=_user(request))) is not None:
            messages.success(
                request,
                _("You asked to be %(role)s of %(organization)s; an administrator will decide.")
                % {"role": membership.get_role_display(), "organization": membership.organization},
            )
            return redirect("accounts:memberships")
    return _memberships_page(request, form)


MEMBERSHIP_ACTIONS: dict[str, tuple[Callable[..., Membership], Promise]] = {
    "approve": (services.approve_membership, gettext_lazy("%(user)s is now %(role)s of %(organization)s.")),
    "reject": (
        services.reject_membership,
        gettext_lazy("The request of %(user)s to be %(role)s of %(organization)s is rejected."),
    ),
    "revoke": (services.revoke_membership, gettext_lazy("%(user)s is no longer %(role)s of %(organization)s.")),
}


@login_required
@require_POST
def membership_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Approve, reject or revoke; 404 unless the user decides for the organisation or it is their own."""
    user = _user(request)
    try:
        membership = selectors.get_membership_for(user, pk)
    except NotFound:
        raise Http404 from None
    service, done = MEMBERSHIP_ACTIONS[action]
    error = ""
    try:
        membership = service(actor=user, membership=membership)
    except PermissionDenied:
        raise DjangoPermissionDenied from None
    except DomainError as exc:
        error = str(exc.detail)
    if _is_htmx(request):
        return render(request, "accounts/memberships.html#pending-row", {"membership": membership, "error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            str(done)
            % {
                "user": membership.user,
                "organization": membership.organization,
                "role": membership.get_role_display(),
            },
        )
    return redirect("accounts:memberships")


@login_required
@require_GET
def organization_options_view(request: HttpRequest) -> HttpResponse:
    """The <option>s of an organisation picker for what was typed (htmx)."""
    options = organization_options(query=request.GET.get("organization_query", ""))
    return render(request, "accounts/_organization_options.html", {"options": options})


@login_required
@require_GET
def role_options_view(request: HttpRequest) -> HttpResponse:
    """The <option>s of the role select for the chosen organisation (htmx)."""
    raw = request.GET.get("organization", "")
    organization = selectors.organizations().filter(pk=int(raw)).first() if raw.isdigit() else None
    return render(request, "accounts/_role_options.html", {"options": role_choices(organization)})


# ---------------------------------------------------------------- organisations


@login_required
@require_http_methods(["GET", "POST"])
def organization_propose(request: HttpRequest) -> HttpResponse:
    form = OrganizationProposalForm(_posted(request))
    if request.method == "POST" and form.is_valid() and (organization := form.submit(actor=_user(request))) is not None:
        messages.success(
            request,
            _("Thank you. An operator will review %(name)s; once it is approved you will be its administrator.")
            % {"name": organization},
        )
        return redirect("accounts:memberships")
    return render(request, "accounts/organization_propose.html", {"form": form})


# ---------------------------------------------------------------- expert profile


def _profile_page(
    request: HttpRequest,
    *,
    profile: ExpertProfile | None,
    form: ExpertProfileForm,
    work_form: WorkForm,
    history_form: AffiliationForm | None = None,
    relation_form: RelationForm | None = None,
) -> HttpResponse:
    user = _user(request)
    works = selectors.visible_works(request.user, profile) if profile is not None else []
    context = {
        "profile": profile,
        "form": form,
        "work_form": work_form,
        "works": works,
        "history": selectors.visible_history(user, profile) if profile is not None else [],
        "relations": list(selectors.relations_of(profile)) if profile is not None else [],
        "history_form": history_form or AffiliationForm(),
        "relation_form": relation_form or RelationForm(user=user),
    }
    return render(request, "accounts/profile_edit.html", context)


def _profile_form(request: HttpRequest, profile: ExpertProfile | None, data: Any = None) -> ExpertProfileForm:
    user = _user(request)
    return ExpertProfileForm(data, user=user, initial=ExpertProfileForm.initial_for(profile, user))


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    profile = selectors.expert_profile_of(request.user)
    form = _profile_form(request, profile, _posted(request))
    if request.method == "POST":
        if "find" in request.POST:
            form.keep_values_only()
        elif form.is_valid() and form.submit(actor=_user(request)) is not None:
            messages.success(request, _("Your expert profile is saved."))
            return redirect("accounts:profile_edit")
    return _profile_page(request, profile=profile, form=form, work_form=WorkForm())


def _own_profile_or_404(request: HttpRequest) -> ExpertProfile:
    profile = selectors.expert_profile_of(request.user)
    if profile is None:
        raise Http404
    return profile


@login_required
@require_POST
def work_add(request: HttpRequest) -> HttpResponse:
    profile = _own_profile_or_404(request)
    work_form = WorkForm(request.POST)
    if work_form.is_valid() and (work := work_form.submit(actor=_user(request), profile=profile)) is not None:
        messages.success(request, _("“%(title)s” is added to your works.") % {"title": work})
        return HttpResponseRedirect(reverse("accounts:profile_edit") + "#works")
    return _profile_page(request, profile=profile, form=_profile_form(request, profile), work_form=work_form)


@login_required
@require_POST
def work_delete(request: HttpRequest, pk: int) -> HttpResponse:
    profile = _own_profile_or_404(request)
    work = profile.works.filter(pk=pk).first()
    if work is None:
        raise Http404
    services.delete_work(actor=_user(request), work=work)
    messages.success(request, _("“%(title)s” is removed from your works.") % {"title": work})
    return HttpResponseRedirect(reverse("accounts:profile_edit") + "#works")


# ---------------------------------------------------------------- employment history and relations


@login_required
@require_POST
def history_add(request: HttpRequest) -> HttpResponse:
    profile = _own_profile_or_404(request)
    history_form = AffiliationForm(request.POST)
    if "find" in request.POST:
        history_form.keep_values_only()
    elif history_form.is_valid() and (row := history_form.submit(actor=_user(request), profile=profile)) is not None:
        messages.success(
            request, _("%(organization)s is added to your employment history.") % {"organization": row.organization}
        )
        return HttpResponseRedirect(reverse("accounts:profile_edit") + "#history")
    return _profile_page(
        request, profile=profile, form=_profile_form(request, profile), work_form=WorkForm(), history_form=history_form
    )


@login_required
@require_POST
def history_delete(request: HttpRequest, pk: int) -> HttpResponse:
    profile = _own_profile_or_404(request)
    row = profile.history.select_related("organization").filter(pk=pk).first()
    if row is None:
        raise Http404
    services.delete_affiliation(actor=_user(request), affiliation=row)
    messages.success(
        request, _("%(organization)s is removed from your employment history.") % {"organization": row.organization}
    )
    return HttpResponseRedirect(reverse("accounts:profile_edit") + "#history")


@login_required
@require_POST
def relation_add(request: HttpRequest) -> HttpResponse:
    profile = _own_profile_or_404(request)
    user = _user(request)
    relation_form = RelationForm(request.POST, user=user)
    if "find" in request.POST:
        relation_form.keep_values_only()
    elif relation_form.is_valid() and (relation := relation_form.submit(actor=user, profile=profile)) is not None:
        messages.success(
            request,
            _("Your relation with %(name)s is declared. Only the two of you and the operators see it.")
            % {"name": relation.to_profile},
        )
        return HttpResponseRedirect(reverse("accounts:profile_edit") + "#relations")
    return _profile_page(
        request,
        profile=profile,
        form=_profile_form(request, profile),
        work_form=WorkForm(),
        relation_form=relation_form,
    )


@login_required
@require_POST
def relation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    profile = _own_profile_or_404(request)
    relation = profile.relations.select_related("from_profile", "to_profile").filter(pk=pk).first()
    if relation is None:
        raise Http404
    services.withdraw_relation(actor=_user(request), relation=relation)
    messages.success(request, _("Your relation with %(name)s is withdrawn.") % {"name": relation.to_profile})
    return HttpResponseRedirect(reverse("accounts:profile_edit") + "#relations")


@login_required
@require_GET
def expert_options_view(request: HttpRequest) -> HttpResponse:
    """The <option>s of the expert select of the relation form for what was typed (htmx)."""
    options = expert_options(request.user, query=request.GET.get("expert_query", ""))
    return render(request, "accounts/_expert_options.html", {"options": options})


# ---------------------------------------------------------------- shareholdings


def _administered_organization(request: HttpRequest, pk: int) -> Organization:
    """The organisation if the user may see its shareholdings (its admins, operators); 404 otherwise."""
    user = _user(request)
    try:
        organization = selectors.get_organization_for(user, pk)
    except NotFound:
        raise Http404 from None
    if not user.has_perm("accounts.view_shareholdings", organization):
        raise Http404
    return organization


@login_required
@require_http_methods(["GET", "POST"])
def shareholdings(request: HttpRequest, pk: int) -> HttpResponse:
    """The organisation's shareholders and a form to record one; for its administrators and the operators."""
    organization = _administered_organization(request, pk)
    form = ShareholdingForm(_posted(request))
    if request.method == "POST":
        if "find" in request.POST:
            form.keep_values_only()
        elif form.is_valid() and (holding := form.submit(actor=_user(request), organization=organization)) is not None:
            messages.success(
                request,
                _("%(holder)s holds %(share)s of %(organization)s as of %(date)s.")
                % {
                    "holder": holding.holder_user or holding.holder_organization,
                    "share": holding.share_percent,
                    "organization": organization,
                    "date": holding.as_of.isoformat(),
                },
            )
            return redirect("accounts:shareholdings", pk=organization.pk)
    page = paginate(selectors.shareholdings_of(organization), page=request.GET.get("page"))
    return render(request, "accounts/shareholdings.html", {"organization": organization, "form": form, "page": page})


@login_required
@require_POST
def shareholding_delete(request: HttpRequest, pk: int, holding: int) -> HttpResponse:
    organization = _administered_organization(request, pk)
    row = selectors.shareholdings_of(organization).filter(pk=holding).first()
    if row is None:
        raise Http404
    try:
        services.remove_shareholding(actor=_user(request), shareholding=row)
    except PermissionDenied:
        raise DjangoPermissionDenied from None
    messages.success(
        request,
        _("The shareholding of %(holder)s is removed.") % {"holder": row.holder_user or row.holder_organization},
    )
    return redirect("accounts:shareholdings", pk=organization.pk)
