"""Forms of the review pages. Each ``submit`` calls one service; refusals come back as field errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.models import User
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.i18n import localized
from kechuang.review import services
from kechuang.review.enums import DecisionOutcome
from kechuang.review.models import Assignment, Call, Criterion, Item, PoolReviewer, Review

TEXTAREA = forms.Textarea(attrs={"rows": 4})


class ServiceForm(forms.Form):
    """A form whose ``submit`` turns a :class:`DomainError` into form errors and returns None."""

    field_of: dict[str, str] = {}

    def refuse(self, exc: DomainError) -> None:
        if not exc.errors:
            self.add_error(None, str(exc.detail))
        for name, messages in exc.errors.items():
            target = self.field_of.get(name, name)
            for message in messages:
                self.add_error(target if target in self.fields else None, message)


def score_field(criterion: Criterion) -> str:
    return f"score_{criterion.pk}"


def note_field(criterion: Criterion) -> str:
    return f"note_{criterion.pk}"


class ReviewForm(ServiceForm):
    """Built from the call's criteria: a score (with its scale) and an optional remark for each."""

    comment_to_applicant = forms.CharField(
        label=_("Comment to the applicant"), required=False, max_length=8000, widget=TEXTAREA
    )
    comment_to_operator = forms.CharField(
        label=_("Comment to the operator (not shown to the applicant)"),
        required=False,
        max_length=8000,
        widget=TEXTAREA,
    )

    def __init__(self, *args: Any, criteria: list[Criterion], review: Review | None = None, **kwargs: Any) -> None:
        if review is not None and "initial" not in kwargs:
            initial: dict[str, Any] = {
                "comment_to_applicant": review.comment_to_applicant,
                "comment_to_operator": review.comment_to_operator,
            }
            for criterion in criteria:
                initial[score_field(criterion)] = review.scores.get(str(criterion.pk))
                initial[note_field(criterion)] = review.notes.get(str(criterion.pk), "")
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.field_of = {f"scores.{c.pk}": score_field(c) for c in criteria}
        scored: dict[str, forms.Field] = {}
        for criterion in criteria:
            # The criterion's name heads its group of fields (see ``groups``); the score field is just "Score".
            scored[score_field(criterion)] = forms.IntegerField(
                label=_("Score"),
                min_value=criterion.scale_min,
                max_value=criterion.scale_max,
                help_text=_("A whole number from %(low)d to %(high)d.")
                % {"low": criterion.scale_min, "high": criterion.scale_max},
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
            scored[note_field(criterion)] = forms.CharField(
                label=_("Remark on this criterion for the applicant"),
                required=False,
                max_length=8000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.fields = {**scored, **self.fields}

    def groups(self) -> list[tuple[str, str, forms.BoundField, forms.BoundField]]:
        """Per criterion: its heading (name and weight), what it asks (its description, maybe empty), its score
        field and its remark field."""
        return [
            (
                _("%(name)s (weight %(weight)d%%)") % {"name": localized(c.name), "weight": c.weight},
                localized(c.description),
                self[score_field(c)],
                self[note_field(c)],
            )
            for c in self.criteria
        ]

    def submit(self, *, actor: User, assignment: Assignment) -> Review | None:
        data = self.cleaned_data
        try:
            return services.submit_review(
                actor=actor,
                assignment=assignment,
                scores={str(c.pk): data[score_field(c)] for c in self.criteria},
                notes={str(c.pk): data.get(note_field(c), "") for c in self.criteria},
                comment_to_applicant=data["comment_to_applicant"],
                comment_to_operator=data["comment_to_operator"],
            )
        except DomainError as exc:
            if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.PERMISSION_DENIED):
                raise
            self.refuse(exc)
            return None


class ReasonForm(ServiceForm):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


def _pool_choices(call: Call) -> list[tuple[str, str]]:
    members = PoolReviewer.objects.filter(call=call).select_related("user").order_by("user__username")
    return [(str(m.user_id), f"{m.user} ({m.user.username})") for m in members]


class AssignForm(ReasonForm):
    reviewer = forms.ChoiceField(label=_("Reviewer"))
    field_order = ["reviewer", "reason"]

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].choices = _pool_choices(call)  # type: ignore[attr-defined]

    def chosen_reviewer(self) -> User:
        return User.objects.get(pk=int(self.cleaned_data["reviewer"]))


class ConflictForm(AssignForm):
    """An operator's conflict: which reviewer, and why."""


class InviteForm(ServiceForm):
    INDUSTRY_CHOICES = [
        ("", _("From the reviewer's affiliation")),
        ("yes", _("Industry expert")),
        ("no", _("Not an industry expert")),
    ]
    user = forms.CharField(label=_("User name or e-mail address"), max_length=254)
    industry = forms.ChoiceField(label=_("Industry expert"), choices=INDUSTRY_CHOICES, required=False)
    max_load = forms.IntegerField(label=_("Most items (empty: the call's limit)"), min_value=1, required=False)

    def clean_user(self) -> User:
        name = self.cleaned_data["user"].strip()
        found = User.objects.filter(Q(username=name) | Q(email__iexact=name), is_active=True).first()
        if found is None:
            raise forms.ValidationError(_("No active user has this name or e-mail address."))
        return found

    def submit(self, *, actor: User, call: Call) -> PoolReviewer | None:
        industry = {"yes": True, "no": False}.get(self.cleaned_data.get("industry") or "")
        try:
            return services.invite_reviewer(
                actor=actor,
                call=call,
                user=self.cleaned_data["user"],
                industry=industry,
                max_load=self.cleaned_data.get("max_load"),
            )
        except DomainError as exc:
            self.refuse(exc)
            return None


class ReconcileForm(ServiceForm):
    note = forms.CharField(label=_("Reconciliation note"), max_length=8000, widget=TEXTAREA)


class DecideForm(ServiceForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=DecisionOutcome.choices)
    reasons = forms.CharField(label=_("Reasons"), max_length=8000, widget=TEXTAREA)

    def submit(self, *, actor: User, item: Item) -> Any:
        try:
            return services.decide(
                actor=actor, item=item, outcome=self.cleaned_data["outcome"], reasons=self.cleaned_data["reasons"]
            )
        except DomainError as exc:
            self.refuse(exc)
            return None
