"""Forms of the challenges pages. They read and check input; the services decide and write.

Multi-row parts of a list (indicators, stage gates, milestone plans) are typed one row per line
with ``|`` between the parts, which works on a phone without any script.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.models import Organization, User
from kechuang.challenges import services
from kechuang.challenges.enums import ChallengeStatus, FundingSource, GateDecision, IpTerms
from kechuang.challenges.models import Agreement, Application, Challenge, StageGate
from kechuang.core.i18n import bilingual, localized
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
        label=_("Other team members"), required=False, help_text=_("Their user names, separated by commas.")
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


class EscrowForm(forms.Form):
    source = forms.ChoiceField(label=_("Source"), choices=FundingSource.choices)
    amount = MoneyField(label=_("Amount"))
    reference = forms.CharField(label=_("Bank or budget reference"), max_length=200)


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("Next stage"))
    reason = forms.CharField(label=_("Reason or report"), widget=SHORT_TEXTAREA, required=False, max_length=5000)

    def __init__(self, *args: Any, targets: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(t, ChallengeStatus(t).label) for t in targets]
        self.fields["to"].choices = choices  # type: ignore[attr-defined]


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


class AwardForm(forms.Form):
    """One amount and milestone plan per shortlisted team; a team left without an amount is not awarded."""

    reason = forms.CharField(label=_("Reasons"), widget=SHORT_TEXTAREA, required=False, max_length=5000)

    def __init__(self, *args: Any, challenge: Challenge, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shortlisted = list(challenge.applications.filter(status="shortlisted").order_by("shortlist_rank", "id"))
        for application in self.shortlisted:
            self.fields[f"amount_{application.pk}"] = MoneyField(
                label=_("Amount for %(team)s") % {"team": application.team_name}, required=False
            )
            self.fields[f"milestones_{application.pk}"] = forms.CharField(
                label=_("Milestones of %(team)s") % {"team": application.team_name},
                widget=SHORT_TEXTAREA,
                required=False,
                help_text=_("One per line: YYYY-MM-DD | tranche in yuan | deliverable."),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._plans: list[services.AwardPlan] = []
        for application in self.shortlisted:
            amount = data.get(f"amount_{application.pk}")
            if not amount:
                continue
            field = f"milestones_{application.pk}"
            try:
                rows = _lines(data.get(field) or "", 3, "milestones")
                milestones = [
                    services.MilestoneSpec(deliverable=what, due_on=_date(day, number), amount=Money.parse(money))
                    for number, (day, money, what) in enumerate(rows, start=1)
                ]
            except ValidationError as exc:
                self.add_error(field, exc)
                continue
            self._plans.append(services.AwardPlan(application_id=application.pk, amount=amount, milestones=milestones))
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


class ReleaseForm(forms.Form):
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
