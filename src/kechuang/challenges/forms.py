"""Forms of the challenges pages. They read and check input; the services decide and write.

A list's indicators and stage gates are typed one row per line with ``|`` between the parts; an
award's milestones are rows of fields (a formset with spare empty rows and an "add a row" button),
which work on a phone without any script. Forms that move money carry a one-time token
(:func:`kechuang.core.idempotency.new_form_token`) that the view claims, so a double submit writes once.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.models import Organization, User
from kechuang.challenges import services
from kechuang.challenges.enums import ChallengeStatus, FundingSource, GateDecision, IpTerms
from kechuang.challenges.models import Agreement, Application, Challenge, StageGate
from kechuang.core.i18n import bilingual, localized
from kechuang.core.idempotency import new_form_token
from kechuang.core.money import Money
from kechuang.core.regions import region_choices
from kechuang.core.sectors import sector_choices

TEXTAREA = forms.Textarea(attrs={"rows": 4})
SHORT_TEXTAREA = forms.Textarea(attrs={"rows": 2})
MAX_EVIDENCE_FILE = 50 * 1024 * 1024


class MoneyField(forms.CharField):
    """An amount typed in yuan ("1,000万", "12.5万元", "3000000"), cleaned to :class:`Money`."""

    def to_python(self, value: Any) -> Money | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        return Money.parse(text)


def _lines(text: str, parts: int, field: str, optional: tuple[int, ...] = ()) -> list[list[str]]:
    """Non-empty lines split on ``|`` into ``parts`` cells; cells other than ``optional`` ones must be filled."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) != parts or not all(cell for i, cell in enumerate(cells) if i not in optional):
            raise ValidationError(
                _("Line %(number)d: write %(parts)d parts separated by “|”."),
                code=f"{field}_line",
                params={"number": number, "parts": parts},
            )
        rows.append(cells)
    return rows


def _date(text: str, number: int) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            _("Line %(number)d: write the date as YYYY-MM-DD."), code="date", params={"number": number}
        ) from None


class ChallengeForm(forms.Form):
    issuer = forms.ModelChoiceField(label=_("Issuer"), queryset=Organization.objects.none())
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    summary = forms.CharField(label=_("Public summary"), max_length=2000, widget=TEXTAREA)
    problem = forms.CharField(label=_("Problem statement"), max_length=8000, widget=TEXTAREA)
    details = forms.CharField(
        label=_("Confidential details"),
        max_length=20000,
        required=False,
        widget=TEXTAREA,
        help_text=_("Shown only to people who accept the non-disclosure terms."),
    )
    indicators = forms.CharField(
        label=_("Technical indicators"),
        widget=TEXTAREA,
        required=False,
        help_text=_("One per line: indicator | target value | unit | how it is accepted."),
    )
    bounty = MoneyField(label=_("Bounty"), help_text=_("In yuan, e.g. 1000万."))
    issuer_share = MoneyField(label=_("Paid by the issuer"))
    subsidy_share = MoneyField(label=_("Government subsidy"), required=False)
    application_deadline = forms.DateTimeField(
        label=_("Application deadline"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    winners = forms.IntegerField(
        label=_("Number of winners"), min_value=1, max_value=5, initial=1, help_text=_("More than one: a race (赛马).")
    )
    stage_gates = forms.CharField(
        label=_("Stage gates"),
        widget=SHORT_TEXTAREA,
        required=False,
        help_text=_("One per line: YYYY-MM-DD | name."),
    )
    eligibility = forms.CharField(
        label=_("Who may apply"),
        widget=SHORT_TEXTAREA,
        required=False,
        help_text=_("Any able team may apply; do not ask for age, title or seniority."),
    )
    ip_terms = forms.ChoiceField(label=_("IP terms"), choices=IpTerms.choices, initial=IpTerms.SOLVER_LICENCE)
    ip_notes = forms.CharField(label=_("IP notes"), widget=SHORT_TEXTAREA, required=False)
    sectors = forms.MultipleChoiceField(label=_("Sectors"), choices=sector_choices, required=False)
    region = forms.ChoiceField(label=_("Region"), choices=region_choices)

    def __init__(self, *args: Any, user: User, challenge: Challenge | None = None, **kwargs: Any) -> None:
        if challenge is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(challenge)
        super().__init__(*args, **kwargs)
        self.challenge = challenge
        issuer_field = self.fields["issuer"]
        assert isinstance(issuer_field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        issuer_field.queryset = Organization.objects.filter(
            memberships__user=user, memberships__role="admin", memberships__status="approved", status="active"
        ).distinct()
        if challenge is not None:
            issuer_field.disabled = True

    def clean_indicators(self) -> list[services.IndicatorSpec]:
        rows = _lines(self.cleaned_data.get("indicators") or "", 4, "indicators", optional=(2,))
        return [
            services.IndicatorSpec(name=bilingual(zh=name), target=target, unit=unit, acceptance=bilingual(zh=how))
            for name, target, unit, how in rows
        ]

    def clean_stage_gates(self) -> list[services.GateSpec]:
        rows = _lines(self.cleaned_data.get("stage_gates") or "", 2, "stage_gates")
        return [
            services.GateSpec(name=bilingual(zh=name), due_on=_date(day, number))
            for number, (day, name) in enumerate(rows, start=1)
        ]

    def values(self) -> dict[str, Any]:
        """The cleaned form as the create and update services take it."""
        data = self.cleaned_data
        return {
            "title": bilingual(zh=data["title_zh"], en=data.get("title_en", "")),
            "summary": bilingual(zh=data["summary"]),
            "problem": bilingual(zh=data["problem"]),
            "details": bilingual(zh=data.get("details", "")),
            "eligibility": bilingual(zh=data.get("eligibility", "")),
            "ip_terms": data["ip_terms"],
            "ip_notes": bilingual(zh=data.get("ip_notes", "")),
            "bounty": data["bounty"],
            "issuer_share": data["issuer_share"],
            "subsidy_share": data.get("subsidy_share") or Money(0),
            "application_deadline": data["application_deadline"],
            "winners": data["winners"],
            "sectors": list(data.get("sectors") or []),
            "region": data["region"],
            "indicators": data["indicators"],
            "stage_gates": data["stage_gates"],
        }


def initial_of(challenge: Challenge) -> dict[str, Any]:
    return {
        "issuer": challenge.issuer_id,
        "title_zh": challenge.title.get("zh-hans", ""),
        "title_en": challenge.title.get("en", ""),
        "summary": localized(challenge.summary),
        "problem": localized(challenge.problem),
        "details": localized(challenge.details),
        "eligibility": localized(challenge.eligibility),
        "ip_terms": challenge.ip_terms,
        "ip_notes": localized(challenge.ip_notes),
        "bounty": str(challenge.bounty.yuan),
        "issuer_share": str(challenge.issuer_share.yuan),
        "subsidy_share": str(challenge.subsidy_share.yuan),
        "application_deadline": challenge.application_deadline,
        "winners": challenge.winners,
        "sectors": challenge.sectors,
        "region": challenge.region,
        "indicators": "\n".join(
            f"{localized(i.name)} | {i.target} | {i.unit} | {localized(i.acceptance)}"
            for i in challenge.indicators.all()
        ),
        "stage_gates": "\n".join(f"{g.due_on.isoformat()} | {localized(g.name)}" for g in challenge.stage_gates.all()),
    }


class ApplicationForm(forms.Form):
    team_name = forms.CharField(label=_("Team name"), max_length=200)
    organization = forms.ModelChoiceField(
        label=_("Applying organization"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("Optional: a team may apply without an organization."),
    )
    members = forms.CharField(
        label=_("Other team members"),
        required=False,
        help_text=_("Their user names, separated by commas. Each is invited and joins the team by accepting."),
    )
    proposal = forms.CharField(label=_("Proposal"), widget=TEXTAREA, max_length=20000)
    technical_route = forms.CharField(label=_("Technical route"), widget=TEXTAREA, max_length=20000)
    plan = forms.CharField(label=_("Work plan and milestones"), widget=TEXTAREA, max_length=20000)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        field.queryset = Organization.objects.filter(
            memberships__user=user, memberships__status="approved", status="active"
        ).distinct()

    def clean_members(self) -> list[User]:
        names = [n.strip() for n in (self.cleaned_data.get("members") or "").replace("，", ",").split(",") if n.strip()]
        found = {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}
        missing = [n for n in names if n not in found]
        if missing:
            raise ValidationError(
                _("Unknown user names: %(names)s."), code="members", params={"names": ", ".join(missing)}
            )
        return [found[n] for n in names]


class ObjectionForm(forms.Form):
    text = forms.CharField(label=_("Your objection"), widget=TEXTAREA, max_length=5000)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=SHORT_TEXTAREA, max_length=5000)


class OnceForm(forms.Form):
    """A form with a hidden one-time token: a fresh one when shown, the sent one when bound.

    The view claims ``once`` (:func:`kechuang.core.idempotency.claim_form_token`) in the transaction
    of the write, so the same form sent twice writes once.
    """

    once = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["once"] = new_form_token()


class EscrowForm(OnceForm):
    source = forms.ChoiceField(label=_("Source"), choices=FundingSource.choices)
    amount = MoneyField(label=_("Amount"))
    reference = forms.CharField(label=_("Bank or budget reference"), max_length=200)


# What the reason box of a step asks for, where the step's guard reads it.
REASON_LABELS = {
    ChallengeStatus.DRAFT: _("What the issuer should change"),
    ChallengeStatus.APPLICATIONS_CLOSED: _("Reason for closing early (needed only before the deadline)"),
    ChallengeStatus.COMPLETED: _("Acceptance report"),
}


class TransitionForm(forms.Form):
    """One step of the lifecycle: ``to`` comes from the step's button, ``reason`` from its text box, if any."""

    to = forms.ChoiceField(label=_("Next stage"))
    reason = forms.CharField(label=_("Reason or report"), widget=SHORT_TEXTAREA, required=False, max_length=5000)

    def __init__(self, *args: Any, targets: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(t, ChallengeStatus(t).label) for t in targets]
        self.fields["to"].choices = choices  # type: ignore[attr-defined]
        step = self.data.get("to") if self.is_bound else (targets[0] if len(targets) == 1 else None)
        if step in REASON_LABELS:
            self.fields["reason"].label = REASON_LABELS[ChallengeStatus(step)]


class ShortlistForm(forms.Form):
    applications = forms.ModelMultipleChoiceField(
        label=_("Shortlisted teams"), queryset=Application.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(label=_("Reasons"), widget=SHORT_TEXTAREA, max_length=5000)

    def __init__(self, *args: Any, challenge: Challenge, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["applications"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101 - narrows the type
        field.queryset = challenge.applications.filter(status="submitted").order_by("submitted_at", "id")


class MilestoneRowForm(forms.Form):
    """One milestone of an award: what is delivered, its tranche in yuan, when, and how it is accepted."""

    title = forms.CharField(label=_("Deliverable"), max_length=300)
    amount = MoneyField(label=_("Tranche (yuan)"), help_text=_("In yuan, e.g. 250万."))
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))
    criterion = forms.CharField(
        label=_("Acceptance criterion"),
        max_length=1500,
        widget=SHORT_TEXTAREA,
        help_text=_("How the issuer will judge it delivered, e.g. a test and its threshold."),
    )

    def spec(self) -> services.MilestoneSpec:
        """The milestone as the award takes it."""
        data = self.cleaned_data
        return services.MilestoneSpec(
            deliverable=data["title"].strip(),
            criterion=data["criterion"].strip(),
            due_on=data["due_on"],
            amount=data["amount"],
        )


class OptionalRows(forms.BaseFormSet[MilestoneRowForm]):
    """Rows of which any may be left empty (an empty row is ignored), however many were shown."""

    def initial_form_count(self) -> int:
        return 0


MILESTONE_ROWS = 2  # shown for each team at first; "add a row" gives one more
MAX_MILESTONE_ROWS = 20
ROW_FIELDS = ("title", "amount", "due_on", "criterion")


def milestone_rows(rows: int, **kwargs: Any) -> OptionalRows:
    """A team's milestone rows: ``rows`` empty (or ``initial``) rows when shown, as many as were sent when bound."""
    formset = forms.formset_factory(
        MilestoneRowForm,
        formset=OptionalRows,
        extra=min(rows, MAX_MILESTONE_ROWS),
        max_num=MAX_MILESTONE_ROWS,
        absolute_max=MAX_MILESTONE_ROWS,
        validate_max=True,
    )
    return cast(OptionalRows, formset(**kwargs))


class AwardForm(forms.Form):
    """Per shortlisted team: the award and its milestone rows; a team left without either is not awarded.

    A team's award may be left empty: it is then the sum of its tranches; when given, the tranches
    must add up to it. All awards together may not exceed the bounty. Sending the form with its
    ``add_row`` button (value: the application's id) adds an empty row to that team and saves nothing.
    """

    reason = forms.CharField(label=_("Reasons"), widget=SHORT_TEXTAREA, required=False, max_length=5000)

    def __init__(self, data: QueryDict | None = None, *, challenge: Challenge, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.challenge = challenge
        self.shortlisted = list(challenge.applications.filter(status="shortlisted").order_by("shortlist_rank", "id"))
        self.adding = data is not None and self.add_prefix("add_row") in data
        self.rows: dict[int, OptionalRows] = {}
        for application in self.shortlisted:
            self.fields[f"amount_{application.pk}"] = MoneyField(
                label=_("Award to %(team)s (yuan)") % {"team": application.team_name},
                required=False,
                help_text=_("Leave empty to award the sum of the tranches."),
            )
            self.rows[application.pk] = self._rows(application, data)
        self._plans: list[services.AwardPlan] = []

    def _rows(self, application: Application, data: QueryDict | None) -> OptionalRows:
        prefix = self.add_prefix(f"m{application.pk}")
        if data is None:
            return milestone_rows(MILESTONE_ROWS, prefix=prefix)
        if not self.adding:
            return milestone_rows(0, data=data, prefix=prefix)
        # Adding a row: show what was typed (filled rows first) as a fresh form, plus the new empty row.
        try:
            shown = min(int(data.get(f"{prefix}-TOTAL_FORMS", "0")), MAX_MILESTONE_ROWS)
        except ValueError:
            shown = 0
        typed = []
        for index in range(shown):
            row = {name: data.get(f"{prefix}-{index}-{name}", "").strip() for name in ROW_FIELDS}
            if any(row.values()):
                typed.append(row)
        wanted = data.get(self.add_prefix("add_row")) == str(application.pk)
        return milestone_rows(max(shown, len(typed)) + int(wanted), initial=typed, prefix=prefix)

    def teams(self) -> list[tuple[Application, forms.BoundField, OptionalRows]]:
        """Per shortlisted team: the application, its award field and its milestone rows."""
        return [(a, self[f"amount_{a.pk}"], self.rows[a.pk]) for a in self.shortlisted]

    def is_valid(self) -> bool:
        """Valid when the form, every team's rows and the sums hold; never while a row is being added."""
        rows_valid = all(rows.is_valid() for rows in self.rows.values()) if not self.adding else False
        return super().is_valid() and rows_valid

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._plans = []
        if self.adding:
            return data
        total = Money(0)
        for application in self.shortlisted:
            rows = self.rows[application.pk]
            if not rows.is_valid():
                continue  # the rows show their own errors
            field = f"amount_{application.pk}"
            milestones = [row.spec() for row in rows.forms if row.has_changed() and row.cleaned_data]
            amount: Money | None = data.get(field)
            if not milestones:
                if amount:
                    self.add_error(field, _("Add at least one milestone for this team."))
                continue
            tranches = sum((m.amount for m in milestones), Money(0))
            if amount is None:
                amount = tranches
            elif tranches != amount:
                self.add_error(
                    field,
                    _("The tranches add up to %(tranches)s, not the %(amount)s awarded.")
                    % {"tranches": tranches.format(), "amount": amount.format()},
                )
                continue
            total += amount
            self._plans.append(services.AwardPlan(application_id=application.pk, amount=amount, milestones=milestones))
        if total > self.challenge.bounty:
            raise ValidationError(
                _("The awards add up to %(total)s, more than the bounty of %(bounty)s.")
                % {"total": total.format(), "bounty": self.challenge.bounty.format()},
                code="over_bounty",
            )
        return data

    def plans(self) -> list[services.AwardPlan]:
        """The winners' plans, once the form is valid."""
        return self._plans


class TerminationForm(forms.Form):
    reason = forms.CharField(label=_("Reasons for terminating"), widget=SHORT_TEXTAREA, max_length=5000)

    def __init__(self, *args: Any, challenge: Challenge, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.working = list(challenge.agreements.filter(status="active").select_related("application"))
        for agreement in self.working:
            team = agreement.application.team_name
            self.fields[f"records_{agreement.pk}"] = forms.CharField(
                label=_("Original records kept by %(team)s") % {"team": team}, widget=SHORT_TEXTAREA
            )
            self.fields[f"diligent_{agreement.pk}"] = forms.BooleanField(
                label=_("%(team)s was diligent") % {"team": team}, required=False
            )
            self.fields[f"finding_{agreement.pk}"] = forms.CharField(
                label=_("Finding on %(team)s") % {"team": team}, widget=SHORT_TEXTAREA
            )

    def diligence(self) -> list[services.DiligenceSpec]:
        return [
            services.DiligenceSpec(
                agreement_id=a.pk,
                records=self.cleaned_data[f"records_{a.pk}"],
                diligent=bool(self.cleaned_data.get(f"diligent_{a.pk}")),
                finding=self.cleaned_data[f"finding_{a.pk}"],
            )
            for a in self.working
        ]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); cleans to a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class EvidenceForm(forms.Form):
    evidence = forms.CharField(label=_("Evidence"), widget=TEXTAREA, max_length=20000)
    records = MultipleFileField(
        label=_("Original records"),
        required=False,
        help_text=_("Only each file's SHA-256 digest is kept; keep the files themselves."),
    )

    def clean_records(self) -> list[Any]:
        uploads = list(self.cleaned_data.get("records") or [])
        if any(upload.size > MAX_EVIDENCE_FILE for upload in uploads):
            raise ValidationError(_("A file is larger than 50 MB."), code="file_too_large")
        return uploads

    def digests(self) -> list[dict[str, object]]:
        """Name, SHA-256 and size of each uploaded file, read in chunks; the bytes are not stored."""
        out = []
        for upload in self.cleaned_data.get("records") or []:
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            out.append({"name": upload.name, "sha256": digest.hexdigest(), "size": upload.size})
        return out


class MilestoneDecisionForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Accept")), ("0", _("Reject"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(label=_("Reasons"), widget=SHORT_TEXTAREA, required=False, max_length=5000)


class ReleaseForm(OnceForm):
    amount = MoneyField(label=_("Amount"), required=False, help_text=_("Leave empty to release the whole tranche."))


class TeamChoiceField(forms.ModelChoiceField[Agreement]):
    def label_from_instance(self, obj: Agreement) -> str:
        return obj.application.team_name


class GateChoiceField(forms.ModelChoiceField[StageGate]):
    def label_from_instance(self, obj: StageGate) -> str:
        return f"{obj.due_on} {localized(obj.name)}"


class GateDecisionForm(forms.Form):
    gate = GateChoiceField(label=_("Stage gate"), queryset=StageGate.objects.none())
    agreement = TeamChoiceField(label=_("Team"), queryset=Agreement.objects.none())
    decision = forms.ChoiceField(label=_("Decision"), choices=GateDecision.choices)
    merged_into = TeamChoiceField(label=_("Merge into"), queryset=Agreement.objects.none(), required=False)
    reasons = forms.CharField(label=_("Reasons"), widget=SHORT_TEXTAREA, max_length=5000)

    def __init__(self, *args: Any, challenge: Challenge, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        working = challenge.agreements.filter(status="active").select_related("application")
        for name in ("agreement", "merged_into"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
            field.queryset = working
        gate_field = self.fields["gate"]
        assert isinstance(gate_field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        gate_field.queryset = challenge.stage_gates.all()


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Stage"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from kechuang.challenges.enums import PUBLIC_STATUSES

        any_choice = [("", _("Any"))]
        self.fields["status"].choices = any_choice + [(s, ChallengeStatus(s).label) for s in PUBLIC_STATUSES]  # type: ignore[attr-defined]
        self.fields["sector"].choices = any_choice + list(sector_choices())  # type: ignore[attr-defined]
        self.fields["region"].choices = any_choice + list(region_choices())  # type: ignore[attr-defined]

    def filters(self) -> dict[str, str]:
        data = self.cleaned_data if self.is_valid() else {}
        return {name: str(data.get(name) or "") for name in ("q", "status", "sector", "region")}

    def active(self) -> bool:
        return any(self.filters().values())
